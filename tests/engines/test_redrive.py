"""`python -m constructs_lib.redrive` on LocalStack: dead-lettered messages go back to the queue
they failed in, byte for byte, with their attributes, and the DLQ is left empty; rejected
deliveries go back to their source queue the same way, without their rejection reason.

The queues are made with boto3 as the stacks make them (a redrive policy on the queue, a
redrive-allow policy on the DLQ naming it); messages reach the DLQ the way they do in
production, by being received max_receive_count times without being deleted. Rejected
deliveries are put on a rejected queue as the workflow puts them there: the raw body, the
original attributes plus webhook.rejected_reason, and on FIFO queues the original group and
the original message id as deduplication id.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from constructs_lib import redrive
from support.localstack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
COMMAND = (sys.executable, "-m", "constructs_lib.redrive")
MAX_RECEIVE_COUNT = 2
# What a provider may send: quotes, backslashes, a would-be template, non-ASCII, newlines.
BODIES = (
    '{"event":"delivered","note":"caf\u00e9 \u2603 \U0001f4e8","quote":"\\"x\\" \\\\ $${y} %{z}"}',
    '{"event":"failed","lines":"a\\nb\\r\\n\\tc","html":"<b>&amp;</b>"}',
    "not json at all: \u00fc\u00df \u65e5\u672c <>&'\" \n trailing spaces   ",
)


@dataclass(frozen=True)
class Queues:
    sqs: Any
    url: str
    arn: str
    dlq_url: str
    dlq_arn: str


def _arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture
def queues(localstack: LocalStack) -> Iterator[Queues]:
    sqs = localstack.client("sqs")
    name = f"redrive-{uuid.uuid4().hex[:8]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = _arn(sqs, dlq_url)
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
        },
    )["QueueUrl"]
    arn = _arn(sqs, url)
    sqs.set_queue_attributes(
        QueueUrl=dlq_url,
        Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})},
    )
    try:
        yield Queues(sqs, url, arn, dlq_url, dlq_arn)
    finally:
        sqs.delete_queue(QueueUrl=url)
        sqs.delete_queue(QueueUrl=dlq_url)


def receive_all(sqs: Any, url: str, count: int, *, delete: bool, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Receive until `count` distinct messages came back (or the time is up)."""
    seen: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", []):
            seen[message["MessageId"]] = message
            if delete:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return list(seen.values())


