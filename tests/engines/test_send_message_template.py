"""Our SendMessage templates, rendered by Apache Velocity 1.7 (the engine API Gateway runs) with
API Gateway's $input/$util, then decoded as the form SQS receives.

The decoder is Python's own `urllib.parse.parse_qs` in strict mode, an implementation
independent of both our template and the engine: whatever it reads as MessageBody is what
SQS stores.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote_plus, unquote_plus

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib import vtl
from support import velocity

STANDARD = vtl.send_message_template(vtl.SendMessageSpec(attribute_headers=("X-GitHub-Delivery", "X-Hub-Signature-256")))
FIFO = vtl.send_message_template(
    vtl.SendMessageSpec(
        attribute_headers=("X-Delivery",), fifo=True, group_id_path="data.type", group_id_fallback="none", dedup_id_headers=("X-Delivery",)
    )
)
HARD = ["&", "+", "=", "%", "%20", '"', "'", "\\", "${x}", "#set($a=1)", "$input.body", "é", "😀", "\u2028", "\u2029", "\n", "\t", " "]


def form(text: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True, strict_parsing=True, encoding="utf-8", errors="strict")


def render(template: str, body: str, headers: dict[str, str] | None = None) -> dict[str, list[str]]:
    return form(velocity.render(template, body=body, headers=headers or {}, strict=False))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.lists(st.sampled_from(HARD) | st.characters(codec="utf-8"), max_size=12).map("".join),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


# 15 examples x 12 bodies (10 compact, 2 indented): 180 bodies, each through both templates.
@settings(max_examples=15, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
@given(st.lists(json_values, min_size=10, max_size=10))
def test_body_reaches_sqs_byte_for_byte(documents: list[object]) -> None:
    bodies = [json.dumps({"payload": doc, "hard": "".join(HARD)}, ensure_ascii=False) for doc in documents]
    # A body of exactly {} is refused as empty (test_an_empty_body_is_never_sent_to_sqs).
    bodies += [json.dumps(doc, ensure_ascii=False, indent=2) for doc in documents[:2] if doc != {}]
    outputs = velocity.render_many(
        [velocity.RenderRequest(STANDARD, body, strict=False) for body in bodies]
        + [velocity.RenderRequest(FIFO, body, strict=False) for body in bodies]
    )
    assert len(outputs) == 2 * len(bodies)
    for body, output in zip(bodies + bodies, outputs):
        fields = form(output)
        assert fields["Action"] == ["SendMessage"]
        assert fields["MessageBody"] == [body]
        assert fields["MessageBody"][0].encode() == body.encode()


def attributes(fields: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
    """name -> (data type, value) of the MessageAttribute.N.* form fields."""
    names = {k.split(".")[1]: v[0] for k, v in fields.items() if k.startswith("MessageAttribute.") and k.endswith(".Name")}
    return {
        name: (fields[f"MessageAttribute.{n}.Value.DataType"][0], fields[f"MessageAttribute.{n}.Value.StringValue"][0])
        for n, name in names.items()
    }


def test_headers_travel_as_attributes_only_when_present() -> None:
    body = '{"a":1}'
    none = render(STANDARD, body)
    # The API's receipt time ($context.requestTimeEpoch, the harness's guide example) always.
    assert attributes(none) == {"webhook.received_at": ("Number", "1428582896000")}

    one = render(STANDARD, body, {"X-Hub-Signature-256": "sha256=ab+c/="})
    assert one["MessageAttribute.1.Name"] == ["X-Hub-Signature-256"]
    assert one["MessageAttribute.1.Value.StringValue"] == ["sha256=ab+c/="]
    assert one["MessageAttribute.1.Value.DataType"] == ["String"]
    assert one["MessageAttribute.2.Name"] == ["webhook.received_at"]
    assert "MessageAttribute.3.Name" not in one

    both = render(STANDARD, body, {"X-Hub-Signature-256": "s", "X-GitHub-Delivery": "d-1&2"})
    # Indexes are consecutive from 1 whichever headers are present, as the query API expects.
    assert both["MessageAttribute.1.Name"] == ["X-GitHub-Delivery"]
    assert both["MessageAttribute.1.Value.StringValue"] == ["d-1&2"]
    assert both["MessageAttribute.2.Name"] == ["X-Hub-Signature-256"]
    assert both["MessageBody"] == [body]


def test_fifo_group_comes_from_the_body_field_with_a_fallback() -> None:
    grouped = render(FIFO, '{"data": {"type": "push & pull"}}', {"X-Delivery": "abc-1"})
    # URL-encoded (Java's URLEncoder, as API Gateway's $util.urlEncode): SQS takes only ! to ~.
    assert grouped["MessageGroupId"] == ["push+%26+pull"]
    assert grouped["MessageDeduplicationId"] == ["abc-1"]
    assert grouped["MessageAttribute.1.Value.StringValue"] == ["abc-1"]

    for body in ('{"data": {}}', '{"other": 1}', '{"data": {"type": ""}}'):
        fields = render(FIFO, body)
        assert fields["MessageGroupId"] == ["none"], body
        # No delivery id: no MessageDeduplicationId, so the queue's content-based dedup applies.
        assert "MessageDeduplicationId" not in fields
        assert fields["MessageBody"] == [body]


def test_the_articles_raw_template_corrupts_what_ours_keeps() -> None:
    """Negative control: the CloudFormation article's `MessageBody=$input.body`."""
    body = '{"q": "a&b=c+d"}'
    raw = form(velocity.render("Action=SendMessage&MessageBody=$input.body", body=body, strict=False))
    assert raw["MessageBody"] != [body]
    assert render(STANDARD, body)["MessageBody"] == [body]


