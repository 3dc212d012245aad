"""Which prop values are still Terraform tokens (a variable, a reference), recognized without
importing cdktf or CDK Terrain.

A value that is still a token passes the props' checks untouched and is checked by Terraform
instead (the module's `validation` blocks), as aws-cdk skips its rules on `Token.isUnresolved`.
The engines encode tokens in four forms (cdktf 0.21 and cdktn 0.24 alike, `lib/tokens/private/
encoding.ts`):
  strings   hold `${TfToken[...]}` (several may be concatenated with literal text)
  lists     hold one string `#{TfToken[...]}`
  maps      have a key `&{TfToken[...]}`
  numbers   are doubles whose top 16 bits are 0xfdff (a NaN-like range no real value uses)
and anything else unresolved (a boolean variable, a map variable, `Fn.*` results) reaches Python
as a jsii object rather than a Python value.

Pure: no cdktf.
"""

from __future__ import annotations

import struct
from typing import Any

from pydantic import ValidatorFunctionWrapHandler, WrapValidator

__all__ = ["OrToken", "any_token", "has_token", "is_token"]

_STRING_MARKERS = ("${TfToken[", "#{TfToken[", "&{TfToken[")
_DOUBLE_MARKER = 0xFDFF
_PLAIN = (str, bytes, int, float, bool, type(None), list, tuple, dict, frozenset, set)


def is_token(value: Any) -> bool:
    """True when `value` itself is (or, for a string, holds) an unresolved token."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return any(marker in value for marker in _STRING_MARKERS)
    if isinstance(value, float):
        return struct.unpack(">Q", struct.pack(">d", value))[0] >> 48 == _DOUBLE_MARKER
    if isinstance(value, (list, tuple)):
        return len(value) == 1 and isinstance(value[0], str) and value[0].startswith("#{TfToken[")
    if isinstance(value, dict):
        return any(isinstance(key, str) and key.startswith("&{TfToken[") for key in value)
    return not isinstance(value, _PLAIN) and hasattr(value, "__jsii_ref__")


def has_token(value: Any) -> bool:
    """True when `value` or anything inside it is a token."""
    if is_token(value):
        return True
    if isinstance(value, dict):
        return any(has_token(k) or has_token(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_token(v) for v in value)
    return False


def any_token(*values: Any) -> bool:
    """True when any of `values` is a token: a rule across them cannot be decided in Python."""
    return any(has_token(value) for value in values)


def _pass_tokens(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return value if is_token(value) else handler(value)


# `field: Annotated[int, OrToken] = Field(ge=1, ...)`: a token skips the type and its bounds
# (Terraform checks it); any other value is validated as usual. Field validators of such a
# field see the token too and must let it pass.
OrToken = WrapValidator(_pass_tokens)
