"""`make module`: the webhook receiver as a plain Terraform module in dist/.

    python -m constructs_lib.module_command [--config examples.module_config:props] [--out DIR]

`--config` names a Python callable (module:function) that returns the `WebhookIngestProps`
to build; its `name` and `tags` are ignored (they become the module's `name_prefix` and
`tags` variables). The module is synthesized with cdktf and turned into module files by the
pure `constructs_lib.module_export`; two runs write identical bytes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .module_export import NAME_SENTINEL, TAG_SENTINEL, module_from_stack, render_readme
from .prop_errors import PropsError, parse_props
from .webhook_props import WebhookIngestProps

DEFAULT_CONFIG = "examples.module_config:props"
DEFAULT_OUT = Path("dist") / "terraform-aws-webhook-ingest"
STACK = "module"


def load_config(spec: str) -> WebhookIngestProps:
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise SystemExit(f"--config {spec!r}: use module:function, e.g. {DEFAULT_CONFIG}")
    factory: Callable[[], Any] = getattr(importlib.import_module(module_name), attribute)
    return parse_props(WebhookIngestProps, factory())


def max_prefix_length(props: WebhookIngestProps) -> int:
    """The longest prefix for which every derived name passes the props' own checks."""
    for length in range(40, 0, -1):
        try:
            WebhookIngestProps.model_validate({**dict(props), "name": "a" * length})
        except Exception:
            continue
        return length
    raise PropsError("no name prefix fits the derived resource names: shorten the source names")


def build(props: WebhookIngestProps, out: Path) -> None:
    from . import engine
    from .webhook import WebhookIngest

    # Either engine writes the same module (tests/synth/test_engines.py); the default does.
    found = engine.default()

    longest = max_prefix_length(props)
    if longest < len(NAME_SENTINEL):
        raise PropsError(
            f"the source names leave room for a name prefix of only {longest} characters: shorten them"
        )
    stand_in = WebhookIngestProps.model_validate({**dict(props), "name": NAME_SENTINEL, "tags": TAG_SENTINEL})
    with tempfile.TemporaryDirectory(prefix="module-synth-") as scratch:
        app = found.core.App(outdir=scratch)
        stack = found.core.TerraformStack(app, STACK)
        # cdktf refuses resources without a provider construct; the module leaves the block out.
        found.aws.AwsProvider(stack, "aws")
        stack.add_override("terraform.required_providers.aws.version", _constraint())
        WebhookIngest(stack, "Webhooks", stand_in)
        app.synth()
        stack_dir = Path(scratch) / "stacks" / STACK
        synthesized = json.loads((stack_dir / "cdk.tf.json").read_text())
        first = props.sources[0]
        defaults = {
            "max_receive_count": first.max_receive_count,
            "retention_seconds": first.retention_seconds,
            "dlq_retention_seconds": first.dlq_retention_seconds,
            "log_retention_days": first.processing.log_retention_days if first.processing else 30,
            "batch_size": first.pipe_batch_size if first.processing else 10,
        }
        files = module_from_stack(
            synthesized,
            sources={s.name: {"processing": s.processing is not None} for s in props.sources},
            max_prefix_length=longest,
            defaults=defaults,
        )
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        if (stack_dir / "assets").is_dir():
            shutil.copytree(stack_dir / "assets", out / "assets")
    for name, document in files.documents.items():
        (out / name).write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    (out / "README.md").write_text(_readme(props, files))


def _constraint() -> str:
    from .stack import AWS_PROVIDER_CONSTRAINT

    return AWS_PROVIDER_CONSTRAINT


def _readme(props: WebhookIngestProps, files: Any) -> str:
    fixed = {}
    for source in props.sources:
        queue = "FIFO" if source.fifo else "standard"
        scheme = source.processing.scheme if source.processing else "none (ingest only)"
        fixed[f"source `{source.name}`"] = (
            f"POST `{source.route}`, body model `{source.model.__name__}`, {queue} queue, "
            f"signature scheme {scheme}"
        )
    example = {"name_prefix": '"acme-webhooks"', "tags": '{ team = "payments" }', "max_receive_count": "5"}
    return render_readme(
        files,
        title="terraform-aws-webhook-ingest",
        summary=(
            "Receive webhooks on AWS: API Gateway validates each body against a JSON Schema and "
            "sends it, byte for byte, to SQS (with a dead-letter queue); where a source has "
            "processing, an EventBridge pipe runs an Express workflow that verifies the "
            "signature and processes the delivery. Made by `make module` from the Python "
            "constructs in this repository; to make one for another model or scheme, point "
            "`make module MODULE_CONFIG=yourpackage.module:props` at a function returning "
            "`WebhookIngestProps`."
        ),
        fixed=fixed,
        example_inputs=example,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="module:function returning WebhookIngestProps")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="module directory to (re)write")
    args = parser.parse_args(argv)
    try:
        build(load_config(args.config), args.out)
    except PropsError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"module written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
