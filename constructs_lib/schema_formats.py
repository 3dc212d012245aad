"""Patterns API Gateway enforces for the string formats Pydantic checks (date-time, date, UUID,
URL, e-mail), and the `Email` type both sides check alike.

Each pattern accepts at least every string Pydantic accepts for the type in strict JSON mode
(proven by the differential tests in tests/properties/test_schema_differential.py), and rejects the
usual junk. Syntax is limited to what Python re, ECMA 262 and java.util.regex read alike: ASCII
classes, (?:), quantifiers, ^ and $. Pure: standard library and pydantic only.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

__all__ = [
    "DATE_PATTERN",
    "DATE_TIME_PATTERN",
    "EMAIL_PATTERN",
    "EMAIL_STR_PATTERN",
    "Email",
    "UUID_PATTERN",
    "url_pattern",
    "uuid_pattern",
]


# Each accepts at least every string Pydantic accepts for the type in strict JSON mode (proven by
# differential tests), and rejects the usual junk. Syntax is limited to what Python re, ECMA 262
# and java.util.regex read alike: ASCII classes, (?:), quantifiers, ^ and $.

_DATE = "[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
_OFFSET = "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])"
# speedate, Pydantic's date parser, also reads a number in a string as a unix timestamp.
_TIMESTAMP = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"

#: RFC 3339 date-time, and the variants Pydantic accepts (t/space/_ separator, no seconds, ',' for
#: the fraction, offset without colon or absent) and unix timestamps written as strings.
DATE_TIME_PATTERN = f"^(?:{_DATE}[Tt _]{_TIME}{_OFFSET}?|{_TIMESTAMP})$"
#: RFC 3339 full-date, and whole-day unix timestamps written as strings (Pydantic accepts "86400").
DATE_PATTERN = f"^(?:{_DATE}|[+-]?[0-9]+)$"

_HEX = "[0-9A-Fa-f]"


def uuid_pattern(version: int | None = None) -> str:
    """A pattern for the UUID forms Pydantic accepts: hyphenated, ``{braced}``, ``urn:uuid:``, 32 hex.

    With ``version``, the version digit and the RFC 4122 variant (8, 9, a, b) are pinned too,
    which is what Pydantic's ``UUID4`` and friends check.
    """
    if version is None:
        third, fourth, simple = f"{_HEX}{{4}}", f"{_HEX}{{4}}", f"{_HEX}{{32}}"
    else:
        third = f"{version}{_HEX}{{3}}"
        fourth = f"[89ABab]{_HEX}{{3}}"
        simple = f"{_HEX}{{12}}{version}{_HEX}{{3}}[89ABab]{_HEX}{{15}}"
    groups = f"{_HEX}{{8}}-{_HEX}{{4}}-{third}-{fourth}-{_HEX}{{12}}"
    return rf"^(?:{groups}|\{{{groups}\}}|urn:uuid:{groups}|{simple})$"


UUID_PATTERN = uuid_pattern()

#: The WHATWG HTML "valid e-mail address" (what browsers check for <input type=email>): ASCII
#: local part without quotes, dot-separated LDH domain labels. Used by the `Email` type, so
#: Pydantic and the edge check the very same rule.
EMAIL_PATTERN = (
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)

#: An e-mail address field checked identically by the model and the edge, without needing the
#: email-validator package that `pydantic.EmailStr` requires.
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)]

# email-validator (behind pydantic.EmailStr) accepts internationalised addresses and
# "Name <addr>" forms; all that is sure is some text on both sides of an '@'.
EMAIL_STR_PATTERN = r"[\s\S]@[\s\S]"

# In strict mode Pydantic refuses URL syntax violations, so special schemes need "//" and a host.
_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})


def _ignore_case(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


def url_pattern(allowed_schemes: list[str] | tuple[str, ...] | None = None) -> str:
    """A prefix pattern for the URLs Pydantic accepts with these schemes (any scheme if None)."""
    if not allowed_schemes:
        return r"^[A-Za-z][A-Za-z0-9+.\-]*:"
    alternatives = []
    for scheme in sorted(set(allowed_schemes)):
        suffix = r"://[^/?#\\]" if scheme.lower() in _SPECIAL_SCHEMES else ":"
        alternatives.append(_ignore_case(scheme) + suffix)
    return "^(?:" + "|".join(alternatives) + ")"
