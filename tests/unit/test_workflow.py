"""Shape of the webhook state machine: every path ends in one of our outcomes, the output is
Pipes' partial batch response, and retries and catches sit where records can fail.

The real ASL validator checks the same definitions in tests/engines/test_asl_validator.py;
running them is LocalStack's job in the engine tests.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from constructs_lib import workflow
from constructs_lib.workflow import LambdaRetry, webhook_workflow

ROOT = Path(__file__).resolve().parents[2]
VERIFY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:acme-verify"
PROCESS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:acme-process"
REJECTED_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/acme-mailgun-rejected"
SUB_CHAIN = {
    "StartAt": "Store",
    "States": {
        "Store": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "deliveries", "Item": {"id": {"S.$": "$.messageId"}}},
            "Next": "Stored",
        },
        "Stored": {"Type": "Succeed"},
    },
}
VARIANTS = {
    "lambda": webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL),
    "sub-chain": webhook_workflow(VERIFY_ARN, SUB_CHAIN, rejected_queue_url=REJECTED_URL),
    "ordered": webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, ordered=True),
}
# An SQS record as EventBridge Pipes puts it in the batch array.
RECORD = {
    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
    "body": '{"event": "delivered", "id": "abc"}',
    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
    "messageAttributes": {"X-Delivery-Id": {"stringValue": "d-1", "dataType": "String"}},
    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:acme-webhooks-mailgun",
    "awsRegion": "us-east-1",
}


def scopes(definition: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The machine and every Map iteration and Parallel branch in it: each has StartAt/States."""
    yield definition
    for state in definition["States"].values():
        for branch in [state.get("ItemProcessor")] + list(state.get("Branches", [])):
            if branch:
                yield from scopes(branch)


def targets(state: Mapping[str, Any]) -> list[str]:
    found = [state["Next"]] if "Next" in state else []
    found += [choice["Next"] for choice in state.get("Choices", [])]
    found += [state["Default"]] if "Default" in state else []
    found += [catcher["Next"] for catcher in state.get("Catch", [])]
    return found


def iteration(definition: Mapping[str, Any]) -> Mapping[str, Any]:
    return definition["States"][workflow.RECORDS]["ItemProcessor"]["States"]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_transition_lands_on_a_state_of_its_own_scope(name: str) -> None:
    for scope in scopes(VARIANTS[name]):
        assert scope["StartAt"] in scope["States"]
        for state_name, state in scope["States"].items():
            for target in targets(state):
                assert target in scope["States"], f"{state_name} -> {target}"


@pytest.mark.parametrize("name", VARIANTS)
def test_every_state_is_reachable_and_every_path_ends(name: str) -> None:
    for scope in scopes(VARIANTS[name]):
        states = scope["States"]
        seen, todo = set(), [scope["StartAt"]]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(targets(states[current]))
        assert seen == set(states), f"unreachable: {set(states) - seen}"
        for state_name, state in states.items():
            terminal = state.get("End") is True or state["Type"] in ("Succeed", "Fail")
            if state["Type"] == "Choice":
                assert "Default" in state and "End" not in state and "Next" not in state, state_name
            else:
                assert terminal != ("Next" in state), f"{state_name} needs exactly one of End and Next"


@pytest.mark.parametrize("name", VARIANTS)
def test_state_names_are_unique_across_the_machine(name: str) -> None:
    names = workflow.state_names(VARIANTS[name]["States"])
    assert len(names) == len(set(names))


def test_the_batch_array_is_mapped_one_record_per_iteration_keeping_its_own_message_id() -> None:
    records = VARIANTS["lambda"]["States"][workflow.RECORDS]
    assert VARIANTS["lambda"]["StartAt"] == workflow.RECORDS
    assert records["Type"] == "Map" and records["ItemsPath"] == "$"
    assert records["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert records["ItemSelector"] == {
        "messageId.$": "$$.Map.Item.Value.messageId",
        "message.$": "$$.Map.Item.Value",
    }
    assert records["MaxConcurrency"] == workflow.DEFAULT_MAX_CONCURRENCY


