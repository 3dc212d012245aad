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
        vtl.SendMessageSpec(fifo=True, group_id_path="data.type", dedup_id_header="X-Id"),
    ],
)
def test_templates_render_to_one_line(spec: vtl.SendMessageSpec) -> None:
    # A newline in the template would end up inside the last form value.
    assert "\n" not in vtl.send_message_template(spec)


def test_fifo_never_deduplicates_on_the_request_id() -> None:
    template = vtl.send_message_template(vtl.SendMessageSpec(fifo=True, group_id_path="e", dedup_id_header="X-Id"))
    assert "requestId" not in template
    assert "MessageDeduplicationId=$util.urlEncode($d)" in template
    assert "$!input.params('X-Id')" in template


def test_fifo_needs_a_group_path() -> None:
    with pytest.raises(ValueError):
        vtl.send_message_template(vtl.SendMessageSpec(fifo=True))


def test_literals_with_quotes_are_refused() -> None:
    with pytest.raises(ValueError, match="quote"):
        vtl.send_message_template(vtl.SendMessageSpec(attribute_headers=("X-'",)))
