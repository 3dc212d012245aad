"""The Express state machine behind the pipe, as an Amazon States Language document.

Pure functions over plain data; no cdktf. JSONPath only: LocalStack evaluates JSONata with a
Java library it downloads from Maven at run time, which our machines cannot reach.

Input: EventBridge Pipes starts the machine synchronously (target invocation
REQUEST_RESPONSE) with the batch as a JSON array of SQS records, even for a batch of one:
`{"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
"eventSource", "eventSourceARN", "awsRegion"}`.

Output: exactly `{"batchItemFailures": [{"itemIdentifier": "<messageId>"}, ...]}`, Pipes'
partial batch response. Pipes deletes every other record of the batch; the listed ones
become visible again and reach the DLQ after the queue's max_receive_count receives. If the
execution itself fails, Pipes treats the whole batch as failed.

    Records (Map, one iteration per record; input {"messageId", "message": <SQS record>})
      Verify     verifier Lambda on the record; transient Lambda errors retried
                   any other failure -> Failed (an infrastructure fault: retry later)
      IsValid    valid == true -> Process; valid == false -> Rejected; anything else -> Failed
      Process    the user's Lambda, or their states in a one-branch Parallel, with
                   {"messageId", "deliveryId", "event", "body"}; failure after retries -> Failed
      Processed  {"outcome": "processed"}
      Rejected   SQS SendMessage of the record to the source's rejected queue: the raw body, its
                   attributes and the reason (the verdict carries them), so an operator can read
                   it and send it back; {"outcome": "rejected"}. Consumed, never retried as a
                   delivery; a send that fails after retries -> Failed (the record stays queued)
      Failed     {"itemIdentifier": messageId}
    AnyFailed       is an itemIdentifier among the outcomes?
    ReportFailures  {"batchItemFailures": <the outcomes that have an itemIdentifier>}
    ReportNoFailures {"batchItemFailures": []}

Why it is built this way:
- The iteration keeps the record's own messageId beside the message, and Verify's result
  replaces the record (`ResultPath: $.message`) instead of joining it: the verdict carries the
  parsed body, and holding the body twice would break Step Functions' 256 KiB state limit
  (an uncatchable States.DataLimitExceeded) for bodies over about 128 KiB.
- The failure list comes from a JSONPath filter, applied only when a failure exists: a filter
  that matches nothing is an error in LocalStack's JSONPath library. Outcomes other than
  failures are constants, so the serialized outcomes hold "itemIdentifier" only if some
  record failed.
- A verifier whose result lacks one of its documented fields (valid, reason, deliveryId,
  event, body, rejected) fails the execution (States.Runtime cannot be caught): the whole batch returns to
  the queue, nothing is lost, and the failed-executions alarm fires.
- `ordered=True` (FIFO queues): records run one at a time in batch order and a failure is not
  caught, so the execution fails and the whole batch returns in order. Reporting one failed
  record would let later records of its message group be processed before it. The rejected
  queue is FIFO too: a kept record keeps its group, and its SQS messageId deduplicates the
  copy should the same record be judged twice.
- Nothing rejected is deleted unkept: the record leaves the source queue only when the
  execution reports it done, which for a rejected record is after SendMessage succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LambdaRetry",
    "TRANSIENT_LAMBDA_ERRORS",
    "STATE_NAMES",
    "webhook_workflow",
    "state_names",
    "check_process",
]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
# The errors the Step Functions docs recommend retrying for every Lambda invoke: the Lambda
# service (not the function) failed or throttled.
TRANSIENT_LAMBDA_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)

SQS_SEND_MESSAGE = "arn:aws:states:::sqs:sendMessage"
RECORDS = "Records"
VERIFY = "Verify"
IS_VALID = "IsValid"
PROCESS = "Process"
PROCESSED = "Processed"
REJECTED = "Rejected"
FAILED = "Failed"
ANY_FAILED = "AnyFailed"
REPORT_FAILURES = "ReportFailures"
REPORT_NO_FAILURES = "ReportNoFailures"
STATE_NAMES = (
    RECORDS, VERIFY, IS_VALID, PROCESS, PROCESSED, REJECTED, FAILED, ANY_FAILED, REPORT_FAILURES,
    REPORT_NO_FAILURES,
)

# Inline Map runs at most 40 iterations at once, whatever MaxConcurrency says.
INLINE_MAP_MAX_CONCURRENCY = 40
DEFAULT_MAX_CONCURRENCY = 10


@dataclass(frozen=True)
class LambdaRetry:
    """Retry of transient Lambda service errors, for Verify and a Lambda Process step.

    interval_seconds: wait before the first retry; 1 s.
    max_attempts: retries after the first try; 3 (0 turns retrying off).
    backoff_rate: factor on the wait per retry; 2.0 (waits of 1, 2, 4 s).
    jitter: randomize each wait (JitterStrategy FULL) so the records of a throttled batch do
        not retry in lockstep; True.
    """

    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.interval_seconds <= 99999999:
            raise ValueError(f"LambdaRetry.interval_seconds={self.interval_seconds!r}: use 1-99999999 seconds")
        if not 0 <= self.max_attempts <= 99999999:
            raise ValueError(f"LambdaRetry.max_attempts={self.max_attempts!r}: use 0 (no retry) to 99999999")
        if self.backoff_rate < 1.0:
            raise ValueError(
                f"LambdaRetry.backoff_rate={self.backoff_rate!r} would shorten each wait: use 1.0 or more"
            )

    @property
    def wait_seconds(self) -> float:
        """The longest the retries of one state wait in all (without jitter, which only
        shortens them): 1 + 2 + 4 = 7 s by default."""
        return sum(self.interval_seconds * self.backoff_rate**attempt for attempt in range(self.max_attempts))

    def retrier(self) -> dict[str, Any]:
        retrier: dict[str, Any] = {
            "ErrorEquals": list(TRANSIENT_LAMBDA_ERRORS),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
        }
        if self.jitter:
            retrier["JitterStrategy"] = "FULL"
        return retrier


def _catch_to_failed() -> list[dict[str, Any]]:
    # ResultPath keeps the iteration's input (with its messageId) and adds the error beside it,
    # so Failed can name the record and the execution history shows why.
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED}]


def _process_payload() -> dict[str, Any]:
    return {
        "messageId.$": "$.messageId",
        "deliveryId.$": "$.message.deliveryId",
        "event.$": "$.message.event",
        "body.$": "$.message.body",
    }


def _verify_state(function_arn: str, retry: LambdaRetry, catch: bool) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Comment": "Check the record's signature and replay window; the record is the payload.",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": function_arn, "Payload.$": "$.message"},
        "ResultSelector": {
            "valid.$": "$.Payload.valid",
            "reason.$": "$.Payload.reason",
            "deliveryId.$": "$.Payload.deliveryId",
            "event.$": "$.Payload.event",
            "body.$": "$.Payload.body",
            "rejected.$": "$.Payload.rejected",
        },
        "ResultPath": "$.message",
        "Retry": [retry.retrier()],
        "Next": IS_VALID,
    }
    if catch:
        state["Catch"] = _catch_to_failed()
    return state


def _is_valid_state() -> dict[str, Any]:
    def verdict(value: bool) -> dict[str, Any]:
        return {
            "And": [
                {"Variable": "$.message.valid", "IsBoolean": True},
                {"Variable": "$.message.valid", "BooleanEquals": value},
            ]
        }

    return {
        "Type": "Choice",
        "Comment": "Only an explicit boolean verdict decides; anything else is a verifier fault.",
        "Choices": [
            {**verdict(True), "Next": PROCESS},
            {**verdict(False), "Next": REJECTED},
        ],
        "Default": FAILED,
    }


def _process_state(process: str | Mapping[str, Any], retry: LambdaRetry, catch: bool) -> dict[str, Any]:
    if isinstance(process, str):
        state: dict[str, Any] = {
            "Type": "Task",
            "Comment": "The user's processing Lambda, with the verified event.",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": process, "Payload": _process_payload()},
            "Retry": [retry.retrier()],
        }
    else:
        state = {
            "Type": "Parallel",
            "Comment": "The user's processing states, with the verified event.",
            "Branches": [dict(process)],
            "Parameters": _process_payload(),
        }
    # The step's result is the user's; dropping it keeps each outcome one of ours.
    state["ResultPath"] = None
    state["Next"] = PROCESSED
    if catch:
        state["Catch"] = _catch_to_failed()
    return state


def _rejected_state(queue_url: str, retry: LambdaRetry, ordered: bool) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "QueueUrl": queue_url,
        "MessageBody.$": "$.message.body",
        "MessageAttributes.$": "$.message.rejected.MessageAttributes",
    }
    if ordered:
        parameters["MessageGroupId.$"] = "$.message.rejected.MessageGroupId"
        parameters["MessageDeduplicationId.$"] = "$.messageId"
    retrier = {**retry.retrier(), "ErrorEquals": ["States.TaskFailed"]}
    state: dict[str, Any] = {
        "Type": "Task",
        "Comment": "Keep the delivery, byte for byte with its attributes and the reason, where an "
        "operator can read it and send it back; never retried as a delivery.",
        "Resource": SQS_SEND_MESSAGE,
        "Parameters": parameters,
        # A constant outcome: the record's own text must not reach the failure search below.
        "ResultSelector": {"outcome": "rejected"},
        "Retry": [retrier],
        "End": True,
    }
    if not ordered:
        state["Catch"] = _catch_to_failed()
    return state


def _failed_state(ordered: bool) -> dict[str, Any]:
    if ordered:
        return {
            "Type": "Fail",
            "Comment": "Ordered batch: one failure returns the whole batch to the queue, in order.",
            "Error": "WebhookRecordFailed",
            "Cause": "the verifier's result has no boolean `valid`",
        }
    return {
        "Type": "Pass",
        "Comment": "This record goes back to the queue.",
        "Parameters": {"itemIdentifier.$": "$.messageId"},
        "End": True,
    }


def state_names(states: Mapping[str, Any]) -> list[str]:
    """Names of the states in a `States` object and in every branch or Map nested in it."""
    names: list[str] = []
    for name, state in states.items():
        names.append(name)
        if not isinstance(state, Mapping):
            continue
        branches = list(state.get("Branches") or [])
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), Mapping):
                branches.append(state[key])
        for branch in branches:
            if isinstance(branch, Mapping) and isinstance(branch.get("States"), Mapping):
                names.extend(state_names(branch["States"]))
    return names


def check_process(process: Any) -> None:
    if isinstance(process, str):
        if not process.strip():
            raise ValueError("process is empty: pass the processing Lambda's ARN, or a dict of states")
        return
    if not isinstance(process, Mapping):
        raise ValueError(
            f"process={process!r}: pass the processing Lambda's ARN (a string) or a sub-chain "
            '{"StartAt": "<first state>", "States": {...}}'
        )
    states = process.get("States")
    start = process.get("StartAt")
    if not isinstance(states, Mapping) or not states:
        raise ValueError('process needs "States": a non-empty dict of state name -> state')
    if start not in states:
        raise ValueError(
            f'process "StartAt" is {start!r}, which is not one of its states {sorted(states)}: name '
            "the first state of the sub-chain"
        )
    unknown = sorted(set(process) - {"StartAt", "States", "Comment"})
    if unknown:
        raise ValueError(f"process has keys {unknown} a branch cannot hold: use StartAt, States and Comment")
    clashes = sorted(set(state_names(states)) & set(STATE_NAMES))
    if clashes:
        raise ValueError(
            f"process states {clashes} have names the workflow uses ({', '.join(STATE_NAMES)}); state "
            "names are unique across a state machine: rename them"
        )


def webhook_workflow(
    verify_function_arn: str,
    process: str | Mapping[str, Any],
    *,
    rejected_queue_url: str,
    max_concurrency: int | None = None,
    ordered: bool = False,
    retry: LambdaRetry = LambdaRetry(),
    timeout_seconds: int | None = None,
) -> dict[str, Any]:
    """The state machine definition for a batch of webhook records from EventBridge Pipes.

    verify_function_arn: the verifier Lambda (ARN, or a Terraform reference to it).
    process: the processing Lambda's ARN, invoked with {"messageId", "deliveryId", "event",
        "body"} (`event` the parsed body, or null and `body` the raw text: see the verifier);
        or a sub-chain {"StartAt": ..., "States": {...}} that gets the same input, ends in End
        or Succeed states, and fails the record by raising or with a Fail state.
    rejected_queue_url: the queue rejected deliveries are kept in (URL, or a Terraform
        reference to it); FIFO when `ordered`.
    max_concurrency: records verified and processed at once; None = 10, or 1 when ordered.
    ordered: FIFO semantics, see the module docstring; False.
    retry: retry of transient Lambda errors for Verify and a Lambda Process; 3 retries, 1-4 s.
    timeout_seconds: the execution fails (and Pipes returns the whole batch to the queue) after
        this long; None = Step Functions' own limit (5 minutes for EXPRESS).
    """
    if not isinstance(verify_function_arn, str) or not verify_function_arn.strip():
        raise ValueError("verify_function_arn is empty: pass the verifier Lambda's ARN")
    if not isinstance(rejected_queue_url, str) or not rejected_queue_url.strip():
        raise ValueError("rejected_queue_url is empty: pass the URL of the queue rejected deliveries are kept in")
    check_process(process)
    if max_concurrency is None:
        max_concurrency = 1 if ordered else DEFAULT_MAX_CONCURRENCY
    if ordered and max_concurrency != 1:
        raise ValueError(
            f"ordered=True processes records one at a time, but max_concurrency={max_concurrency}: "
            "leave max_concurrency unset, or set ordered=False for a standard queue"
        )
    if not 0 <= max_concurrency <= INLINE_MAP_MAX_CONCURRENCY:
        raise ValueError(
            f"max_concurrency={max_concurrency!r}: use 1-{INLINE_MAP_MAX_CONCURRENCY} (an inline Map "
            "runs at most 40 iterations at once), or 0 for that maximum"
        )
    if timeout_seconds is not None and not 1 <= timeout_seconds <= 99999999:
        raise ValueError(f"timeout_seconds={timeout_seconds!r}: use 1-99999999 seconds, or None")
    catch = not ordered
    iteration = {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": VERIFY,
        "States": {
            VERIFY: _verify_state(verify_function_arn, retry, catch),
            IS_VALID: _is_valid_state(),
            PROCESS: _process_state(process, retry, catch),
            PROCESSED: {"Type": "Pass", "Result": {"outcome": "processed"}, "End": True},
            REJECTED: _rejected_state(rejected_queue_url, retry, ordered),
            FAILED: _failed_state(ordered),
        },
    }
    definition: dict[str, Any] = {
        "Comment": "Webhook batch from EventBridge Pipes: verify each record, process the valid "
        "ones, return the failed ones as batchItemFailures.",
        "StartAt": RECORDS,
        "States": {
            RECORDS: {
                "Type": "Map",
                "ItemsPath": "$",
                "ItemSelector": {
                    "messageId.$": "$$.Map.Item.Value.messageId",
                    "message.$": "$$.Map.Item.Value",
                },
                "MaxConcurrency": max_concurrency,
                "ItemProcessor": iteration,
                "ResultSelector": {"outcomes.$": "$", "serialized.$": "States.JsonToString($)"},
                "Next": ANY_FAILED,
            },
            ANY_FAILED: {
                "Type": "Choice",
                "Choices": [{"Variable": "$.serialized", "StringMatches": "*itemIdentifier*", "Next": REPORT_FAILURES}],
                "Default": REPORT_NO_FAILURES,
            },
            REPORT_FAILURES: {
                "Type": "Pass",
                "Parameters": {"batchItemFailures.$": "$.outcomes[?(@.itemIdentifier)]"},
                "End": True,
            },
            REPORT_NO_FAILURES: {"Type": "Pass", "Result": {"batchItemFailures": []}, "End": True},
        },
    }
    if timeout_seconds is not None:
        definition["TimeoutSeconds"] = timeout_seconds
    return definition
