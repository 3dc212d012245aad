"""The processing half on real engines: the synthesized `users-standard` stack applied to
LocalStack, signed deliveries POSTed to its API, and the synthesized Express workflow run on
them with `StartSyncExecution`.

What stands in for what LocalStack cannot run (it has neither EventBridge Pipes nor, without
Docker, Lambda), and nothing else:
- Pipes: the test receives the messages from the real queue and passes them on in the shape
  Pipes documents (support.pipes), as the batch array the workflow gets.
- The verifier Lambda: its handler runs in this process, on that record, reading the signing
  secret from the stack's own Secrets Manager secret on LocalStack.
- The Lambda tasks inside the workflow: Step Functions' mocked service integrations, answering
  with what the verifier really returned (or with what a test needs: a failing processor, a
  Lambda service error), so the Map/Choice/Catch/batchItemFailures logic is what is tested.
Excluded from the apply (support.terraform.LOCALSTACK_UNSUPPORTED): the two Lambda functions
and the pipe; everything else of the stack is created, the state machine with the functions'
ARNs in its definition.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from support.http import post
from support.localstack import REGION, LocalStack
from support.pipes import pipes_record
from support.synth import SynthOutput, resources
from verifier.verifier_modules import handler, use_aws

STACK = "users-standard"
OUTPUT_PREFIX = "webhook_users_"
STATE_MACHINE = "webhook-users"


@dataclass(frozen=True)
class Deployed:
    outputs: dict[str, Any]
    verifier_env: dict[str, str]
    aws: LocalStack

    def out(self, key: str) -> str:
        return self.outputs[OUTPUT_PREFIX + key]


@pytest.fixture(scope="module")
def deployed(synth: SynthOutput, deployments: dict[str, Any], localstack: LocalStack) -> Deployed:
    """The stack as the session applied it (see engines/conftest.py)."""
    deployment = deployments[STACK]
    kinds = sorted({address.split(".")[0] for address in deployment.excluded})
    assert kinds == ["aws_lambda_function", "aws_pipes_pipe"], deployment.excluded
    outputs = deployment.outputs
    (verifier,) = [
        f for f in resources(synth.stack(STACK), "aws_lambda_function").values() if f["function_name"].endswith("-verify")
    ]
    env = dict(verifier["environment"]["variables"])
    # The only reference in it: the secret's ARN, known after apply.
    assert env["WEBHOOK_SECRET_ARN"].startswith("${aws_secretsmanager_secret.")
    env["WEBHOOK_SECRET_ARN"] = outputs[OUTPUT_PREFIX + "secret_arn"]
    return Deployed(outputs, env, localstack)


@pytest.fixture
def verifier_env(deployed: Deployed, monkeypatch: pytest.MonkeyPatch) -> Deployed:
    """The verifier's environment as the stack configures it, its boto3 pointed at LocalStack."""
    use_aws(monkeypatch, deployed.aws.aws_environment(), deployed.verifier_env)
    return deployed


