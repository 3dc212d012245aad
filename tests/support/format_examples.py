"""Strings the format patterns are judged on, and the two judges.

Examples from the standards (RFC 3339, 4122/9562, 3696, 3986) with near misses, the Rust-syntax
patterns a model may declare, Pydantic's verdict (strict JSON) and Python re's. Shared by the
pure pattern tests (tests/properties/test_schema_patterns.py) and the ones that ask ECMA 262 (node)
and java.util.regex (tests/engines/test_regex_engines.py).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from pydantic import TypeAdapter, ValidationError


@functools.lru_cache(maxsize=None)
def adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def accepts(annotation: Any, value: str) -> bool:
    try:
        adapter(annotation).validate_json(json.dumps(value), strict=True)
    except ValidationError:
        return False
    return True


def matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


# --- Examples from independent sources ---------------------------------------------------------

# RFC 3339 section 5.8. The two leap-second examples are refused by Pydantic (Python's datetime has
# no second 60), so the pattern may refuse them too; the contract is Pydantic's view.
RFC3339_DATE_TIMES = ["1985-04-12T23:20:50.52Z", "1996-12-19T16:39:57-08:00", "1937-01-01T12:00:27.87+00:20"]
RFC3339_LEAP_SECONDS = ["1990-12-31T23:59:60Z", "1990-12-31T15:59:60-08:00"]
BAD_DATE_TIMES = [
    "", "yesterday", "2023-13-01T00:00:00Z", "2023-01-32T00:00:00Z", "2023-01-01T24:00:00Z",
    "2023-01-01T23:60:00Z", "2023-01-01T00:00:00+25:00", "2023/01/01 00:00", " 2023-01-01T00:00:00Z",
    "2023-01-01T00:00:00Z ", "2023-01-01", "01-01-2023T00:00:00Z", "2023-01-01T00:00:00.Z",
]  # fmt: skip
RFC3339_DATES = ["1985-04-12", "1996-12-19", "1937-01-01", "2024-02-29"]
BAD_DATES = ["", "1985-4-12", "1985-04-12T00:00:00Z", "12/04/1985", "1985-13-01", "1985-04-32", "tomorrow"]
# RFC 4122 (section 3 and appendix B) and RFC 9562 (appendix A: v4, v7; section 5.10/5.11: nil, max).
RFC_UUIDS = [
    "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    "919108f7-52d1-4320-9bac-f847db4148a8", "017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
    "C232AB00-9414-11EC-B3C8-9F6BDECED846", "00000000-0000-0000-0000-000000000000",
    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
]  # fmt: skip
BAD_UUIDS = [
    "", "not-a-uuid", "f81d4fae-7dec-11d0-a765-00a0c91e6bf", "g81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    "f81d4fae7dec-11d0-a765-00a0c91e6bf6", "{f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "f81d4fae-7dec-11d0-a765",
    "URN:UUID:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6-00",
]  # fmt: skip
# RFC 3696 section 3: the unquoted examples (WHATWG, like browsers, does not take quoted local parts).
RFC3696_EMAILS = [
    "customer/department=shipping@example.com", "$A12345@example.com", "!def!xyz%abc@example.com",
    "_somename@example.com", "user+mailbox@example.com",
]  # fmt: skip
BAD_EMAILS = [
    "", "plainaddress", "@example.com", "john@", "john@@example.com", "john doe@example.com",
    "john@-example.com", "john@example-.com", "john@example..com", "john.example.com", "john@exa mple.com",
    '"quoted"@example.com', "john@example.com\n", "jöhn@example.com",
]  # fmt: skip
# RFC 3986 section 1.1.2.
RFC3986_URLS = [
    "ftp://ftp.is.co.za/rfc/rfc1808.txt", "http://www.ietf.org/rfc/rfc2396.txt",
    "ldap://[2001:db8::7]/c=GB?objectClass?one", "mailto:John.Doe@example.com",
    "news:comp.infosystems.www.servers.unix", "tel:+1-816-555-1212", "telnet://192.0.2.16:80/",
    "urn:oasis:names:specification:docbook:dtd:xml:4.1.2",
]  # fmt: skip
BAD_HTTP_URLS = ["", "example.com", "//example.com", "http:/example.com", "http://", "ftp://example.com",
                 "mailto:a@example.com", "https:example.com", " http://example.com"]  # fmt: skip
BAD_URLS = ["", "example.com", "//example.com", "1http://example.com", ":nothing", " x:y"]

# Patterns as a model may declare them, in the syntax of the Rust regex crate (Pydantic's).
RUST_PATTERNS = [
    r"^\d{2,4}$", r"^\w+$", r"^.{1,3}$", r"^[^\s]+$", r"(?i)^ab+c$", r"^[a-c]+\.[^x-z]$", r"\S+@\S+",
    r"^(foo|bar)?[0-9]*$", r"^\D\W\S$", r"^é+$", r"(?i)^straße$", r"^😀{2}$", r"(?s)^a.b$",
    r"(?m)^x$", r"^a\b", r"[[:digit:]]", r"^\s*$", r"^[\w.-]+$", r"(?i)k", r"^[^a]{2}$",
]  # fmt: skip
