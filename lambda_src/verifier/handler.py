"""The `Verify` step: checks one webhook's signature and replay window. Standard library only
(boto3, which the Lambda runtime provides, is imported on first use of Secrets Manager).

Input: one SQS record exactly as EventBridge Pipes delivers it to the state machine,
`{"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
"eventSource", "eventSourceARN", "awsRegion"}`. The body is the provider's raw request body;
`messageAttributes` holds the forwarded request headers under their header names,
`{"X-Hub-Signature-256": {"stringValue": "sha256=...", "dataType": "String", ...}}`, and
`webhook.received_at` (Number: when API Gateway received the request, epoch milliseconds).

Output, all seven keys always present (the state machine fails the execution if one is
missing):
    {"valid": bool, "reason": str | None, "messageId": str, "deliveryId": str | None,
     "event": <the body parsed as JSON> | None, "body": str | None,
     "rejected": {"MessageAttributes": {...}, "MessageGroupId": str | None} | None}
`reason` is None when valid, else one of signatures.REASONS (missing_header,
malformed_header, malformed_body, bad_signature, timestamp_expired, timestamp_in_future).
A verdict carries the body once, in one of two forms: `event`, the parsed body, only when
the delivery is valid and its JSON can travel through Step Functions and back unchanged
(see readable_event); otherwise `body`, the raw text, and `event` is None. So no body, genuine
or forged, can make a verdict that Step Functions cannot read, and an invalid verdict never
carries a parsed event. `rejected` is set exactly when the delivery is invalid: the message
attributes (SendMessage's shape) and group id with which the workflow keeps the record, byte
for byte, in the source's rejected queue, plus `webhook.rejected_reason`.

A request that fails verification is a normal result, not an error: the state machine keeps it
in the rejected queue and does not retry it. The handler raises only for faults that a retry
or a fix can cure, so the record goes back to the queue (and, in the end, to its DLQ) instead
of being judged: Secrets Manager unreachable, the secret missing or of a form it cannot read
(a JSON object without the configured key), a misconfigured environment, or a record that is
not SQS-shaped (a wiring fault, e.g. an input template on the pipe; rejecting it would judge
every message while the fault lasts).

Environment:
    WEBHOOK_SCHEME               required; one of signatures.SCHEMES.
    WEBHOOK_SECRET_ARN           the Secrets Manager secret holding the secret(s); required
                                 unless WEBHOOK_PUBLIC_KEY is set.
    WEBHOOK_PUBLIC_KEY           for discord, sendgrid and standard-webhooks (whpk_): the
                                 provider's public key itself, instead of a secret.
    WEBHOOK_TOLERANCE_SECONDS    replay window either side of the signing time; default 300.
    WEBHOOK_DELIVERY_ID_HEADER   header to read the delivery id from, before the scheme's own
                                 (signatures.DELIVERY_ID_HEADERS); default unset.
    WEBHOOK_SECRET_CACHE_SECONDS how long a fetched secret is reused; default 300.
    WEBHOOK_SECRET_JSON_KEY      the key read when the secret is a JSON object; default "secret".
    WEBHOOK_HMAC                 with WEBHOOK_SCHEME=hmac only: the generic scheme's settings,
                                 a JSON object (signatures.HmacScheme).
    WEBHOOK_SIGNED_URL           for schemes that sign the URL: the URL the provider is
                                 configured with, instead of the one the API reconstructs
                                 (signatures.URL_ATTRIBUTE); default unset.

The secret's SecretString is one of:
- the secret itself;
- a JSON array of secrets (`["new", "old"]`) while a provider's secret is rotated: a request
  signed with any of them passes;
- a JSON object, as Secrets Manager's console stores key/value secrets: the value under
  WEBHOOK_SECRET_JSON_KEY, itself a string or an array of strings. An object without that key
  is a configuration fault (raised, so deliveries wait in the queue), never a verdict.
Surrounding whitespace is ignored. For `basic` a secret is "user:password"; for
standard-webhooks it is the provider's `whsec_<base64>` value.

A rotated secret takes effect without waiting for the cache to expire: a bad_signature
verdict made with a cached value older than 30 seconds fetches the secret once more and
verifies again (at most once per 30 seconds, so forged requests cannot hammer Secrets
Manager).

The replay window is measured at the moment API Gateway received the request (the
`webhook.received_at` attribute, which the API sets from $context.requestTimeEpoch and no
request can set), not when this function runs and not at the message's SentTimestamp: a
webhook that waited in a backlog, was retried after its processing failed, or waited in the
DLQ and was redriven (SQS gives a redriven message a new SentTimestamp) arrived fresh and must
not turn into timestamp_expired. A replayed request is still caught, since the API receives it
when it is replayed. A message without the attribute (queued before it existed) falls back to
its SentTimestamp.

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
DEFAULT_SECRET_JSON_KEY = "secret"
# A bad signature refetches a secret only when the cached one is at least this old.
REFRESH_AFTER_SECONDS = 30.0
# A parsed event travels only if it is no larger than this many times the body plus a little:
# the record that brought the body held it JSON-escaped (at most twice its size) and fitted
# the state, so the verdict does too. Re-serializing can grow a body (`1e15` becomes
# `1000000000000000.0`); a body built to grow goes on as text instead.
EVENT_GROWTH_LIMIT = 2
EVENT_GROWTH_SLACK_BYTES = 256
# Beyond these, a value may not survive another JSON library unchanged (Step Functions reads
# the verdict with its own); such a body goes on as text. Far beyond any real webhook.
MAX_EVENT_DEPTH = 100
MAX_NUMBER_CHARS = 100


class MalformedRecord(ValueError):
    """The input is not an SQS record as Pipes delivers it; raised, so the message is kept."""


class Record:
    """The parts of an SQS record that verification uses."""

    __slots__ = ("message_id", "body", "headers", "sent_at", "received_at", "attributes", "group_id")

    def __init__(
        self,
        message_id: str,
        body: str,
        headers: dict[str, str],
        sent_at: float | None,
        received_at: float | None = None,
        attributes: dict[str, dict[str, str]] | None = None,
        group_id: str | None = None,
    ) -> None:
        self.message_id = message_id
        self.body = body
        self.headers = headers
        # Seconds since the epoch at which SQS accepted the message, if the record says.
        self.sent_at = sent_at
        # Seconds since the epoch at which API Gateway received the request, if the record says.
        self.received_at = received_at
        # Every message attribute, in SendMessage's shape: what a kept copy is sent with.
        self.attributes = attributes if attributes is not None else {}
        # A FIFO record's MessageGroupId.
        self.group_id = group_id

    @property
    def arrived_at(self) -> float | None:
        """When the delivery arrived: at API Gateway, else (older messages) at SQS."""
        return self.received_at if self.received_at is not None else self.sent_at


class Config:
    """The function's settings, read from its environment."""

    __slots__ = (
        "scheme",
        "secret_arn",
        "tolerance_s",
        "delivery_id_header",
        "secret_cache_s",
        "secret_json_key",
        "hmac",
        "signed_url",
        "public_key",
    )

    def __init__(
        self,
        scheme: str,
        secret_arn: str,
        tolerance_s: int = DEFAULT_TOLERANCE_SECONDS,
        delivery_id_header: str | None = None,
        secret_cache_s: int = DEFAULT_SECRET_CACHE_SECONDS,
        secret_json_key: str = DEFAULT_SECRET_JSON_KEY,
        hmac: Mapping[str, object] | None = None,
        signed_url: str | None = None,
        public_key: str | None = None,
    ) -> None:
        if scheme not in signatures.SCHEMES:
            raise ValueError(f"WEBHOOK_SCHEME={scheme!r} is not a scheme: use one of {', '.join(signatures.SCHEMES)}")
        if public_key is not None:
            signatures.check_public_key(scheme, public_key)
            if secret_arn:
                raise ValueError("WEBHOOK_PUBLIC_KEY and WEBHOOK_SECRET_ARN are both set: a public key needs no secret")
        elif not secret_arn:
            raise ValueError("WEBHOOK_SECRET_ARN is unset: set it to the ARN of the secret holding the webhook secret")
        self.public_key = public_key
        if (scheme == signatures.GENERIC) != (hmac is not None):
            raise ValueError(f"WEBHOOK_HMAC is set exactly when WEBHOOK_SCHEME={signatures.GENERIC!r}")
        if hmac is not None:
            signatures.HmacScheme(hmac)  # a bad configuration fails here, before any verdict
        if signed_url is not None and not signed_url.startswith("https://"):
            raise ValueError(f"WEBHOOK_SIGNED_URL={signed_url!r} is not an https:// URL")
        self.hmac = hmac
        self.signed_url = signed_url
        self.scheme = scheme
        self.secret_arn = secret_arn
        self.tolerance_s = tolerance_s
        self.delivery_id_header = delivery_id_header
        self.secret_cache_s = secret_cache_s
        self.secret_json_key = secret_json_key

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        return cls(
            scheme=env.get("WEBHOOK_SCHEME", "").strip(),
            secret_arn=env.get("WEBHOOK_SECRET_ARN", "").strip(),
            tolerance_s=_seconds(env, "WEBHOOK_TOLERANCE_SECONDS", DEFAULT_TOLERANCE_SECONDS),
            delivery_id_header=env.get("WEBHOOK_DELIVERY_ID_HEADER", "").strip() or None,
            secret_cache_s=_seconds(env, "WEBHOOK_SECRET_CACHE_SECONDS", DEFAULT_SECRET_CACHE_SECONDS),
            secret_json_key=env.get("WEBHOOK_SECRET_JSON_KEY", "").strip() or DEFAULT_SECRET_JSON_KEY,
            hmac=_settings(env, "WEBHOOK_HMAC"),
            signed_url=env.get("WEBHOOK_SIGNED_URL", "").strip() or None,
            public_key=env.get("WEBHOOK_PUBLIC_KEY", "").strip() or None,
        )

    def key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)


