"""Endpoint checks answered by API Gateway (`WebhookSource.handshake`), on LocalStack: each
provider's documented check request gets exactly the documented answer and queues nothing; then
a signed delivery on the same route is queued byte for byte with its headers and verified.

The routes are what the library builds for each source (`api.route_of`, imported with boto3
beside queues of their own). LocalStack cannot run Lambda without Docker, so the verification
step hands the verifier, in this process, exactly the record EventBridge Pipes would pass it
(support/pipes.py), built from the message read back from the real queue, with its secret in
LocalStack's Secrets Manager.

The check requests are those of the providers' documentation (see constructs_lib/handshakes.py):
Meta's `GET ?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock`,
Dropbox's `GET ?challenge=abc123`, Microsoft Graph's `POST ?validationToken=...` with
`Content-Type: text/plain; charset=utf-8`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from constructs_lib import HmacSignature, Processing, ProcessFunction, WebhookSource
from constructs_lib.openapi import build_openapi
from constructs_lib.pipeline import verifier_environment
from support.localstack import REGION, SHORT_POLL, LocalStack, local_route
from support.pipes import pipes_record
from verifier.verifier_modules import handler, use_aws

EVENTS = Path(__file__).resolve().parents[1] / "events" / "providers"
PROCESS = ProcessFunction(function_arn="arn:aws:lambda:us-east-1:000000000000:function:process")
META_TOKEN = "meatyhamhock"  # the verify token of Meta's documented example


def hub_signature(header: str) -> HmacSignature:
    """`sha256=` and the hex HMAC-SHA256 of the raw body with the app secret: Meta's
    X-Hub-Signature-256 and Dropbox's X-Dropbox-Signature (no prefix)."""
    return HmacSignature(signature_header=header, signature_prefix="sha256=" if "Hub" in header else "")


SOURCES = {
    "meta": WebhookSource(
        name="meta",
        content_types=("application/json",),
        handshake="meta",
        verify_token=META_TOKEN,
        processing=Processing(scheme="hmac", signature=hub_signature("X-Hub-Signature-256"), process=PROCESS),
    ),
    "dropbox": WebhookSource(
        name="dropbox",
        content_types=("application/json",),
        handshake="dropbox",
        processing=Processing(scheme="hmac", signature=hub_signature("X-Dropbox-Signature"), process=PROCESS),
    ),
    # Graph signs nothing: a notification carries the subscription's clientState instead.
    "graph": WebhookSource(name="graph", content_types=("application/json",), handshake="graph"),
}


@dataclass(frozen=True)
class Route:
    source: WebhookSource
    endpoint: str
    queue_url: str
    queue_arn: str