# --- what reaches SQS must be what SQS accepts, from headers only, whatever the request ------

# SQS: MessageGroupId and MessageDeduplicationId are 1-128 characters from ! to ~ (SendMessage
# API reference). Checked here by a pattern of the test's own.
SQS_ID = re.compile(r"[!-~]{1,128}")
GITHUB = vtl.send_message_template(
    vtl.SendMessageSpec(
        attribute_headers=("X-GitHub-Delivery", "X-Hub-Signature-256", "X-GitHub-Event"),
        fifo=True,
        group_id_path="repository.full_name",
        dedup_id_headers=("X-GitHub-Delivery",),
    )
)
SVIX = vtl.send_message_template(
    vtl.SendMessageSpec(
        attribute_headers=("webhook-id", "svix-id", "webhook-signature", "svix-signature"),
        fifo=True,
        group_id_path="type",
        dedup_id_headers=("webhook-id", "svix-id"),
    )
)
field_values = st.lists(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from([" ", "\t", "\x00", "$", "'", '"', "%", "+", "#set("]),
    min_size=1,
    max_size=160,
).map("".join)


def fields_of(
    template: str, body: str, headers: dict[str, str] | None = None, query: dict[str, str] | None = None
) -> dict[str, list[str]]:
    return form(velocity.render(template, body=body, headers=headers or {}, query=query or {}))