def count(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def dead_letter(q: Queues) -> None:
    """Send the bodies to the queue and receive them, never deleting, until SQS has moved them
    to the DLQ: a consumer that fails every time."""
    for index, body in enumerate(BODIES):
        q.sqs.send_message(
            QueueUrl=q.url,
            MessageBody=body,
            MessageAttributes={"X-Delivery": {"DataType": "String", "StringValue": f"d-{index}"}},
        )
    deadline = time.monotonic() + 30
    while count(q.sqs, q.dlq_url) < len(BODIES):
        assert time.monotonic() < deadline, "messages never reached the DLQ"
        q.sqs.receive_message(QueueUrl=q.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    assert count(q.sqs, q.url) == 0


def assert_back_in_the_queue(q: Queues) -> None:
    back = receive_all(q.sqs, q.url, len(BODIES), delete=True)
    assert sorted(m["Body"].encode() for m in back) == sorted(b.encode() for b in BODIES)
    assert sorted(m["MessageAttributes"]["X-Delivery"]["StringValue"] for m in back) == ["d-0", "d-1", "d-2"]
    assert count(q.sqs, q.dlq_url) == 0


def test_the_redrive_function_moves_dead_letters_back_unchanged(queues: Queues) -> None:
    dead_letter(queues)
    handle = redrive.start_redrive(queues.sqs, queues.dlq_arn)
    assert handle
    task = redrive.wait_for_task(queues.sqs, queues.dlq_arn, handle, poll_seconds=0.5, timeout_seconds=60)
    assert task["Status"] == "COMPLETED", task
    assert task["ApproximateNumberOfMessagesMoved"] == len(BODIES), task
    assert_back_in_the_queue(queues)


def run(command: list[str], localstack: LocalStack) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=localstack.operator_environment(), capture_output=True, text=True, timeout=120, check=False
    )


def test_the_command_redrives_and_reports_the_counts(queues: Queues, localstack: LocalStack) -> None:
    dead_letter(queues)
    result = run([*COMMAND, "--dlq-arn", queues.dlq_arn, "--max-per-second", "50", "--wait"], localstack)
    assert result.returncode == 0, result.stderr
    started, finished = result.stdout.splitlines()
    assert started.startswith(f"moving messages from {queues.dlq_arn} to the queue(s) they came from; task handle: ")
    assert finished.startswith(f"COMPLETED: moved {len(BODIES)}"), finished
    assert_back_in_the_queue(queues)


def test_a_queue_that_is_no_dlq_is_refused_with_the_reason(queues: Queues, capsys: pytest.CaptureFixture[str]) -> None:
    # The source queue has no queue that dead-letters into it.
    code = redrive.main(["--dlq-arn", queues.arn], sqs=queues.sqs)
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: redrive of {queues.arn} failed: "), error
    # LocalStack answers as SQS does: InvalidParameterValue, "Source queue must be configured
    # as a Dead Letter Queue."
    assert "Dead Letter Queue" in error and "check that --dlq-arn is the DLQ of an SQS queue" in error, error


def test_a_malformed_arn_is_refused_before_calling_aws(capsys: pytest.CaptureFixture[str]) -> None:
    assert redrive.main(["--dlq-arn", "acme-github-dlq"], sqs=object()) == 1
    assert "--dlq-arn 'acme-github-dlq' is not an SQS queue ARN" in capsys.readouterr().err


# --- rejected deliveries ----------------------------------------------------------------------

REASON = redrive.REJECTED_REASON_ATTRIBUTE


@dataclass(frozen=True)
class Rejected:
    """One delivery as the workflow put it on the rejected queue."""

    body: str
    reason: str
    group: str
    # The attributes it came with from the API; sent back unchanged.
    attributes: dict[str, tuple[str, str]]


# Group g1 holds only bad_signature deliveries, g2 the others: which move under --reason
# bad_signature then does not depend on how SQS batches a FIFO queue's groups.
REJECTED_DELIVERIES = tuple(
    Rejected(
        body,
        reason,
        group,
        {
            "X-Hub-Signature-256": ("String", f"sha256={index:064x}"),
            "X-GitHub-Delivery": ("String", f"delivery-{index}"),
            redrive.RECEIVED_AT_ATTRIBUTE: ("Number", str(1767225600123 + index)),
        },
    )
    for index, (body, reason, group) in enumerate(
        [
            (BODIES[0], "bad_signature", "g1"),
            (BODIES[1], "missing_header", "g2"),
            (BODIES[2], "bad_signature", "g1"),
            ('{"crlf":"a\r\nb","tab":"\t","emoji":"\U0001f600"}\r\n', "timestamp_expired", "g2"),
            ("payload=%7B%22a%22%3A1%7D&sig=%2B%2F%3D", "bad_signature", "g1"),
            ('  {"spaces": "  \\u00e9 \\\\n "}  \n\n', "missing_header", "g2"),
        ]
    )
)


@dataclass(frozen=True)
class RejectedPair:
    sqs: Any
    fifo: bool
    rejected_url: str
    rejected_arn: str
    url: str
    arn: str


@pytest.fixture(params=["standard", "fifo"])
def pair(request: pytest.FixtureRequest, localstack: LocalStack) -> Iterator[RejectedPair]:
    """A source queue and its rejected queue, both standard or both FIFO."""
    sqs = localstack.client("sqs")
    fifo = request.param == "fifo"
    suffix = ".fifo" if fifo else ""
    attributes = {"FifoQueue": "true"} if fifo else {}
    name = f"resend-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=f"{name}{suffix}", Attributes=attributes)["QueueUrl"]
    rejected_url = sqs.create_queue(QueueName=f"{name}-rejected{suffix}", Attributes=attributes)["QueueUrl"]
    try:
        yield RejectedPair(sqs, fifo, rejected_url, _arn(sqs, rejected_url), url, _arn(sqs, url))
    finally:
        sqs.delete_queue(QueueUrl=url)
        sqs.delete_queue(QueueUrl=rejected_url)


def reject(q: RejectedPair) -> dict[str, str]:
    """Put REJECTED_DELIVERIES on the rejected queue as the workflow does; returns each body's
    message id there."""
    ids = {}
    for delivery in REJECTED_DELIVERIES:
        attributes = {
            name: {"DataType": kind, "StringValue": value} for name, (kind, value) in delivery.attributes.items()
        }
        attributes[REASON] = {"DataType": "String", "StringValue": delivery.reason}
        request: dict[str, Any] = {
            "QueueUrl": q.rejected_url,
            "MessageBody": delivery.body,
            "MessageAttributes": attributes,
        }
        if q.fifo:
            # The original delivery's SQS message id.
            request.update(MessageGroupId=delivery.group, MessageDeduplicationId=str(uuid.uuid4()))
        ids[delivery.body] = q.sqs.send_message(**request)["MessageId"]
    return ids


def receive_in_order(sqs: Any, url: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Receive and delete until `count` messages came back, in the order SQS hands them out."""
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", []):
            received.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return received


def attributes_of(message: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {name: (a["DataType"], a["StringValue"]) for name, a in message.get("MessageAttributes", {}).items()}


def assert_sent_back(q: RejectedPair, deliveries: tuple[Rejected, ...], ids: dict[str, str]) -> None:
    """The source queue holds exactly `deliveries`: each body byte for byte, every attribute but
    the reason; on FIFO queues in their group, in order, deduplicated on their rejected id."""
    back = receive_in_order(q.sqs, q.url, len(deliveries))
    assert sorted(m["Body"].encode() for m in back) == sorted(d.body.encode() for d in deliveries)
    by_body = {d.body: d for d in deliveries}
    for message in back:
        assert attributes_of(message) == by_body[message["Body"]].attributes
    if q.fifo:
        for group in ("g1", "g2"):
            sent = [m["Body"] for m in back if m["Attributes"]["MessageGroupId"] == group]
            assert sent == [d.body for d in deliveries if d.group == group], f"order of {group}"
        assert {m["Attributes"]["MessageDeduplicationId"] for m in back} == {
            f"resend-{ids[d.body]}" for d in deliveries
        }
    assert count(q.sqs, q.url) == 0, "a second copy reached the source queue"


def test_the_command_sends_rejected_deliveries_back_unchanged(pair: RejectedPair, localstack: LocalStack) -> None:
    ids = reject(pair)
    result = run([*COMMAND, "--rejected-arn", pair.rejected_arn, "--destination-arn", pair.arn], localstack)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"moved 6 rejected deliveries to {pair.arn} (bad_signature: 3, missing_header: 2, timestamp_expired: 1)"
    ]
    assert count(pair.sqs, pair.rejected_url) == 0
    assert_sent_back(pair, REJECTED_DELIVERIES, ids)


# The make target adds nothing FIFO-specific.
@pytest.mark.parametrize("pair", ["standard"], indirect=True)
def test_make_redrive_sends_rejected_deliveries_back(pair: RejectedPair, localstack: LocalStack) -> None:
    ids = reject(pair)
    result = run(
        ["make", "--no-print-directory", "redrive", f"REJECTED_ARN={pair.rejected_arn}", f"QUEUE_ARN={pair.arn}"],
        localstack,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith(f"moved 6 rejected deliveries to {pair.arn} ("), result.stdout
    assert count(pair.sqs, pair.rejected_url) == 0
    assert_sent_back(pair, REJECTED_DELIVERIES, ids)


def test_a_reason_filter_moves_only_those_and_leaves_the_others(pair: RejectedPair) -> None:
    ids = reject(pair)
    # A short visibility timeout, so the deliveries left behind can be received below.
    result = redrive.resend_rejected(
        pair.sqs, pair.rejected_arn, pair.arn, reasons=["bad_signature"], visibility_timeout=1
    )
    selected = tuple(d for d in REJECTED_DELIVERIES if d.reason == "bad_signature")
    others = tuple(d for d in REJECTED_DELIVERIES if d.reason != "bad_signature")
    assert (result.moved, result.by_reason, result.skipped) == (3, {"bad_signature": 3}, 3)
    assert_sent_back(pair, selected, ids)
    left = receive_in_order(pair.sqs, pair.rejected_url, len(others))
    assert sorted(m["Body"].encode() for m in left) == sorted(d.body.encode() for d in others)
    by_body = {d.body: d for d in others}
    for message in left:
        expected = {**by_body[message["Body"]].attributes, REASON: ("String", by_body[message["Body"]].reason)}
        assert attributes_of(message) == expected


class CrashAfterFirstSend:
    """The SQS client of a run that dies between sending a delivery and deleting it."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sqs, name)

    def delete_message(self, **request: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "crash"}}, "DeleteMessage")


