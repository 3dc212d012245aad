"""Move a dead-letter queue's messages back to the queue they failed in (SQS StartMessageMoveTask).

    python -m constructs_lib.redrive --dlq-arn ARN [--destination-arn ARN] [--max-per-second N] [--wait]

An operator's command, run once the cause of the failures is fixed (see README, "Redriving the
DLQ"). It needs boto3, a dev dependency of this project (`make install`), and AWS credentials
from the usual chain; the region is the DLQ's own. Without --destination-arn SQS returns each
message to the queue it was dead-lettered from. The bodies and attributes are kept; SQS runs
the move as a task of its own, which --wait follows until it ends.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # main() says how to install boto3
    AWS_ERRORS: tuple[type[Exception], ...] = ()
else:
    AWS_ERRORS = (ClientError, BotoCoreError)

__all__ = ["RedriveError", "start_redrive", "wait_for_task", "main"]

# The API's limit on MaxNumberOfMessagesPerSecond.
MAX_PER_SECOND = 500
_QUEUE_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:sqs:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$")
DONE = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


class RedriveError(RuntimeError):
    """The move could not start or did not finish; the message says why and what to do."""


def queue_region(arn: str, option: str = "--dlq-arn") -> str:
    match = _QUEUE_ARN.match(arn)
    if not match:
        raise RedriveError(
            f"{option} {arn!r} is not an SQS queue ARN: pass e.g. "
            "arn:aws:sqs:eu-west-1:123456789012:acme-github-dlq (the <name>_<source>_dlq_arn output)"
        )
    return match.group("region")


def _client_error(error: Exception, dlq_arn: str) -> RedriveError:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__
    hints = {
        "ResourceNotFoundException": "no such queue: check the ARN and the account",
        "AWS.SimpleQueueService.NonExistentQueue": "no such queue: check the ARN and the account",
        "QueueDoesNotExist": "no such queue: check the ARN and the account",
        "UnsupportedOperation": "SQS moves messages only out of a queue that is the DLQ of another SQS queue",
        "InvalidParameterValue": "check that --dlq-arn is the DLQ of an SQS queue (a redrive policy names it) "
        "and that a --destination-arn is a queue of the same account and region",
        "AccessDenied": "the credentials may not start a move: they need sqs:StartMessageMoveTask, "
        "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on the DLQ and "
        "sqs:SendMessage on the destination",
        "AccessDeniedException": "the credentials may not start a move (see README for the actions needed)",
        "NoCredentialsError": "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY",
    }
    hint = hints.get(code, "see the message above")
    return RedriveError(f"redrive of {dlq_arn} failed: {code}: {error}\n  {hint}")


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


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m constructs_lib.redrive",
        description="Move a dead-letter queue's messages back to their source queue (SQS StartMessageMoveTask).",
    )
    parser.add_argument("--dlq-arn", required=True, help="ARN of the dead-letter queue to empty")
    parser.add_argument(
        "--destination-arn", help="queue to move the messages to; default: back to the queue each came from"
    )
    parser.add_argument(
        "--max-per-second", type=int, help=f"messages moved per second, 1-{MAX_PER_SECOND}; default: SQS decides"
    )
    parser.add_argument("--wait", action="store_true", help="follow the task until it ends and print the counts")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, sqs: Any = None) -> int:
    """The command; `sqs` is an SQS client (default: boto3's, in the DLQ's region)."""
    args = _arguments(argv)
    try:
        region = queue_region(args.dlq_arn)
        if sqs is None:
            try:
                import boto3
            except ImportError:
                raise RedriveError(
                    "boto3 is not installed: it is a dev dependency of this project; run `make install` "
                    "(or `pip install boto3`)"
                ) from None
            sqs = boto3.client("sqs", region_name=region)
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
