"""The billing team's own tests of their stack, with constructs_lib.testing and syrupy."""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.testing import json_document, only, resources, snapshot, synthesize
from main import App, build


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_the_stack_is_what_we_reviewed(snapshot_json: SnapshotAssertion) -> None:
    assert snapshot(build(App())) == snapshot_json


def test_every_queue_is_encrypted_and_invoices_retry_four_times() -> None:
    document: dict[str, Any] = synthesize(build(App()))
    queues = resources(document, "aws_sqs_queue")
    assert queues and all(queue["sqs_managed_sse_enabled"] for queue in queues.values())
    _, invoices = only(document, "aws_sqs_queue", lambda q: q["name"] == "billing-invoices")
    assert json_document(invoices["redrive_policy"])["maxReceiveCount"] == 4
    _, machine = only(document, "aws_sfn_state_machine")
    assert machine["type"] == "EXPRESS"