# A standard queue has no deduplication: there a retried run may duplicate a delivery.
@pytest.mark.parametrize("pair", ["fifo"], indirect=True)
def test_a_fifo_run_retried_after_a_crash_queues_no_second_copy(pair: RejectedPair) -> None:
    ids = reject(pair)
    with pytest.raises(redrive.RedriveError, match="failed while deleting .* \\(already sent\\): InternalError"):
        redrive.resend_rejected(CrashAfterFirstSend(pair.sqs), pair.rejected_arn, pair.arn, visibility_timeout=1)
    time.sleep(2)  # the batch of the crashed run, the sent delivery included, is visible again
    result = redrive.resend_rejected(pair.sqs, pair.rejected_arn, pair.arn, visibility_timeout=1)
    assert result.moved == len(REJECTED_DELIVERIES)
    assert count(pair.sqs, pair.rejected_url) == 0
    assert_sent_back(pair, REJECTED_DELIVERIES, ids)


# One direction is enough here; both are unit-tested.
@pytest.mark.parametrize("pair", ["fifo"], indirect=True)
def test_a_destination_of_the_other_kind_is_refused_before_anything_moves(
    pair: RejectedPair, capsys: pytest.CaptureFixture[str]
) -> None:
    reject(pair)
    standard = pair.arn.removesuffix(".fifo")
    code = redrive.main(["--rejected-arn", pair.rejected_arn, "--destination-arn", standard], sqs=pair.sqs)
    assert code == 1
    assert (
        f"--rejected-arn {pair.rejected_arn} is a FIFO queue but --destination-arn {standard}"
        in capsys.readouterr().err
    )
    assert count(pair.sqs, pair.rejected_url) == len(REJECTED_DELIVERIES)
