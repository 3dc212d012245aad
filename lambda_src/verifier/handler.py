"""The `Verify` step: checks one webhook's signature and replay window. Standard library only
(boto3, which the Lambda runtime provides, is imported on first use of Secrets Manager).

Input: one SQS record exactly as EventBridge Pipes delivers it to the state machine,
`{"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
"eventSource", "eventSourceARN", "awsRegion"}`. The body is the provider's raw request body;
`messageAttributes` holds the forwarded request headers under their header names,
`{"X-Hub-Signature-256": {"stringValue": "sha256=...", "dataType": "String", ...}}`.

Output, all five keys always present (the state machine fails the execution if one is
missing):
    {"valid": bool, "reason": str | None, "messageId": str, "deliveryId": str | None,
     "event": <the body parsed as JSON, or null when it is not JSON>}
`reason` is None when valid, else one of signatures.REASONS (missing_header,
malformed_header, malformed_body, bad_signature, timestamp_expired, timestamp_in_future).
A request that fails verification is a normal result, not an error: the state machine
consumes it without retrying. The handler raises only for faults that a retry or a fix can
cure, so the record goes back to the queue (and, in the end, to its DLQ) instead of being
dropped: Secrets Manager unreachable or the secret missing, a misconfigured environment, or a
record that is not SQS-shaped (a wiring fault, e.g. an input template on the pipe; rejecting
it would delete every message while the fault lasts).

Environment:
    WEBHOOK_SCHEME               required; one of signatures.SCHEMES.
    WEBHOOK_SECRET_ARN           required; the Secrets Manager secret holding the secret(s).
    WEBHOOK_TOLERANCE_SECONDS    replay window either side of the signing time; default 300.
    WEBHOOK_DELIVERY_ID_HEADER   header to read the delivery id from, before the scheme's own
                                 (signatures.DELIVERY_ID_HEADERS); default unset.
    WEBHOOK_SECRET_CACHE_SECONDS how long a fetched secret is reused; default 300.

The secret's SecretString is either the secret itself, or a JSON array of secrets
(`["new", "old"]`) while a provider's secret is rotated: a request signed with any of them
passes. Surrounding whitespace is ignored. For `basic` a secret is "user:password"; for
standard-webhooks it is the provider's `whsec_<base64>` value.

A rotated secret takes effect without waiting for the cache to expire: a bad_signature
verdict made with a cached value older than 30 seconds fetches the secret once more and
verifies again (at most once per 30 seconds, so forged requests cannot hammer Secrets
Manager).

The replay window is measured at the moment SQS accepted the message (its SentTimestamp),
not when this function runs: a webhook that waited in a backlog, or is retried after its
processing failed, arrived fresh and must not turn into timestamp_expired. A replayed request
is still caught, since it is enqueued when it is replayed.

Each record logs one JSON line to stdout: messageId, deliveryId, scheme, valid, reason; never
the body or a secret.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping

import signatures

DEFAULT_TOLERANCE_SECONDS = 300
DEFAULT_SECRET_CACHE_SECONDS = 300
# A bad signature refetches a secret only when the cached one is at least this old.
REFRESH_AFTER_SECONDS = 30.0


class MalformedRecord(ValueError):
    """The input is not an SQS record as Pipes delivers it; raised, so the message is kept."""


class Record:
    """The parts of an SQS record that verification uses."""

    __slots__ = ("message_id", "body", "headers", "sent_at")

    def __init__(self, message_id: str, body: str, headers: dict[str, str], sent_at: float | None) -> None:
        self.message_id = message_id
        self.body = body
        self.headers = headers
        # Seconds since the epoch at which SQS accepted the message, if the record says.
        self.sent_at = sent_at


class Config:
    """The function's settings, read from its environment."""

    __slots__ = ("scheme", "secret_arn", "tolerance_s", "delivery_id_header", "secret_cache_s")

    def __init__(
        self,
        scheme: str,
        secret_arn: str,
        tolerance_s: int = DEFAULT_TOLERANCE_SECONDS,
        delivery_id_header: str | None = None,
        secret_cache_s: int = DEFAULT_SECRET_CACHE_SECONDS,
    ) -> None:
        if scheme not in signatures.SCHEMES:
            raise ValueError(f"WEBHOOK_SCHEME={scheme!r} is not a scheme: use one of {', '.join(signatures.SCHEMES)}")
        if not secret_arn:
            raise ValueError("WEBHOOK_SECRET_ARN is unset: set it to the ARN of the secret holding the webhook secret")
        self.scheme = scheme
        self.secret_arn = secret_arn
        self.tolerance_s = tolerance_s
        self.delivery_id_header = delivery_id_header
        self.secret_cache_s = secret_cache_s

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        return cls(
            scheme=env.get("WEBHOOK_SCHEME", "").strip(),
            secret_arn=env.get("WEBHOOK_SECRET_ARN", "").strip(),
            tolerance_s=_seconds(env, "WEBHOOK_TOLERANCE_SECONDS", DEFAULT_TOLERANCE_SECONDS),
            delivery_id_header=env.get("WEBHOOK_DELIVERY_ID_HEADER", "").strip() or None,
            secret_cache_s=_seconds(env, "WEBHOOK_SECRET_CACHE_SECONDS", DEFAULT_SECRET_CACHE_SECONDS),
        )

    def key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{name}={text!r} is not a whole number of seconds")
    return int(text)


