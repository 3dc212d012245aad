"""The committed module's README: what it is and how to call it, then the reference part in
terraform-docs' layout (Requirements, Providers, Modules, Resources, Inputs, Outputs, between
its `BEGIN_TF_DOCS` markers), made from the module's own files so it cannot drift from them.

Pure: no cdktf.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .webhook_props import WebhookIngestProps
from .source_props import WebhookSource

__all__ = ["module_version", "render_readme", "REPOSITORY"]

# Where users source the module from (the README's and examples' `git::` addresses).
REPOSITORY = "github.com/acme-platform/cdktf-aws-webhook-ingest"
_REGISTRY = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs"


def module_version() -> str:
    """The release tag the README's `ref=` names: the package's version (pyproject.toml),
    which the CHANGELOG's newest entry also carries."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():
        return "v" + tomllib.loads(pyproject.read_text())["project"]["version"]
    from importlib.metadata import version

    return "v" + version("cdktf-aws-webhook-ingest")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _type(text: str) -> str:
    """A type as terraform-docs prints it: short ones inline, long ones in a <pre> block."""
    if len(text) <= 40:
        return _code(text)
    return "<pre>" + _cell(text).replace("<", "&lt;").replace(">", "&gt;") + "</pre>"


def _default(body: Mapping[str, Any]) -> str:
    if "default" not in body:
        return "n/a"
    value = body["default"]
    return _code("null" if value is None else json.dumps(value))


def reference(documents: Mapping[str, Mapping[str, Any]]) -> str:
    """The terraform-docs part: Requirements, Providers, Modules, Resources, Inputs, Outputs."""
    terraform = documents["versions.tf.json"]["terraform"]
    aws = terraform["required_providers"]["aws"]
    lines = [
        "<!-- BEGIN_TF_DOCS -->",
        "## Requirements",
        "",
        "| Name | Version |",
        "|------|---------|",
        f"| <a name=\"requirement_terraform\"></a> [terraform](#requirement\\_terraform) | {terraform['required_version']} |",
        f"| <a name=\"requirement_aws\"></a> [aws](#requirement\\_aws) | {aws['version']} |",
        "",
        "## Providers",
        "",
        "| Name | Version |",
        "|------|---------|",
        f"| <a name=\"provider_aws\"></a> [aws](#provider\\_aws) | {aws['version']} |",
        "",
        "## Modules",
        "",
        "No modules.",
        "",
        "## Resources",
        "",
        "| Name | Type |",
        "|------|------|",
    ]
    main = documents["main.tf.json"]
    rows = []
    for kind, section, label in (("resource", "resources", "resource"), ("data", "data-sources", "data source")):
        for resource_type, named in main.get(kind, {}).items():
            page = resource_type.removeprefix("aws_")
            for name in named:
                prefix = "data." if kind == "data" else ""
                rows.append((f"{prefix}{resource_type}.{name}", f"| [{prefix}{resource_type}.{name}]({_REGISTRY}/{section}/{page}) | {label} |"))
    lines += [row for _, row in sorted(rows)]
    lines += ["", "## Inputs", "", "| Name | Description | Type | Default | Required |", "|------|-------------|------|---------|:--------:|"]
    variables = documents["variables.tf.json"]["variable"]
    for name in sorted(variables):
        body = variables[name]
        lines.append(
            f"| <a name=\"input_{name}\"></a> [{name}](#input\\_{name}) | {_cell(body['description'])} | "
            f"{_type(body['type'])} | {_default(body)} | {'no' if 'default' in body else 'yes'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    outputs = documents["outputs.tf.json"]["output"]
    for name in sorted(outputs):
        lines.append(f"| <a name=\"output_{name}\"></a> [{name}](#output\\_{name}) | {_cell(outputs[name].get('description', ''))} |")
    lines.append("<!-- END_TF_DOCS -->")
    return "\n".join(lines)


def _body(source: WebhookSource) -> str:
    """What a source's route accepts: its model (JSON), and the media types queued as they are."""
    kinds = [f"`{source.model.__name__}`"] if source.model is not None else []
    return ", ".join(kinds + [f"`{media}`" for media in source.content_types])


def render_readme(
    documents: Mapping[str, Mapping[str, Any]], *, title: str, props: WebhookIngestProps, fixed: Mapping[str, str]
) -> str:
    version = module_version()
    sources = []
    for source in props.sources:
        queue = "FIFO" if source.fifo else "standard"
        scheme = source.processing.scheme if source.processing else "none (ingest only)"
        sources.append(
            f"| `{source.name}` | POST `{source.route}` | {_body(source)} | {queue} | {scheme} |"
        )
    names = [source.name for source in props.sources]
    lines = [
        f"# {title}",
        "",
        "Receive webhooks on AWS with Terraform alone: API Gateway validates each body against a JSON Schema and "
        "sends it, byte for byte, to SQS (with a dead-letter queue); an EventBridge pipe runs an Express workflow "
        "that verifies each delivery's signature and processes it, keeping rejected deliveries in a queue of their "
        "own. Made by `make module` from the Python constructs of this repository; every per-environment setting is "
        "a variable, checked by `validation` blocks that say what the Python props would.",
        "",
        "## Usage",
        "",
        "```hcl",
        'module "webhooks" {',
        f'  source = "git::https://{REPOSITORY}.git//modules/{title}?ref={version}"',
        "",
        '  name_prefix = "acme-webhooks"',
        '  tags        = { team = "payments" }',
        "",
        "  sources = {",
        f"    {names[0]} = {{ max_receive_count = 3 }}",
        "  }",
        "  alarms = {",
        '    actions = ["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]',
        "  }",
        "}",
        "```",
        "",
        "The module has no provider configuration and no backend: the calling root module owns both and may use "
        "the module with `for_each` or `count`. Set the signing secret of each source after apply "
        "(`aws secretsmanager put-secret-value --secret-id <source>_secret_arn output>`), or pass an existing "
        "secret as `sources.<name>.secret_arn`. Examples: `examples/terraform/` (minimal, complete, for_each).",
        "",
        "## Sources",
        "",
        "| source | route | body model | queue | signature scheme |",
        "|---|---|---|---|---|",
        *sources,
        "",
        "## Fixed when the module is made",
        "",
        "To change these, make another module: `make module MODULE_CONFIG=yourpackage.module:props`.",
        "",
        "| what | why it is not a variable |",
        "|---|---|",
        *[f"| {_cell(k)} | {_cell(v)} |" for k, v in fixed.items()],
        "",
        reference(documents),
    ]
    return "\n".join(lines) + "\n"
