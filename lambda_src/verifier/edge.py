"""The `Edge` function: answers endpoint checks that API Gateway cannot answer alone, on routes
where the check and the deliveries share one URL. Standard library, plus boto3 (in the Lambda
runtime) on first use of SQS or Secrets Manager.

Which providers, and what each requires (sources in the README's "Handshakes" table):
- slack: the Events API's `url_verification` POST, `{"type": "url_verification", "challenge"}`,
  signed like any delivery; answered `{"challenge": ...}` (JSON, one of the three forms Slack
  accepts).
- zoom: `endpoint.url_validation`, `{"event": ..., "payload": {"plainToken"}}`, signed; answered
  `{"plainToken", "encryptedToken"}`, the hex HMAC-SHA256 of plainToken keyed by the webhook
  secret token, within 3 seconds, and again every 72 hours.
- discord: a PING, signed with Ed25519 (interactions: `{"type": 1}`, answered `{"type": 1}`;
  webhook events: `{"type": 0}`, answered 204). Discord also sends requests with bad signatures
  and drops an endpoint that does not refuse them with 401: so every Discord request is
  verified here, and only genuine ones are queued, each answered 204 without a body as Discord's
  webhook events require. (Interactions other than PING want a response the queue cannot give:
  receive Discord's webhook events, not interactions.)
- x: the CRC, `GET ?crc_token=...`, answered `{"response_token": "sha256=<base64 HMAC-SHA256 of
  the token keyed by the consumer secret>"}`. A GET, so it has a method of its own and
  deliveries never pass this function.

Input, from the route's request template (see constructs_lib/vtl.py, edge_request_template):
`{"form": "<SendMessage parameters, form-encoded>"}` for a POST: exactly what the route would
send to SQS without this function, so a delivery is queued byte for byte with the same
attributes, group and deduplication ids; or `{"crc_token": "<URL-encoded>"}` for X's GET.
Output: `{"status": <HTTP status>, "body": <JSON value, or null for none>}`, which the
integration response writes as the answer. A fault a retry can cure (SQS or Secrets Manager
unreachable) raises: API Gateway answers 500 and the provider sends again.

Environment: the verifier's (see handler.py), plus
    WEBHOOK_HANDSHAKE   required; slack, zoom, discord or x.
    WEBHOOK_QUEUE_URL   required for POST routes: the source's queue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import urllib.parse
from collections.abc import Callable

import handler as verifier
import signatures

HANDSHAKES = ("slack", "zoom", "discord", "x")
# The answers the route gives when SQS refuses the body (as vtl.client_error_response_template).
REFUSED_BODY_ERRORS = ("InvalidParameterValue", "InvalidMessageContents")

_sqs = None


def answer(status: int, body: object = None) -> dict[str, object]:
    return {"status": status, "body": body}


def form_message(form: str) -> tuple[str | None, dict[str, object], dict[str, dict[str, str]]]:
    """The SendMessage parameters as (body, the other parameters for boto3, the attributes):
    None as body when the template asked for no message (an empty body)."""
    values = dict(urllib.parse.parse_qsl(form, keep_blank_values=True))
    if values.get("Action") != "SendMessage":
        return None, {}, {}
    attributes: dict[str, dict[str, str]] = {}
    index = 1
    while f"MessageAttribute.{index}.Name" in values:
        prefix = f"MessageAttribute.{index}."
        attributes[values[prefix + "Name"]] = {
            "DataType": values[prefix + "Value.DataType"],
            "StringValue": values[prefix + "Value.StringValue"],
        }
        index += 1
    others: dict[str, object] = {}
    for name in ("MessageGroupId", "MessageDeduplicationId"):
        if name in values:
            others[name] = values[name]
    return values.get("MessageBody", ""), others, attributes


def record_of(body: str, attributes: dict[str, dict[str, str]], request_id: str) -> verifier.Record:
    """The record the verifier would receive for this message once queued (Pipes' shape)."""
    return verifier.parse_record(
        {
            "messageId": request_id,
            "body": body,
            "messageAttributes": {
                name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                for name, value in attributes.items()
            },
        }
    )


def check_of(kind: str, body: str) -> dict[str, object] | None:
    """The parsed body when it is `kind`'s endpoint check, else None."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    if kind == "slack" and document.get("type") == "url_verification" and isinstance(document.get("challenge"), str):
        return document
    if kind == "zoom" and document.get("event") == "endpoint.url_validation":
        payload = document.get("payload")
        if isinstance(payload, dict) and isinstance(payload.get("plainToken"), str):
            return document
    if kind == "discord" and document.get("type") in (0, 1) and "data" not in document and "event" not in document:
        return document
    return None


def hmac_sha256(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()


def check_answer(kind: str, check: dict[str, object], secret: str | None) -> dict[str, object]:
    """What the provider's documentation requires back for a genuine check."""
    if kind == "slack":
        return answer(200, {"challenge": check["challenge"]})
    if kind == "zoom":
        token = check["payload"]["plainToken"]  # type: ignore[index]
        assert secret is not None
        return answer(200, {"plainToken": token, "encryptedToken": hmac_sha256(secret, token).hex()})
    # discord: an interactions PING is answered PONG, a webhook events PING 204 without a body.
    return answer(200, {"type": 1}) if check["type"] == 1 else answer(204)


def crc_answer(token: str, secret: str) -> dict[str, object]:
    digest = base64.b64encode(hmac_sha256(secret, token)).decode()
    return answer(200, {"response_token": "sha256=" + digest})


def refusal(reason: str) -> dict[str, object]:
    return answer(401, {"message": "The signature does not verify.", "reason": reason})


def handle(
    event: dict[str, object], kind: str, config: verifier.Config, cache: verifier.SecretCache, send: Callable[..., str]
) -> dict[str, object]:
    """The answer to one request; `send(body, attributes, others)` queues a delivery and returns
    its SQS MessageId, or raises."""
    if kind not in HANDSHAKES:
        raise ValueError(f"WEBHOOK_HANDSHAKE={kind!r}: set one of {HANDSHAKES}")
    if "crc_token" in event:
        token = urllib.parse.unquote_plus(str(event["crc_token"]))
        if kind != "x" or not token:
            return answer(400, {"message": "Not an X CRC request: the crc_token parameter is missing."})
        return crc_answer(token, cache.get()[0])
    body, others, attributes = form_message(str(event.get("form", "")))
    if body is None:
        return answer(400, {"message": "Invalid request body", "errors": "the body is empty"})
    check = check_of(kind, body)
    if check is not None or kind == "discord":
        result = verifier.verdict(record_of(body, attributes, str(event.get("requestId") or "edge")), config, cache)
        if not result["valid"]:
            return refusal(str(result["reason"]))
        if check is not None:
            return check_answer(kind, check, None if config.public_key is not None else _signing_secret(config, cache, body, attributes))
    try:
        message_id = send(body, attributes, others)
    except BodyRefused:
        return answer(
            413,
            {
                "message": "The webhook was not queued: the queue refused its body (larger than the queue "
                "accepts, or holding characters SQS does not store). Sending it again will not help.",
            },
        )
    if kind == "discord":
        # Webhook events: "respond with a 204 status code with no body within 3 seconds".
        return answer(204)
    return answer(200, {"id": message_id})


def _signing_secret(config: verifier.Config, cache: verifier.SecretCache, body: str, attributes: dict[str, dict[str, str]]) -> str:
    """The secret the verified check was signed with: during a rotation the provider answers
    with the one it signs with."""
    record = record_of(body, attributes, "edge")
    for secret in cache.get():
        try:
            verifier._verify(config, (secret,), record.headers, body.encode("utf-8", "surrogatepass"), record.arrived_at)
        except signatures.SignatureError:
            continue
        return secret
    raise ValueError("no secret verifies a check that verified")  # the cache changed in between


def _send(body: str, attributes: dict[str, dict[str, str]], others: dict[str, object]) -> str:
    global _sqs
    if _sqs is None:
        import boto3  # here, not at the top: an X CRC never needs it

        _sqs = boto3.client("sqs")
    try:
        response = _sqs.send_message(
            QueueUrl=os.environ["WEBHOOK_QUEUE_URL"], MessageBody=body, MessageAttributes=attributes, **others
        )
    except _sqs.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in REFUSED_BODY_ERRORS:
            raise BodyRefused() from error
        raise
    return str(response["MessageId"])


class BodyRefused(Exception):
    """SQS refused this very body (too large, or characters it does not store)."""


def handler(event: object, context: object = None) -> dict[str, object]:
    if not isinstance(event, dict):
        raise ValueError(f"expected the route's JSON object, got {type(event).__name__}")
    config = verifier.Config.from_env(os.environ)
    return handle(event, os.environ.get("WEBHOOK_HANDSHAKE", ""), config, verifier._cache_for(config), _send)


__all__ = ["BodyRefused", "handler", "handle", "form_message", "check_of", "check_answer", "crc_answer"]
