"""Requests to the edge function as API Gateway hands them over: the route's own template,
rendered by Apache Velocity 1.7 for a request signed as each provider signs it. Shared by
tests/verifier/test_edge_handler.py and tests/engines/test_edge_e2e.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from constructs_lib import HmacSignature, Processing, ProcessFunction, WebhookSource
from constructs_lib.api import route_of
from constructs_lib.openapi import build_openapi, lambda_integration_uri, sqs_integration_uri
from examples.models import SlackEnvelope
from support import velocity

SAMPLES = Path(__file__).resolve().parents[1] / "events" / "providers"
PROCESS = ProcessFunction(function_arn="arn:aws:lambda:us-east-1:000000000000:function:process")
DISCORD_KEY = ed25519.Ed25519PrivateKey.generate()
DISCORD_PUBLIC = DISCORD_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

SOURCES = {
    "slack": WebhookSource(name="events", model=SlackEnvelope, handshake="slack", processing=Processing(scheme="slack", process=PROCESS)),
    "zoom": WebhookSource(name="zoom", content_types=("application/json",), handshake="zoom", processing=Processing(scheme="zoom", process=PROCESS)),
    "discord": WebhookSource(
        name="discord",
        content_types=("application/json",),
        handshake="discord",
        processing=Processing(scheme="discord", public_key=DISCORD_PUBLIC, process=PROCESS),
    ),
    "x": WebhookSource(
        name="x",
        content_types=("application/json",),
        handshake="x",
        processing=Processing(
            scheme="hmac",
            signature=HmacSignature(signature_header="x-twitter-webhooks-signature", signature_prefix="sha256=", encoding="base64"),
            process=PROCESS,
        ),
    ),
}


def operation(kind: str, method: str) -> dict[str, Any]:
    source = SOURCES[kind]
    route = route_of(
        source,
        integration_uri=sqs_integration_uri("aws", "us-east-1", "123456789012", "q"),
        credentials_arn="arn:aws:iam::123456789012:role/api",
        edge_uri=lambda_integration_uri("aws", "us-east-1", "123456789012", "edge"),
    )
    result: dict[str, Any] = build_openapi("edge", [route])["paths"][source.route][method]
    return result


def event_of(kind: str, body: str, headers: dict[str, str], *, at: float | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    """What API Gateway hands the edge function for this request: the route's template rendered."""
    method = "get" if query is not None else "post"
    integration = operation(kind, method)["x-amazon-apigateway-integration"]
    assert ":lambda:path/" in integration["uri"]
    template = integration["requestTemplates"]["application/json"]
    context = {"requestTimeEpoch": int((at or time.time()) * 1000), "httpMethod": method.upper(), "path": "/prod" + SOURCES[kind].route}
    rendered = velocity.render(template, body=body, headers=headers, query=query or {}, context=context, strict=False)
    event: dict[str, Any] = json.loads(rendered)
    return event


def node_hmac(secret: str, message: str, digest: str) -> str:
    """Node's crypto, as the providers' official samples call it."""
    script = "const c=require('crypto');process.stdout.write(c.createHmac('sha256',process.argv[1]).update(process.argv[2]).digest(process.argv[3]))"
    # `--` ends Node's own options: a generated secret may start with "-" (as "-tEQU..." did).
    return subprocess.run(["node", "-e", script, "--", secret, message, digest], check=True, capture_output=True, text=True).stdout


def slack_headers(body: str, secret: str, at: int) -> dict[str, str]:
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{at}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(at), "X-Slack-Signature": signature}


def zoom_headers(body: str, secret: str, at: int) -> dict[str, str]:
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{at}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "x-zm-request-timestamp": str(at), "x-zm-signature": signature}


def discord_headers(body: str, key: ed25519.Ed25519PrivateKey, at: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Signature-Ed25519": key.sign(f"{at}{body}".encode()).hex(),
        "X-Signature-Timestamp": str(at),
    }
