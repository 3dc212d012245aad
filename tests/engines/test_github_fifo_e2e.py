"""The synthesized `github` stack on LocalStack: a FIFO receiver driven over HTTP as GitHub
drives it, then the queued record handed to the real verifier in the shape EventBridge Pipes
uses (LocalStack runs neither Pipes nor Lambda; see test_workflow_e2e for the workflow).

What a user relies on: a GitHub redelivery (same X-GitHub-Delivery) is queued once; one
repository's events share a message group, so they are processed in order; events without a
repository fall back to the "default" group; the signature header and the event kind arrive
as message attributes, only when sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import pytest

from support.http import post
from support.localstack import REGION, SHORT_POLL, LocalStack
from support.pipes import pipes_record
from support.synth import SynthOutput, resources
from verifier.verifier_modules import handler, use_aws

STACK = "github"
PREFIX = "github_hooks_github_"


@pytest.fixture(scope="module")
def outputs(deployments: dict[str, Any]) -> dict[str, Any]:
    return deployments[STACK].outputs


@pytest.fixture
def sqs(outputs: dict[str, Any], localstack: LocalStack) -> Any:
    """The SQS client, with the queue empty whatever the test before left behind."""
    client = localstack.client("sqs")
    client.purge_queue(QueueUrl=outputs[PREFIX + "queue_url"])
    return client


def github_headers(body: bytes, secret: str, delivery: str, event: str | None = "push") -> dict[str, str]:
    """What GitHub sends: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the raw body
    with the webhook's secret (GitHub docs, "Validating webhook deliveries")."""
    headers = {
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    if event is not None:
        headers["X-GitHub-Event"] = event
    return headers


def receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=SHORT_POLL, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        messages += batch


def push(repository: str | None) -> bytes:
    event: dict[str, Any] = {"ref": "refs/heads/main", "sender": {"login": "octocat", "id": 1}}
    if repository is not None:
        event["repository"] = {"id": 1296269, "full_name": repository}
    return json.dumps(event).encode()


def test_a_redelivery_is_queued_once_in_its_repositorys_group(
    outputs: dict[str, Any], sqs: Any, localstack: LocalStack
) -> None:
    url = localstack.local_url(outputs[PREFIX + "endpoint"])
    secret = "s3cret"
    delivery = str(uuid.uuid4())
    body = push("octo-org/hello-world")
    answers = [post(url, body, github_headers(body, secret, delivery)) for _ in range(2)]
    assert [status for status, _ in answers] == [200, 200]
    (message,) = receive_all(sqs, outputs[PREFIX + "queue_url"])
    assert message["Body"].encode() == body
    # URL-encoded, as every group id is: SQS takes only ! to ~ (the value decodes back).
    assert message["Attributes"]["MessageGroupId"] == "octo-org%2Fhello-world"
    assert message["Attributes"]["MessageDeduplicationId"] == delivery
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    received_at = int(attributes.pop("webhook.received_at"))
    assert attributes == github_headers(body, secret, delivery)
    assert abs(received_at / 1000 - time.time()) < 60


def test_events_without_a_repository_fall_back_to_the_default_group(
    outputs: dict[str, Any], sqs: Any, localstack: LocalStack
) -> None:
    url = localstack.local_url(outputs[PREFIX + "endpoint"])
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    status, _ = post(url, body, github_headers(body, "s", str(uuid.uuid4()), event="ping"))
    assert status == 200
    (message,) = receive_all(sqs, outputs[PREFIX + "queue_url"])
    assert message["Attributes"]["MessageGroupId"] == "default"


def test_a_missing_optional_header_is_simply_not_forwarded(
    outputs: dict[str, Any], sqs: Any, localstack: LocalStack
) -> None:
    url = localstack.local_url(outputs[PREFIX + "endpoint"])
    body = push("octo-org/hello-world")
    status, _ = post(url, body, github_headers(body, "s", str(uuid.uuid4()), event=None))
    assert status == 200
    (message,) = receive_all(sqs, outputs[PREFIX + "queue_url"])
    assert set(message["MessageAttributes"]) == {"X-GitHub-Delivery", "X-Hub-Signature-256", "webhook.received_at"}


def test_the_verifier_accepts_the_queued_delivery_and_rejects_a_forged_one(
    synth: SynthOutput, outputs: dict[str, Any], sqs: Any, localstack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = secrets.token_hex(20)
    localstack.client("secretsmanager").put_secret_value(SecretId=outputs[PREFIX + "secret_arn"], SecretString=secret)
    (verifier,) = [f for f in resources(synth.stack(STACK), "aws_lambda_function").values() if f["function_name"].endswith("-verify")]
    environment = {**verifier["environment"]["variables"], "WEBHOOK_SECRET_ARN": outputs[PREFIX + "secret_arn"]}
    use_aws(monkeypatch, localstack.aws_environment(), environment)

    url = localstack.local_url(outputs[PREFIX + "endpoint"])
    genuine, forged = push("octo-org/a"), push("octo-org/b")
    deliveries = {"genuine": str(uuid.uuid4()), "forged": str(uuid.uuid4())}
    assert post(url, genuine, github_headers(genuine, secret, deliveries["genuine"]))[0] == 200
    assert post(url, forged, github_headers(forged, "not the secret", deliveries["forged"]))[0] == 200
    verdicts = {}
    for message in receive_all(sqs, outputs[PREFIX + "queue_url"]):
        record = pipes_record(message, queue_arn=outputs[PREFIX + "queue_arn"], region=REGION)
        verdict = handler.handler(record, None)
        verdicts[verdict["deliveryId"]] = (verdict["valid"], verdict["reason"])
    assert verdicts == {deliveries["genuine"]: (True, None), deliveries["forged"]: (False, "bad_signature")}


def test_githubs_published_sample_events_are_accepted_and_queued_byte_for_byte(
    outputs: dict[str, Any], sqs: Any, localstack: LocalStack
) -> None:
    """octokit/webhooks' payload examples (tests/events/providers/SOURCES.md), as GitHub sends
    them, through the deployed route: each accepted and queued unchanged in its repository's group."""
    url = localstack.local_url(outputs[PREFIX + "endpoint"])
    samples = sorted((Path(__file__).resolve().parents[1] / "events" / "providers").glob("github-*.json"))
    assert len(samples) >= 4
    for sample in samples:
        body = sample.read_bytes()
        event = sample.stem.removeprefix("github-").split("-")[0]
        status, answer = post(url, body, github_headers(body, "s3cret", str(uuid.uuid4()), event=event))
        assert status == 200, (sample.name, answer)
        (message,) = receive_all(sqs, outputs[PREFIX + "queue_url"])
        assert message["Body"].encode() == body
        repository = json.loads(body).get("repository")
        # $util.urlEncode is Java's URLEncoder: letters, digits and .-*_ stay as they are.
        group = urllib.parse.quote_plus(repository["full_name"], safe="*") if repository else "default"
        assert message["Attributes"]["MessageGroupId"] == group