def test_the_verifier_gets_the_record_and_its_verdict_replaces_the_record() -> None:
    verify = iteration(VARIANTS["lambda"])[workflow.VERIFY]
    assert verify["Resource"] == "arn:aws:states:::lambda:invoke"
    assert verify["Parameters"] == {"FunctionName": VERIFY_ARN, "Payload.$": "$.message"}
    # One copy of the body at a time: the verdict (with the parsed event) takes the record's place.
    assert verify["ResultPath"] == "$.message"
    assert set(verify["ResultSelector"]) == {"valid.$", "reason.$", "deliveryId.$", "event.$", "body.$", "rejected.$"}
    assert all(path.startswith("$.Payload.") for path in verify["ResultSelector"].values())


@pytest.mark.parametrize("name", ["lambda", "ordered"])
@pytest.mark.parametrize("state", [workflow.VERIFY, workflow.PROCESS])
def test_transient_lambda_errors_are_retried_with_backoff_and_jitter(name: str, state: str) -> None:
    (retrier,) = iteration(VARIANTS[name])[state]["Retry"]
    assert retrier == {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        "IntervalSeconds": 1,
        "MaxAttempts": 3,
        "BackoffRate": 2.0,
        "JitterStrategy": "FULL",
    }


def test_retry_settings_reach_both_lambda_states() -> None:
    definition = webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, retry=LambdaRetry(5, 2, 1.5, jitter=False))
    for state in (workflow.VERIFY, workflow.PROCESS):
        (retrier,) = iteration(definition)[state]["Retry"]
        assert (retrier["IntervalSeconds"], retrier["MaxAttempts"], retrier["BackoffRate"]) == (5, 2, 1.5)
        assert "JitterStrategy" not in retrier


@pytest.mark.parametrize("name", ["lambda", "sub-chain"])
@pytest.mark.parametrize("state", [workflow.VERIFY, workflow.PROCESS])
def test_a_failure_after_retries_becomes_a_failed_record_that_keeps_its_message_id(name: str, state: str) -> None:
    assert iteration(VARIANTS[name])[state]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": workflow.FAILED}
    ]
    failed = iteration(VARIANTS[name])[workflow.FAILED]
    assert failed["Type"] == "Pass" and failed["End"] is True
    assert failed["Parameters"] == {"itemIdentifier.$": "$.messageId"}


def test_only_an_explicit_boolean_verdict_processes_or_rejects() -> None:
    choice = iteration(VARIANTS["lambda"])[workflow.IS_VALID]
    routes = {}
    for rule in choice["Choices"]:
        type_check, value_check = rule["And"]
        assert type_check == {"Variable": "$.message.valid", "IsBoolean": True}
        assert value_check["Variable"] == "$.message.valid"
        routes[value_check["BooleanEquals"]] = rule["Next"]
    assert routes == {True: workflow.PROCESS, False: workflow.REJECTED}
    # A verdict without a boolean is a verifier fault: retried, never silently dropped.
    assert choice["Default"] == workflow.FAILED


def test_a_rejected_record_is_kept_in_the_rejected_queue_not_reported() -> None:
    rejected = iteration(VARIANTS["lambda"])[workflow.REJECTED]
    assert rejected["Type"] == "Task" and rejected["Resource"] == "arn:aws:states:::sqs:sendMessage"
    # The raw body and the attributes the verdict carries (the record's, plus the reason).
    assert rejected["Parameters"] == {
        "QueueUrl": REJECTED_URL,
        "MessageBody.$": "$.message.body",
        "MessageAttributes.$": "$.message.rejected.MessageAttributes",
    }
    assert rejected["End"] is True and rejected["ResultSelector"] == {"outcome": "rejected"}
    # A send that keeps failing returns the record to the queue: it is never dropped unkept.
    (retrier,) = rejected["Retry"]
    assert retrier["ErrorEquals"] == ["States.TaskFailed"] and retrier["MaxAttempts"] == 3
    assert rejected["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": workflow.FAILED}]


def test_an_ordered_rejected_record_keeps_its_group_and_fails_the_batch_if_it_cannot_be_kept() -> None:
    rejected = iteration(VARIANTS["ordered"])[workflow.REJECTED]
    assert rejected["Parameters"]["MessageGroupId.$"] == "$.message.rejected.MessageGroupId"
    # The record's own SQS messageId: judged twice, it is kept once.
    assert rejected["Parameters"]["MessageDeduplicationId.$"] == "$.messageId"
    assert "Catch" not in rejected


