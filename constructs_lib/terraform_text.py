"""JSON documents as Terraform string values: what the API's OpenAPI `body` and the state
machine's `definition` are written with.

Pure: no cdktf (cdktf's token markers are only recognized, never resolved here).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["RawJson", "terraform_string"]

# cdktf marks values that Terraform will fill in as `${TfToken[...]}`; those must stay live.
_TEMPLATE_START = re.compile(r"\$\{(?!TfToken\[)|%\{")


@dataclass(frozen=True)
class RawJson:
    """A value of the document that Terraform computes: `text` is a cdktf token (e.g. a
    conditional or a `jsonencode`) whose result is JSON text, placed unquoted."""

    text: str


def _placeholders(value: Any, found: dict[str, str]) -> Any:
    if isinstance(value, RawJson):
        key = f"\u0000raw{len(found)}\u0000"
        found[key] = value.text
        return key
    if isinstance(value, dict):
        return {k: _placeholders(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v, found) for v in value]
    return value


def terraform_string(document: dict[str, Any]) -> str:
    """The document as JSON text that Terraform reads literally, but for cdktf's tokens.

    Terraform treats `${` and `%{` in any string as template syntax; Velocity's `${i}` or a
    regular expression like `^a{2}$` next to a brace would otherwise be evaluated or refused.
    Doubling the first character (`$${`, `%%{`) is Terraform's escape for the literal.
    """
    raw: dict[str, str] = {}
    text = json.dumps(_placeholders(document, raw), ensure_ascii=False, indent=None, separators=(",", ":"))
    text = _TEMPLATE_START.sub(lambda m: m.group(0)[0] + m.group(0), text)
    for key, value in raw.items():
        # json.dumps wrote the placeholder's NUL as \u0000, which no other string can hold.
        text = text.replace(json.dumps(key), value)
    return text