@settings(max_examples=60, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
@given(st.lists(st.tuples(field_values, field_values), min_size=5, max_size=5))
def test_any_group_value_and_delivery_id_become_ids_sqs_accepts(pairs: list[tuple[str, str]]) -> None:
    requests = [
        velocity.RenderRequest(
            GITHUB, json.dumps({"repository": {"id": 1, "full_name": group}}), {"X-GitHub-Delivery": delivery}, strict=True
        )
        for group, delivery in pairs
    ]
    for (group, delivery), output in zip(pairs, velocity.render_many(requests), strict=True):
        fields = form(output)
        (group_id,) = fields["MessageGroupId"]
        (dedup_id,) = fields["MessageDeduplicationId"]
        assert SQS_ID.fullmatch(group_id) and SQS_ID.fullmatch(dedup_id), (group_id, dedup_id)
        # Distinct values keep distinct groups: the id decodes back to the value, or is the
        # first 128 characters of the encoding of a value too long to keep whole.
        if len(group_id) < 128:
            assert unquote_plus(group_id) == group
        # A delivery id never loses its identity: decoded whole, or the request's own id.
        assert unquote_plus(dedup_id) == delivery or dedup_id == velocity.DEFAULT_CONTEXT["requestId"]
        # The forwarded header keeps the value exactly as sent.
        assert attributes(fields)["X-GitHub-Delivery"] == ("String", delivery)


def test_long_group_values_share_a_group_only_with_values_of_the_same_first_128_characters() -> None:
    base = "octo-org/" + "r" * 131  # 140 characters, as GitHub allows for full_name
    first = fields_of(GITHUB, json.dumps({"repository": {"id": 1, "full_name": base}}), {"X-GitHub-Delivery": "d"})
    second = fields_of(GITHUB, json.dumps({"repository": {"id": 1, "full_name": base[:-1] + "s"}}), {"X-GitHub-Delivery": "e"})
    other = fields_of(GITHUB, json.dumps({"repository": {"id": 1, "full_name": "x" + base[1:]}}), {"X-GitHub-Delivery": "f"})
    assert first["MessageGroupId"] == second["MessageGroupId"] == [quote_plus(base)[:128]]
    assert other["MessageGroupId"] != first["MessageGroupId"]


def test_headers_come_from_headers_only_whatever_the_case() -> None:
    body = json.dumps({"repository": {"id": 1, "full_name": "octo/a"}})
    # A query parameter of a forwarded header's name: ignored ($input.params('X') would take it).
    shadowed = fields_of(
        GITHUB,
        body,
        {"X-GitHub-Delivery": "real", "X-Hub-Signature-256": "sha256=1"},
        query={"X-GitHub-Delivery": "forged", "X-Hub-Signature-256": "sha256=2", "X-GitHub-Event": "push"},
    )
    assert shadowed["MessageDeduplicationId"] == ["real"]
    assert attributes(shadowed) == {
        "X-GitHub-Delivery": ("String", "real"),
        "X-Hub-Signature-256": ("String", "sha256=1"),
        "webhook.received_at": ("Number", "1428582896000"),
    }
    # HTTP/2 sends header names in lower case; the attribute keeps the configured name.
    lower = fields_of(GITHUB, body, {"x-github-delivery": "d-1", "x-hub-signature-256": "sha256=3", "X-GITHUB-EVENT": "ping"})
    assert lower["MessageDeduplicationId"] == ["d-1"]
    assert attributes(lower)["X-GitHub-Delivery"] == ("String", "d-1")
    assert attributes(lower)["X-Hub-Signature-256"] == ("String", "sha256=3")
    assert attributes(lower)["X-GitHub-Event"] == ("String", "ping")


def test_svix_deliveries_deduplicate_on_svix_id() -> None:
    body = '{"type": "user.created"}'
    svix = fields_of(SVIX, body, {"svix-id": "msg_1", "svix-signature": "v1,abc"})
    assert svix["MessageDeduplicationId"] == ["msg_1"]
    standard = fields_of(SVIX, body, {"webhook-id": "msg_2", "svix-id": "msg_3"})
    assert standard["MessageDeduplicationId"] == ["msg_2"]  # webhook-id first, as the verifier reads it


@pytest.mark.parametrize("body", ["", "{}"])
def test_an_empty_body_is_never_sent_to_sqs(body: str) -> None:
    """API Gateway hands a template {} for an empty body; neither is queued."""
    for template in (STANDARD, FIFO, GITHUB):
        assert fields_of(template, body) == {"Action": [vtl.EMPTY_BODY_ACTION]}
    assert fields_of(STANDARD, "{ }")["MessageBody"] == ["{ }"]


# --- the URL the provider called, for schemes that sign it ---------------------------------

URL_TEMPLATE = vtl.send_message_template(vtl.SendMessageSpec(attribute_headers=("x-square-hmacsha256-signature",), url=True))
# $context.domainName and $context.path as AWS documents them for a call to the execute-api
# host (a call to "https://{restapi_id}.execute-api.{region}.amazonaws.com/{stage}/webhooks/square"
# has the path "/{stage}/webhooks/square") and to a custom domain (its name, the base path as
# called).
EXECUTE_API = {"domainName": "abc123defg.execute-api.eu-west-1.amazonaws.com", "path": "/v1/webhooks/square"}
CUSTOM_DOMAIN = {"domainName": "hooks.example.com", "path": "/payments/webhooks/square"}


@pytest.mark.parametrize(
    ("context", "query", "called"),
    [
        (EXECUTE_API, None, "https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/webhooks/square"),
        (CUSTOM_DOMAIN, None, "https://hooks.example.com/payments/webhooks/square"),
        (CUSTOM_DOMAIN, {"tenant": "acme-1"}, "https://hooks.example.com/payments/webhooks/square?tenant=acme-1"),
    ],
)
def test_the_url_attribute_is_the_url_the_provider_called(context: dict, query: dict | None, called: str) -> None:
    """Square signs the notification URL followed by the body: a request it signed for the URL it
    called verifies with what the template rebuilt (decoded as SQS decodes the form)."""
    import base64
    import hashlib
    import hmac

    from verifier.verifier_modules import signatures

    body = '{"merchant_id":"M1","type":"payment.updated"}'
    signature = base64.b64encode(hmac.new(b"square-key", (called + body).encode(), hashlib.sha256).digest()).decode()
    fields = form(velocity.render(URL_TEMPLATE, body=body, headers={"X-Square-HmacSha256-Signature": signature},
                                  query=query, context=context, strict=False))
    found = attributes(fields)
    assert found[vtl.URL_ATTRIBUTE] == ("String", called)
    headers = {name: value for name, (_, value) in found.items()}
    signatures.verify("square", "square-key", headers, body.encode(), now=0)


def test_the_url_is_added_only_for_schemes_that_sign_it_and_query_values_come_back_re_encoded() -> None:
    fields = form(velocity.render(STANDARD, body='{"a":1}', context=EXECUTE_API, strict=False))
    assert vtl.URL_ATTRIBUTE not in attributes(fields)
    # API Gateway hands templates decoded parameters; $util.urlEncode writes a space as '+',
    # whatever the provider sent: why README says to rely only on plain parameters.
    fields = form(velocity.render(URL_TEMPLATE, body='{"a":1}', query={"t": "a b"}, context=EXECUTE_API, strict=False))
    assert attributes(fields)[vtl.URL_ATTRIBUTE][1].endswith("/v1/webhooks/square?t=a+b")