@pytest.mark.parametrize("name", VARIANTS)
def test_only_failure_outcomes_mention_item_identifier(name: str) -> None:
    # AnyFailed searches the serialized outcomes for this word, so any other outcome holding
    # it, or holding data a sender controls, would be a false alarm: each outcome is a constant.
    states = iteration(VARIANTS[name])
    assert states[workflow.PROCESSED]["Result"] == {"outcome": "processed"}
    assert states[workflow.REJECTED]["ResultSelector"] == {"outcome": "rejected"}
    for outcome in (workflow.PROCESSED, workflow.REJECTED):
        assert "itemIdentifier" not in json.dumps(states[outcome])


def test_the_output_is_exactly_the_partial_batch_response() -> None:
    states = VARIANTS["lambda"]["States"]
    records = states[workflow.RECORDS]
    assert records["Next"] == workflow.ANY_FAILED
    assert records["ResultSelector"] == {"outcomes.$": "$", "serialized.$": "States.JsonToString($)"}
    assert states[workflow.ANY_FAILED]["Choices"] == [
        {"Variable": "$.serialized", "StringMatches": "*itemIdentifier*", "Next": workflow.REPORT_FAILURES}
    ]
    assert states[workflow.ANY_FAILED]["Default"] == workflow.REPORT_NO_FAILURES
    assert states[workflow.REPORT_FAILURES]["Parameters"] == {
        "batchItemFailures.$": "$.outcomes[?(@.itemIdentifier)]"
    }
    assert states[workflow.REPORT_NO_FAILURES]["Result"] == {"batchItemFailures": []}
    for report in (workflow.REPORT_FAILURES, workflow.REPORT_NO_FAILURES):
        assert states[report]["End"] is True and "ResultPath" not in states[report]


def test_a_lambda_process_step_gets_the_verified_event_and_its_result_is_dropped() -> None:
    process = iteration(VARIANTS["lambda"])[workflow.PROCESS]
    assert process["Type"] == "Task" and process["Resource"] == "arn:aws:states:::lambda:invoke"
    assert process["Parameters"] == {
        "FunctionName": PROCESS_ARN,
        "Payload": {
            "messageId.$": "$.messageId",
            "deliveryId.$": "$.message.deliveryId",
            "event.$": "$.message.event",
            "body.$": "$.message.body",
        },
    }
    assert process["ResultPath"] is None and process["Next"] == workflow.PROCESSED


def test_a_sub_chain_runs_as_a_one_branch_parallel_with_the_same_input() -> None:
    process = iteration(VARIANTS["sub-chain"])[workflow.PROCESS]
    assert process["Type"] == "Parallel"
    assert process["Branches"] == [SUB_CHAIN]
    assert process["Parameters"] == iteration(VARIANTS["lambda"])[workflow.PROCESS]["Parameters"]["Payload"]
    assert process["ResultPath"] is None and process["Next"] == workflow.PROCESSED
    assert "Retry" not in process  # the user's states retry as they see fit


def test_ordered_batches_run_one_record_at_a_time_and_fail_whole() -> None:
    definition = VARIANTS["ordered"]
    assert definition["States"][workflow.RECORDS]["MaxConcurrency"] == 1
    states = iteration(definition)
    assert "Catch" not in states[workflow.VERIFY] and "Catch" not in states[workflow.PROCESS]
    assert states[workflow.FAILED]["Type"] == "Fail"
    assert "itemIdentifier" not in json.dumps(states)