@dataclass(frozen=True)
class Api:
    routes: dict[str, Route]
    aws: LocalStack
    sqs: Any

    def queued(self, name: str) -> list[dict[str, Any]]:
        route = self.routes[name]
        messages = self.sqs.receive_message(
            QueueUrl=route.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=SHORT_POLL, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return messages


@pytest.fixture(scope="module")
def api(localstack: LocalStack) -> Iterator[Api]:
    sqs, gateway = localstack.client("sqs"), localstack.client("apigateway")
    tag = uuid.uuid4().hex[:6]
    queues = {name: sqs.create_queue(QueueName=f"check-{tag}-{name}")["QueueUrl"] for name in SOURCES}
    document = build_openapi("checks", [local_route(localstack, SOURCES[name], url) for name, url in queues.items()])
    api_id = gateway.import_rest_api(body=json.dumps(document).encode())["id"]
    try:
        gateway.create_deployment(restApiId=api_id, stageName="v1")
        routes = {
            name: Route(
                source,
                localstack.execute_api_url(api_id, "v1", source.route),
                queues[name],
                sqs.get_queue_attributes(QueueUrl=queues[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"],
            )
            for name, source in SOURCES.items()
        }
        yield Api(routes, localstack, sqs)
    finally:
        gateway.delete_rest_api(restApiId=api_id)
        for url in queues.values():
            sqs.delete_queue(QueueUrl=url)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def call(url: str, method: str, query: str = "", body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.putrequest(method, parts.path + query, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if method == "POST":
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    connection.send(body)
    response = connection.getresponse()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


def plain_text(answer: Answer) -> bool:
    return answer.headers.get("content-type") == "text/plain" and answer.headers.get("x-content-type-options") == "nosniff"


def verify(api: Api, name: str, message: dict[str, Any], secret: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The verifier's verdict on the queued message, with the source's configuration and its
    secret stored in LocalStack's Secrets Manager."""
    secrets = api.aws.client("secretsmanager")
    arn = secrets.create_secret(Name=f"check-{name}-{uuid.uuid4().hex[:6]}", SecretString=secret)["ARN"]
    route = api.routes[name]
    use_aws(monkeypatch, api.aws.aws_environment(), verifier_environment(route.source, arn))
    return handler.handler(pipes_record(message, queue_arn=route.queue_arn, region=REGION))


def signed_delivery(api: Api, name: str, body: bytes, header: str, signature: str) -> dict[str, Any]:
    answer = call(api.routes[name].endpoint, "POST", body=body, headers=(("Content-Type", "application/json"), (header, signature)))
    assert answer.status == 200, answer
    (message,) = api.queued(name)
    assert message["MessageId"] == json.loads(answer.body)["id"]
    assert message["Body"].encode() == body
    assert message["MessageAttributes"][header]["StringValue"] == signature
    return message


# --- Meta -------------------------------------------------------------------------------------


def test_meta_documented_check_gets_the_challenge_and_queues_nothing(api: Api) -> None:
    answer = call(api.routes["meta"].endpoint, "GET", f"?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={META_TOKEN}")
    assert (answer.status, answer.body) == (200, b"1158201444")
    assert plain_text(answer)
    assert api.queued("meta") == []


@pytest.mark.parametrize(
    "query",
    [
        "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhocks",
        "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=MEATYHAMHOCK",
        "?hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock",
        "?hub.mode=subscribe&hub.challenge=1158201444",
        "?hub.mode=subscribe&hub.verify_token=meatyhamhock",
        "",
    ],
    ids=["longer-token", "token-case", "mode", "no-token", "no-challenge", "nothing"],
)
def test_meta_check_with_a_wrong_token_or_mode_is_refused_with_403(api: Api, query: str) -> None:
    answer = call(api.routes["meta"].endpoint, "GET", query)
    assert answer.status == 403
    assert b"1158201444" not in answer.body
    assert "not a meta endpoint check" in json.loads(answer.body)["message"].lower()


def test_meta_signed_delivery_is_queued_with_its_signature_and_verified(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (EVENTS / "meta-whatsapp-text-message.json").read_bytes()
    secret = "meta-app-secret-" + uuid.uuid4().hex
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    message = signed_delivery(api, "meta", body, "X-Hub-Signature-256", signature)
    assert verify(api, "meta", message, secret, monkeypatch)["valid"] is True
    tampered = {**message, "Body": message["Body"] + " "}
    assert verify(api, "meta", tampered, secret, monkeypatch)["reason"] == "bad_signature"


# --- Dropbox ----------------------------------------------------------------------------------


def test_dropbox_documented_check_gets_the_challenge_as_plain_text(api: Api) -> None:
    answer = call(api.routes["dropbox"].endpoint, "GET", "?challenge=abc123")
    assert (answer.status, answer.body) == (200, b"abc123")
    assert plain_text(answer)
    assert api.queued("dropbox") == []


@settings(max_examples=12, deadline=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
@given(challenge=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=64).filter(str.strip))
def test_dropbox_any_challenge_comes_back_exactly(api: Api, challenge: str) -> None:
    answer = call(api.routes["dropbox"].endpoint, "GET", "?" + urllib.parse.urlencode({"challenge": challenge}))
    assert (answer.status, answer.body.decode()) == (200, challenge)


def test_dropbox_check_without_a_challenge_is_refused_with_400(api: Api) -> None:
    assert call(api.routes["dropbox"].endpoint, "GET").status == 400


def test_dropbox_signed_delivery_is_queued_and_verified(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (EVENTS / "dropbox-notification.json").read_bytes()
    secret = "dropbox-app-secret-" + uuid.uuid4().hex
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    message = signed_delivery(api, "dropbox", body, "X-Dropbox-Signature", signature)
    assert verify(api, "dropbox", message, secret, monkeypatch)["valid"] is True
    assert verify(api, "dropbox", message, secret + "x", monkeypatch)["reason"] == "bad_signature"


# --- Microsoft Graph --------------------------------------------------------------------------

GRAPH_CHECK_HEADERS = (("Content-Type", "text/plain; charset=utf-8"),)


@settings(max_examples=12, deadline=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
@given(token=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(str.strip))
def test_graph_validation_gets_the_decoded_token_as_plain_text_and_queues_nothing(api: Api, token: str) -> None:
    """"A body that includes the URL decoded plain text validation token", text/plain, 200."""
    query = "?" + urllib.parse.urlencode({"validationToken": token})
    answer = call(api.routes["graph"].endpoint, "POST", query, headers=GRAPH_CHECK_HEADERS)
    assert (answer.status, answer.body.decode()) == (200, token)
    assert plain_text(answer)
    assert api.queued("graph") == []


def test_graph_notification_is_queued_byte_for_byte(api: Api) -> None:
    body = (EVENTS / "graph-notification.json").read_bytes()
    answer = call(api.routes["graph"].endpoint, "POST", body=body, headers=(("Content-Type", "application/json"),))
    assert answer.status == 200, answer
    (message,) = api.queued("graph")
    assert message["Body"].encode() == body and message["MessageId"] == json.loads(answer.body)["id"]


def test_graph_route_refuses_other_text_bodies_with_415(api: Api) -> None:
    answer = call(api.routes["graph"].endpoint, "POST", body=b"not a notification", headers=GRAPH_CHECK_HEADERS)
    assert answer.status == 415, answer
    assert api.queued("graph") == []
