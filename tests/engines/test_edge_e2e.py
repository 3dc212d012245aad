"""The whole trip of each check the edge function answers, against LocalStack's SQS and Secrets
Manager: the provider's check is answered and queues nothing; then a signed delivery is queued
byte for byte with its headers, and the verifier accepts it.

LocalStack cannot run Lambda without Docker, so API Gateway's part is played by Apache Velocity
1.7 rendering the route's own template for the request (what API Gateway hands the function),
and the function runs in this process with its environment as the stack sets it
(`pipeline.edge_environment`), its boto3 pointed at LocalStack. The queued message is then
handed to the verifier as the record EventBridge Pipes would pass it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from constructs_lib.openapi import build_openapi
from constructs_lib.pipeline import edge_environment, verifier_environment
from support.http import post
from support.edge_requests import SAMPLES, DISCORD_KEY, SOURCES, discord_headers, event_of, node_hmac, slack_headers, zoom_headers
from support.localstack import REGION, SHORT_POLL, LocalStack, local_route
from support.pipes import pipes_record
from verifier.verifier_modules import edge, handler, use_aws




@pytest.fixture(scope="module")
def queues(localstack: LocalStack) -> Iterator[dict[str, tuple[str, str]]]:
    sqs = localstack.client("sqs")
    tag = uuid.uuid4().hex[:6]
    made = {}
    for kind in SOURCES:
        url = sqs.create_queue(QueueName=f"edge-{tag}-{kind}")["QueueUrl"]
        made[kind] = (url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    yield made
    for url, _ in made.values():
        sqs.delete_queue(QueueUrl=url)


class Trip:
    def __init__(self, kind: str, aws: LocalStack, queue: tuple[str, str], monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
        self.kind, self.aws, (self.url, self.arn) = kind, aws, queue
        self.secret_arn = None
        if secret is not None:
            name = f"edge-{kind}-{uuid.uuid4().hex[:6]}"
            self.secret_arn = aws.client("secretsmanager").create_secret(Name=name, SecretString=secret)["ARN"]
        use_aws(monkeypatch, aws.aws_environment(), edge_environment(SOURCES[kind], self.secret_arn, self.url))
        monkeypatch.setattr(edge, "_sqs", None)

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = edge.handler(event)
        return answer

    def queued(self) -> list[dict[str, Any]]:
        sqs = self.aws.client("sqs")
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=SHORT_POLL, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def verdict(self, message: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
        use_aws(monkeypatch, self.aws.aws_environment(), verifier_environment(SOURCES[self.kind], self.secret_arn))
        result: dict[str, Any] = handler.handler(pipes_record(message, queue_arn=self.arn, region=REGION))
        return result


def delivered(trip: Trip, body: str, headers: dict[str, str], answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["status"] in (200, 204), answer
    (message,) = trip.queued()
    if answer["status"] == 200:
        assert message["MessageId"] == answer["body"]["id"]
    else:
        assert answer["body"] is None  # Discord: 204 without a body
    assert message["Body"].encode() == body.encode()
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    for name, value in headers.items():
        if name != "Content-Type":
            assert attributes[name] == value
    return message


SIGNED_CHECKS = {
    # kind: (the check's sample, its signer, the documented answer for a secret, a delivery's sample)
    "slack": (
        "slack-url_verification.json",
        slack_headers,
        lambda secret: {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
        "slack-event_callback.json",
    ),
    "zoom": (
        "zoom-endpoint.url_validation.json",
        zoom_headers,
        lambda secret: {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": node_hmac(secret, "qgg8vlvZRS6UYooatFL8Aw", "hex")},
        "zoom-meeting.started.json",
    ),
}


@pytest.mark.parametrize("kind", sorted(SIGNED_CHECKS))
def test_a_signed_check_is_answered_then_a_signed_event_is_queued_and_verified(
    kind: str, localstack: LocalStack, queues: dict[str, tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample, sign, expected, event = SIGNED_CHECKS[kind]
    secret = secrets.token_urlsafe(16)
    trip = Trip(kind, localstack, queues[kind], monkeypatch, secret)
    check = (SAMPLES / sample).read_text()
    at = int(time.time())
    assert trip.call(event_of(kind, check, sign(check, secret, at), at=at)) == {"status": 200, "body": expected(secret)}
    assert trip.queued() == []
    body = (SAMPLES / event).read_text()
    headers = sign(body, secret, at)
    message = delivered(trip, body, headers, trip.call(event_of(kind, body, headers, at=at)))
    assert trip.verdict(message, monkeypatch)["valid"] is True


def test_discord_ping_then_a_signed_event_and_a_forged_one_refused(
    localstack: LocalStack, queues: dict[str, tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    trip = Trip("discord", localstack, queues["discord"], monkeypatch, None)
    at = int(time.time())
    ping = json.dumps({"version": 1, "application_id": "1", "type": 0})
    assert trip.call(event_of("discord", ping, discord_headers(ping, DISCORD_KEY, at), at=at)) == {"status": 204, "body": None}
    body = json.dumps({"version": 1, "application_id": "1", "type": 1, "event": {"type": "APPLICATION_AUTHORIZED", "timestamp": "2026-11-30T00:00:00Z", "data": {}}})
    headers = discord_headers(body, DISCORD_KEY, at)
    message = delivered(trip, body, headers, trip.call(event_of("discord", body, headers, at=at)))
    assert trip.verdict(message, monkeypatch)["valid"] is True
    forged = discord_headers(body, ed25519.Ed25519PrivateKey.generate(), at)
    assert trip.call(event_of("discord", body, forged, at=at))["status"] == 401
    assert trip.queued() == []


def test_x_crc_from_the_stored_consumer_secret_then_a_signed_delivery_on_the_direct_route(
    localstack: LocalStack, queues: dict[str, tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = secrets.token_urlsafe(32)
    trip = Trip("x", localstack, queues["x"], monkeypatch, secret)
    token = str(uuid.uuid4())
    answer = trip.call(event_of("x", "", {}, query={"crc_token": token}))
    assert answer == {"status": 200, "body": {"response_token": "sha256=" + node_hmac(secret, token, "base64")}}
    assert trip.queued() == []
    # Deliveries take the route's direct API -> SQS integration, here on LocalStack's API Gateway.
    gateway = localstack.client("apigateway")
    document = build_openapi("x", [local_route(localstack, SOURCES["x"], trip.url)])
    api = gateway.import_rest_api(body=json.dumps(document).encode())["id"]
    try:
        gateway.create_deployment(restApiId=api, stageName="v1")
        body = (SAMPLES / "x-user_event-revoke.json").read_text()
        signature = "sha256=" + base64.b64encode(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()).decode()
        status, reply = post(localstack.execute_api_url(api, "v1", SOURCES["x"].route), body.encode(), {"x-twitter-webhooks-signature": signature})
        message = delivered(trip, body, {"x-twitter-webhooks-signature": signature}, {"status": status, "body": json.loads(reply)})
        assert trip.verdict(message, monkeypatch)["valid"] is True
    finally:
        gateway.delete_rest_api(restApiId=api)
