"""`make module`: the webhook receiver as a plain Terraform module, committed under modules/.

    python -m constructs_lib.module_command [--config examples.module_config:props] [--out DIR]
    python -m constructs_lib.module_command --check      # exit 1 when modules/ is stale

`--config` names a Python callable (module:function) returning the `WebhookIngestProps` that
fix what a module cannot change per environment (the sources, their body models, signature
schemes, FIFO or not, paths; see FIXED). Everything else is a Terraform variable: a
`TerraformVariable` whose token the props let pass (tokens.py) and the constructs write as an
expression, with `validation` blocks that say what the props would say (module_variables.py).
The synthesized stack is split into the module's files by its top-level keys; nothing is
searched for or replaced in it. Two runs write identical bytes.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .function import MODULE_CONTEXT
from .module_readme import render_readme
from .module_variables import ALARM_SETTINGS, GLOBAL_SETTINGS, module_variables, source_defaults, visibility_expression
from .prop_errors import PropsError, parse_props
from .webhook_props import WebhookIngestProps

ROOT = Path(__file__).resolve().parent.parent
# The committed modules: directory under modules/ -> the config that makes it.
MODULES = {"webhook-ingest": "examples.module_config:props"}
DEFAULT_CONFIG = MODULES["webhook-ingest"]
STACK = "module"
TERRAFORM_REQUIRED_VERSION = ">= 1.9.0"
AWS_PROVIDER_SOURCE = "hashicorp/aws"
# What a module fixes when it is made, and why it cannot be a variable.
FIXED = {
    "sources (names, routes)": "each source is its own queues, route, pipe and workflow: resources, not values",
    "body model (JSON Schema) and content types": "API Gateway validates against the model in the OpenAPI document, derived from a Pydantic class; each content type has its own template",
    "handshakes": "an endpoint check is a method and templates of the API, and Meta's verify token is compared in them",
    "signature scheme": "decides which headers the API forwards and which verifier code runs",
    "FIFO or standard queue": "a queue cannot change type in place; FIFO also changes names and the request template",
    "processing step": "the Lambda code (or states) of the workflow is part of the module",
    "stage name, execution log level, alarms on or off": "shape the stage, its log group and the alarm resources",
}


def load_config(spec: str) -> WebhookIngestProps:
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise SystemExit(f"--config {spec!r}: use module:function, e.g. {DEFAULT_CONFIG}")
    factory: Callable[[], Any] = getattr(importlib.import_module(module_name), attribute)
    return parse_props(WebhookIngestProps, factory())


def build(props: WebhookIngestProps, out: Path, *, title: str = "webhook-ingest") -> None:
    """Write the module made from `props` to `out` (replacing it)."""
    from . import engine
    from .webhook import WebhookIngest

    found = engine.default()
    core = found.core
    variables = module_variables(props)
    with tempfile.TemporaryDirectory(prefix="module-synth-") as scratch:
        app = core.App(outdir=scratch, context={MODULE_CONTEXT: True})
        stack = core.TerraformStack(app, STACK)
        # cdktf refuses resources without a provider construct; the module leaves the block out.
        found.aws.AwsProvider(stack, "aws")
        stack.add_override("terraform.required_providers.aws.version", _constraint())
        made = {
            name: core.TerraformVariable(
                stack,
                name,
                type=variable.type,
                description=variable.description,
                default=None if variable.required else (core.Token.null_value() if variable.default is None else variable.default),
                nullable=variable.nullable,
                validation=[
                    core.TerraformVariableValidationConfig(condition=c["condition"], error_message=c["error_message"])
                    for c in variable.block().get("validation", [])
                ],
            )
            for name, variable in variables.items()
        }
        WebhookIngest(stack, "Webhooks", _tokenized(core, props, made))
        app.synth()
        stack_dir = Path(scratch) / "stacks" / STACK
        synthesized = json.loads((stack_dir / "cdk.tf.json").read_text())
        documents = split(synthesized)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        if (stack_dir / "assets").is_dir():
            shutil.copytree(stack_dir / "assets", out / "assets")
    for name, document in documents.items():
        (out / name).write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    (out / "README.md").write_text(render_readme(documents, title=title, props=props, fixed=FIXED))


def _tokenized(core: Any, props: WebhookIngestProps, made: Mapping[str, Any]) -> WebhookIngestProps:
    """`props` with every per-environment value replaced by its variable's token."""
    fn = core.Fn

    def number(variable: str, *path: str) -> Any:
        value = made[variable].value
        return core.Token.as_number(fn.lookup_nested(value, list(path))) if path else made[variable].number_value

    flat: dict[str, Any] = {
        "name": made["name_prefix"].string_value,
        "tags": core.Token.as_string_map(made["tags"].value),
        "throttle_rate_limit": number("throttle_rate_limit"),
        "throttle_burst_limit": number("throttle_burst_limit"),
        "access_log_retention_days": number("access_log_retention_days"),
        "tracing": made["tracing"].boolean_value,
        "manage_account_logging_role": made["manage_account_logging_role"].boolean_value,
        "allowed_source_ips": made["allowed_source_ips"].list_value,
        "web_acl_arn": made["web_acl_arn"].string_value,
        "api_key_required": made["api_key_required"].boolean_value,
        "queue_encryption": made["queue_encryption"].string_value,
        "queue_kms_key_arn": made["queue_kms_key_arn"].string_value,
        "log_encryption": made["log_encryption"].string_value,
        "log_kms_key_arn": made["log_kms_key_arn"].string_value,
        "kms_deletion_window_days": number("kms_deletion_window_days"),
    }
    assert set(flat) - {"name", "tags"} == set(GLOBAL_SETTINGS)
    alarms = {
        name: core.Token.as_list(fn.lookup_nested(made["alarms"].value, [name])) if name == "actions" else number("alarms", name)
        for name in ALARM_SETTINGS
    }
    sources = []
    for source in props.sources:
        settings = made["sources"].value
        at = f"var.sources.{source.name}"

        def attribute(name: str, source_name: str = source.name) -> Any:
            return core.Token.as_number(fn.lookup_nested(settings, [source_name, name]))

        values = source_defaults(source)
        own: dict[str, Any] = {
            name: attribute(name)
            for name in ("max_receive_count", "retention_seconds", "dlq_retention_seconds", "throttle_rate_limit", "throttle_burst_limit")
        }
        # The construct's own derivation, written in Terraform over the variable.
        own["visibility_timeout_seconds"] = core.Token.as_number(_expression(core, visibility_expression(source, at)))
        update: dict[str, Any] = {**own}
        if source.processing is not None:
            update["rejected_retention_seconds"] = attribute("rejected_retention_seconds")
            update["processing"] = source.processing.model_copy(
                update={
                    "batch_size": attribute("batch_size"),
                    "batch_window_seconds": attribute("batch_window_seconds"),
                    "log_retention_days": attribute("log_retention_days"),
                    "secret_arn": core.Token.as_string(fn.lookup_nested(settings, [source.name, "secret_arn"])),
                    "secret_kms_key_arn": core.Token.as_string(fn.lookup_nested(settings, [source.name, "secret_kms_key_arn"])),
                    "tracing": made["tracing"].boolean_value,
                }
            )
        assert set(update) - {"processing"} <= set(values)
        sources.append(source.model_copy(update=update))
    data = {**dict(props), **flat, "alarms": props.alarms.model_copy(update=alarms), "sources": tuple(sources)}
    # Validated again: the props' checks run over the tokens (and let them pass).
    return WebhookIngestProps.model_validate({k: v for k, v in data.items()})