def parse_record(event: object) -> Record:
    if not isinstance(event, dict) or not isinstance(event.get("body"), str):
        raise MalformedRecord(
            f"expected one SQS record with a string body, got {type(event).__name__} "
            f"with keys {sorted(event)[:10] if isinstance(event, dict) else []}"
        )
    message_id = event.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedRecord("the SQS record has no messageId")
    attributes = event.get("messageAttributes") or {}
    if not isinstance(attributes, dict):
        raise MalformedRecord("messageAttributes is not an object")
    headers: dict[str, str] = {}
    for name, attribute in attributes.items():
        # Headers are forwarded as String attributes; anything else is not a header of ours.
        if isinstance(attribute, dict) and isinstance(attribute.get("stringValue"), str):
            headers[name] = attribute["stringValue"]
    system = event.get("attributes")
    sent = system.get("SentTimestamp") if isinstance(system, dict) else None
    sent_at = int(sent) / 1000.0 if isinstance(sent, str) and sent.isascii() and sent.isdigit() else None
    return Record(message_id, event["body"], headers, sent_at)


def parse_secret(text: str) -> tuple[str, ...]:
    """A SecretString as secrets: one plain string, or a JSON array of non-empty strings."""
    value = text.strip()
    if value.startswith("["):
        import json

        try:
            items = json.loads(value)
        except ValueError:
            raise ValueError("the webhook secret starts with '[' but is not a JSON array of strings") from None
        if not items or not all(isinstance(item, str) and item.strip() for item in items):
            raise ValueError("the webhook secret's JSON array must hold one or more non-empty strings")
        return tuple(item.strip() for item in items)
    if not value:
        raise ValueError("the webhook secret is empty")
    return (value,)


def parse_event(body: str) -> object:
    """The body as JSON, or None. NaN and Infinity count as not JSON: Step Functions could not
    read the result that carried them."""

    # Imported in the functions that need it, not at the top: json pulls in re and enum, which
    # would double the cold import measured for this module. The Lambda runtime has normally
    # loaded json before it imports the handler, so this costs nothing there.
    import json

    def refuse(constant: str) -> object:
        raise ValueError(constant)

    try:
        return json.loads(body, parse_constant=refuse)
    except (ValueError, RecursionError):
        return None


class SecretCache:
    """The current secrets, fetched at most once per `ttl_s`, and once more after a bad
    signature if the cached value is at least `refresh_after_s` old (a rotation)."""

    def __init__(
        self,
        fetch: Callable[[], str],
        *,
        ttl_s: float = DEFAULT_SECRET_CACHE_SECONDS,
        refresh_after_s: float = REFRESH_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._refresh_after_s = refresh_after_s
        self._clock = clock
        self._secrets: tuple[str, ...] | None = None
        self._fetched_at = 0.0

    def get(self) -> tuple[str, ...]:
        if self._secrets is None or self._clock() - self._fetched_at >= self._ttl_s:
            self._load()
        assert self._secrets is not None
        return self._secrets

    def refresh_if_stale(self) -> bool:
        """Fetch again if the cached value is at least refresh_after_s old; True if that
        changed the secrets (otherwise verifying again would only repeat the verdict)."""
        if self._secrets is not None and self._clock() - self._fetched_at < self._refresh_after_s:
            return False
        before = self._secrets
        self._load()
        return self._secrets != before

    def _load(self) -> None:
        secrets = parse_secret(self._fetch())
        self._secrets = secrets
        self._fetched_at = self._clock()


def verdict(record: Record, config: Config, cache: SecretCache, now: float | None = None) -> dict[str, object]:
    """The verdict on one record, in the documented result shape."""
    moment = record.sent_at if now is None else now
    body = record.body.encode("utf-8", "surrogatepass")
    reason: str | None = None
    try:
        _verify(config, cache.get(), record.headers, body, moment)
    except signatures.SignatureError as error:
        reason = error.reason
        if reason == "bad_signature" and cache.refresh_if_stale():
            try:
                _verify(config, cache.get(), record.headers, body, moment)
                reason = None
            except signatures.SignatureError as again:
                reason = again.reason
    event = parse_event(record.body)
    return {
        "valid": reason is None,
        "reason": reason,
        "messageId": record.message_id,
        "deliveryId": signatures.delivery_id(
            config.scheme, record.headers, event, header=config.delivery_id_header
        ),
        "event": event,
    }


def _verify(
    config: Config, secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float | None
) -> None:
    signatures.verify(config.scheme, secrets, headers, body, now=now, tolerance_s=config.tolerance_s)


# --- AWS shell ------------------------------------------------------------------------------

_client = None
_state: tuple[tuple[object, ...], SecretCache] | None = None


def _fetch_secret_string(arn: str) -> str:
    global _client
    if _client is None:
        import boto3  # here, not at the top: importing it costs more than the whole check

        _client = boto3.client("secretsmanager")
    response = _client.get_secret_value(SecretId=arn)
    if "SecretString" not in response:
        raise ValueError(f"secret {arn} holds binary data: store the webhook secret as a string")
    return response["SecretString"]


def _cache_for(config: Config) -> SecretCache:
    """One cache per configuration, kept across invocations of a warm function."""
    global _state
    if _state is None or _state[0] != config.key():
        arn = config.secret_arn
        _state = (config.key(), SecretCache(lambda: _fetch_secret_string(arn), ttl_s=config.secret_cache_s))
    return _state[1]


def handler(event: object, context: object = None) -> dict[str, object]:
    config = Config.from_env(os.environ)
    record = parse_record(event)
    result = verdict(record, config, _cache_for(config))
    log = {
        "messageId": result["messageId"],
        "deliveryId": result["deliveryId"],
        "scheme": config.scheme,
        "valid": result["valid"],
        "reason": result["reason"],
    }
    import json

    # stdout, not logging: one bare JSON line that Logs Insights parses, no logging import.
    sys.stdout.write(json.dumps(log) + "\n")
    return result