def _settings(env: Mapping[str, str], name: str) -> dict[str, object] | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    import json

    try:
        settings = json.loads(text)
    except ValueError:
        settings = None
    if not isinstance(settings, dict):
        raise ValueError(f"{name} is not a JSON object of the scheme's settings: {text[:80]!r}")
    return settings


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
    raw = event.get("messageAttributes") or {}
    if not isinstance(raw, dict):
        raise MalformedRecord("messageAttributes is not an object")
    headers: dict[str, str] = {}
    attributes: dict[str, dict[str, str]] = {}
    received_at = None
    for name, attribute in raw.items():
        if not isinstance(attribute, dict) or not isinstance(attribute.get("dataType"), str):
            continue
        kind = attribute["dataType"]
        value = attribute.get("binaryValue") if kind.startswith("Binary") else attribute.get("stringValue")
        if not isinstance(value, str):
            continue
        attributes[name] = {"DataType": kind, ("BinaryValue" if kind.startswith("Binary") else "StringValue"): value}
        if name == signatures.RECEIVED_AT_ATTRIBUTE:
            if kind.startswith("Number") and value.isascii() and value.isdigit():
                received_at = int(value) / 1000.0
        elif kind == "String" and ("." not in name or name == signatures.URL_ATTRIBUTE):
            # Forwarded headers are String attributes under the header's name; names with a
            # '.' are ours (signatures.RECEIVED_AT_ATTRIBUTE), never a request's. The URL the
            # provider called travels beside them, for the schemes that sign it.
            headers[name] = value
    system = event.get("attributes")
    system = system if isinstance(system, dict) else {}
    sent = system.get("SentTimestamp")
    sent_at = int(sent) / 1000.0 if isinstance(sent, str) and sent.isascii() and sent.isdigit() else None
    group = system.get("MessageGroupId")
    return Record(
        message_id,
        event["body"],
        headers,
        sent_at,
        received_at=received_at,
        attributes=attributes,
        group_id=group if isinstance(group, str) and group else None,
    )


