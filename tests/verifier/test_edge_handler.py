"""The edge function (lambda_src/verifier/edge.py) on the events API Gateway would hand it: each
request is rendered by Apache Velocity 1.7 from the route's own template (as the library builds
the route for the source), then parsed as the Lambda integration parses it.

Oracles, never the function checking itself:
- Zoom: its documented recipe ("HMAC SHA-256 ... secret token as the secret, plainToken as the
  string to hash ... hex") run by Node's crypto exactly as zoom/webhook-sample's index.js does,
  and Elastic's published pair (secret `secretValueTest`, plainToken `qgg8vlvZRS6UYooatFL8Aw`
  -> 70c1f2e2..., elastic/beats x-pack/filebeat/input/http_endpoint/handler_test.go).
- X: Node's crypto exactly as xdevplatform/account-activity-dashboard's helpers/security.js
  (`createHmac('sha256', consumer_secret).update(crc_token).digest('base64')`).
- Discord: PINGs signed with Ed25519 by OpenSSL (the `cryptography` package).
- Slack: requests signed by the documented recipe (`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from constructs_lib.pipeline import edge_environment
from support.edge_requests import (
    DISCORD_KEY,
    DISCORD_PUBLIC,
    SAMPLES,
    SOURCES,
    discord_headers,
    event_of,
    node_hmac,
    operation,
    slack_headers,
    zoom_headers,
)
from verifier.verifier_modules import edge, handler

class Queue:
    """Stands in for SQS only: what the function asked it to send (the real send is on LocalStack)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, dict[str, str]], dict[str, object]]] = []

    def __call__(self, body: str, attributes: dict[str, dict[str, str]], others: dict[str, object]) -> str:
        self.sent.append((body, attributes, others))
        return f"message-{len(self.sent)}"


def run(kind: str, event: dict[str, Any], secret: str | tuple[str, ...] | None = None) -> tuple[dict[str, Any], Queue]:
    source = SOURCES[kind]
    env = edge_environment(source, "arn:aws:secretsmanager:us-east-1:123456789012:secret:s", "https://sqs/q")
    config = handler.Config.from_env(env)
    values = (secret,) if isinstance(secret, str) else secret
    cache = handler.SecretCache(lambda: json.dumps(list(values)) if values else DISCORD_PUBLIC)
    if config.public_key is not None:
        cache = handler.SecretCache(lambda: DISCORD_PUBLIC)
    queue = Queue()
    return edge.handle(event, env["WEBHOOK_HANDSHAKE"], config, cache, queue), queue


# --- Slack ------------------------------------------------------------------------------------


def test_slack_url_verification_is_answered_with_its_challenge_and_not_queued() -> None:
    body = (SAMPLES / "slack-url_verification.json").read_text()
    secret, at = secrets.token_hex(16), int(time.time())
    answer, queue = run("slack", event_of("slack", body, slack_headers(body, secret, at), at=at), secret)
    assert answer == {"status": 200, "body": {"challenge": json.loads(body)["challenge"]}}
    assert queue.sent == []


@pytest.mark.parametrize("fault, reason", [("secret", "bad_signature"), ("old", "timestamp_expired"), ("body", "bad_signature")])
def test_slack_url_verification_that_does_not_verify_gets_401(fault: str, reason: str) -> None:
    body = (SAMPLES / "slack-url_verification.json").read_text()
    secret, at = secrets.token_hex(16), int(time.time())
    headers = slack_headers(body, secret + ("x" if fault == "secret" else ""), at - (3600 if fault == "old" else 0))
    sent = body.replace("3eZb", "3eZc") if fault == "body" else body
    answer, queue = run("slack", event_of("slack", sent, headers, at=at), secret)
    assert answer["status"] == 401 and answer["body"]["reason"] == reason
    assert queue.sent == []


def test_slack_events_pass_through_to_the_queue_as_the_route_would_send_them() -> None:
    body = (SAMPLES / "slack-event_callback.json").read_text()
    secret, at = secrets.token_hex(16), int(time.time())
    headers = slack_headers(body, secret, at)
    answer, queue = run("slack", event_of("slack", body, headers, at=at), secret)
    assert answer == {"status": 200, "body": {"id": "message-1"}}
    ((queued, attributes, others),) = queue.sent
    assert queued == body and others == {}
    assert {name: value["StringValue"] for name, value in attributes.items()} == {
        "X-Slack-Signature": headers["X-Slack-Signature"],
        "X-Slack-Request-Timestamp": str(at),
        "webhook.received_at": str(at * 1000),
    }
    assert attributes["webhook.received_at"]["DataType"] == "Number"
    # Verified after the queue, as every delivery: a forged event is queued, then rejected there.
    forged, queue = run("slack", event_of("slack", body, slack_headers(body, "wrong", at), at=at), secret)
    assert forged["status"] == 200 and len(queue.sent) == 1