def _expression(core: Any, text: str) -> Any:
    """A Terraform expression as a token (cdktf writes `${text}`)."""
    return core.Token.as_any(f"${{{text}}}")


def split(synthesized: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The module's files from a synthesized stack, by its top-level keys: variables, outputs,
    versions (terraform block without backend), main (resources, data, locals). The provider
    configuration is the caller's and is left out; cdktf's `//` metadata names construct
    paths a module reader does not need."""
    config = _without_metadata(dict(synthesized))
    main = {key: config[key] for key in ("data", "locals", "resource") if config.get(key)}
    versions = {
        "terraform": {
            "required_version": TERRAFORM_REQUIRED_VERSION,
            "required_providers": {
                "aws": {"source": AWS_PROVIDER_SOURCE, "version": config["terraform"]["required_providers"]["aws"]["version"]}
            },
        }
    }
    return {
        "versions.tf.json": versions,
        "main.tf.json": main,
        "variables.tf.json": {"variable": config.get("variable", {})},
        "outputs.tf.json": {"output": config.get("output", {})},
    }


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


def _constraint() -> str:
    from .stack import AWS_PROVIDER_CONSTRAINT

    return AWS_PROVIDER_CONSTRAINT


def stale(root: Path = ROOT) -> list[str]:
    """The committed modules' files that differ from what the constructs make now."""
    differences: list[str] = []
    with tempfile.TemporaryDirectory(prefix="module-check-") as scratch:
        for name, config in MODULES.items():
            fresh = Path(scratch) / name
            build(load_config(config), fresh, title=name)
            committed = root / "modules" / name
            differences += _differences(fresh, committed, f"modules/{name}")
    return differences


def _differences(fresh: Path, committed: Path, label: str) -> list[str]:
    if not committed.is_dir():
        return [f"{label} (missing)"]
    compared = filecmp.dircmp(fresh, committed)
    found = [f"{label}/{n} (only in the new build)" for n in compared.left_only]
    found += [f"{label}/{n} (no longer made)" for n in compared.right_only]
    found += [f"{label}/{n}" for n in compared.diff_files]
    for name, sub in compared.subdirs.items():
        found += _differences(fresh / name, committed / name, f"{label}/{name}")
    found += [f"{label}/{n} (unreadable)" for n in compared.funny_files]
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="module:function returning WebhookIngestProps (default: every module of MODULES)")
    parser.add_argument("--out", type=Path, help="module directory to (re)write (default: modules/<name>)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed module differs from a fresh build")
    args = parser.parse_args(argv)
    try:
        if args.check:
            differences = stale()
            if differences:
                print("stale modules (run make module):\n  " + "\n  ".join(differences), file=sys.stderr)
                return 1
            print("modules/ is up to date")
            return 0
        if args.config or args.out:
            out = args.out or ROOT / "dist" / "terraform-aws-webhook-ingest"
            build(load_config(args.config or DEFAULT_CONFIG), out, title=out.name)
            print(f"module written: {out}")
            return 0
        for name, config in MODULES.items():
            build(load_config(config), ROOT / "modules" / name, title=name)
            print(f"module written: modules/{name}")
    except PropsError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