def receive_all(deployed: Deployed, count: int) -> list[dict[str, Any]]:
    sqs = deployed.aws.client("sqs")
    messages: list[dict[str, Any]] = []
    for _ in range(10):
        batch = sqs.receive_message(
            QueueUrl=deployed.out("queue_url"),
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        messages.extend(batch)
        if len(messages) >= count:
            break
    return messages


def lambda_return(payload: Any) -> dict[str, Any]:
    return {"Return": {"StatusCode": 200, "Payload": payload}}


def run(deployed: Deployed, case: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    execution = deployed.aws.client("stepfunctions").start_sync_execution(
        stateMachineArn=f"{deployed.out('state_machine_arn')}#{case}", input=json.dumps(batch)
    )
    return execution


def outcome(execution: dict[str, Any]) -> list[str]:
    assert execution["status"] == "SUCCEEDED", execution
    report = json.loads(execution["output"])
    assert set(report) == {"batchItemFailures"}
    return [item["itemIdentifier"] for item in report["batchItemFailures"]]


def test_signed_deliveries_go_from_http_through_the_verifier_to_the_workflow(verifier_env: Deployed) -> None:
    aws = verifier_env.aws
    key = base64.b64encode(secrets.token_bytes(24)).decode()
    provider_secret = f"whsec_{key}"
    aws.client("secretsmanager").put_secret_value(SecretId=verifier_env.out("secret_arn"), SecretString=provider_secret)

    # Signed by the Standard Webhooks reference library, as a provider would sign them.
    url = aws.local_url(verifier_env.out("endpoint"))
    now = datetime.now(tz=timezone.utc)
    deliveries = {}
    forged_secret = "whsec_" + base64.b64encode(b"x" * 24).decode()
    # A replay: a genuine signature made ten minutes ago, outside the 300 s tolerance.
    stale = now - timedelta(minutes=10)
    for kind, signer, signed_at in (
        ("genuine", provider_secret, now),
        ("forged", forged_secret, now),
        ("unsigned", None, now),
        ("replayed", provider_secret, stale),
    ):
        body = json.dumps({"name": f"Zoë {kind} & co", "age": 30, "email": f"{kind}@example.com"}).encode()
        msg_id = f"msg_{kind}_{secrets.token_hex(4)}"
        headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(signed_at.timestamp()))}
        if signer is not None:
            headers["webhook-signature"] = Webhook(signer).sign(msg_id, signed_at, body.decode())
        status, answer = post(url, body, headers)
        assert status == 200, answer
        deliveries[msg_id] = (kind, body)

    records = [
        pipes_record(m, queue_arn=verifier_env.out("queue_arn"), region=REGION) for m in receive_all(verifier_env, 4)
    ]
    assert len(records) == 4
    verdicts = {}
    for record in records:
        delivery = record["messageAttributes"]["webhook-id"]["stringValue"]
        kind, body = deliveries[delivery]
        assert record["body"].encode() == body
        verdict = handler.handler(record, None)
        assert set(verdict) == {"valid", "reason", "messageId", "deliveryId", "event", "body", "rejected"}
        assert verdict["messageId"] == record["messageId"] and verdict["deliveryId"] == delivery
        verdicts[kind] = (record, verdict)
    assert verdicts["genuine"][1]["valid"] is True and verdicts["genuine"][1]["event"]["age"] == 30
    assert (verdicts["forged"][1]["valid"], verdicts["forged"][1]["reason"]) == (False, "bad_signature")
    assert (verdicts["unsigned"][1]["valid"], verdicts["unsigned"][1]["reason"]) == (False, "missing_header")
    assert (verdicts["replayed"][1]["valid"], verdicts["replayed"][1]["reason"]) == (False, "timestamp_expired")

    # Each record as its own batch, the workflow's Lambda tasks answering as the functions did.
    cases = {kind: {"Verify": f"Verify-{kind}", "Process": "Processed"} for kind in verdicts}
    cases["genuine-fails"] = {"Verify": "Verify-genuine", "Process": "ProcessFails"}
    aws.write_sfn_mocks(
        {
            "StateMachines": {STATE_MACHINE: {"TestCases": cases}},
            "MockedResponses": {
                **{f"Verify-{kind}": {"0": lambda_return(verdict)} for kind, (_, verdict) in verdicts.items()},
                "Processed": {"0": lambda_return({"ok": True})},
                "ProcessFails": {"0": {"Throw": {"Error": "UnprocessableEvent", "Cause": "cannot process"}}},
            },
        }
    )
    for kind in ("genuine", "forged", "unsigned", "replayed"):
        # Processed, or rejected: either way consumed, so nothing returns to the queue.
        assert outcome(run(verifier_env, kind, [verdicts[kind][0]])) == [], kind
    genuine = verdicts["genuine"][0]
    assert outcome(run(verifier_env, "genuine-fails", [genuine])) == [genuine["messageId"]]


def synthetic_batch(size: int) -> list[dict[str, Any]]:
    return [
        {
            "messageId": f"00000000-0000-4000-8000-{i:012d}",
            "receiptHandle": f"handle-{i}",
            "body": json.dumps({"name": "n", "age": 20 + i, "email": f"u{i}@example.com"}),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1736937600123"},
            "messageAttributes": {},
            "md5OfBody": "0" * 32,
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:webhook-users",
            "awsRegion": REGION,
        }
        for i in range(size)
    ]


