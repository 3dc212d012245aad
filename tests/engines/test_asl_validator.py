"""Every definition the workflow builder produces passes the Amazon States Language validator.

`asl-validator` (npm, pinned in package-lock.json) checks the ASL JSON Schema, JSONPath
syntax of every path field, transitions, reachability, terminal states and unique state
names. The control cases at the end prove the harness reports an invalid definition.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from constructs_lib import workflow
from constructs_lib.workflow import LambdaRetry, webhook_workflow
from support import asl
from support.asl import AslResult, validate_many

VERIFY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:acme-verify"
PROCESS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:acme-process"

STORE_CHAIN = {
    "StartAt": "Store",
    "States": {
        "Store": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "deliveries", "Item": {"id": {"S.$": "$.messageId"}}},
            "Retry": [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException"], "MaxAttempts": 2}],
            "Next": "Stored",
        },
        "Stored": {"Type": "Succeed"},
    },
}
ROUTING_CHAIN = {
    "Comment": "Route by event kind; an unknown kind fails the record.",
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.event.event", "StringEquals": "delivered", "Next": "Notify"}],
            "Default": "UnknownKind",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:deliveries", "Message.$": "$.event"},
            "End": True,
        },
        "UnknownKind": {"Type": "Fail", "Error": "UnknownKind", "Cause": "no route for this event"},
    },
}

REJECTED_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/acme-rejected"
DEFINITIONS: dict[str, dict[str, Any]] = {
    "lambda process": webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL),
    "lambda process, ordered": webhook_workflow(VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, ordered=True),
    "store sub-chain": webhook_workflow(VERIFY_ARN, STORE_CHAIN, rejected_queue_url=REJECTED_URL),
    "routing sub-chain, ordered": webhook_workflow(VERIFY_ARN, ROUTING_CHAIN, rejected_queue_url=REJECTED_URL, ordered=True),
    "unbounded concurrency, no retry": webhook_workflow(
        VERIFY_ARN, PROCESS_ARN, rejected_queue_url=REJECTED_URL, max_concurrency=0, retry=LambdaRetry(max_attempts=0, jitter=False)
    ),
    # What the construct passes before Terraform resolves the ARNs.
    "terraform references": webhook_workflow(
        "${aws_lambda_function.Verifier_Function_1A2B3C4D.arn}",
        "${TfToken[TOKEN.421]}",
        rejected_queue_url="${aws_sqs_queue.Source_RejectedQueue_1A2B3C4D.url}",
    ),
}


# Each breaks the Lambda variant in one way and names a word the validator's message must hold.
BROKEN = [
    ("dangling transition", "Nowhere"),
    ("filter in a reference path", "ResultPath"),
    ("duplicate state name", workflow.FAILED),
    ("negative retry count", "MaxAttempts"),
]


def broken(change: str) -> dict[str, Any]:
    definition = copy.deepcopy(DEFINITIONS["lambda process"])
    states = definition["States"][workflow.RECORDS]["ItemProcessor"]["States"]
    if change == "dangling transition":
        states[workflow.PROCESS]["Next"] = "Nowhere"
    elif change == "filter in a reference path":
        states[workflow.VERIFY]["ResultPath"] = "$.message[?(@.valid)]"
    elif change == "duplicate state name":
        branch = {"StartAt": workflow.FAILED, "States": {workflow.FAILED: {"Type": "Succeed"}}}
        states[workflow.PROCESS] = {"Type": "Parallel", "Branches": [branch], "Next": workflow.PROCESSED}
    elif change == "negative retry count":
        states[workflow.VERIFY]["Retry"][0]["MaxAttempts"] = -1
    return definition


@pytest.fixture(scope="module")
def verdicts() -> dict[str, AslResult]:
    return validate_many({**DEFINITIONS, **{f"broken: {change}": broken(change) for change, _ in BROKEN}})


@pytest.mark.parametrize("name", DEFINITIONS)
def test_definition_is_valid_asl(verdicts: dict[str, AslResult], name: str) -> None:
    assert verdicts[name].valid, verdicts[name].errors


@pytest.mark.parametrize(("change", "error"), BROKEN)
def test_the_validator_reports_a_broken_definition(verdicts: dict[str, AslResult], change: str, error: str) -> None:
    verdict = verdicts[f"broken: {change}"]
    assert not verdict.valid
    assert error in verdict.errors


def test_a_missing_validator_is_an_error_that_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(asl, "VALIDATOR", tmp_path / "node_modules" / ".bin" / "asl-validator")
    monkeypatch.setattr(asl, "ROOT", tmp_path)
    with pytest.raises(asl.AslValidatorMissing, match=r"make test.*npm ci"):
        asl.validate(DEFINITIONS["lambda process"])


def test_every_synthesized_state_machine_passes_the_validator(synth) -> None:
    """The definitions exactly as the stacks hold them (Terraform references left in place as
    strings, which is what they are until Terraform evaluates them)."""
    from support.synth import json_document, resources

    definitions = {
        f"{name}/{machine_id}": json_document(machine["definition"])
        for name in synth.stack_names
        for machine_id, machine in resources(synth.stack(name), "aws_sfn_state_machine").items()
    }
    assert len(definitions) >= 2
    results = validate_many(definitions)
    assert {name: r.errors for name, r in results.items() if not r.valid} == {}