def parse_secret(text: str, json_key: str = DEFAULT_SECRET_JSON_KEY) -> tuple[str, ...]:
    """A SecretString as secrets: one plain string, a JSON array of non-empty strings, or a JSON
    object holding either under `json_key`. ValueError (a configuration fault) otherwise."""
    value = text.strip()
    if value.startswith("{"):
        import json

        try:
            document = json.loads(value)
        except ValueError:
            raise ValueError("the webhook secret starts with '{' but is not a JSON object") from None
        if not isinstance(document, dict) or json_key not in document:
            keys = sorted(document) if isinstance(document, dict) else []
            raise ValueError(
                f"the webhook secret is a JSON object without the key {json_key!r} (its keys: {keys}): "
                f"store the signing secret under {json_key!r}, or set the source's secret_json_key"
            )
        item = document[json_key]
        if isinstance(item, str) and item.strip():
            return (item.strip(),)
        if isinstance(item, list):
            return _secret_list(item, f"the value of {json_key!r}")
        raise ValueError(f"the webhook secret's {json_key!r} must be a non-empty string or an array of strings")
    if value.startswith("["):
        import json

        try:
            items = json.loads(value)
        except ValueError:
            raise ValueError("the webhook secret starts with '[' but is not a JSON array of strings") from None
        return _secret_list(items, "the webhook secret's JSON array")
    if not value:
        raise ValueError("the webhook secret is empty")
    return (value,)


