"""Nothing accepted is lost: each loss path a review found, driven on LocalStack through the
applied example stacks (see engines/conftest.py) and the real verifier.

What stands in for what LocalStack cannot run, and nothing else (as in test_workflow_e2e):
- EventBridge Pipes: the test receives the message from the real queue and hands the
  workflow the record Pipes would (support.pipes). Where AWS's SQS behaves differently from
  LocalStack's, the record is given what AWS documents, and the test says so.
- The Lambda functions: the verifier's handler runs in this process on that record, reading
  the stack's own secret from Secrets Manager; in the workflow, Step Functions' mocked service
  integrations answer for the Verify and Process Lambda tasks with what the verifier returned
  (or a processing failure). Every other state runs for real, the Rejected state's SQS
  SendMessage to the stack's rejected queue included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import subprocess
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis_jsonschema import from_schema
from standardwebhooks.webhooks import Webhook

from constructs_lib import openapi
from constructs_lib.api import send_message_spec
from constructs_lib import WebhookSource
from constructs_lib.limits import PROCESSING_BODY_BYTES, STEP_FUNCTIONS_INPUT_BYTES
from constructs_lib.vtl import send_message_template
from support.http import post
from support.localstack import REGION, SHORT_POLL, LocalStack
from support.pipes import pipes_record
from support.synth import SynthOutput, json_document, resources
from verifier.verifier_modules import handler, signatures, use_aws

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = signatures.RECEIVED_AT_ATTRIBUTE
REASON = signatures.REJECTED_REASON_ATTRIBUTE
# SQS: group and deduplication ids are 1-128 characters from ! to ~.
SQS_ID = set(map(chr, range(0x21, 0x7F)))


@dataclass(frozen=True)
class Stack:
    """One applied example stack, its outputs by short key, and its verifier's environment."""

    name: str
    prefix: str
    outputs: dict[str, Any]
    verifier_env: dict[str, str]
    aws: LocalStack

    def out(self, key: str) -> str:
        return self.outputs[self.prefix + key]

    @property
    def url(self) -> str:
        return self.aws.local_url(self.out("endpoint"))

    @property
    def state_machine_name(self) -> str:
        return self.out("state_machine_arn").rsplit(":", 1)[1]


def _stack(name: str, prefix: str, synth: SynthOutput, deployments: dict[str, Any], aws: LocalStack) -> Stack:
    outputs = deployments[name].outputs
    env: dict[str, str] = {}
    for function in resources(synth.stack(name), "aws_lambda_function").values():
        if function["function_name"].endswith("-verify"):
            env = dict(function["environment"]["variables"])
            env["WEBHOOK_SECRET_ARN"] = outputs[prefix + "secret_arn"]
    return Stack(name, prefix, outputs, env, aws)


@pytest.fixture(scope="module")
def users(synth: SynthOutput, deployments: dict[str, Any], localstack: LocalStack) -> Stack:
    return _stack("users-standard", "webhook_users_", synth, deployments, localstack)


@pytest.fixture(scope="module")
def github(synth: SynthOutput, deployments: dict[str, Any], localstack: LocalStack) -> Stack:
    return _stack("github", "github_hooks_github_", synth, deployments, localstack)


@pytest.fixture(scope="module")
def mailgun(synth: SynthOutput, deployments: dict[str, Any], localstack: LocalStack) -> Stack:
    return _stack("mailgun-fifo", "mailgun_events_mailgun_", synth, deployments, localstack)


def use_verifier(stack: Stack, monkeypatch: pytest.MonkeyPatch, **overrides: str) -> None:
    """The verifier's environment as the stack configures it (plus `overrides`), its boto3
    pointed at LocalStack, a fresh secret cache."""
    use_aws(monkeypatch, stack.aws.aws_environment(), {**stack.verifier_env, **overrides})


