"""The patterns that stand in for ``format``: right on examples from the standards and never
stricter than Pydantic. That Python re, ECMA 262 (node) and java.util.regex read them alike starts
node and java, so it is checked in tests/engines/test_regex_engines.py."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    UUID4,
    AnyHttpUrl,
    AnyUrl,
    FileUrl,
    FtpUrl,
    HttpUrl,
    StringConstraints,
    WebsocketUrl,
    create_model,
)
from typing_extensions import Annotated

from constructs_lib.portable_regex import portable_pattern
from constructs_lib.schema import convert
from constructs_lib.schema_formats import (
    DATE_PATTERN,
    DATE_TIME_PATTERN,
    EMAIL_PATTERN,
    UUID_PATTERN,
    Email,
    url_pattern,
    uuid_pattern,
)
from support.format_examples import (
    BAD_DATE_TIMES,
    BAD_DATES,
    BAD_EMAILS,
    BAD_HTTP_URLS,
    BAD_URLS,
    BAD_UUIDS,
    RFC3339_DATE_TIMES,
    RFC3339_DATES,
    RFC3339_LEAP_SECONDS,
    RFC3696_EMAILS,
    RFC3986_URLS,
    RFC_UUIDS,
    RUST_PATTERNS,
    accepts,
    matches,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def edge_rule(annotation: Any) -> dict[str, Any]:
    """The schema the converter emits for a field of this type."""
    return convert(create_model("Probe", value=(annotation, ...))).schema["properties"]["value"]


def matches_to_the_end(pattern: str, value: str) -> bool:
    """As ECMA 262 (and Rust) read a final ``$``: at the very end, not before a final newline."""
    return matches(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern, value)


# --- Examples from independent sources (support.format_examples) -------------------------------


@pytest.mark.parametrize("value", RFC3339_DATE_TIMES)
def test_rfc3339_date_times_pass(value: str) -> None:
    assert matches(DATE_TIME_PATTERN, value) and accepts(datetime.datetime, value)


@pytest.mark.parametrize("value", RFC3339_LEAP_SECONDS)
def test_leap_seconds_are_refused_because_pydantic_refuses_them(value: str) -> None:
    assert not accepts(datetime.datetime, value) and not matches(DATE_TIME_PATTERN, value)


@pytest.mark.parametrize("value", BAD_DATE_TIMES)
def test_bad_date_times_are_refused(value: str) -> None:
    assert not matches(DATE_TIME_PATTERN, value) and not accepts(datetime.datetime, value)


@pytest.mark.parametrize("value", RFC3339_DATES)
def test_rfc3339_dates_pass(value: str) -> None:
    assert matches(DATE_PATTERN, value) and accepts(datetime.date, value)


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_are_refused(value: str) -> None:
    assert not matches(DATE_PATTERN, value) and not accepts(datetime.date, value)


@pytest.mark.parametrize("value", RFC_UUIDS)
def test_rfc_uuids_pass(value: str) -> None:
    assert matches(UUID_PATTERN, value) and accepts(uuid.UUID, value)


@pytest.mark.parametrize("value", BAD_UUIDS)
def test_bad_uuids_are_refused(value: str) -> None:
    assert not matches(UUID_PATTERN, value) and not accepts(uuid.UUID, value)


def test_uuid4_pins_the_version_and_the_variant() -> None:
    pattern = edge_rule(UUID4)["pattern"]
    assert pattern == uuid_pattern(4)
    v4, v7 = "919108f7-52d1-4320-9bac-f847db4148a8", "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"
    assert matches(pattern, v4) and accepts(UUID4, v4)
    assert not matches(pattern, v7) and not accepts(UUID4, v7)
    wrong_variant = "919108f7-52d1-4320-1bac-f847db4148a8"
    assert not matches(pattern, wrong_variant) and not accepts(UUID4, wrong_variant)


@pytest.mark.parametrize("value", RFC3696_EMAILS)
def test_rfc3696_emails_pass_the_model_and_the_edge(value: str) -> None:
    assert accepts(Email, value) and matches(edge_rule(Email)["pattern"], value)


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_bad_emails_are_refused_by_the_model_and_the_edge(value: str) -> None:
    # Python's $ matches before a final newline; Rust's (the model) and ECMA's (the edge) do not.
    assert not accepts(Email, value) and not matches_to_the_end(edge_rule(Email)["pattern"], value)


@pytest.mark.parametrize("value", RFC3986_URLS)
def test_rfc3986_uris_pass_as_any_url(value: str) -> None:
    assert accepts(AnyUrl, value) and matches(edge_rule(AnyUrl)["pattern"], value)


def test_only_http_uris_pass_as_http_url() -> None:
    pattern = edge_rule(HttpUrl)["pattern"]
    assert [value for value in RFC3986_URLS if matches(pattern, value)] == ["http://www.ietf.org/rfc/rfc2396.txt"]
    assert accepts(HttpUrl, "http://www.ietf.org/rfc/rfc2396.txt")


@pytest.mark.parametrize("value", BAD_HTTP_URLS)
def test_bad_http_urls_are_refused(value: str) -> None:
    assert not matches(edge_rule(HttpUrl)["pattern"], value) and not accepts(HttpUrl, value)


@pytest.mark.parametrize("value", BAD_URLS)
def test_bad_urls_are_refused(value: str) -> None:
    assert not matches(url_pattern(None), value) and not accepts(AnyUrl, value)


# --- Never stricter than Pydantic: near-misses generated around the grammar --------------------

DIGITS = "0123456789"


@st.composite
def edited(draw: st.DrawFn, examples: list[str], alphabet: str) -> str:
    """A valid example with a few characters inserted, deleted or replaced."""
    value = draw(st.sampled_from(examples))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(value)))
        char = draw(st.sampled_from(alphabet))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            value = value[:position] + char + value[position:]
        elif value:
            end = position + 1 if action == "delete" else position + 1
            value = value[:position] + ("" if action == "delete" else char) + value[end:]
    return value


DATE_LIKE = st.one_of(
    st.from_regex(r"[+-]?[0-9]{3,5}-[0-9]{1,3}-[0-9]{1,3}(?:[Tt ][0-9:]{0,5}Z?)?", fullmatch=True),
    st.from_regex(r"[ +-]?[0-9]{0,7}(?:\.[0-9]{0,2})?", fullmatch=True),
    edited(RFC3339_DATES + ["0", "86400", "-86400", "0001-01-01"], DIGITS + "-:+.Tt "),
)
DATE_TIME_LIKE = st.one_of(
    st.from_regex(
        r"[0-9]{3,5}-[0-9]{1,3}-[0-9]{1,3}(?:[Tt _x]?[0-9]{1,3}(?::[0-9]{1,3}){0,3}(?:[.,][0-9]{0,9})?"
        r"(?:[Zz]|[+-][0-9]{1,4}(?::[0-9]{0,3})?| ?UTC)?)?",
        fullmatch=True,
    ),
    st.from_regex(r"[ +-]?[0-9]{0,12}(?:\.[0-9]{0,6})?(?:[eE][+-]?[0-9]{0,3})?", fullmatch=True),
    edited(RFC3339_DATE_TIMES + ["2023-01-01T23:00", "1700000000.5", "2024-02-29 00:00:00z"], DIGITS + "-:+.,_ TtZze"),
)
UUID_LIKE = st.one_of(
    st.from_regex(r"(?:urn:uuid:|URN:uuid:|\{)?[0-9a-fA-Fg]{0,12}(?:-?[0-9a-fA-F]{0,12}){0,5}\}?", fullmatch=True),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids(version=4).map(lambda u: "{" + str(u) + "}"),
    st.uuids(version=4).map(lambda u: u.hex),
    st.uuids(version=4).map(lambda u: "urn:uuid:" + str(u)),
    edited(RFC_UUIDS + ["{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}", "f81d4fae7dec11d0a76500a0c91e6bf6"], "0aF-{}:n"),
)
URL_LIKE = st.one_of(
    st.from_regex(r"[ a-zA-Z][a-zA-Z0-9+.\-]{0,7}:(?:/{0,3})[a-zA-Z0-9.@:%\[\]/?#\\\-_~ ]{0,20}", fullmatch=True),
    edited(
        [*RFC3986_URLS, "https://example.com/", "HTTPS://A.B", "ws://h:1/", "wss://a.b/c", "file:///etc/hosts"],
        "/:?#@[]\\ %.hHtTpPsSwWfF1",
    ),
)


def never_stricter(annotation: Any, strings: st.SearchStrategy[str], minimum_accepted: int) -> None:
    rule = edge_rule(annotation)
    pattern, limit = rule["pattern"], rule.get("maxLength")
    accepted: list[str] = []

    @PROPERTY
    @given(strings)
    def check(value: str) -> None:
        if accepts(annotation, value):
            accepted.append(value)
            assert matches(pattern, value), f"edge refuses {value!r}, which Pydantic accepts as {annotation}"
            assert limit is None or len(value) <= limit

    check()
    assert len(set(accepted)) >= minimum_accepted, "too few accepted strings to prove anything"


@pytest.mark.parametrize("annotation", ["datetime", "date"])
def test_date_patterns_never_refuse_what_pydantic_parses(annotation: str) -> None:
    if annotation == "datetime":
        never_stricter(datetime.datetime, DATE_TIME_LIKE, 20)
    else:
        never_stricter(datetime.date, st.one_of(st.dates().map(datetime.date.isoformat), DATE_LIKE), 10)


@pytest.mark.parametrize("annotation", ["UUID", "UUID4"])
def test_uuid_patterns_never_refuse_what_pydantic_parses(annotation: str) -> None:
    never_stricter(uuid.UUID if annotation == "UUID" else UUID4, UUID_LIKE, 10)


URL_EXAMPLES = {
    HttpUrl: ["http://example.com/a?b#c", "https://x.y:8080/", "HTTPS://EXAMPLE.COM", "http://[::1]/", "http://u:p@h/"],
    AnyUrl: RFC3986_URLS,
    WebsocketUrl: ["ws://h/", "wss://a.b:1/c?d", "WS://X.Y", "wss://[::1]/"],
    FtpUrl: ["ftp://ftp.is.co.za/rfc/rfc1808.txt", "ftp://u:p@h/", "FTP://H:21"],
    FileUrl: ["file:///etc/hosts", "file://host/share", "FILE:///c:/x", "file:/tmp"],
}
URL_EXAMPLES[AnyHttpUrl] = URL_EXAMPLES[HttpUrl]


@pytest.mark.parametrize("annotation", list(URL_EXAMPLES), ids=lambda a: a.__name__)
def test_url_patterns_never_refuse_what_pydantic_parses(annotation: Any) -> None:
    examples = URL_EXAMPLES[annotation]
    strings = st.one_of(st.sampled_from(examples), edited(examples, "/:?#@[]\\ %.hHtTpPsSwWfF1"), URL_LIKE)
    never_stricter(annotation, strings, 5)


# --- Rust regex (Pydantic) -> portable pattern: never stricter ---------------------------------

TRICKY = "aAbBcCkKsSxX0123456789 _.-@\t\n\u00e9\u00c9\u00df\u017f\u212a\u0660\u0661\U0001d7ce\U0001f600\u2028\u0085\u00a0\u3000"


@pytest.mark.parametrize("pattern", RUST_PATTERNS)
def test_a_model_pattern_is_rewritten_never_stricter(pattern: str) -> None:
    annotation = Annotated[str, StringConstraints(pattern=pattern)]
    portable = edge_rule(annotation).get("pattern", "")
    assert portable == (portable_pattern(pattern)[0] or "")
    accepted = []

    @PROPERTY
    @given(st.one_of(st.text(TRICKY, max_size=6), st.from_regex(pattern.replace("[[:digit:]]", "[0-9]"))))
    def check(value: str) -> None:
        if accepts(annotation, value):  # the Rust regex crate decides
            accepted.append(value)
            assert matches(portable, value), f"{portable!r} refuses {value!r}, which {pattern!r} accepts"

    check()
    assert accepted


def test_the_email_type_is_checked_identically_by_the_model_and_the_edge() -> None:
    edge = edge_rule(Email)["pattern"]

    @PROPERTY
    @given(st.one_of(st.emails(), st.text("ab.@-_+é😀 \n", max_size=12), st.from_regex(EMAIL_PATTERN)))
    def check(value: str) -> None:
        assert accepts(Email, value) == matches_to_the_end(edge, value), value

    check()


def test_email_str_is_checked_loosely_when_email_validator_is_installed() -> None:
    pytest.importorskip("email_validator")
    from pydantic import EmailStr

    rule = edge_rule(EmailStr)
    accepted = []

    @PROPERTY
    @given(st.one_of(st.emails(), st.emails().map(lambda e: f"Jane Doe <{e}>"), st.text("ab.@-_+é😀 <>\"", max_size=16)))
    def check(value: str) -> None:
        if accepts(EmailStr, value):
            accepted.append(value)
            assert matches(rule["pattern"], value) and len(value) <= rule["maxLength"], value

    check()
    assert len(accepted) > 50
