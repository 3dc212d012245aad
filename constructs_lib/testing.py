"""Helpers for testing stacks built with these constructs: synthesize in-process, normalize for
a snapshot, find resources. The repository's own synth tests use them too.

    from cdktf import Testing
    from constructs_lib import WebhookIngest, WebhookStack
    from constructs_lib.testing import resources, snapshot, synthesize

    def test_my_stack(snapshot_json):                    # syrupy, or any snapshot tool
        stack = WebhookStack(Testing.app(), "hooks")
        WebhookIngest(stack, "Webhooks", my_props())
        assert snapshot(stack) == snapshot_json
        queues = resources(synthesize(stack), "aws_sqs_queue")
        assert all(q.get("sqs_managed_sse_enabled") for q in queues.values())

What a snapshot holds: the stack's Terraform JSON with its keys sorted, cdktf's `//` metadata
(construct paths) left out, and the attributes that hold JSON documents as strings (the API's
OpenAPI `body`, IAM and queue policies, the state machine `definition`, redrive policies)
parsed, so a diff reads as a change of meaning. Nothing in it depends on the machine: asset
paths are relative to the stack, and the Lambda zips are byte-identical for identical sources
(their `source_code_hash` changes exactly when the code does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "JSON_STRING_ATTRIBUTES",
    "synthesize",
    "normalize",
    "snapshot",
    "resources",
    "only",
    "ref",
    "json_document",
    "terraform_unescape",
]

# Attributes that hold JSON documents as strings; a snapshot shows them parsed.
JSON_STRING_ATTRIBUTES = frozenset(
    {"body", "policy", "assume_role_policy", "redrive_policy", "redrive_allow_policy", "definition"}
)
# A live interpolation (not the escaped `$${`), whose expression may hold quoted strings.
_INTERPOLATION = re.compile(r'(?<!\$)\$\{(?:[^{}"]|"[^"]*")*\}')


def synthesize(stack: Any) -> dict[str, Any]:
    """The stack's Terraform JSON, synthesized in this process by the stack's engine
    (`Testing.synth` of cdktf or CDK Terrain)."""
    from . import engine

    document: dict[str, Any] = json.loads(engine.of(stack).core.Testing.synth(stack))
    return document


def normalize(value: Any, key: str | None = None, *, keep_metadata: bool = False) -> Any:
    """A synthesized document for a snapshot: keys sorted, JSON-in-strings parsed (see
    JSON_STRING_ATTRIBUTES), cdktf's `//` metadata dropped unless `keep_metadata`."""
    if isinstance(value, dict):
        return {
            k: normalize(v, k, keep_metadata=keep_metadata)
            for k, v in sorted(value.items())
            if keep_metadata or k != "//"
        }
    if isinstance(value, list):
        return [normalize(v, keep_metadata=keep_metadata) for v in value]
    if isinstance(value, str) and key in JSON_STRING_ATTRIBUTES:
        try:
            return normalize(json_document(value), keep_metadata=keep_metadata)
        except json.JSONDecodeError:
            return value
    return value


def snapshot(stack: Any) -> dict[str, Any]:
    """`normalize(synthesize(stack))`: what to compare with a stored snapshot."""
    normalized: dict[str, Any] = normalize(synthesize(stack))
    return normalized


def resources(document: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The resources of one type (`aws_sqs_queue`), by their logical id."""
    found: dict[str, dict[str, Any]] = document.get("resource", {}).get(kind, {})
    return found


def only(
    document: Mapping[str, Any], kind: str, where: Callable[[dict[str, Any]], bool] | None = None
) -> tuple[str, dict[str, Any]]:
    """The one resource of a type (that `where` accepts): (logical id, attributes). Fails, naming
    what it found, when there is none or more than one."""
    matches = [(k, v) for k, v in resources(document, kind).items() if where is None or where(v)]
    if len(matches) != 1:
        raise AssertionError(f"expected one {kind}, found {len(matches)}: {[k for k, _ in matches]}")
    return matches[0]


def ref(kind: str, logical_id: str, attribute: str) -> str:
    """The interpolation cdktf writes for a resource attribute: `${aws_sqs_queue.X.arn}`."""
    return "${" + f"{kind}.{logical_id}.{attribute}" + "}"


def json_document(text: str) -> Any:
    """Parse a JSON document held in a Terraform string before Terraform evaluates it.

    An interpolation like `${element(split(":", x.arn), 1)}` holds raw quotes, which Terraform
    removes by evaluating it; here it is kept as text, its quotes escaped, so the rest parses.
    """
    kept = _INTERPOLATION.sub(lambda m: m.group(0).replace('"', '\\"'), text)
    return json.loads(terraform_unescape(kept))


def terraform_unescape(text: str) -> str:
    """What Terraform makes of a literal string: `$${` is `${`, `%%{` is `%{`."""
    return text.replace("$${", "${").replace("%%{", "%{")
