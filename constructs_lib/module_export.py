"""Turn a synthesized stack into a plain Terraform module: pure functions over the JSON.

A module is what teams with their own root modules, remote state and CI can call. It must
hold no provider configuration and no backend (the caller owns both; a module with a provider
block cannot be used with `for_each` or `count`), reference its files through `path.module`,
and take as variables what users change per environment.

The construct library validates its props in Python, so per-environment values cannot be
Terraform variables while the constructs run. The stack is synthesized with recognizable
stand-ins instead (a sentinel name prefix, a sentinel tag map), and this module replaces each
stand-in, and a few attributes found by resource type, with `var.*` references. Whatever the
props checked in Python about those values is checked again by the variables' `validation`
blocks. `export` refuses a result in which a stand-in survives.

What stays fixed at synth time, because it shapes resources rather than values: the body
model (the API's JSON Schema), the signature scheme (which headers are forwarded, which
verifier runs), FIFO or standard queues, and the source names.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .limits import LOG_RETENTION_DAYS

__all__ = [
    "NAME_SENTINEL",
    "TAG_SENTINEL",
    "ModuleFiles",
    "module_from_stack",
    "render_readme",
]

# A prefix no real stack uses: lower-case letters only, so it passes the prefix checks.
NAME_SENTINEL = "zzmoduleprefixzz"
TAG_SENTINEL = {"zz-module-tags": "zz"}
AWS_PROVIDER_SOURCE = "hashicorp/aws"
TERRAFORM_REQUIRED_VERSION = ">= 1.5.0"


@dataclass(frozen=True)
class ModuleFiles:
    """The module's files as JSON documents (name -> document), plus the README text."""

    documents: dict[str, dict[str, Any]]
    readme: str
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _strings(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {k: _strings(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, fn) for v in value]
    if isinstance(value, str):
        return fn(value)
    return value


def _without_metadata(value: Any) -> Any:
    """cdktf's `//` entries name construct paths; a module reader does not need them."""
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


def _resources(config: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for kind, named in config.get("resource", {}).items():
        for name, body in named.items():
            yield kind, name, body


def _variable(kind: str, description: str, default: Any = None, validation: list[dict[str, str]] | None = None, nullable: bool | None = None) -> dict[str, Any]:
    variable: dict[str, Any] = {"type": kind, "description": description}
    if default is not None:
        variable["default"] = default
    if nullable is not None:
        variable["nullable"] = nullable
    if validation:
        variable["validation"] = validation
    return variable


def module_from_stack(
    stack: Mapping[str, Any],
    *,
    sources: Mapping[str, Mapping[str, Any]],
    max_prefix_length: int,
    defaults: Mapping[str, Any],
) -> ModuleFiles:
    """The module made from one synthesized stack (its cdk.tf.json, synthesized with
    NAME_SENTINEL as prefix and TAG_SENTINEL as tags).

    sources: source name -> {"processing": bool} as the props say.
    max_prefix_length: the longest prefix whose derived names all fit their AWS limits.
    defaults: the values the stack was synthesized with (max_receive_count,
        retention_seconds, dlq_retention_seconds, log_retention_days, batch_size), which
        become the variables' defaults.
    """
    config = _without_metadata(copy.deepcopy(dict(stack)))
    processing = any(s["processing"] for s in sources.values())
    variables: dict[str, dict[str, Any]] = {
        "name_prefix": _variable(
            "string",
            "Prefix of every resource name (API, queues, roles, functions); unique per account and "
            f"region. Lower-case letters, digits and single '-', at most {max_prefix_length} characters.",
            validation=[
                {
                    "condition": f'${{can(regex("^[a-z]([a-z0-9-]*[a-z0-9])?$", var.name_prefix)) && !strcontains(var.name_prefix, "--") && length(var.name_prefix) <= {max_prefix_length}}}',
                    "error_message": f"name_prefix: use 1-{max_prefix_length} lower-case letters, digits and single '-', starting with a letter.",
                }
            ],
        ),
        "tags": _variable("map(string)", "Tags on every taggable resource.", default={}, nullable=False),
        "max_receive_count": _variable(
            "number",
            "Receives before a message moves to its dead-letter queue.",
            default=defaults["max_receive_count"],
            validation=[
                {
                    "condition": "${var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count}",
                    "error_message": "max_receive_count: use a whole number from 1 to 1000.",
                }
            ],
        ),
        "retention_seconds": _variable(
            "number",
            "How long a queue keeps an unprocessed message, in seconds (60 to 1209600).",
            default=defaults["retention_seconds"],
            validation=[
                {
                    "condition": "${var.retention_seconds >= 60 && var.retention_seconds <= 1209600}",
                    "error_message": "retention_seconds: use 60 to 1209600 (14 days).",
                }
            ],
        ),
        "dlq_retention_seconds": _variable(
            "number",
            "How long a dead-letter queue keeps a failed message, and a rejected queue a rejected "
            "delivery, in seconds; at least retention_seconds.",
            default=defaults["dlq_retention_seconds"],
            validation=[
                {
                    "condition": "${var.dlq_retention_seconds >= 60 && var.dlq_retention_seconds <= 1209600}",
                    "error_message": "dlq_retention_seconds: use 60 to 1209600 (14 days), and at least retention_seconds.",
                }
            ],
        ),
    }
    variables["manage_account_logging_role"] = _variable(
        "bool",
        "Create the role API Gateway writes logs with and set it in the account's API Gateway "
        "settings (one per account and region: set false in all but one instance, or where it "
        "is already set up).",
        default=True,
        nullable=False,
    )
    if any(kind == "aws_cloudwatch_log_group" for kind, _, _ in _resources(config)):
        variables["log_retention_days"] = _variable(
            "number",
            "Days the API access, function, workflow and pipe logs are kept.",
            default=defaults["log_retention_days"],
            validation=[
                {
                    "condition": f"${{contains([{', '.join(str(d) for d in sorted(LOG_RETENTION_DAYS))}], var.log_retention_days)}}",
                    "error_message": "log_retention_days: use a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, ...).",
                }
            ],
        )
    if processing:
        variables["batch_size"] = _variable(
            "number",
            "Most records per workflow execution (1 to 10).",
            default=defaults["batch_size"],
            validation=[
                {
                    "condition": "${var.batch_size >= 1 && var.batch_size <= 10 && floor(var.batch_size) == var.batch_size}",
                    "error_message": "batch_size: use a whole number from 1 to 10.",
                }
            ],
        )
        variables["secret_arns"] = _variable(
            "map(string)",
            "Existing Secrets Manager secrets holding the signing secrets, by source name; a source "
            "not listed gets a new secret without a value (set it after apply; it never enters state).",
            default={},
            nullable=False,
        )
    sentinel_ref = "${var.name_prefix}"
    config = _strings(config, lambda s: s.replace(NAME_SENTINEL, sentinel_ref))

    locals_: dict[str, str] = {}
    replacements: dict[str, str] = {}
    counted: dict[str, bool] = {}
    for kind, name, body in _resources(config):
        if body.get("tags") == TAG_SENTINEL:
            body["tags"] = "${var.tags}"
        if kind == "aws_sqs_queue":
            # DLQs and rejected queues keep what an operator must look at: the longer retention.
            dlq = re.search(r"-(dlq|rejected)(\.fifo)?$", body["name"]) is not None
            body["message_retention_seconds"] = "${var.dlq_retention_seconds}" if dlq else "${var.retention_seconds}"
            if "redrive_policy" in body:
                body["redrive_policy"], count = re.subn(
                    r'"maxReceiveCount": \d+', '"maxReceiveCount": ${var.max_receive_count}', body["redrive_policy"]
                )
                assert count == 1, body["redrive_policy"]
        if kind == "aws_cloudwatch_log_group":
            body["retention_in_days"] = "${var.log_retention_days}"
        if kind == "aws_pipes_pipe":
            body["source_parameters"]["sqs_queue_parameters"]["batch_size"] = "${var.batch_size}"
        if kind == "aws_api_gateway_account" or (
            kind == "aws_iam_role" and str(body.get("name", "")).endswith("-apigw-logs")
        ) or (kind == "aws_iam_role_policy_attachment" and "AmazonAPIGatewayPushToCloudWatchLogs" in body.get("policy_arn", "")):
            body["count"] = "${var.manage_account_logging_role ? 1 : 0}"
            counted[f"{kind}.{name}"] = True
        if kind == "aws_lambda_function":
            body["filename"] = "${path.module}/" + body["filename"]
        if kind == "aws_secretsmanager_secret":
            source = _source_of_secret(body["name"], sources)
            body["count"] = f'${{contains(keys(var.secret_arns), "{source}") ? 0 : 1}}'
            local = f"secret_arn_{source.replace('-', '_')}"
            locals_[local] = f'${{try(var.secret_arns["{source}"], one(aws_secretsmanager_secret.{name}[*].arn))}}'
            replacements[f"${{aws_secretsmanager_secret.{name}.arn}}"] = f"${{local.{local}}}"
    for original, replacement in replacements.items():
        config = _strings(config, lambda s, o=original, r=replacement: s.replace(o, r))
    # References to the counted logging resources take their one instance; depends_on entries
    # (bare addresses) stay as they are, which Terraform accepts for counted resources.
    for address in counted:
        pattern = re.compile(r"\$\{" + re.escape(address) + r"\.(\w+)\}")
        config = _strings(config, lambda s, p=pattern, a=address: p.sub(lambda m: f"${{{a}[0].{m.group(1)}}}", s))

    # Output names drop the prefix: `module.webhooks.github_endpoint` reads better, and the
    # prefix is the caller's variable anyway.
    outputs = {
        name.removeprefix(f"{NAME_SENTINEL}_"): body for name, body in sorted(config.get("output", {}).items())
    }

    main: dict[str, Any] = {"resource": config["resource"]}
    # Data sources the constructs read (the provider's region, for the trust policies' ARNs).
    if config.get("data"):
        main["data"] = config["data"]
    if locals_:
        main["locals"] = dict(sorted(locals_.items()))
    versions = {
        "terraform": {
            "required_version": TERRAFORM_REQUIRED_VERSION,
            "required_providers": {
                "aws": {"source": AWS_PROVIDER_SOURCE, "version": config["terraform"]["required_providers"]["aws"]["version"]}
            },
        }
    }
    documents = {
        "versions.tf.json": versions,
        "main.tf.json": main,
        "variables.tf.json": {"variable": variables},
        "outputs.tf.json": {"output": outputs},
    }
    leftover = [s for s in _all_strings(documents) if NAME_SENTINEL in s or "zz-module-tags" in s]
    if leftover:
        raise ValueError(f"module export left stand-ins in place: {leftover[:3]}")
    return ModuleFiles(documents=documents, readme="", variables=variables, outputs=outputs)


def _source_of_secret(secret_name: str, sources: Mapping[str, Any]) -> str:
    # Secret names are "<prefix>-<source>/signing-secret" (props.PipelineNames.secret).
    for source in sorted(sources, key=len, reverse=True):
        if secret_name.endswith(f"-{source}/signing-secret"):
            return source
    raise ValueError(f"secret {secret_name!r} belongs to no source of {sorted(sources)}")


def _all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _all_strings(v)
    elif isinstance(value, str):
        yield value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_readme(files: ModuleFiles, *, title: str, summary: str, fixed: Mapping[str, str], example_inputs: Mapping[str, str]) -> str:
    """The module's README: what it is, an HCL usage example, the inputs and outputs."""
    lines = [f"# {title}", "", summary, "", "## Usage", "", "```hcl", 'module "webhooks" {', '  source = "./terraform-aws-webhook-ingest"', ""]
    width = max(len(k) for k in example_inputs)
    lines += [f"  {k.ljust(width)} = {v}" for k, v in example_inputs.items()]
    lines += ["}", "", 'output "endpoints" {', "  value = module.webhooks", "}", "```", ""]
    lines += [
        "The module declares no provider configuration and no backend: the calling root module",
        "owns both, and may use the module with `for_each` or `count`. It needs the AWS provider",
        f"`{files.documents['versions.tf.json']['terraform']['required_providers']['aws']['version']}` "
        f"and Terraform `{TERRAFORM_REQUIRED_VERSION}`.",
        "",
        "## Fixed when the module was made",
        "",
        "| what | value |",
        "|---|---|",
    ]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in fixed.items()]
    lines += ["", "## Inputs", "", "| name | type | default | description |", "|---|---|---|---|"]
    for name, variable in files.variables.items():
        default = json.dumps(variable["default"]) if "default" in variable else "required"
        lines.append(f"| `{name}` | `{variable['type']}` | `{default}` | {_cell(variable['description'])} |")
    lines += ["", "## Outputs", "", "| name | description |", "|---|---|"]
    for name, body in sorted(files.outputs.items()):
        lines.append(f"| `{name}` | {_cell(body.get('description', ''))} |")
    return "\n".join(lines) + "\n"