def make(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """`make <args>` from the repository root, as an operator runs it."""
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=stack.aws.operator_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def drain(sqs: Any, url: str) -> None:
    sqs.purge_queue(QueueUrl=url)


def receive(sqs: Any, url: str, count: int, *, delete: bool = True, timeout: float = 30.0) -> list[dict[str, Any]]:
    """`count` distinct messages of the queue, received with all their attributes."""
    seen: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", []):
            seen[message["MessageId"]] = message
            if delete:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert len(seen) == count, f"expected {count} messages in {url}, got {len(seen)}"
    return list(seen.values())


def queued(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def lambda_return(payload: Any) -> dict[str, Any]:
    return {"Return": {"StatusCode": 200, "Payload": payload}}


def run_workflow(stack: Stack, batch: list[dict[str, Any]], *, verdicts: list[dict[str, Any]], process_fails: bool = False) -> list[str]:
    """The stack's real state machine on `batch`, its Lambda tasks answering with `verdicts`
    (in order) and a processor that succeeds or fails; the ids Pipes would get back."""
    case = f"Case{uuid.uuid4().hex[:8]}"
    stack.aws.write_sfn_mocks(
        {
            "StateMachines": {stack.state_machine_name: {"TestCases": {case: {"Verify": "Verdicts", "Process": "Process"}}}},
            "MockedResponses": {
                "Verdicts": {str(i): lambda_return(v) for i, v in enumerate(verdicts)},
                "Process": {
                    f"0-{len(batch)}": {"Throw": {"Error": "UnprocessableEvent", "Cause": "downstream is down"}}
                    if process_fails
                    else lambda_return({"ok": True})
                },
            },
        }
    )
    execution = stack.aws.client("stepfunctions").start_sync_execution(
        stateMachineArn=f"{stack.out('state_machine_arn')}#{case}", input=json.dumps(batch)
    )
    assert execution["status"] == "SUCCEEDED", execution
    report = json.loads(execution["output"])
    assert set(report) == {"batchItemFailures"}
    return [item["itemIdentifier"] for item in report["batchItemFailures"]]


def standard_webhooks_post(stack: Stack, secret: str, body: bytes, *, signed_at: datetime | None = None) -> str:
    """POST as a Standard Webhooks sender does, signed by the reference library; the id."""
    msg_id = f"msg_{secrets.token_hex(8)}"
    at = signed_at or datetime.now(tz=timezone.utc)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
    }
    status, answer = post(stack.url, body, headers)
    assert status == 200, answer
    return msg_id


def new_whsec() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def github_headers(body: bytes, secret: str, delivery: str) -> dict[str, str]:
    """X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the raw body (GitHub docs,
    "Validating webhook deliveries")."""
    return {
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-GitHub-Event": "push",
    }


def raw_post(url: str, body: bytes, headers: list[tuple[str, str]], query: str = "") -> tuple[int, bytes]:
    """A POST whose header names go on the wire exactly as given (urllib would capitalize them)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.putrequest("POST", parts.path + query, skip_accept_encoding=True)
    for name, value in [*headers, ("Content-Length", str(len(body)))]:
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(body)
    response = connection.getresponse()
    return response.status, response.read()


# --- 1. A redrive does not turn a good delivery into a rejection ----------------------------


def test_a_delivery_redriven_after_the_tolerance_is_verified_and_processed(
    users: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A genuine delivery whose processing fails until it lands in the DLQ, redriven with
    `make redrive` once the cause is fixed, long after its signature's tolerance, is verified
    valid and processed.

    The tolerance is 2 s here (the stack's is 300 s; the verifier reads it from its
    environment) so the test waits 3 s, not five minutes. On AWS a redriven message gets a new
    messageId and SentTimestamp ("All redriven messages are considered new messages with a new
    messageID and enqueueTime", SQS developer guide, "Configure a dead-letter queue redrive");
    LocalStack's move task keeps both, so the record handed on gets them as AWS would give them.
    """
    sqs = users.aws.client("sqs")
    for key in ("queue_url", "dlq_url"):
        drain(sqs, users.out(key))
    secret = new_whsec()
    users.aws.client("secretsmanager").put_secret_value(SecretId=users.out("secret_arn"), SecretString=secret)
    use_verifier(users, monkeypatch, WEBHOOK_TOLERANCE_SECONDS="2")
    body = json.dumps({"name": "Zoë \"redriven\"", "age": 33, "email": "zoe@example.com"}).encode()
    msg_id = standard_webhooks_post(users, secret, body)

    # Processing fails on every receive (the processor's downstream is down): the workflow
    # reports the record, Pipes leaves it, and it becomes visible again (ChangeMessageVisibility
    # 0 stands in for waiting out the queue's 90 s visibility timeout).
    max_receive_count = json.loads(
        sqs.get_queue_attributes(QueueUrl=users.out("queue_url"), AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )["maxReceiveCount"]
    for _ in range(max_receive_count):
        (message,) = receive(sqs, users.out("queue_url"), 1, delete=False)
        record = pipes_record(message, queue_arn=users.out("queue_arn"), region=REGION)
        verdict = handler.handler(record, None)
        assert verdict["valid"] is True
        assert run_workflow(users, [record], verdicts=[verdict], process_fails=True) == [record["messageId"]]
        sqs.change_message_visibility(QueueUrl=users.out("queue_url"), ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    deadline = time.monotonic() + 30
    while queued(sqs, users.out("dlq_url")) < 1:
        assert time.monotonic() < deadline, "the delivery never reached the DLQ"
        sqs.receive_message(QueueUrl=users.out("queue_url"), WaitTimeSeconds=1)

    time.sleep(3)  # past the tolerance
    result = make(users, "redrive", f"DLQ_ARN={users.out('dlq_arn')}")
    assert "COMPLETED: moved 1" in result.stdout, result.stdout
    (message,) = receive(sqs, users.out("queue_url"), 1)
    assert message["Body"].encode() == body
    record = pipes_record(message, queue_arn=users.out("queue_arn"), region=REGION)
    record["messageId"] = str(uuid.uuid4())
    record["attributes"]["SentTimestamp"] = str(int(time.time() * 1000))

    verdict = handler.handler(record, None)
    assert (verdict["valid"], verdict["reason"], verdict["deliveryId"]) == (True, None, msg_id)
    assert run_workflow(users, [record], verdicts=[verdict]) == []
    # The control: measured from SentTimestamp, as before webhook.received_at, the same
    # redriven record is a replay.
    without = json.loads(json.dumps(record))
    del without["messageAttributes"][RECEIVED]
    assert handler.handler(without, None)["reason"] == "timestamp_expired"


# --- 2 and 4. Rejections are kept, byte for byte, and go back once the cause is fixed ---------


def test_a_delivery_rejected_for_a_rotated_secret_is_kept_and_resent(users: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider rotated its secret before the stack's secret was updated: real deliveries
    fail verification. The workflow keeps each in the rejected queue with its attributes and
    reason; once the secret is updated, `make redrive REJECTED_ARN=... QUEUE_ARN=...` sends it
    back and it verifies."""
    sqs = users.aws.client("sqs")
    for key in ("queue_url", "rejected_queue_url"):
        drain(sqs, users.out(key))
    old, new = new_whsec(), new_whsec()
    manager = users.aws.client("secretsmanager")
    manager.put_secret_value(SecretId=users.out("secret_arn"), SecretString=old)
    use_verifier(users, monkeypatch)
    body = json.dumps({"name": "signed with the new secret \\ \" é 😀", "age": 40, "email": "a@example.com"}).encode()
    msg_id = standard_webhooks_post(users, new, body)

    (message,) = receive(sqs, users.out("queue_url"), 1, delete=False)
    record = pipes_record(message, queue_arn=users.out("queue_arn"), region=REGION)
    verdict = handler.handler(record, None)
    assert (verdict["valid"], verdict["reason"], verdict["event"]) == (False, "bad_signature", None)
    # Consumed: not reported to Pipes, so the queue deletes it ... and kept.
    assert run_workflow(users, [record], verdicts=[verdict]) == []
    sqs.delete_message(QueueUrl=users.out("queue_url"), ReceiptHandle=message["ReceiptHandle"])
    (kept,) = receive(sqs, users.out("rejected_queue_url"), 1, delete=False)
    assert kept["Body"].encode() == body
    attributes = {name: (a["DataType"], a["StringValue"]) for name, a in kept["MessageAttributes"].items()}
    original = {name: (a["DataType"], a["StringValue"]) for name, a in message["MessageAttributes"].items()}
    assert attributes == {**original, REASON: ("String", "bad_signature")}
    sqs.change_message_visibility(QueueUrl=users.out("rejected_queue_url"), ReceiptHandle=kept["ReceiptHandle"], VisibilityTimeout=0)

    manager.put_secret_value(SecretId=users.out("secret_arn"), SecretString=new)
    monkeypatch.setattr(handler, "_state", None)
    result = make(users, "redrive", f"REJECTED_ARN={users.out('rejected_queue_arn')}", f"QUEUE_ARN={users.out('queue_arn')}")
    assert "moved 1 rejected deliver" in result.stdout, result.stdout
    assert queued(sqs, users.out("rejected_queue_url")) == 0
    (back,) = receive(sqs, users.out("queue_url"), 1)
    assert back["Body"].encode() == body and REASON not in back["MessageAttributes"]
    verdict = handler.handler(pipes_record(back, queue_arn=users.out("queue_arn"), region=REGION), None)
    assert (verdict["valid"], verdict["deliveryId"]) == (True, msg_id)


def test_a_forged_body_of_unreadable_numbers_is_rejected_and_kept_without_blocking_its_group(
    github: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`{"x": 1e400}` parses to infinity, which a verdict carrying it could only write as
    `Infinity`, unreadable to Step Functions: on a FIFO queue that would fail the batch again
    and again and hold up the group the sender chose. The verdict carries no parsed event, the
    record is kept in the FIFO rejected queue in its group, and the group's next delivery is
    processed."""
    sqs = github.aws.client("sqs")
    for key in ("queue_url", "rejected_queue_url"):
        drain(sqs, github.out(key))
    secret = secrets.token_hex(20)
    github.aws.client("secretsmanager").put_secret_value(SecretId=github.out("secret_arn"), SecretString=secret)
    use_verifier(github, monkeypatch)
    victim = {"id": 1, "full_name": "octo-org/victim"}
    forged = ('{"repository": ' + json.dumps(victim) + ', "x": 1e400}').encode()
    genuine = json.dumps({"repository": victim, "ref": "refs/heads/main", "n": 1e300}).encode()
    assert post(github.url, forged, github_headers(forged, "not the secret", str(uuid.uuid4())))[0] == 200
    assert post(github.url, genuine, github_headers(genuine, secret, str(uuid.uuid4())))[0] == 200

    messages = receive(sqs, github.out("queue_url"), 2, delete=False)
    records = [pipes_record(m, queue_arn=github.out("queue_arn"), region=REGION) for m in messages]
    verdicts = [handler.handler(record, None) for record in records]
    by_body = {record["body"].encode(): (record, verdict) for record, verdict in zip(records, verdicts)}
    record, verdict = by_body[forged]
    assert (verdict["valid"], verdict["event"], verdict["body"]) == (False, None, forged.decode())
    text = json.dumps(verdict, allow_nan=False)  # strict JSON, as Step Functions reads it
    assert "Infinity" not in text
    assert by_body[genuine][1]["valid"] is True and by_body[genuine][1]["event"]["n"] == 1e300
    # One FIFO batch in queue order: the forged record is kept, the genuine one processed.
    ordered = sorted(by_body.values(), key=lambda item: int(item[0]["attributes"]["SequenceNumber"]))
    assert run_workflow(github, [r for r, _ in ordered], verdicts=[v for _, v in ordered]) == []
    for message in messages:  # done: Pipes would delete the batch now
        sqs.delete_message(QueueUrl=github.out("queue_url"), ReceiptHandle=message["ReceiptHandle"])
    (kept,) = receive(sqs, github.out("rejected_queue_url"), 1)
    assert kept["Body"].encode() == forged
    assert kept["Attributes"]["MessageGroupId"] == record["attributes"]["MessageGroupId"] == "octo-org%2Fvictim"
    assert kept["MessageAttributes"][REASON]["StringValue"] == "bad_signature"


# --- 3 and 5. Every body the model accepts is queued; headers come from headers only --------


def github_schema(synth: SynthOutput) -> dict[str, Any]:
    (api,) = resources(synth.stack("github"), "aws_api_gateway_rest_api").values()
    document = json_document(api["body"])
    (item,) = document["paths"].values()
    reference = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return document["components"]["schemas"][reference.rsplit("/", 1)[1]]


HOSTILE_GROUPS = [
    "octo-org/" + "r" * 131,  # 140 characters: GitHub allows them, SQS takes 128
    "has space", "quote\"d", "dollar$sign", "tab\there", "nul\x00byte", "naïve/日本", "😀" * 40, "'", "a" * 500,
]
# Header values travel as ISO-8859-1 on HTTP/1.1, so non-ASCII ones are Latin-1 here.
HOSTILE_DELIVERIES = ["d " + str(uuid.uuid4()), "é-" + str(uuid.uuid4()), "x" * 200, "ÿ" * 150, "quote\"-" + str(uuid.uuid4())]


def test_every_body_the_github_model_accepts_is_queued_with_ids_sqs_accepts(github: Stack, synth: SynthOutput) -> None:
    """Bodies generated from the route's own schema (hypothesis-jsonschema), and group values
    and delivery ids SQS refuses as they are: each answered 200 and queued once, byte for byte."""
    sqs = github.aws.client("sqs")
    drain(sqs, github.out("queue_url"))
    schema = github_schema(synth)
    bodies: list[bytes] = []

    @settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(from_schema(schema))
    def collect(document: Any) -> None:
        bodies.append(json.dumps(document, ensure_ascii=False).encode())

    collect()
    bodies = [b for b in dict.fromkeys(bodies) if b != b"{}"]  # {} is refused as empty (below)
    bodies += [json.dumps({"repository": {"id": 1, "full_name": g}}, ensure_ascii=False).encode() for g in HOSTILE_GROUPS]
    deliveries = [str(uuid.uuid4()) for _ in bodies]
    deliveries[: len(HOSTILE_DELIVERIES)] = HOSTILE_DELIVERIES
    for body, delivery in zip(bodies, deliveries):
        status, answer = post(github.url, body, github_headers(body, "s", delivery))
        assert status == 200, (body, delivery, answer)
    messages = receive(sqs, github.out("queue_url"), len(bodies), timeout=60)
    assert sorted(m["Body"].encode() for m in messages) == sorted(bodies)
    for message in messages:
        group, dedup = message["Attributes"]["MessageGroupId"], message["Attributes"]["MessageDeduplicationId"]
        assert 1 <= len(group) <= 128 and set(group) <= SQS_ID
        assert 1 <= len(dedup) <= 128 and set(dedup) <= SQS_ID
        # The header itself arrives exactly as sent.
        assert message["MessageAttributes"]["X-GitHub-Delivery"]["StringValue"] in deliveries


def test_a_query_parameter_cannot_stand_in_for_a_header_and_header_case_does_not_matter(github: Stack) -> None:
    sqs = github.aws.client("sqs")
    drain(sqs, github.out("queue_url"))
    real = str(uuid.uuid4())
    body = json.dumps({"repository": {"id": 1, "full_name": "octo-org/query"}}).encode()
    query = "?" + urllib.parse.urlencode({"X-GitHub-Delivery": "forged-id", "X-Hub-Signature-256": "sha256=forged", "X-GitHub-Event": "forged"})
    headers = [("Content-Type", "application/json"), ("x-github-delivery", real), ("x-hub-signature-256", "sha256=real")]
    assert raw_post(github.url, body, headers, query)[0] == 200
    # Without the header, the query parameter does not deduplicate either: a second delivery
    # whose only "id" is in the query string is queued, not merged into the first.
    other = json.dumps({"repository": {"id": 1, "full_name": "octo-org/query"}, "n": 2}).encode()
    assert raw_post(github.url, other, [("Content-Type", "application/json")], "?X-GitHub-Delivery=" + real)[0] == 200
    messages = {m["Body"].encode(): m for m in receive(sqs, github.out("queue_url"), 2)}
    first = messages[body]
    assert first["Attributes"]["MessageDeduplicationId"] == real
    assert {k: v["StringValue"] for k, v in first["MessageAttributes"].items() if k != RECEIVED} == {
        "X-GitHub-Delivery": real,
        "X-Hub-Signature-256": "sha256=real",
    }
    second = messages[other]
    assert second["Attributes"]["MessageDeduplicationId"] != real
    assert set(second["MessageAttributes"]) == {RECEIVED}


def test_two_svix_deliveries_with_one_body_are_both_queued_and_a_retry_once(users: Stack) -> None:
    """A FIFO source of the standard-webhooks scheme, as the library builds its route, on
    LocalStack's API Gateway: Svix names its deliveries in svix-id."""
    from examples.models import User

    from constructs_lib import Processing, ProcessFunction

    aws = users.aws
    sqs = aws.client("sqs")
    name = f"svix-{uuid.uuid4().hex[:6]}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    source = WebhookSource(
        name="svix",
        model=User,
        fifo=True,
        group_id_field="email",
        processing=Processing(scheme="standard-webhooks", process=ProcessFunction(function_arn="arn:aws:lambda:us-east-1:000000000000:function:p")),
    )
    route = openapi.Route(
        path="/webhooks/svix",
        operation_id="queue_svix",
        model_name="SvixBody",
        schema={"type": "object"},
        integration_uri=openapi.sqs_integration_uri("aws", REGION, aws.account_id, name),
        credentials_arn=f"arn:aws:iam::{aws.account_id}:role/unused-by-localstack",
        request_template=send_message_template(send_message_spec(source)),
    )
    gateway = aws.client("apigateway")
    api = gateway.import_rest_api(body=json.dumps(openapi.build_openapi("svix", [route])).encode())["id"]
    try:
        gateway.create_deployment(restApiId=api, stageName="v1")
        endpoint = aws.execute_api_url(api, "v1", "/webhooks/svix")
        body = json.dumps({"name": "n", "age": 30, "email": "svix@example.com"}).encode()
        for svix_id in ("msg_one", "msg_two", "msg_one"):
            assert post(endpoint, body, {"svix-id": svix_id, "svix-timestamp": "1", "svix-signature": "v1,x"})[0] == 200
        messages = receive(sqs, url, 2)
        assert sorted(m["Attributes"]["MessageDeduplicationId"] for m in messages) == ["msg_one", "msg_two"]
        assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=SHORT_POLL).get("Messages")
    finally:
        gateway.delete_rest_api(restApiId=api)
        sqs.delete_queue(QueueUrl=url)


# --- 6. The size budget holds ----------------------------------------------------------------


def test_a_maximum_body_of_worst_case_escaping_with_every_header_reaches_the_verifier(
    users: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The largest message the queue takes, a body of nothing but escaped quotes and every
    forwarded header long and full of quotes, fits Step Functions' input as a Pipes record
    (with a receipt handle of 1,024 characters, more than SQS's), runs through the workflow and
    the verifier; one byte more is refused at the edge with 413."""
    sqs = users.aws.client("sqs")
    drain(sqs, users.out("queue_url"))
    limit = int(sqs.get_queue_attributes(QueueUrl=users.out("queue_url"), AttributeNames=["MaximumMessageSize"])["Attributes"]["MaximumMessageSize"])
    assert limit == PROCESSING_BODY_BYTES
    secret = new_whsec()
    users.aws.client("secretsmanager").put_secret_value(SecretId=users.out("secret_arn"), SecretString=secret)
    use_verifier(users, monkeypatch)
    msg_id = "msg_" + '"\\' * 300  # a delivery id of quotes and backslashes: 604 characters
    at = datetime.now(tz=timezone.utc)
    filler = '"\\' * 1300
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())), "svix-id": filler, "svix-timestamp": filler, "svix-signature": filler}

    def body_of(size: int) -> bytes:
        head, tail = '{"age":30,"email":"big@example.com","name":"', '"}'
        return (head + "\\\"" * ((size - len(head) - len(tail)) // 2) + tail).encode()

    def signed(body: bytes) -> dict[str, str]:
        return {**headers, "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode())}

    # SQS counts each attribute's name, type and value with the body (SendMessage reference).
    sample = signed(body_of(1000))
    attributes = sum(len(k) + len("String") + len(v.encode()) for k, v in sample.items())
    attributes += len(RECEIVED) + len("Number") + 13
    size = limit - attributes
    size -= size % 2  # the filler is two bytes a step
    body = body_of(size)
    assert abs(len(body) - size) <= 1

    status, answer = post(users.url, body, signed(body))
    assert status == 200, answer
    too_big = body_of(limit + 2)
    status, answer = post(users.url, too_big, signed(too_big))
    assert status == 413, answer

    (message,) = receive(sqs, users.out("queue_url"), 1)
    assert message["Body"].encode() == body
    record = pipes_record(message, queue_arn=users.out("queue_arn"), region=REGION)
    record["receiptHandle"] = "A" * 1024
    batch_bytes = len(json.dumps([record], ensure_ascii=False).encode())
    assert batch_bytes <= STEP_FUNCTIONS_INPUT_BYTES, batch_bytes
    verdict = handler.handler(record, None)
    assert (verdict["valid"], verdict["deliveryId"]) == (True, msg_id)
    assert run_workflow(users, [record], verdicts=[verdict]) == []
    # The control: the budget before this (131,072 bytes, half of Step Functions' input) made
    # the same worst-case body too large for the workflow once it was escaped in the record.
    assert 2 * 131072 + (batch_bytes - 2 * len(body)) > STEP_FUNCTIONS_INPUT_BYTES


# --- 9. An empty body is refused on every route, nothing queued -----------------------------


def test_an_empty_body_is_refused_on_every_example_route(users: Stack, github: Stack, mailgun: Stack) -> None:
    for stack in (users, github, mailgun):
        sqs = stack.aws.client("sqs")
        drain(sqs, stack.out("queue_url"))
        for body in (b"", b"{}"):
            status, answer = post(stack.url, body, {})
            assert status == 400, (stack.name, body, answer)
            refusal = json.loads(answer)
            assert refusal["message"] == "Invalid request body", (stack.name, body, refusal)
            # A model that requires fields refuses {} in the validator, with its reasons; one
            # that accepts {} (github's) reaches the template, which refuses it as empty.
            if stack is github:
                assert refusal["errors"] == "the body is empty", refusal
        assert queued(sqs, stack.out("queue_url")) == 0, stack.name


# --- 10. The execution log group is the stack's --------------------------------------------


def test_the_api_execution_log_group_is_created_with_retention(users: Stack, github: Stack) -> None:
    logs = users.aws.client("logs")
    for stack in (users, github):
        api_id = urllib.parse.urlsplit(stack.url).path.split("/")[3]
        (group,) = logs.describe_log_groups(logGroupNamePrefix=f"API-Gateway-Execution-Logs_{api_id}/")["logGroups"]
        assert group["logGroupName"] == f"API-Gateway-Execution-Logs_{api_id}/v1"
        assert group["retentionInDays"] == 90
