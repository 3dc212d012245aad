"""Shape of the SendMessage template. Rendering by a real Velocity engine is in tests/engines."""

from __future__ import annotations

import pytest

from constructs_lib import vtl


def test_body_is_url_encoded_and_nothing_else_is_added_to_it() -> None:
    template = vtl.send_message_template(vtl.SendMessageSpec())
    assert "MessageBody=$util.urlEncode($input.body)" in template
    assert template.count("MessageBody=") == 1


@pytest.mark.parametrize(
    "spec",
    [
        vtl.SendMessageSpec(),
        vtl.SendMessageSpec(attribute_headers=("X-A", "X-B")),
        vtl.SendMessageSpec(fifo=True, group_id_path="data.type", dedup_id_headers=("X-Id",)),
    ],
)
def test_templates_render_to_one_line(spec: vtl.SendMessageSpec) -> None:
    # A newline in the template would end up inside the last form value.
    assert "\n" not in vtl.send_message_template(spec)


def test_fifo_deduplicates_on_the_request_id_only_when_the_delivery_id_cannot_be_one() -> None:
    template = vtl.send_message_template(vtl.SendMessageSpec(fifo=True, group_id_path="e", dedup_id_headers=("X-Id",)))
    assert template.count("requestId") == 1
    assert "#if($d.length() > 128)#set($d = $context.requestId)#end" in template
    assert "MessageDeduplicationId=$util.urlEncode($d)" in template


def test_headers_are_read_from_the_header_map_never_through_params_by_name() -> None:
    """$input.params('X') would look in the path and the query string first."""
    template = vtl.send_message_template(
        vtl.SendMessageSpec(attribute_headers=("X-A",), fifo=True, group_id_path="e", dedup_id_headers=("X-Id",))
    )
    assert "$input.params('" not in template and '$input.params("' not in template
    assert "#set($hs = $input.params().header)" in template


def test_the_receipt_time_attribute_is_the_verifiers() -> None:
    from constructs_lib.verifier_schemes import received_at_attribute

    assert vtl.RECEIVED_AT_ATTRIBUTE == received_at_attribute()
    assert f"Name={vtl.RECEIVED_AT_ATTRIBUTE}&" in vtl.send_message_template(vtl.SendMessageSpec())


def test_fifo_needs_a_group_path() -> None:
    with pytest.raises(ValueError):
        vtl.send_message_template(vtl.SendMessageSpec(fifo=True))


def test_literals_with_quotes_are_refused() -> None:
    with pytest.raises(ValueError, match="quote"):
        vtl.send_message_template(vtl.SendMessageSpec(fifo=True, group_id_path="e", group_id_fallback="it's"))


@pytest.mark.parametrize("name", ["X-'", "X.Y", "X Y", "", "X(?)"])
def test_header_names_outside_letters_digits_and_dashes_are_refused(name: str) -> None:
    # A header name becomes a regular expression and a literal in the template.
    with pytest.raises(ValueError, match="not a header name"):
        vtl.send_message_template(vtl.SendMessageSpec(attribute_headers=(name,)))


def test_the_url_attribute_is_the_verifiers_and_only_on_request() -> None:
    from constructs_lib.verifier_schemes import url_attribute

    assert vtl.URL_ATTRIBUTE == url_attribute()
    assert f"Name={vtl.URL_ATTRIBUTE}&" in vtl.send_message_template(vtl.SendMessageSpec(url=True))
    assert vtl.URL_ATTRIBUTE not in vtl.send_message_template(vtl.SendMessageSpec())
    assert "\n" not in vtl.send_message_template(vtl.SendMessageSpec(url=True, fifo=True, group_id_path="e"))


def test_a_raw_body_is_refused_when_empty_and_a_fifo_one_joins_the_fallback_group() -> None:
    raw = vtl.send_message_template(vtl.SendMessageSpec(raw=True, fifo=True, group_id_fallback="g-1", dedup_id_headers=("X-Id",)))
    assert raw.startswith("#set($hs") and '#if($input.body == "" || $input.body == "{}")Action=WebhookBodyIsEmpty' in raw
    assert "$input.path(" not in raw  # a raw body has no fields
    assert "&MessageGroupId=$util.urlEncode('g-1')" in raw
    assert "&MessageDeduplicationId=" in raw
    json_template = vtl.send_message_template(vtl.SendMessageSpec(fifo=True, group_id_path="a", dedup_id_headers=("X-Id",)))
    assert '#if($input.body == "{}")Action=' in json_template and "&MessageDeduplicationId=" in json_template