def verdict_for(valid: bool) -> dict[str, Any]:
    """A verdict of the documented shape (see lambda_src/verifier/handler.py)."""
    if valid:
        return {"valid": True, "reason": None, "messageId": "m", "deliveryId": None, "event": {}, "body": None, "rejected": None}
    reason = {"webhook.rejected_reason": {"DataType": "String", "StringValue": "bad_signature"}}
    return {
        "valid": False,
        "reason": "bad_signature",
        "messageId": "m",
        "deliveryId": None,
        "event": None,
        "body": "{}",
        "rejected": {"MessageAttributes": reason, "MessageGroupId": None},
    }


def test_a_batch_reports_exactly_the_records_whose_processing_failed(deployed: Deployed) -> None:
    """Five records: one rejected, four processed of which two fail. The workflow runs records
    concurrently, so which record gets which mocked answer is not fixed; what is fixed, and
    what Pipes relies on, is that exactly the two failed records are reported, each once, and
    a rejected record never is."""
    batch = synthetic_batch(5)
    deployed.aws.write_sfn_mocks(
        {
            "StateMachines": {STATE_MACHINE: {"TestCases": {"Mixed": {"Verify": "Verdicts", "Process": "TwoFail"}}}},
            "MockedResponses": {
                "Verdicts": {str(i): lambda_return(verdict_for(i != 2)) for i in range(5)},
                "TwoFail": {
                    str(i): {"Throw": {"Error": "UnprocessableEvent", "Cause": "no"}} if i in (1, 3) else lambda_return({})
                    for i in range(4)
                },
            },
        }
    )
    for _ in range(3):
        failed = outcome(run(deployed, "Mixed", batch))
        assert len(failed) == len(set(failed)) == 2
        assert set(failed) <= {r["messageId"] for r in batch}


def test_transient_lambda_errors_are_retried_and_persistent_ones_fail_only_their_record(deployed: Deployed) -> None:
    (record,) = synthetic_batch(1)
    service_error = {"Throw": {"Error": "Lambda.ServiceException", "Cause": "service unavailable"}}
    deployed.aws.write_sfn_mocks(
        {
            "StateMachines": {
                STATE_MACHINE: {
                    "TestCases": {
                        "RetriedOnce": {"Verify": "FlakyThenValid", "Process": "Ok"},
                        "VerifierDown": {"Verify": "AlwaysDown"},
                    }
                }
            },
            "MockedResponses": {
                "FlakyThenValid": {"0": service_error, "1": lambda_return(verdict_for(True))},
                # The first try and the three retries.
                "AlwaysDown": {"0-3": service_error},
                "Ok": {"0": lambda_return({})},
            },
        }
    )
    assert outcome(run(deployed, "RetriedOnce", [record])) == []
    assert outcome(run(deployed, "VerifierDown", [record])) == [record["messageId"]]


def test_a_verifier_result_without_its_documented_fields_never_consumes_a_record(deployed: Deployed) -> None:
    """A verdict missing `reason`, `deliveryId` and `event` is a verifier fault, not a rejection
    (which would drop the message). On AWS the ResultSelector's missing path is States.Runtime,
    which no Catch matches: the execution fails and Pipes returns the whole batch. LocalStack
    lets `States.ALL` catch it, so each record is reported failed instead. Either way every
    record returns to the queue, which is what this asserts."""
    batch = synthetic_batch(2)
    deployed.aws.write_sfn_mocks(
        {
            "StateMachines": {STATE_MACHINE: {"TestCases": {"Broken": {"Verify": "NoVerdict"}}}},
            "MockedResponses": {"NoVerdict": {"0-1": lambda_return({"valid": True})}},
        }
    )
    execution = run(deployed, "Broken", batch)
    if execution["status"] != "FAILED":
        assert sorted(outcome(execution)) == sorted(r["messageId"] for r in batch), execution
