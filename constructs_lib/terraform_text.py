"""JSON documents as Terraform string values: what the API's OpenAPI `body` and the state
machine's `definition` are written with.

Pure: no cdktf (cdktf's token markers are only recognized, never resolved here).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["terraform_string"]

# cdktf marks values that Terraform will fill in as `${TfToken[...]}`; those must stay live.
_TEMPLATE_START = re.compile(r"\$\{(?!TfToken\[)|%\{")


def terraform_string(document: dict[str, Any]) -> str:
    """The document as JSON text that Terraform reads literally, but for cdktf's tokens.

    Terraform treats `${` and `%{` in any string as template syntax; Velocity's `${i}` or a
    regular expression like `^a{2}$` next to a brace would otherwise be evaluated or refused.
    Doubling the first character (`$${`, `%%{`) is Terraform's escape for the literal.
    """
    text = json.dumps(document, ensure_ascii=False, indent=None, separators=(",", ":"))
    return _TEMPLATE_START.sub(lambda m: m.group(0)[0] + m.group(0), text)