def _secret_list(items: object, what: str) -> tuple[str, ...]:
    if not isinstance(items, list) or not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise ValueError(f"{what} must hold one or more non-empty strings")
    return tuple(item.strip() for item in items)


def readable_event(body: str) -> tuple[bool, object]:
    """(True, the body parsed as JSON) when that value can travel through Step Functions and
    back unchanged, else (False, None).

    Not readable: text that is not JSON; NaN, Infinity and numbers that overflow to them
    (`1e400` is valid JSON that Python reads as inf and writes back as `Infinity`, which no
    JSON parser accepts); number literals over MAX_NUMBER_CHARS characters; nesting deeper
    than MAX_EVENT_DEPTH; strings holding lone surrogates (`"\\ud800"` parses, but cannot be
    written back as UTF-8); and a value whose JSON is more than EVENT_GROWTH_LIMIT times the
    body (plus a little), which could overflow the workflow's state where the body did not.
    """

    # Imported in the functions that need it, not at the top: json pulls in re and enum, which
    # would double the cold import measured for this module. The Lambda runtime has normally
    # loaded json before it imports the handler, so this costs nothing there.
    import json

    def refuse(text: str) -> object:
        raise ValueError(text)

    def number(text: str) -> float:
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError("number too long")
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise ValueError("number out of range")
        return value

    def integer(text: str) -> int:
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError("number too long")
        return int(text)

    try:
        event = json.loads(body, parse_constant=refuse, parse_float=number, parse_int=integer)
        if _depth(event) > MAX_EVENT_DEPTH:
            return False, None
        size = len(json.dumps(event, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False, None
    limit = EVENT_GROWTH_LIMIT * len(body.encode("utf-8", "surrogatepass")) + EVENT_GROWTH_SLACK_BYTES
    return (True, event) if size <= limit else (False, None)


def _depth(value: object) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            depth += 1
            if depth > MAX_EVENT_DEPTH:
                return depth
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in item)
    return deepest


class SecretCache:
    """The current secrets, fetched at most once per `ttl_s`, and once more after a bad
    signature if the cached value is at least `refresh_after_s` old (a rotation)."""

    def __init__(
        self,
        fetch: Callable[[], str],
        *,
        json_key: str = DEFAULT_SECRET_JSON_KEY,
        ttl_s: float = DEFAULT_SECRET_CACHE_SECONDS,
        refresh_after_s: float = REFRESH_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._json_key = json_key
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
        secrets = parse_secret(self._fetch(), self._json_key)
        self._secrets = secrets
        self._fetched_at = self._clock()


def verdict(record: Record, config: Config, cache: SecretCache, now: float | None = None) -> dict[str, object]:
    """The verdict on one record, in the documented result shape."""
    moment = record.arrived_at if now is None else now
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
    readable, event = readable_event(record.body)
    carried = readable and reason is None
    rejected = None
    if reason is not None:
        attributes = dict(record.attributes)
        attributes[signatures.REJECTED_REASON_ATTRIBUTE] = {"DataType": "String", "StringValue": reason}
        rejected = {"MessageAttributes": attributes, "MessageGroupId": record.group_id}
    return {
        "valid": reason is None,
        "reason": reason,
        "messageId": record.message_id,
        "deliveryId": signatures.delivery_id(
            config.scheme, record.headers, event if readable else None, header=config.delivery_id_header, config=config.hmac
        ),
        "event": event if carried else None,
        "body": None if carried else record.body,
        "rejected": rejected,
    }


def _verify(
    config: Config, secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float | None
) -> None:
    if config.signed_url is not None:
        # The URL the provider is configured with, when it is not what API Gateway saw (a proxy).
        headers = {**headers, signatures.URL_ATTRIBUTE: config.signed_url}
    signatures.verify(config.scheme, secrets, headers, body, now=now, tolerance_s=config.tolerance_s, config=config.hmac)


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
        arn, key = config.secret_arn, config.public_key
        # A public key is configured as it is: nothing to fetch, so nothing can fail to fetch.
        fetch = (lambda: key) if key is not None else (lambda: _fetch_secret_string(arn))
        _state = (
            config.key(),
            SecretCache(fetch, json_key=config.secret_json_key, ttl_s=config.secret_cache_s),
        )
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