def test_an_empty_body_is_refused_and_a_body_sqs_refuses_gets_413() -> None:
    answer, queue = run("slack", event_of("slack", "", {"Content-Type": "application/json"}), "s")
    assert answer == {"status": 400, "body": {"message": "Invalid request body", "errors": "the body is empty"}}

    def refuse(*_: object) -> str:
        raise edge.BodyRefused()

    body = (SAMPLES / "slack-event_callback.json").read_text()
    source = SOURCES["slack"]
    env = edge_environment(source, "arn:aws:secretsmanager:us-east-1:1:secret:s", "https://sqs/q")
    refused = edge.handle(event_of("slack", body, {"Content-Type": "application/json"}), "slack", handler.Config.from_env(env), handler.SecretCache(lambda: "s"), refuse)
    assert refused["status"] == 413 and "Sending it again will not help" in refused["body"]["message"]


# --- Zoom -------------------------------------------------------------------------------------


def test_zoom_url_validation_matches_elastics_published_pair() -> None:
    body = (SAMPLES / "zoom-endpoint.url_validation.json").read_text()
    assert json.loads(body)["payload"]["plainToken"] == "qgg8vlvZRS6UYooatFL8Aw"
    at = int(time.time())
    answer, queue = run("zoom", event_of("zoom", body, zoom_headers(body, "secretValueTest", at), at=at), "secretValueTest")
    assert answer == {
        "status": 200,
        "body": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": "70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff"},
    }
    assert queue.sent == []


@pytest.mark.parametrize("rotation", [False, True])
def test_zoom_url_validation_is_answered_as_zooms_sample_computes_it(rotation: bool) -> None:
    token = secrets.token_urlsafe(16)
    body = json.dumps({"payload": {"plainToken": token}, "event_ts": int(time.time() * 1000), "event": "endpoint.url_validation"})
    current, old = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    at = int(time.time())
    stored = (old, current) if rotation else current
    answer, _ = run("zoom", event_of("zoom", body, zoom_headers(body, current, at), at=at), stored)
    assert answer["body"] == {"plainToken": token, "encryptedToken": node_hmac(current, token, "hex")}


def test_zoom_url_validation_with_a_bad_signature_gets_401_and_events_are_queued() -> None:
    body = (SAMPLES / "zoom-endpoint.url_validation.json").read_text()
    at = int(time.time())
    answer, queue = run("zoom", event_of("zoom", body, zoom_headers(body, "other", at), at=at), "secretValueTest")
    assert answer["status"] == 401 and queue.sent == []
    event = (SAMPLES / "zoom-meeting.started.json").read_text()
    answer, queue = run("zoom", event_of("zoom", event, zoom_headers(event, "secretValueTest", at), at=at), "secretValueTest")
    assert answer["status"] == 200 and queue.sent[0][0] == event


# --- Discord ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ping, expected", [({"type": 1, "id": "1", "application_id": "2", "token": "t", "version": 1}, {"status": 200, "body": {"type": 1}}), ({"version": 1, "application_id": "2", "type": 0}, {"status": 204, "body": None})])
def test_discord_pings_are_answered_only_when_signed(ping: dict[str, Any], expected: dict[str, Any]) -> None:
    body, at = json.dumps(ping), int(time.time())
    answer, queue = run("discord", event_of("discord", body, discord_headers(body, DISCORD_KEY, at), at=at))
    assert answer == expected and queue.sent == []
    forged, queue = run("discord", event_of("discord", body, discord_headers(body, ed25519.Ed25519PrivateKey.generate(), at), at=at))
    assert forged["status"] == 401 and queue.sent == []


def test_discord_requests_are_queued_only_when_signed() -> None:
    body, at = json.dumps({"version": 1, "application_id": "2", "type": 1, "event": {"type": "APPLICATION_AUTHORIZED", "data": {}}}), int(time.time())
    answer, queue = run("discord", event_of("discord", body, discord_headers(body, DISCORD_KEY, at), at=at))
    assert answer == {"status": 204, "body": None} and queue.sent[0][0] == body
    forged, queue = run("discord", event_of("discord", body, discord_headers(body + " ", DISCORD_KEY, at), at=at))
    assert forged["status"] == 401 and queue.sent == []


# --- X ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["9b4507b3-9040-4669-9ca3-6b94edb50553", "a+b/c=d e&f%20?", "é😀"])
def test_x_crc_is_answered_as_xs_sample_computes_it(token: str) -> None:
    secret = secrets.token_urlsafe(32)
    answer, queue = run("x", event_of("x", "", {}, query={"crc_token": token}), secret)
    assert answer == {"status": 200, "body": {"response_token": "sha256=" + node_hmac(secret, token, "base64")}}
    assert queue.sent == []


def test_x_crc_without_a_token_gets_400_and_x_deliveries_stay_on_the_direct_route() -> None:
    answer, _ = run("x", event_of("x", "", {}, query={}), "s")
    assert answer["status"] == 400
    post = operation("x", "post")["x-amazon-apigateway-integration"]
    assert ":sqs:path/" in post["uri"]
