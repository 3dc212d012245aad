"""Props are checked before any resource exists; each error names the prop, value and fix."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, Field

from constructs_lib import PropsError, WebhookIngestProps, WebhookSource
from constructs_lib.prop_errors import parse_props


class Kind(str, Enum):
    a = "a"


class Data(BaseModel):
    kind: Kind
    items: list[str] = []


class Body(BaseModel):
    event: Literal["x", "y"]
    type_: Optional[str] = Field(default=None, alias="type")
    data: Data
    count: int = 0
    when: datetime.datetime | None = None


def props(**source: object) -> dict:
    return {"name": "acme", "sources": [{"name": "github", "model": Body, **source}]}


def error_of(value: dict) -> str:
    """The PropsError for these props, which must be the same whether they come as a dict or
    the props object is built directly."""
    with pytest.raises(PropsError) as caught:
        parse_props(WebhookIngestProps, value)
    with pytest.raises(PropsError) as built:
        WebhookIngestProps(**value)
    assert str(built.value) == str(caught.value)
    return str(caught.value)


def test_defaults_are_the_documented_ones() -> None:
    p = parse_props(WebhookIngestProps, props())
    s = p.sources[0]
    assert s.route == "/webhooks/github"
    assert (s.max_receive_count, s.retention_seconds, s.dlq_retention_seconds) == (5, 4 * 86400, 14 * 86400)
    assert not s.fifo and p.stage_name == "v1"


def test_every_field_documents_its_default() -> None:
    for model in (WebhookSource, WebhookIngestProps):
        for name, info in model.model_fields.items():
            assert info.description and len(info.description) > 20, f"{model.__name__}.{name}"


def test_a_props_object_built_directly_raises_one_props_error_naming_prop_value_and_fix() -> None:
    with pytest.raises(PropsError) as caught:
        WebhookSource(name="GitHub Hooks", model=Body)
    assert str(caught.value) == (
        "invalid props:\n  WebhookSource.name: source name 'GitHub Hooks' is not a short id: use 1-32 "
        "lower-case letters, digits and single '-', starting with a letter (e.g. 'github') (got 'GitHub Hooks')"
    )
    with pytest.raises(PropsError, match=r"WebhookSource\.fifo_queue: unknown prop \(a typo\?\); known props: "):
        WebhookSource(name="github", model=Body, fifo_queue=True)  # type: ignore[call-arg]


def test_props_are_frozen() -> None:
    p = parse_props(WebhookIngestProps, props())
    with pytest.raises(Exception):
        p.sources[0].fifo = True  # type: ignore[misc]


def test_a_typo_in_a_prop_name_is_an_error_listing_known_props() -> None:
    message = error_of(props(max_recieve_count=3))
    assert "max_recieve_count" in message and "unknown prop" in message
    assert "max_receive_count" in message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"fifo": True}, "fifo=True needs group_id_field"),
        ({"group_id_field": "event"}, "only applies to FIFO queues"),
        ({"fifo": True, "group_id_field": "evnt"}, "has no field 'evnt'"),
        ({"fifo": True, "group_id_field": "data"}, "not a string, number or enum"),
        ({"fifo": True, "group_id_field": "event.x"}, "is not a nested model"),
        ({"fifo": True, "group_id_field": "data.items"}, "not a string, number or enum"),
        ({"fifo": True, "group_id_field": "type_"}, "has no field 'type_'"),
        ({"path": "events"}, "not a valid API Gateway path"),
        ({"path": "/events/"}, "not a valid API Gateway path"),
        ({"path": "/a/{id}"}, "not a valid API Gateway path"),
        ({"delivery_id_header": "X Delivery"}, "not an HTTP header name"),
        ({"forward_headers": ["X.Trace"]}, "not an HTTP header name"),
        ({"forward_headers": [f"X-H{i}" for i in range(10)]}, "exceed the 9 SQS message attributes left for headers"),
        ({"max_receive_count": 0}, "greater than or equal to 1"),
        ({"retention_seconds": 20, "visibility_timeout_seconds": 30}, "greater than or equal to 60"),
        ({"retention_seconds": 60, "visibility_timeout_seconds": 120}, "shorter than the visibility timeout"),
        ({"dlq_retention_seconds": 3600}, "dlq_retention_seconds=3600 is shorter"),
        ({"group_id_fallback": "has space", "fifo": True, "group_id_field": "event"}, "MessageGroupId"),
        ({"model": None}, "accepts no body: give model"),
        ({"content_types": ["application/json"]}, "content_types lists 'application/json', which the model validates"),
        ({"content_types": ["Text/Plain"]}, "'Text/Plain' is not a bare media type"),
        ({"content_types": ["text/plain; charset=utf-8"]}, "is not a bare media type"),
        ({"content_types": ["form"]}, "'form' is not a bare media type"),
        ({"content_types": ["text/plain", "text/plain"]}, "lists a media type twice"),
        ({"model": None, "content_types": ["text/plain"], "fifo": True, "group_id_field": "event"}, "names a JSON body field, but the source has no model"),
        ({"handshake": "meta"}, "handshake='meta' needs verify_token"),
        ({"verify_token": "abc"}, "verify_token is set but handshake=None"),
        ({"handshake": "graph", "verify_token": "abc"}, "verify_token is set but handshake='graph'"),
        ({"handshake": "meta", "verify_token": "a'b"}, "is not a token API Gateway can compare"),
        ({"handshake": "slack"}, "handshake='slack' is answered with the source's signing secret: add processing=Processing(scheme='slack', ...)"),
        ({"handshake": "zoom", "processing": {"scheme": "github", "process": {"function_arn": "arn:aws:lambda:us-east-1:1:function:p"}}}, "(got scheme='github')"),
        ({"handshake": "discord"}, "answered with the source's signing key"),
        ({"handshake": "x"}, "Processing(scheme='hmac', ...) with X's signature"),
        ({"handshake": "slack", "model": None, "content_types": ["application/x-www-form-urlencoded"], "processing": {"scheme": "slack", "process": {"function_arn": "arn:aws:lambda:us-east-1:1:function:p"}}}, "the provider's check is a JSON body"),
        ({"fifo_high_throughput": True}, "fifo_high_throughput=True applies to FIFO queues only"),
        ({"handshake": "zoom2"}, "Input should be 'meta', 'graph', 'dropbox', 'slack', 'zoom', 'discord' or 'x'"),
    ],
)
def test_invalid_source_props_fail_with_one_clear_error(source: dict, expected: str) -> None:
    message = error_of(props(**source))
    assert expected in message, message
    assert message.count("\n") == 1, "one error, one line"


def test_group_field_may_be_an_alias_or_nested_enum() -> None:
    for field in ("type", "data.kind", "count", "event"):
        parse_props(WebhookIngestProps, props(fifo=True, group_id_field=field))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"name": "Acme", "sources": [{"name": "gh", "model": Body}]}, "not a valid resource name prefix"),
        ({"name": "acme", "sources": []}, "at least 1 item"),
        ({"name": "acme", "sources": [{"name": "GitHub", "model": Body}]}, "is not a short id"),
        (
            {"name": "acme", "sources": [{"name": "a", "model": Body}, {"name": "a", "model": Body, "path": "/b"}]},
            "duplicate source names ['a']",
        ),
        (
            {"name": "acme", "sources": [{"name": "a", "model": Body, "path": "/x"}, {"name": "b", "model": Body, "path": "/x"}]},
            "duplicate routes ['/x']",
        ),
        (
            {"name": "a" * 40, "sources": [{"name": "b" * 32, "model": Body, "fifo": True, "group_id_field": "event"}]},
            "SQS allows 80",
        ),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "stage_name": "v-1"}, "stage_name"),
        ({"name": "acme", "sources": [{"name": "gh", "model": dict}]}, "model"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "allowed_source_ips": ["192.30.252.1/22"]}, "'192.30.252.1/22' is not a CIDR range"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "allowed_source_ips": ["github"]}, "is not a CIDR range"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "throttle_rate_limit": 500, "throttle_burst_limit": 100}, "throttle_burst_limit=100 is below throttle_rate_limit=500"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "web_acl_arn": "my-acl"}, "is not a WAFv2 web ACL ARN"),
        (
            {"name": "acme", "sources": [{"name": "gh", "model": Body}], "queue_encryption": "kms",
             "queue_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:alias/hooks"},
            "queue_kms_key_arn 'arn:aws:kms:eu-west-1:123456789012:alias/hooks' is not a KMS key ARN",
        ),
        (
            {"name": "acme", "sources": [{"name": "gh", "model": Body}],
             "queue_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "but queue_encryption='sqs-managed': set queue_encryption='kms'",
        ),
        (
            {"name": "acme", "sources": [{"name": "gh", "model": Body}],
             "log_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "but log_encryption='cloudwatch-managed': set log_encryption='kms'",
        ),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "queue_encryption": "sse-kms"}, "queue_encryption"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "kms_deletion_window_days": 5}, "kms_deletion_window_days"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "access_log_retention_days": 2}, "access_log_retention_days=2"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body}], "execution_log_level": "DEBUG"}, "execution_log_level"),
        ({"name": "acme", "sources": [{"name": "gh", "model": Body, "max_body_bytes": 512}]}, "greater than or equal to 1024"),
    ],
)
def test_invalid_api_props(value: dict, expected: str) -> None:
    message = error_of(value)
    assert expected in message, message


def test_delivery_header_is_forwarded_first_and_once() -> None:
    source = parse_props(
        WebhookIngestProps, props(delivery_id_header="X-GitHub-Delivery", forward_headers=["x-github-delivery", "X-A"])
    ).sources[0]
    assert source.attribute_headers == ("X-GitHub-Delivery", "X-A")


def test_readme_tables_list_every_prop() -> None:
    from pathlib import Path

    from constructs_lib import HmacSignature, ProcessCode, Processing, ProcessFunction, ProcessStates

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for model in (WebhookSource, WebhookIngestProps, Processing, HmacSignature, ProcessCode, ProcessFunction, ProcessStates):
        section = readme.split(f"### `{model.__name__}`", 1)[1].split("\n\n", 2)[1]
        documented = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
        assert documented == set(model.model_fields), model.__name__


def test_the_readmes_python_parses_and_imports_only_public_names() -> None:
    import ast
    import re
    from pathlib import Path

    import constructs_lib
    import constructs_lib.testing

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 3
    for block in blocks:
        tree = ast.parse(block)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("constructs_lib", "constructs_lib.testing"):
                public = constructs_lib.__all__ if node.module == "constructs_lib" else constructs_lib.testing.__all__
                assert {alias.name for alias in node.names} <= set(public), node.module


def test_a_source_without_a_model_takes_its_content_types_and_may_be_fifo() -> None:
    from constructs_lib import WebhookSource

    source = WebhookSource(name="twilio", content_types=("application/x-www-form-urlencoded",), fifo=True)
    assert source.model is None and source.fifo
    assert WebhookSource(name="raw", model=None, content_types=("application/json",)).content_types == ("application/json",)
