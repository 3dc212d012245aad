"""Props values that may be Terraform tokens, turned into what a resource attribute takes.

A prop that is a plain Python value is used as it is, and the synthesized configuration is the
same as before tokens were allowed. A prop that is a token (a `TerraformVariable`, a reference)
becomes a Terraform expression: a conditional, a `count`, a `jsonencode`. This is how the
committed module (module_command) passes per-environment values through the constructs
themselves, rather than patching the synthesized text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from constructs import Construct

from . import engine
from .tokens import has_token, is_token

__all__ = ["choose", "count_when", "instance_ref", "json_text", "total", "when_flag", "with_statements"]


def choose(scope: Construct, flag: Any, if_true: Any, if_false: Any) -> Any:
    """`if_true if flag else if_false`, or Terraform's `flag ? a : b` when flag is a token."""
    if not is_token(flag):
        return if_true if flag else if_false
    core = engine.of(scope).core
    chosen = core.Fn.conditional(flag, if_true, if_false)
    if isinstance(if_true, str):
        return core.Token.as_string(chosen)
    if isinstance(if_true, (int, float)) and not isinstance(if_true, bool):
        return core.Token.as_number(chosen)
    return chosen


def count_when(scope: Construct, flag: Any) -> Any:
    """The `count` of a resource that exists when `flag` holds: None (no count) for a plain
    True, 0 or 1 in Terraform for a token. Callers create nothing for a plain False."""
    if not is_token(flag):
        return None
    return choose(scope, flag, 1, 0)


def instance_ref(resource: Any, attribute: str) -> str:
    """A reference to `attribute` of a resource that has a `count` of 0 or 1: null without
    its instance (Terraform refuses `type.name.attr` on a counted resource).

    A local holds the `one(...[*].attr)` expression and the reference is to the local: a
    cdktf token, which stays live inside JSON documents (terraform_text escapes any other
    `${`)."""
    address = f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"
    scope = resource.node.scope
    local = engine.of(scope).core.TerraformLocal(
        scope, f"{resource.node.id}-{attribute}", f"${{one({address}[*].{attribute})}}"
    )
    return str(local.as_string)


def json_text(scope: Construct, document: Any) -> Any:
    """A JSON attribute (a policy, a redrive policy): plain `json.dumps` text, or Terraform's
    `jsonencode` of the document when a value in it is a token (a number token would otherwise
    be written as its placeholder double)."""
    if not has_token(_without_strings(document)):
        return json.dumps(document)
    return engine.of(scope).core.Fn.jsonencode(document)


def with_statements(scope: Construct, document: dict[str, Any], statements: Sequence[Any], flag: Any) -> dict[str, Any]:
    """An IAM policy `document` with `statements` added when `flag` holds: a plain flag decides
    in Python; a Terraform one makes the list `concat(listed, flag ? statements : [])`, which
    `json_text` writes with `jsonencode`."""
    if not statements:
        return document
    if not is_token(flag):
        return {**document, "Statement": [*document["Statement"], *statements]} if flag else document
    core = engine.of(scope).core
    listed = core.Fn.concat(
        [_joined(core, list(document["Statement"])), core.Fn.conditional(flag, _joined(core, list(statements)), [])]
    )
    # As an IResolvable, not the string token concat returns: json_text must see a non-string token.
    return {**document, "Statement": core.Token.as_any(listed)}


_STRING_TOKEN = re.compile(r"(\$\{TfToken\[[^\]]+\]\})")


def _joined(core: Any, value: Any) -> Any:
    """`value` with each string that mixes a token and text (`<arn>:*`) as `join("", [...])`:
    cdktf writes such a string inside a function's argument correctly, but warns that it may
    not (it sees the `${` it wrote itself)."""
    if isinstance(value, dict):
        return {k: _joined(core, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_joined(core, v) for v in value]
    if isinstance(value, str) and is_token(value):
        parts = [part for part in _STRING_TOKEN.split(value) if part]
        if len(parts) > 1:
            return core.Fn.join("", parts)
    return value


def when_flag(scope: Construct, flag: Any, value: Any) -> Any:
    """`value` when `flag` holds, else None (Terraform's null when the flag is a token)."""
    if not is_token(flag):
        return value if flag else None
    core = engine.of(scope).core
    chosen = core.Fn.conditional(flag, value, core.Token.null_value())
    if isinstance(value, bool):
        return chosen
    if isinstance(value, (int, float)):
        return core.Token.as_number(chosen)
    return core.Token.as_string(chosen)


def total(scope: Construct, values: Sequence[Any], cap: float) -> Any:
    """min(sum(values), cap), in Terraform when a value is a token."""
    if not any(is_token(v) for v in values):
        return min(sum(values), cap)
    core = engine.of(scope).core
    return core.Token.as_number(core.Fn.min([core.Token.as_number(core.Fn.sum(list(values))), cap]))


def _without_strings(value: Any) -> Any:
    """The document with its strings dropped: string tokens inside JSON text stay live as they
    are (cdktf resolves them in place), so only other tokens need `jsonencode`."""
    if isinstance(value, dict):
        return {k: _without_strings(v) for k, v in value.items() if not isinstance(v, str)}
    if isinstance(value, (list, tuple)):
        return [_without_strings(v) for v in value if not isinstance(v, str) or is_token(v) and v.startswith("#{")]
    return value
