"""Our SendMessage templates, rendered by Apache Velocity 1.7 (the engine API Gateway runs) with
API Gateway's $input/$util, then decoded as the form SQS receives.

The decoder is Python's own `urllib.parse.parse_qs` in strict mode, an implementation
independent of both our template and the engine: whatever it reads as MessageBody is what
SQS stores.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib import vtl
from support import velocity

STANDARD = vtl.send_message_template(vtl.SendMessageSpec(attribute_headers=("X-GitHub-Delivery", "X-Hub-Signature-256")))
FIFO = vtl.send_message_template(
    vtl.SendMessageSpec(
        attribute_headers=("X-Delivery",), fifo=True, group_id_path="data.type", group_id_fallback="none", dedup_id_header="X-Delivery"
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
    bodies += [json.dumps(doc, ensure_ascii=False, indent=2) for doc in documents[:2]]
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


def test_headers_travel_as_attributes_only_when_present() -> None:
    body = '{"a":1}'
    none = render(STANDARD, body)
    assert not [k for k in none if k.startswith("MessageAttribute")]

    one = render(STANDARD, body, {"X-Hub-Signature-256": "sha256=ab+c/="})
    assert one["MessageAttribute.1.Name"] == ["X-Hub-Signature-256"]
    assert one["MessageAttribute.1.Value.StringValue"] == ["sha256=ab+c/="]
    assert one["MessageAttribute.1.Value.DataType"] == ["String"]
    assert "MessageAttribute.2.Name" not in one

    both = render(STANDARD, body, {"X-Hub-Signature-256": "s", "X-GitHub-Delivery": "d-1&2"})
    # Indexes are consecutive from 1 whichever headers are present, as the query API expects.
    assert both["MessageAttribute.1.Name"] == ["X-GitHub-Delivery"]
    assert both["MessageAttribute.1.Value.StringValue"] == ["d-1&2"]
    assert both["MessageAttribute.2.Name"] == ["X-Hub-Signature-256"]
    assert both["MessageBody"] == [body]


def test_fifo_group_comes_from_the_body_field_with_a_fallback() -> None:
    grouped = render(FIFO, '{"data": {"type": "push & pull"}}', {"X-Delivery": "abc-1"})
    assert grouped["MessageGroupId"] == ["push & pull"]
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
