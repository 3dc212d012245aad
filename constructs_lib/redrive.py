"""Send failed webhook deliveries back to the queue they came from, once the cause is fixed.

    python -m constructs_lib.redrive --dlq-arn ARN [--destination-arn ARN] [--max-per-second N] [--wait]
    python -m constructs_lib.redrive --rejected-arn ARN --destination-arn ARN [--reason REASON ...] [--max-messages N]

An operator's command (see README, "Redriving the DLQ"). It needs boto3, a dev dependency of
this project (`make install`), and AWS credentials from the usual chain; the region is the
first queue's own.

--dlq-arn: the messages of a dead-letter queue, with SQS's message move task
(StartMessageMoveTask). Without --destination-arn SQS returns each message to the queue it was
dead-lettered from. The bodies and attributes are kept; SQS runs the move as a task of its own,
which --wait follows until it ends.

--rejected-arn: the deliveries the workflow rejected (a failed signature check, kept in the
`<prefix>-<source>-rejected` queue with a `webhook.rejected_reason` attribute), sent back to
the source queue (--destination-arn) to be verified again, e.g. after a wrong secret was
replaced. SQS moves messages only out of a queue that is some queue's DLQ, so this command
moves them itself: receive, send the same body and attributes without the reason, then
delete; a crash in between can duplicate a delivery, never lose one. --reason moves only
deliveries rejected for those reasons; the others stay. On FIFO queues each keeps its message
group, in order, and its deduplication id is "resend-" + its message id in the rejected queue,
so a run retried within SQS's five-minute window does not queue a second copy.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import verifier_schemes

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # main() says how to install boto3
    AWS_ERRORS: tuple[type[Exception], ...] = ()
else:
    AWS_ERRORS = (ClientError, BotoCoreError)

__all__ = [
    "RECEIVED_AT_ATTRIBUTE",
    "REJECTED_REASON_ATTRIBUTE",
    "RedriveError",
    "ResendSummary",
    "main",
    "resend_rejected",
    "start_redrive",
    "wait_for_task",
]

# The message attributes of a rejected delivery that are the stack's own, named where the
# verifier names them: why it was rejected (not sent back), and when API Gateway received it,
# in epoch milliseconds (a Number, sent back: the replay window is measured from it).
REJECTED_REASON_ATTRIBUTE = verifier_schemes.rejected_reason_attribute()
RECEIVED_AT_ATTRIBUTE = verifier_schemes.received_at_attribute()
# The API's limit on MaxNumberOfMessagesPerSecond.
MAX_PER_SECOND = 500
# ReceiveMessage returns at most 10 messages, hides them for up to 12 hours and waits for
# them up to 20 s.
BATCH_SIZE = 10
MAX_VISIBILITY_TIMEOUT = 43_200
MAX_WAIT_SECONDS = 20
_QUEUE_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:sqs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[A-Za-z0-9_-]{1,80}(\.fifo)?)$"
)
_ARN_EXAMPLES = {
    "--dlq-arn": "arn:aws:sqs:eu-west-1:123456789012:acme-github-dlq (the <name>_<source>_dlq_arn output)",
    "--rejected-arn": "arn:aws:sqs:eu-west-1:123456789012:acme-github-rejected (the source's rejected queue)",
    "--destination-arn": "arn:aws:sqs:eu-west-1:123456789012:acme-github (the <name>_<source>_queue_arn output)",
}
DONE = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
NO_REASON = "(no reason)"


class RedriveError(RuntimeError):
    """The move could not start or did not finish; the message says why and what to do."""


@dataclass(frozen=True)
class _Queue:
    arn: str
    region: str
    account: str
    name: str

    @property
    def fifo(self) -> bool:
        return self.name.endswith(".fifo")


def _parse_arn(arn: str, option: str) -> _Queue:
    match = _QUEUE_ARN.match(arn)
    if not match:
        example = _ARN_EXAMPLES.get(option, _ARN_EXAMPLES["--dlq-arn"])
        raise RedriveError(f"{option} {arn!r} is not an SQS queue ARN: pass e.g. {example}")
    return _Queue(arn, match.group("region"), match.group("account"), match.group("name"))


def queue_region(arn: str, option: str = "--dlq-arn") -> str:
    return _parse_arn(arn, option).region


_NO_QUEUE = "no such queue: check the ARN and the account"
_COMMON_HINTS = {
    "ResourceNotFoundException": _NO_QUEUE,
    "AWS.SimpleQueueService.NonExistentQueue": _NO_QUEUE,
    "QueueDoesNotExist": _NO_QUEUE,
    "NoCredentialsError": "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
}
_DLQ_HINTS = {
    **_COMMON_HINTS,
    "UnsupportedOperation": "SQS moves messages only out of a queue that is the DLQ of another SQS queue",
    "InvalidParameterValue": "check that --dlq-arn is the DLQ of an SQS queue (a redrive policy names it) "
    "and that a --destination-arn is a queue of the same account and region",
    "AccessDenied": "the credentials may not start a move: they need sqs:StartMessageMoveTask, "
    "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on the DLQ and "
    "sqs:SendMessage on the destination",
    "AccessDeniedException": "the credentials may not start a move (see README for the actions needed)",
}
_REJECTED_ACCESS = (
    "the credentials need sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueUrl on the rejected queue and "
    "sqs:SendMessage, sqs:GetQueueUrl on the destination; with KMS-encrypted queues also kms:Decrypt and "
    "kms:GenerateDataKey on their keys (allowed by the key policy too)"
)
_REJECTED_KMS = (
    "a queue's KMS key refused or failed: the credentials need kms:Decrypt and kms:GenerateDataKey on the "
    "key of the rejected queue and of the destination, and the key must be enabled"
)
_REJECTED_HINTS = {
    **_COMMON_HINTS,
    "InvalidParameterValue": "SQS refused the message as sent: check that --destination-arn is the source "
    "queue the delivery was rejected from (the <name>_<source>_queue_arn output)",
    "AccessDenied": _REJECTED_ACCESS,
    "AccessDeniedException": _REJECTED_ACCESS,
    **{
        code: _REJECTED_KMS
        for code in (
            "KmsAccessDenied",
            "KmsDisabled",
            "KmsInvalidKeyUsage",
            "KmsInvalidState",
            "KmsNotFound",
            "KMS.AccessDeniedException",
            "KMS.DisabledException",
            "KMS.NotFoundException",
        )
    },
}


def _error_code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__


def _client_error(error: Exception, dlq_arn: str) -> RedriveError:
    code = _error_code(error)
    hint = _DLQ_HINTS.get(code, "see the message above")
    return RedriveError(f"redrive of {dlq_arn} failed: {code}: {error}\n  {hint}")


def _resend_error(error: Exception, rejected_arn: str, doing: str, moved: int) -> RedriveError:
    code = _error_code(error)
    hint = _REJECTED_HINTS.get(code, "see the message above")
    done = f" (moved {moved} before it; run again to move the rest)" if moved else ""
    return RedriveError(f"resend of {rejected_arn} failed while {doing}{done}: {code}: {error}\n  {hint}")


def start_redrive(sqs: Any, dlq_arn: str, destination_arn: str | None = None, max_per_second: int | None = None) -> str:
    """Start moving every message of `dlq_arn` (to `destination_arn`, else back to the queues
    they came from); returns the task handle."""
    queue_region(dlq_arn)
    request: dict[str, Any] = {"SourceArn": dlq_arn}
    if destination_arn is not None:
        queue_region(destination_arn, "--destination-arn")
        request["DestinationArn"] = destination_arn
    if max_per_second is not None:
        if not 1 <= max_per_second <= MAX_PER_SECOND:
            raise RedriveError(f"--max-per-second {max_per_second} is outside 1-{MAX_PER_SECOND}, the range SQS accepts")
        request["MaxNumberOfMessagesPerSecond"] = max_per_second
    try:
        return str(sqs.start_message_move_task(**request)["TaskHandle"])
    except AWS_ERRORS as error:
        raise _client_error(error, dlq_arn) from None


def wait_for_task(
    sqs: Any,
    dlq_arn: str,
    task_handle: str,
    *,
    poll_seconds: float = 2.0,
    timeout_seconds: float = 3600.0,
    report: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Poll ListMessageMoveTasks until the task has ended; returns its last entry (Status,
    ApproximateNumberOfMessagesMoved, ApproximateNumberOfMessagesToMove, FailureReason)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10).get("Results", [])
        except AWS_ERRORS as error:
            raise _client_error(error, dlq_arn) from None
        # Newest first; an ended task may no longer carry its handle, and a queue runs one
        # task at a time, so the newest one is ours when the handle is absent.
        ours = [t for t in tasks if t.get("TaskHandle") == task_handle] or tasks[:1]
        if not ours:
            raise RedriveError(f"SQS lists no move task for {dlq_arn}: was it cancelled or started elsewhere?")
        task = ours[0]
        if report is not None:
            report(task)
        if task.get("Status") in DONE:
            return task
        if time.monotonic() > deadline:
            raise RedriveError(
                f"task {task_handle} still {task.get('Status')} after {timeout_seconds:.0f} s: it keeps "
                "running in SQS; check it with `aws sqs list-message-move-tasks --source-arn ...`"
            )
        time.sleep(poll_seconds)


def summary(task: dict[str, Any]) -> str:
    moved = task.get("ApproximateNumberOfMessagesMoved", 0)
    total = task.get("ApproximateNumberOfMessagesToMove")
    line = f"{task.get('Status')}: moved {moved}"
    if total is not None:
        line += f" of {total} message(s), not moved {max(total - moved, 0)}"
    else:
        line += " message(s)"
    if task.get("FailureReason"):
        line += f"; reason: {task['FailureReason']}"
    return line


# --- rejected deliveries: a move done by this command --------------------------------------


@dataclass(frozen=True)
class ResendSummary:
    """What `resend_rejected` did: deliveries sent back and deleted (`moved`, counted per
    rejection reason in `by_reason`) and deliveries left in the rejected queue because their
    reason was not selected (`skipped`)."""

    destination_arn: str
    moved: int = 0
    skipped: int = 0
    by_reason: Mapping[str, int] = field(default_factory=dict)

    def line(self) -> str:
        text = f"moved {self.moved} rejected deliveries to {self.destination_arn}"
        if self.by_reason:
            text += " (" + ", ".join(f"{reason}: {n}" for reason, n in sorted(self.by_reason.items())) + ")"
        if self.skipped:
            text += f"; left {self.skipped} (reason not selected)"
        return text


def send_attributes(received: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """ReceiveMessage's MessageAttributes in SendMessage's shape, without the rejection reason:
    DataType and StringValue, or BinaryValue for Binary types (custom types such as
    "Number.ms" keep their suffix)."""
    attributes: dict[str, dict[str, Any]] = {}
    for name, value in received.items():
        if name == REJECTED_REASON_ATTRIBUTE:
            continue
        data_type = value["DataType"]
        key = "BinaryValue" if data_type.split(".", 1)[0] == "Binary" else "StringValue"
        attributes[name] = {"DataType": data_type, key: value[key]}
    return attributes


def _reason(message: Mapping[str, Any]) -> str | None:
    attribute = message.get("MessageAttributes", {}).get(REJECTED_REASON_ATTRIBUTE)
    return attribute.get("StringValue") if attribute else None


def _check_pair(rejected_arn: str, destination_arn: str) -> tuple[_Queue, _Queue]:
    rejected = _parse_arn(rejected_arn, "--rejected-arn")
    destination = _parse_arn(destination_arn, "--destination-arn")
    if rejected.arn == destination.arn:
        raise RedriveError(
            f"--destination-arn is the rejected queue itself ({rejected_arn}): pass the source queue "
            "the deliveries were rejected from (the <name>_<source>_queue_arn output)"
        )
    if rejected.fifo != destination.fifo:
        kinds = {True: "a FIFO queue", False: "a standard queue"}
        raise RedriveError(
            f"--rejected-arn {rejected_arn} is {kinds[rejected.fifo]} but --destination-arn "
            f"{destination_arn} is {kinds[destination.fifo]}: a FIFO source queue keeps its rejected "
            "deliveries in a FIFO queue (name ending -rejected.fifo); pass the source queue of this "
            "rejected queue as --destination-arn"
        )
    if rejected.region != destination.region:
        raise RedriveError(
            f"--rejected-arn {rejected_arn} is in {rejected.region} but --destination-arn {destination_arn} "
            f"in {destination.region}: a rejected queue belongs to a source queue of its own region; pass that one"
        )
    return rejected, destination


def resend_rejected(
    sqs: Any,
    rejected_arn: str,
    destination_arn: str,
    *,
    reasons: Collection[str] | None = None,
    max_messages: int | None = None,
    visibility_timeout: int = 60,
    wait_seconds: int = 1,
) -> ResendSummary:
    """Send the deliveries of the rejected queue `rejected_arn` to `destination_arn` (the source
    queue) and delete each once it was sent; returns the counts.

    reasons: move only deliveries whose REJECTED_REASON_ATTRIBUTE is one of these; the others
    stay, hidden for `visibility_timeout` seconds. max_messages: stop after moving this many.
    visibility_timeout: how long a received batch is hidden from other consumers; it must
    cover sending and deleting one batch of 10. wait_seconds: long polling, so that an empty
    receive means an empty queue rather than an unlucky sample. The run ends at the first
    receive that returns no message it has not seen yet."""
    rejected, destination = _check_pair(rejected_arn, destination_arn)
    if max_messages is not None and max_messages < 1:
        raise RedriveError(f"--max-messages {max_messages} is not a positive number of deliveries")
    if not 1 <= visibility_timeout <= MAX_VISIBILITY_TIMEOUT:
        raise RedriveError(f"visibility_timeout {visibility_timeout} is outside 1-{MAX_VISIBILITY_TIMEOUT} s")
    if not 1 <= wait_seconds <= MAX_WAIT_SECONDS:
        raise RedriveError(f"wait_seconds {wait_seconds} is outside 1-{MAX_WAIT_SECONDS} s (0 would poll a sample)")
    selected = frozenset(reasons) if reasons else None

    moved: Counter[str] = Counter()
    skipped = 0

    def so_far() -> ResendSummary:
        return ResendSummary(destination_arn, sum(moved.values()), skipped, dict(moved))

    def call(doing: str, operation: Callable[..., Any], **request: Any) -> Any:
        try:
            return operation(**request)
        except AWS_ERRORS as error:
            raise _resend_error(error, rejected_arn, doing, sum(moved.values())) from None

    source_url = call(
        f"finding {rejected.name}", sqs.get_queue_url, QueueName=rejected.name, QueueOwnerAWSAccountId=rejected.account
    )["QueueUrl"]
    destination_url = call(
        f"finding {destination.name}",
        sqs.get_queue_url,
        QueueName=destination.name,
        QueueOwnerAWSAccountId=destination.account,
    )["QueueUrl"]

    # Message id -> whether it was moved. A skipped delivery comes back once its visibility
    # timeout ends; a moved one only as a duplicate of a standard queue's at-least-once delivery.
    seen: dict[str, bool] = {}
    while max_messages is None or sum(moved.values()) < max_messages:
        wanted = BATCH_SIZE if max_messages is None else min(BATCH_SIZE, max_messages - sum(moved.values()))
        messages = call(
            "receiving",
            sqs.receive_message,
            QueueUrl=source_url,
            MaxNumberOfMessages=wanted,
            MessageAttributeNames=["All"],
            # The current name of the discontinued AttributeNames parameter.
            MessageSystemAttributeNames=["MessageGroupId"],
            VisibilityTimeout=visibility_timeout,
            WaitTimeSeconds=wait_seconds,
        ).get("Messages", [])
        if all(message["MessageId"] in seen for message in messages):
            break
        # In order: a FIFO queue hands out a group's messages in sequence, and they are sent so.
        for message in messages:
            message_id = message["MessageId"]
            if message_id in seen:
                if seen[message_id]:
                    call(
                        f"deleting a second copy of {message_id}",
                        sqs.delete_message,
                        QueueUrl=source_url,
                        ReceiptHandle=message["ReceiptHandle"],
                    )
                continue
            reason = _reason(message)
            if selected is not None and reason not in selected:
                seen[message_id] = False
                skipped += 1
                continue
            request: dict[str, Any] = {"QueueUrl": destination_url, "MessageBody": message["Body"]}
            attributes = send_attributes(message.get("MessageAttributes", {}))
            if attributes:
                request["MessageAttributes"] = attributes
            if destination.fifo:
                group = message.get("Attributes", {}).get("MessageGroupId")
                if not group:
                    raise RedriveError(
                        f"message {message_id} of FIFO queue {rejected_arn} came without its MessageGroupId; "
                        "nothing was sent for it"
                    )
                request["MessageGroupId"] = group
                # Stable across runs: a run retried after a crash between send and delete does
                # not queue a second copy within SQS's 5-minute deduplication window; and
                # unlike the original delivery's id (its message id in the source queue), so
                # SQS does not drop it as a duplicate of that one.
                request["MessageDeduplicationId"] = f"resend-{message_id}"
            call(f"sending {message_id} to {destination_arn}", sqs.send_message, **request)
            # Deleted only once sent: a crash in between duplicates a delivery, never loses one.
            call(
                f"deleting {message_id} (already sent)",
                sqs.delete_message,
                QueueUrl=source_url,
                ReceiptHandle=message["ReceiptHandle"],
            )
            seen[message_id] = True
            moved[reason if reason is not None else NO_REASON] += 1
            if max_messages is not None and sum(moved.values()) >= max_messages:
                break
    return so_far()


# --- the command ---------------------------------------------------------------------------


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m constructs_lib.redrive",
        description="Move a dead-letter queue's messages back to their source queue (SQS StartMessageMoveTask), "
        "or a rejected queue's deliveries back to their source queue to be verified again.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dlq-arn", help="ARN of the dead-letter queue to empty")
    source.add_argument(
        "--rejected-arn",
        help="ARN of a rejected queue (<prefix>-<source>-rejected) to send back to its source queue; "
        "needs --destination-arn",
    )
    parser.add_argument(
        "--destination-arn",
        help="queue to move the messages to; with --dlq-arn default: back to the queue each came from; "
        "with --rejected-arn required: the source queue (the <name>_<source>_queue_arn output)",
    )
    dlq = parser.add_argument_group("with --dlq-arn")
    dlq.add_argument(
        "--max-per-second", type=int, help=f"messages moved per second, 1-{MAX_PER_SECOND}; default: SQS decides"
    )
    dlq.add_argument("--wait", action="store_true", help="follow the task until it ends and print the counts")
    rejected = parser.add_argument_group("with --rejected-arn")
    rejected.add_argument(
        "--reason",
        action="append",
        metavar="REASON",
        help=f"move only deliveries whose {REJECTED_REASON_ATTRIBUTE} is REASON (e.g. bad_signature); "
        "repeat for several; the others stay; default: all",
    )
    rejected.add_argument("--max-messages", type=int, help="stop after moving this many deliveries; default: all")
    return parser.parse_args(argv)


def _given(args: argparse.Namespace, *options: str) -> str | None:
    """The options among `options` on the command line, as "--a is" or "--a and --b are"; None if
    none is."""
    values = {option: getattr(args, option[2:].replace("-", "_")) for option in options}
    # Not `in (None, False)`: 0 == False, and "--max-messages 0" is on the command line too.
    given = [option for option, value in values.items() if value is not None and value is not False]
    if not given:
        return None
    return " and ".join(given) + (" are" if len(given) > 1 else " is")


def _check_options(args: argparse.Namespace) -> None:
    if args.rejected_arn is not None:
        if given := _given(args, "--max-per-second", "--wait"):
            raise RedriveError(
                f"{given} only for --dlq-arn (an SQS move task): with --rejected-arn this command moves the "
                "deliveries itself and runs until the queue is done; limit a run with --max-messages instead"
            )
        if args.destination_arn is None:
            raise RedriveError(
                "--rejected-arn needs --destination-arn: the source queue the deliveries were rejected from "
                "(the <name>_<source>_queue_arn output)"
            )
    elif given := _given(args, "--reason", "--max-messages"):
        raise RedriveError(
            f"{given} only for --rejected-arn: SQS's move task takes a whole DLQ; leave it out with --dlq-arn"
        )


def _client(region: str) -> Any:
    try:
        import boto3
    except ImportError:
        raise RedriveError(
            "boto3 is not installed: it is a dev dependency of this project; run `make install` "
            "(or `pip install boto3`)"
        ) from None
    return boto3.client("sqs", region_name=region)


def main(argv: Sequence[str] | None = None, sqs: Any = None) -> int:
    """The command; `sqs` is an SQS client (default: boto3's, in the first queue's region)."""
    args = _arguments(argv)
    try:
        _check_options(args)
        if args.rejected_arn is not None:
            _check_pair(args.rejected_arn, args.destination_arn)
            if sqs is None:
                sqs = _client(queue_region(args.rejected_arn, "--rejected-arn"))
            result = resend_rejected(
                sqs, args.rejected_arn, args.destination_arn, reasons=args.reason, max_messages=args.max_messages
            )
            print(result.line(), flush=True)
            return 0
        region = queue_region(args.dlq_arn)
        if sqs is None:
            sqs = _client(region)
        handle = start_redrive(sqs, args.dlq_arn, args.destination_arn, args.max_per_second)
        where = args.destination_arn or "the queue(s) they came from"
        print(f"moving messages from {args.dlq_arn} to {where}; task handle: {handle}", flush=True)
        if not args.wait:
            return 0
        task = wait_for_task(sqs, args.dlq_arn, handle)
        print(summary(task), flush=True)
        return 0 if task.get("Status") == "COMPLETED" else 1
    except RedriveError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