@pytest.mark.parametrize(("concurrency", "expected"), [(None, 10), (1, 1), (40, 40), (0, 0)])
def test_max_concurrency(concurrency: int | None, expected: int) -> None:
    definition = webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, max_concurrency=concurrency)
    assert definition["States"][workflow.RECORDS]["MaxConcurrency"] == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"verify_function_arn": "", "process": PROCESS_ARN}, "verify_function_arn"),
        ({"verify_function_arn": VERIFY_ARN, "process": PROCESS_ARN, "rejected_queue_url": " "}, "rejected_queue_url"),
        ({"verify_function_arn": VERIFY_ARN, "process": " "}, "process is empty"),
        ({"verify_function_arn": VERIFY_ARN, "process": 42}, "process=42"),
        ({"verify_function_arn": VERIFY_ARN, "process": {"StartAt": "A", "States": {}}}, '"States"'),
        ({"verify_function_arn": VERIFY_ARN, "process": {"StartAt": "B", "States": SUB_CHAIN["States"]}}, "'B'"),
        ({"verify_function_arn": VERIFY_ARN, "process": {**SUB_CHAIN, "End": True}}, "'End'"),
        (
            {
                "verify_function_arn": VERIFY_ARN,
                "process": {"StartAt": "Verify", "States": {"Verify": {"Type": "Succeed"}}},
            },
            "'Verify'",
        ),
        (
            {
                "verify_function_arn": VERIFY_ARN,
                "process": {
                    "StartAt": "Fan",
                    "States": {
                        "Fan": {
                            "Type": "Parallel",
                            "Branches": [{"StartAt": "Failed", "States": {"Failed": {"Type": "Fail"}}}],
                            "End": True,
                        }
                    },
                },
            },
            "'Failed'",
        ),
        ({"verify_function_arn": VERIFY_ARN, "process": PROCESS_ARN, "max_concurrency": 41}, "max_concurrency=41"),
        ({"verify_function_arn": VERIFY_ARN, "process": PROCESS_ARN, "max_concurrency": -1}, "max_concurrency=-1"),
        (
            {"verify_function_arn": VERIFY_ARN, "process": PROCESS_ARN, "ordered": True, "max_concurrency": 5},
            "ordered=True",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_name_and_the_fix(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("?", r"\?")):
        webhook_workflow(**{"rejected_queue_url": REJECTED_URL, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"interval_seconds": 0}, "interval_seconds"), ({"max_attempts": -1}, "max_attempts"), ({"backoff_rate": 0.5}, "backoff_rate")],
)
def test_bad_retry_settings_are_refused(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        LambdaRetry(**kwargs)


def test_building_does_not_modify_the_callers_sub_chain() -> None:
    chain = json.loads(json.dumps(SUB_CHAIN))
    definition = webhook_workflow(VERIFY_ARN, chain, rejected_queue_url=REJECTED_URL)
    iteration(definition)[workflow.PROCESS]["Branches"][0]["Comment"] = "changed"
    assert chain == SUB_CHAIN


# --- the payload contract between the states and the Lambdas ---------------------------------


def resolve(template: Mapping[str, Any], data: Any) -> dict[str, Any]:
    """A payload template with plain `$.a.b` paths applied to `data` (the subset used here)."""
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key.endswith(".$"):
            assert value.startswith("$"), value
            node = data
            for part in [p for p in value[1:].split(".") if p]:
                node = node[part]
            out[key[:-2]] = node
        else:
            out[key] = resolve(value, data) if isinstance(value, Mapping) else value
    return out


@functools.cache
def load_processor() -> Any:
    """The handler module by its path: every Lambda's module is called `handler`."""
    name = "example_processor_handler"
    spec = importlib.util.spec_from_file_location(name, ROOT / "lambda_src" / "processor" / "handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: dataclasses look their module up while the class is created.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_example_processor_accepts_what_the_process_state_sends() -> None:
    # The iteration's input, as the ItemSelector checked above builds it from the record.
    state: dict[str, Any] = {"messageId": RECORD["messageId"], "message": RECORD}
    verify = iteration(VARIANTS["lambda"])[workflow.VERIFY]
    assert resolve(verify["Parameters"], state)["Payload"] == RECORD
    verdict = {
        "valid": True,
        "reason": None,
        "messageId": RECORD["messageId"],
        "deliveryId": "d-1",
        "event": json.loads(RECORD["body"]),
        "body": None,
        "rejected": None,
    }
    state["message"] = resolve(verify["ResultSelector"], {"Payload": verdict})
    payload = resolve(iteration(VARIANTS["lambda"])[workflow.PROCESS]["Parameters"], state)["Payload"]
    assert load_processor().handler(payload, None) == {
        "messageId": RECORD["messageId"],
        "deliveryId": "d-1",
        "kind": "delivered",
        "fields": ["event", "id"],
    }


@pytest.mark.parametrize("event", [None, ["a"], "text", 3])
def test_the_example_processor_fails_an_event_that_is_not_an_object(event: Any) -> None:
    processor = load_processor()
    with pytest.raises(processor.UnprocessableEvent, match=RECORD["messageId"]):
        processor.handler({"messageId": RECORD["messageId"], "deliveryId": None, "event": event}, None)


def test_a_timeout_bounds_the_whole_execution() -> None:
    assert webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, timeout_seconds=60)["TimeoutSeconds"] == 60
    assert "TimeoutSeconds" not in webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL)
    with pytest.raises(ValueError, match="timeout_seconds=0"):
        webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, timeout_seconds=0)
