"""`python -m constructs_lib.redrive` on LocalStack: dead-lettered messages go back to the queue
they failed in, byte for byte, with their attributes, and the DLQ is left empty.

The queues are made with boto3 as the stacks make them (a redrive policy on the queue, a
redrive-allow policy on the DLQ naming it); messages reach the DLQ the way they do in
production, by being received max_receive_count times without being deleted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib import redrive
from support.localstack import ACCESS_KEY, REGION, SECRET_KEY, LocalStack

ROOT = Path(__file__).resolve().parents[2]
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


def test_the_command_redrives_and_reports_the_counts(queues: Queues, localstack: LocalStack) -> None:
    dead_letter(queues)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT_URL": localstack.endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-m", "constructs_lib.redrive", "--dlq-arn", queues.dlq_arn, "--max-per-second", "50", "--wait"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
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
