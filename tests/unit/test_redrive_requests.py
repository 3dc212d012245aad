"""The redrive command's requests and reports, against a recording stand-in for the SQS client
(the real moves are tested on LocalStack in tests/engines/test_redrive.py)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from constructs_lib import redrive

DLQ = "arn:aws:sqs:eu-west-1:123456789012:acme-github-dlq"
OTHER = "arn:aws:sqs:eu-west-1:123456789012:acme-replay"
REJECTED = "arn:aws:sqs:eu-west-1:123456789012:acme-github-rejected"
SOURCE = "arn:aws:sqs:eu-west-1:123456789012:acme-github"
REJECTED_FIFO = "arn:aws:sqs:eu-west-1:123456789012:acme-mailgun-rejected.fifo"
SOURCE_FIFO = "arn:aws:sqs:eu-west-1:123456789012:acme-mailgun.fifo"
URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/"


class FakeSqs:
    """Records every request. `batches` are what successive ReceiveMessage calls return (then
    nothing); `fail` maps an operation to the error its n-th call (1-based) raises."""

    def __init__(
        self,
        *listings: list[dict[str, Any]],
        batches: list[list[dict[str, Any]]] | None = None,
        fail: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.started: list[dict[str, Any]] = []
        self.listings = list(listings)
        self.batches = list(batches or [])
        self.fail = fail or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _record(self, operation: str, request: dict[str, Any]) -> None:
        self.calls.append((operation, request))
        if operation in self.fail:
            nth, code = self.fail[operation]
            if sum(1 for name, _ in self.calls if name == operation) == nth:
                raise ClientError({"Error": {"Code": code, "Message": f"{operation} refused"}}, operation)

    def start_message_move_task(self, **request: Any) -> dict[str, str]:
        self.started.append(request)
        return {"TaskHandle": "handle-1"}

    def list_message_move_tasks(self, **request: Any) -> dict[str, Any]:
        assert request["SourceArn"] == DLQ
        return {"Results": self.listings.pop(0)}

    def get_queue_url(self, **request: Any) -> dict[str, str]:
        self._record("get_queue_url", request)
        return {"QueueUrl": URL + request["QueueName"]}

    def receive_message(self, **request: Any) -> dict[str, Any]:
        self._record("receive_message", request)
        batch = self.batches.pop(0) if self.batches else []
        return {"Messages": batch} if batch else {}

    def send_message(self, **request: Any) -> dict[str, str]:
        self._record("send_message", request)
        return {"MessageId": "new-id"}

    def delete_message(self, **request: Any) -> dict[str, Any]:
        self._record("delete_message", request)
        return {}

    def requests(self, operation: str) -> list[dict[str, Any]]:
        return [request for name, request in self.calls if name == operation]


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


# --- rejected deliveries ----------------------------------------------------------------------


def rejected(
    message_id: str,
    body: str = '{"ok":true}',
    reason: str | None = "bad_signature",
    group: str | None = None,
    receipt: str | None = None,
) -> dict[str, Any]:
    """A message as ReceiveMessage returns it from a rejected queue (with the list fields SQS
    includes, empty)."""
    attributes: dict[str, Any] = {
        "X-Hub-Signature-256": {
            "StringValue": "sha256=ab12",
            "DataType": "String",
            "StringListValues": [],
            "BinaryListValues": [],
        },
        redrive.RECEIVED_AT_ATTRIBUTE: {"StringValue": "1767225600123", "DataType": "Number"},
    }
    if reason is not None:
        attributes[redrive.REJECTED_REASON_ATTRIBUTE] = {"StringValue": reason, "DataType": "String"}
    message: dict[str, Any] = {
        "MessageId": message_id,
        "ReceiptHandle": receipt or f"receipt-{message_id}",
        "Body": body,
        "MessageAttributes": attributes,
    }
    if group is not None:
        message["Attributes"] = {"MessageGroupId": group}
    return message


def test_queues_are_found_by_name_and_owner_and_received_with_their_attributes() -> None:
    sqs = FakeSqs(batches=[[rejected("m1")]])
    redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert sqs.requests("get_queue_url") == [
        {"QueueName": "acme-github-rejected", "QueueOwnerAWSAccountId": "123456789012"},
        {"QueueName": "acme-github", "QueueOwnerAWSAccountId": "123456789012"},
    ]
    receive = sqs.requests("receive_message")[0]
    assert receive["QueueUrl"] == URL + "acme-github-rejected"
    assert receive["MaxNumberOfMessages"] == 10
    assert receive["MessageAttributeNames"] == ["All"]
    assert "MessageGroupId" in receive["MessageSystemAttributeNames"]
    assert receive["VisibilityTimeout"] == 60
    assert receive["WaitTimeSeconds"] >= 1, "long polling: a short poll may come back empty from a non-empty queue"


def test_a_delivery_goes_back_with_its_body_and_every_attribute_but_the_reason() -> None:
    body = '{"q":"\\"x\\" \\\\ caf\u00e9"}\n'
    message = rejected("m1", body)
    message["MessageAttributes"].update(
        {
            "X-Raw": {"BinaryValue": b"\x00\xff", "DataType": "Binary", "BinaryListValues": []},
            "X-Custom": {"StringValue": "7", "DataType": "Number.ms", "StringListValues": []},
            "X-Custom-Binary": {"BinaryValue": b"\x01", "DataType": "Binary.gz"},
        }
    )
    sqs = FakeSqs(batches=[[message]])
    result = redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert sqs.requests("send_message") == [
        {
            "QueueUrl": URL + "acme-github",
            "MessageBody": body,
            "MessageAttributes": {
                "X-Hub-Signature-256": {"DataType": "String", "StringValue": "sha256=ab12"},
                "webhook.received_at": {"DataType": "Number", "StringValue": "1767225600123"},
                "X-Raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
                "X-Custom": {"DataType": "Number.ms", "StringValue": "7"},
                "X-Custom-Binary": {"DataType": "Binary.gz", "BinaryValue": b"\x01"},
            },
        }
    ]
    assert result == redrive.ResendSummary(SOURCE, moved=1, skipped=0, by_reason={"bad_signature": 1})


def test_each_delivery_is_deleted_only_after_it_was_sent() -> None:
    sqs = FakeSqs(batches=[[rejected("m1"), rejected("m2")]])
    redrive.resend_rejected(sqs, REJECTED, SOURCE)
    moves = [(name, request.get("MessageBody") or request.get("ReceiptHandle")) for name, request in sqs.calls[3:]]
    assert moves == [
        ("send_message", '{"ok":true}'),
        ("delete_message", "receipt-m1"),
        ("send_message", '{"ok":true}'),
        ("delete_message", "receipt-m2"),
        ("receive_message", None),
    ]
    assert all(request["QueueUrl"] == URL + "acme-github-rejected" for request in sqs.requests("delete_message"))


def test_fifo_deliveries_keep_their_group_and_order_with_a_new_stable_dedup_id() -> None:
    batch = [rejected("m1", "a1", group="a"), rejected("m2", "b1", group="b"), rejected("m3", "a2", group="a")]
    sqs = FakeSqs(batches=[batch])
    redrive.resend_rejected(sqs, REJECTED_FIFO, SOURCE_FIFO)
    sent = [
        (request["MessageBody"], request["MessageGroupId"], request["MessageDeduplicationId"])
        for request in sqs.requests("send_message")
    ]
    assert sent == [("a1", "a", "resend-m1"), ("b1", "b", "resend-m2"), ("a2", "a", "resend-m3")]


def test_standard_deliveries_carry_no_fifo_ids() -> None:
    sqs = FakeSqs(batches=[[rejected("m1", group="ignored")]])
    redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert not {"MessageGroupId", "MessageDeduplicationId"} & set(sqs.requests("send_message")[0])


def test_a_reason_filter_moves_only_those_and_leaves_the_others_undeleted() -> None:
    batch = [
        rejected("m1", "1", "bad_signature"),
        rejected("m2", "2", "timestamp_expired"),
        rejected("m3", "3", "missing_header"),
        rejected("m4", "4", None),
        rejected("m5", "5", "bad_signature"),
    ]
    sqs = FakeSqs(batches=[batch])
    result = redrive.resend_rejected(sqs, REJECTED, SOURCE, reasons=["bad_signature", "missing_header"])
    assert [request["MessageBody"] for request in sqs.requests("send_message")] == ["1", "3", "5"]
    assert [request["ReceiptHandle"] for request in sqs.requests("delete_message")] == [
        "receipt-m1",
        "receipt-m3",
        "receipt-m5",
    ]
    assert result == redrive.ResendSummary(
        SOURCE, moved=3, skipped=2, by_reason={"bad_signature": 2, "missing_header": 1}
    )


def test_without_a_filter_a_delivery_without_reason_moves_too() -> None:
    sqs = FakeSqs(batches=[[rejected("m1", reason=None)]])
    result = redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert result.moved == 1 and result.by_reason == {redrive.NO_REASON: 1}


def test_the_run_ends_when_a_receive_brings_nothing_new() -> None:
    # A receive that brings back only deliveries this run has seen (m1, skipped, visible again
    # once its visibility timeout ended) ends the run: the third batch is never asked for.
    sqs = FakeSqs(
        batches=[
            [rejected("m1", reason="timestamp_expired")],
            [rejected("m1", reason="timestamp_expired")],
            [rejected("m2")],
        ]
    )
    result = redrive.resend_rejected(sqs, REJECTED, SOURCE, reasons=["bad_signature"])
    assert len(sqs.requests("receive_message")) == 2
    assert sqs.requests("send_message") == []
    assert result == redrive.ResendSummary(SOURCE, moved=0, skipped=1, by_reason={})


def test_a_second_copy_of_a_moved_delivery_is_deleted_not_sent_again() -> None:
    # A standard queue delivers at least once: m1 may come back after it was moved.
    sqs = FakeSqs(
        batches=[[rejected("m1", "one")], [rejected("m1", "one", receipt="receipt-again"), rejected("m2", "two")]]
    )
    result = redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert [request["MessageBody"] for request in sqs.requests("send_message")] == ["one", "two"]
    assert [request["ReceiptHandle"] for request in sqs.requests("delete_message")] == [
        "receipt-m1",
        "receipt-again",
        "receipt-m2",
    ]
    assert result.moved == 2


def test_max_messages_stops_the_run_and_receives_no_more_than_it_moves() -> None:
    sqs = FakeSqs(
        batches=[[rejected(f"m{i}") for i in range(10)], [rejected("m10"), rejected("m11")], [rejected("m12")]]
    )
    result = redrive.resend_rejected(sqs, REJECTED, SOURCE, max_messages=12)
    assert [request["MaxNumberOfMessages"] for request in sqs.requests("receive_message")] == [10, 2]
    assert result.moved == 12 and len(sqs.requests("delete_message")) == 12


def test_a_failed_send_deletes_nothing_more_and_says_what_to_grant() -> None:
    sqs = FakeSqs(
        batches=[[rejected("m1"), rejected("m2"), rejected("m3")]], fail={"send_message": (2, "AccessDenied")}
    )
    with pytest.raises(redrive.RedriveError) as raised:
        redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert [request["ReceiptHandle"] for request in sqs.requests("delete_message")] == ["receipt-m1"]
    message = str(raised.value)
    assert message.startswith(f"resend of {REJECTED} failed while sending m2 to {SOURCE} (moved 1 before it;")
    for action in (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueUrl",
        "sqs:SendMessage",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    ):
        assert action in message


def test_an_unknown_queue_is_reported_with_a_hint() -> None:
    sqs = FakeSqs(fail={"get_queue_url": (2, "QueueDoesNotExist")})
    with pytest.raises(
        redrive.RedriveError, match="failed while finding acme-github: QueueDoesNotExist.*\n  no such queue"
    ):
        redrive.resend_rejected(sqs, REJECTED, SOURCE)
    assert sqs.requests("receive_message") == []


@pytest.mark.parametrize(("rejected_arn", "destination_arn"), [(REJECTED_FIFO, SOURCE), (REJECTED, SOURCE_FIFO)])
def test_a_destination_of_the_other_kind_is_refused_before_any_request(rejected_arn: str, destination_arn: str) -> None:
    sqs = FakeSqs(batches=[[rejected("m1", group="a")]])
    with pytest.raises(redrive.RedriveError) as raised:
        redrive.resend_rejected(sqs, rejected_arn, destination_arn)
    message = str(raised.value)
    assert rejected_arn in message and destination_arn in message
    assert "FIFO queue" in message and "standard queue" in message and "-rejected.fifo" in message
    assert sqs.calls == []


@pytest.mark.parametrize(
    ("destination_arn", "message"),
    [
        (REJECTED, "--destination-arn is the rejected queue itself"),
        ("arn:aws:sqs:us-east-1:123456789012:acme-github", "is in eu-west-1 but --destination-arn"),
        ("acme-github", "--destination-arn 'acme-github' is not an SQS queue ARN"),
    ],
)
def test_a_destination_that_cannot_be_the_source_queue_is_refused(destination_arn: str, message: str) -> None:
    sqs = FakeSqs(batches=[[rejected("m1")]])
    with pytest.raises(redrive.RedriveError, match=message):
        redrive.resend_rejected(sqs, REJECTED, destination_arn)
    assert sqs.calls == []


def test_the_command_prints_one_line_with_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    batch = [
        rejected("m1", reason="bad_signature"),
        rejected("m2", reason="missing_header"),
        rejected("m3", reason="timestamp_expired"),
        rejected("m4", reason="bad_signature"),
    ]
    sqs = FakeSqs(batches=[batch])
    argv = [
        "--rejected-arn",
        REJECTED,
        "--destination-arn",
        SOURCE,
        "--reason",
        "bad_signature",
        "--reason",
        "missing_header",
    ]
    assert redrive.main(argv, sqs=sqs) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"moved 3 rejected deliveries to {SOURCE} (bad_signature: 2, missing_header: 1); left 1 (reason not selected)"
    ]


def test_the_command_fails_with_the_error_and_its_hint(capsys: pytest.CaptureFixture[str]) -> None:
    sqs = FakeSqs(batches=[[rejected("m1")]], fail={"receive_message": (1, "KmsAccessDenied")})
    assert redrive.main(["--rejected-arn", REJECTED, "--destination-arn", SOURCE], sqs=sqs) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: resend of {REJECTED} failed while receiving: KmsAccessDenied"), error
    assert "kms:Decrypt and kms:GenerateDataKey" in error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rejected-arn", REJECTED, "--destination-arn", SOURCE, "--wait"], "--wait is only for --dlq-arn"),
        (
            ["--rejected-arn", REJECTED, "--destination-arn", SOURCE, "--max-per-second", "5"],
            "--max-per-second is only for --dlq-arn",
        ),
        (["--rejected-arn", REJECTED], "--rejected-arn needs --destination-arn"),
        (["--rejected-arn", REJECTED_FIFO, "--destination-arn", SOURCE], "is a FIFO queue but --destination-arn"),
        (["--dlq-arn", DLQ, "--reason", "bad_signature"], "--reason is only for --rejected-arn"),
        (["--dlq-arn", DLQ, "--max-messages", "3"], "--max-messages is only for --rejected-arn"),
        (["--dlq-arn", DLQ, "--max-messages", "0"], "--max-messages is only for --rejected-arn"),
        (
            ["--rejected-arn", REJECTED, "--destination-arn", SOURCE, "--max-messages", "0"],
            "--max-messages 0 is not a positive",
        ),
        (
            ["--rejected-arn", REJECTED, "--destination-arn", SOURCE, "--wait", "--max-per-second", "5"],
            "--max-per-second and --wait are only for --dlq-arn",
        ),
    ],
)
def test_options_of_the_other_mode_are_refused_before_calling_aws(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = FakeSqs(batches=[[rejected("m1")]])
    assert redrive.main(argv, sqs=sqs) == 1
    assert message in capsys.readouterr().err
    assert sqs.calls == [] and sqs.started == []


def test_one_source_queue_is_required_not_both(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        redrive.main(["--dlq-arn", DLQ, "--rejected-arn", REJECTED, "--destination-arn", SOURCE], sqs=FakeSqs())
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_messages": 0}, "--max-messages 0 is not a positive"),
        ({"visibility_timeout": 0}, "visibility_timeout 0 is outside"),
        ({"wait_seconds": 0}, "0 would poll a sample"),
    ],
)
def test_limits_that_would_lose_track_are_refused_before_any_request(options: dict[str, int], message: str) -> None:
    sqs = FakeSqs(batches=[[rejected("m1")]])
    with pytest.raises(redrive.RedriveError, match=message):
        redrive.resend_rejected(sqs, REJECTED, SOURCE, **options)
    assert sqs.calls == []
