"""The redrive command's requests and reports, against a recording stand-in for the SQS client
(the real move is tested on LocalStack in tests/engines/test_redrive.py)."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib import redrive

DLQ = "arn:aws:sqs:eu-west-1:123456789012:acme-github-dlq"
OTHER = "arn:aws:sqs:eu-west-1:123456789012:acme-replay"


class FakeSqs:
    def __init__(self, *listings: list[dict[str, Any]]) -> None:
        self.started: list[dict[str, Any]] = []
        self.listings = list(listings)

    def start_message_move_task(self, **request: Any) -> dict[str, str]:
        self.started.append(request)
        return {"TaskHandle": "handle-1"}

    def list_message_move_tasks(self, **request: Any) -> dict[str, Any]:
        assert request["SourceArn"] == DLQ
        return {"Results": self.listings.pop(0)}


def test_without_a_destination_sqs_chooses_the_original_queues() -> None:
    sqs = FakeSqs()
    assert redrive.start_redrive(sqs, DLQ) == "handle-1"
    assert sqs.started == [{"SourceArn": DLQ}]


def test_destination_and_rate_are_passed_on() -> None:
    sqs = FakeSqs()
    redrive.start_redrive(sqs, DLQ, OTHER, 25)
    assert sqs.started == [{"SourceArn": DLQ, "DestinationArn": OTHER, "MaxNumberOfMessagesPerSecond": 25}]


@pytest.mark.parametrize(("args", "message"), [((DLQ, "queue-name"), "--destination-arn 'queue-name'"), ((DLQ, None, 501), "1-500")])
def test_bad_arguments_are_refused_before_calling_aws(args: tuple[Any, ...], message: str) -> None:
    sqs = FakeSqs()
    with pytest.raises(redrive.RedriveError, match=message):
        redrive.start_redrive(sqs, *args)
    assert sqs.started == []


def test_waiting_follows_the_task_until_it_ends(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redrive.time, "sleep", lambda seconds: None)
    running = {"TaskHandle": "handle-1", "Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 1, "ApproximateNumberOfMessagesToMove": 3}
    failed = {"Status": "FAILED", "ApproximateNumberOfMessagesMoved": 2, "ApproximateNumberOfMessagesToMove": 3, "FailureReason": "AccessDenied"}
    sqs = FakeSqs([running], [failed])
    code = redrive.main(["--dlq-arn", DLQ, "--wait"], sqs=sqs)
    out = capsys.readouterr().out.splitlines()
    assert code == 1, "a failed move is a failed command"
    assert out == [
        f"moving messages from {DLQ} to the queue(s) they came from; task handle: handle-1",
        "FAILED: moved 2 of 3 message(s), not moved 1; reason: AccessDenied",
    ]
