"""Webhook signature checks, one per provider scheme. Pure functions; standard library only.

    verify(scheme, secret, headers, body, *, now=None, tolerance_s=300) -> None

returns when the request is authentic and fresh, and raises `SignatureError` when it is not:
a rejected request is an expected outcome, and `.reason` says which check failed. A broken
configuration (unknown scheme, no secret, a secret of the wrong form) raises `ValueError`
instead: no request could ever pass, so it is a fault to fix, not a verdict.

Schemes (each from the provider's own documentation; the test vectors cite the pages):

- github: `X-Hub-Signature-256: sha256=<hex>` over the body.
  https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
- stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...][,v0=...]` over "{t}.{body}".
  https://stripe.com/docs/webhooks/signatures#verify-manually
- standard-webhooks (Svix and others): `webhook-id`, `webhook-timestamp`, `webhook-signature:
  v1,<base64>[ v1,<base64>...]` over "{id}.{timestamp}.{body}"; the `svix-` names are read
  when the `webhook-` ones are absent. https://www.standardwebhooks.com/ and
  https://docs.svix.com/receiving/verifying-payloads/how-manual
- shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body.
  https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
- slack: `X-Slack-Request-Timestamp`, `X-Slack-Signature: v0=<hex>` over "v0:{ts}:{body}".
  https://api.slack.com/authentication/verifying-requests-from-slack
- mailgun: no header; the JSON body holds `{"signature": {"timestamp", "token", "signature"}}`,
  hex over "{timestamp}{token}" (legacy form-encoded webhooks are not supported). Mailgun's
  signature does not cover the event data: within the window a captured signature object
  verifies beside any event, so processing should also deduplicate on the token.
  https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
- basic: `Authorization: Basic base64(user:password)`, compared with the secret; no HMAC.

All HMACs are HMAC-SHA256. The key is the secret's UTF-8 bytes, except standard-webhooks,
whose secret is base64 (`whsec_` prefix optional, as the standardwebhooks library accepts it)
and is decoded to the key bytes. A Stripe secret is used whole, `whsec_` included. A basic
secret is "user:password".

Reasons (`SignatureError.reason`):
- missing_header: a header the scheme needs is absent or empty.
- malformed_header: a header is present but not of the scheme's form: no `sha256=`/`v0=`
  prefix, a signature that is not hex/base64 of 32 bytes, a non-integer timestamp, a Stripe
  header without `t=` or `v1=`, no `v1,` entry in a standard-webhooks header.
- malformed_body: mailgun only: the body is not a JSON object with a `signature` object of
  string (or integer) `timestamp`, `token`, `signature`.
- bad_signature: well-formed, but no signature matches any secret (or the credential does
  not match, for basic).
- timestamp_expired: authentic, but signed more than tolerance_s seconds before `now`.
- timestamp_in_future: authentic, but signed more than tolerance_s seconds after `now`.

The signature is checked before the timestamp window, so the two timestamp reasons only
ever describe authentic requests (a replay, or a clock problem), never forgeries. Exactly
tolerance_s seconds either way is still accepted. Stripe's own library checks only the past
side; this module rejects the future side too, as Slack and Standard Webhooks do.

Several secrets may be given (rotation): a request passes when any one of them matches.
Where a scheme lets one header carry several signatures (Stripe's repeated `v1=`, the
space-separated standard-webhooks list), a request passes when any of them matches.
Header names are matched case-insensitively; every comparison is `hmac.compare_digest`.

`SCHEME_HEADERS` and `DELIVERY_ID_HEADERS` are plain constants because the construct library
reads them from this file at synth time to decide which headers API Gateway forwards.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence

SCHEMES: tuple[str, ...] = ("github", "stripe", "standard-webhooks", "shopify", "slack", "mailgun", "basic")

# Exactly the request headers each scheme reads. SQS takes at most 10 message attributes per
# message, so a source forwards these plus its delivery-id header and nothing else.
SCHEME_HEADERS: Mapping[str, tuple[str, ...]] = {
    "github": ("X-Hub-Signature-256",),
    "stripe": ("Stripe-Signature",),
    # Svix sends the same scheme under svix- names; forwarding both sets costs 6 of the 10.
    "standard-webhooks": (
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "svix-id",
        "svix-timestamp",
        "svix-signature",
    ),
    "shopify": ("X-Shopify-Hmac-Sha256",),
    "slack": ("X-Slack-Request-Timestamp", "X-Slack-Signature"),
    "mailgun": (),
    "basic": ("Authorization",),
}

# The headers naming one delivery, stable across the provider's retries: what a FIFO queue
# deduplicates on and what processing keys idempotency on; the first one present counts.
# Svix sends the standard-webhooks scheme under svix- names, so its id is `svix-id`. Stripe,
# Slack and Mailgun carry their id in the body instead (see delivery_id); basic has none.
DELIVERY_ID_HEADERS: Mapping[str, tuple[str, ...]] = {
    "github": ("X-GitHub-Delivery",),
    "stripe": (),
    "standard-webhooks": ("webhook-id", "svix-id"),
    "shopify": ("X-Shopify-Webhook-Id",),
    "slack": (),
    "mailgun": (),
    "basic": (),
}

# Message attributes the API and the workflow add beside the forwarded headers. Their names
# hold a '.', which no forwarded header name may (props allow letters, digits and '-'), so a
# request can neither set nor shadow them.
# When API Gateway received the request, in epoch milliseconds ($context.requestTimeEpoch), as
# a Number attribute: the replay window is measured from it, so a delivery that waited in a
# DLQ and was redriven (SQS gives it a new SentTimestamp) is judged by when it arrived.
RECEIVED_AT_ATTRIBUTE = "webhook.received_at"
# Why the verifier rejected a delivery, on its copy in the rejected queue.
REJECTED_REASON_ATTRIBUTE = "webhook.rejected_reason"

REASONS: tuple[str, ...] = (
    "missing_header",
    "malformed_header",
    "malformed_body",
    "bad_signature",
    "timestamp_expired",
    "timestamp_in_future",
)

_SHA256_BYTES = 32
_HEX = frozenset("0123456789abcdefABCDEF")


class SignatureError(Exception):
    """The request is not authentic or not fresh; `reason` is one of REASONS."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def verify(
    scheme: str,
    secret: str | Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance_s: int = 300,
) -> None:
    """Raise SignatureError unless `body` with `headers` is authentic under one of the
    secrets and, for schemes with a timestamp, signed within tolerance_s of `now` (default:
    the current time). ValueError: unknown scheme, no secret, or a secret of the wrong form."""
    check = _CHECKS.get(scheme)
    if check is None:
        raise ValueError(f"unknown webhook scheme {scheme!r}: use one of {', '.join(SCHEMES)}")
    secrets = _secrets(secret)
    if not isinstance(tolerance_s, int) or tolerance_s < 0:
        raise ValueError(f"tolerance_s must be a non-negative integer, got {tolerance_s!r}")
    lowered = {name.lower(): value for name, value in headers.items()}
    check(secrets, lowered, bytes(body), time.time() if now is None else now, tolerance_s)


def delivery_id(
    scheme: str,
    headers: Mapping[str, str],
    event: object,
    *,
    header: str | None = None,
) -> str | None:
    """The provider's id of this delivery, or None. `header` overrides the scheme's header.
    Body-based ids: Stripe's event `id`, Slack's Events API `event_id`, Mailgun's
    `event-data.id` (else its signature `token`, unique per webhook request)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    names = [header] if header else []
    names.extend(DELIVERY_ID_HEADERS.get(scheme, ()))
    for name in names:
        value = lowered.get(name.lower(), "").strip()
        if value:
            return value
    if not isinstance(event, dict):
        return None
    if scheme == "stripe":
        return _string(event.get("id"))
    if scheme == "slack":
        return _string(event.get("event_id"))
    if scheme == "mailgun":
        data = event.get("event-data")
        signature = event.get("signature")
        return (_string(data.get("id")) if isinstance(data, dict) else None) or (
            _string(signature.get("token")) if isinstance(signature, dict) else None
        )
    return None


# --- helpers ------------------------------------------------------------------------------


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _secrets(secret: str | Sequence[str]) -> tuple[str, ...]:
    values = (secret,) if isinstance(secret, str) else tuple(secret)
    if not values:
        raise ValueError("no webhook secret configured: give at least one")
    for value in values:
        if not isinstance(value, str) or not value:
            raise ValueError("a webhook secret is empty or not a string")
    return values


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name.lower(), "").strip()
    if not value:
        raise SignatureError("missing_header", f"{name} is missing")
    return value


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _is_hex_digest(text: str) -> bool:
    return len(text) == 2 * _SHA256_BYTES and _HEX.issuperset(text)


def _hex_digest(text: str, what: str, reason: str = "malformed_header") -> bytes:
    if not _is_hex_digest(text):
        raise SignatureError(reason, f"{what} is not 64 hex digits")
    return bytes.fromhex(text)


def _b64decode(text: str) -> bytes | None:
    """Strict standard base64 (what base64.b64decode(validate=True) accepts), or None.
    binascii directly: the base64 module imports re, a cost on every cold start."""
    if not text.isascii():
        return None
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        return None


def _b64_or_none(text: str) -> bytes | None:
    """The 32 bytes of a base64 SHA-256 HMAC, or None when `text` is not one."""
    raw = _b64decode(text)
    return raw if raw is not None and len(raw) == _SHA256_BYTES else None


def _b64_digest(text: str, what: str) -> bytes:
    raw = _b64_or_none(text)
    if raw is None:
        raise SignatureError("malformed_header", f"{what} is not the base64 of a SHA-256 HMAC")
    return raw


def _timestamp(text: str, what: str, reason: str = "malformed_header") -> int:
    # Digits only: int() would also take "+5", " 5" and "1_000", none of which a provider sends.
    # Capped in length: int() refuses over 4300 digits, and no clock needs more than 15.
    if len(text) > 15 or not text.isascii() or not text.isdigit():
        raise SignatureError(reason, f"{what} is not an integer number of seconds: {text[:40]!r}")
    return int(text)


def _fresh(timestamp: int, now: float, tolerance_s: int) -> None:
    if now - timestamp > tolerance_s:
        raise SignatureError("timestamp_expired", f"signed {now - timestamp:.0f}s ago, more than {tolerance_s}s")
    if timestamp - now > tolerance_s:
        raise SignatureError(
            "timestamp_in_future", f"signed {timestamp - now:.0f}s ahead of now, more than {tolerance_s}s"
        )


def _any_match(expected: Sequence[bytes], received: Sequence[bytes]) -> bool:
    # Every pair is compared, so the time taken does not depend on which secret matched.
    matched = False
    for mine in expected:
        for theirs in received:
            matched |= hmac.compare_digest(mine, theirs)
    return matched


def _bad_signature(what: str) -> SignatureError:
    return SignatureError("bad_signature", f"{what} matches no configured secret")


# --- schemes ------------------------------------------------------------------------------


def _github(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    value = _header(headers, "X-Hub-Signature-256")
    prefix, _, digest = value.partition("=")
    if prefix != "sha256" or not digest:
        raise SignatureError("malformed_header", "X-Hub-Signature-256 is not sha256=<hex>")
    received = _hex_digest(digest, "X-Hub-Signature-256")
    if not _any_match([_hmac(s.encode(), body) for s in secrets], [received]):
        raise _bad_signature("X-Hub-Signature-256")


def _stripe(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    value = _header(headers, "Stripe-Signature")
    timestamps: list[str] = []
    signatures: list[bytes] = []
    for item in value.split(","):
        key, sep, text = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed_header", "Stripe-Signature has an item without '='")
        if key == "t":
            timestamps.append(text)
        elif key == "v1" and _is_hex_digest(text):
            # Stripe sends several v1 entries while an endpoint secret is being rolled.
            signatures.append(bytes.fromhex(text))
        # v0 and any future scheme are ignored, as Stripe's libraries do.
    if len(timestamps) != 1:
        raise SignatureError("malformed_header", "Stripe-Signature needs exactly one t=")
    if not signatures:
        raise SignatureError("malformed_header", "Stripe-Signature has no v1=<64 hex digits> signature")
    timestamp = _timestamp(timestamps[0], "Stripe-Signature t")
    payload = timestamps[0].encode() + b"." + body
    if not _any_match([_hmac(s.encode(), payload) for s in secrets], signatures):
        raise _bad_signature("Stripe-Signature")
    _fresh(timestamp, now, tol)


def _standard_webhooks_key(secret: str) -> bytes:
    text = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    # Like the standardwebhooks library, tolerate a secret with its base64 padding removed.
    key = _b64decode(text + "=" * (-len(text) % 4))
    if key is None:
        raise ValueError("a standard-webhooks secret must be base64, optionally prefixed whsec_")
    if not key:
        raise ValueError("a standard-webhooks secret decodes to an empty key")
    return key


def _standard_webhooks(
    secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int
) -> None:
    keys = [_standard_webhooks_key(s) for s in secrets]
    # Svix sends the svix- names; the webhook- names win when a request carries both.
    prefix = "webhook-" if "webhook-signature" in headers or "webhook-id" in headers else "svix-"
    msg_id = _header(headers, prefix + "id")
    stamp = _header(headers, prefix + "timestamp")
    value = _header(headers, prefix + "signature")
    timestamp = _timestamp(stamp, prefix + "timestamp")
    signatures: list[bytes] = []
    for entry in value.split():
        version, sep, text = entry.partition(",")
        # Other versions (v1a: asymmetric ed25519) are not ours to check; skip them, and any
        # entry that is not well formed, so that one bad entry cannot hide a good one.
        raw = _b64_or_none(text) if sep and version == "v1" else None
        if raw is not None:
            signatures.append(raw)
    if not signatures:
        raise SignatureError("malformed_header", f"{prefix}signature has no v1,<base64> entry")
    payload = msg_id.encode() + b"." + stamp.encode() + b"." + body
    if not _any_match([_hmac(key, payload) for key in keys], signatures):
        raise _bad_signature(prefix + "signature")
    _fresh(timestamp, now, tol)


def _shopify(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    received = _b64_digest(_header(headers, "X-Shopify-Hmac-Sha256"), "X-Shopify-Hmac-Sha256")
    if not _any_match([_hmac(s.encode(), body) for s in secrets], [received]):
        raise _bad_signature("X-Shopify-Hmac-Sha256")


def _slack(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    stamp = _header(headers, "X-Slack-Request-Timestamp")
    value = _header(headers, "X-Slack-Signature")
    timestamp = _timestamp(stamp, "X-Slack-Request-Timestamp")
    version, _, digest = value.partition("=")
    if version != "v0" or not digest:
        raise SignatureError("malformed_header", "X-Slack-Signature is not v0=<hex>")
    received = _hex_digest(digest, "X-Slack-Signature")
    payload = b"v0:" + stamp.encode() + b":" + body
    if not _any_match([_hmac(s.encode(), payload) for s in secrets], [received]):
        raise _bad_signature("X-Slack-Signature")
    _fresh(timestamp, now, tol)


def _mailgun_field(signature: Mapping[str, object], name: str) -> str:
    value = signature.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and name == "timestamp":
        value = str(value)
    if not isinstance(value, str) or not value:
        raise SignatureError("malformed_body", f"signature.{name} is missing or not a string")
    return value


def _mailgun(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    # Imported here: json pulls in re and enum, half of this module's cold import, and only
    # mailgun needs it. (The Lambda runtime has usually loaded it already.)
    import json

    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise SignatureError("malformed_body", "the body is not JSON (only JSON webhooks are supported)") from None
    signature = document.get("signature") if isinstance(document, dict) else None
    if not isinstance(signature, dict):
        raise SignatureError("malformed_body", "the body has no signature object")
    stamp = _mailgun_field(signature, "timestamp")
    token = _mailgun_field(signature, "token")
    timestamp = _timestamp(stamp, "signature.timestamp", "malformed_body")
    received = [_hex_digest(_mailgun_field(signature, "signature"), "signature.signature", "malformed_body")]
    # A subaccount's event also carries parent-signature, made with the primary account's
    # key, so either account's signing key can be the configured secret.
    if "parent-signature" in signature:
        parent = _mailgun_field(signature, "parent-signature")
        received.append(_hex_digest(parent, "signature.parent-signature", "malformed_body"))
    message = (stamp + token).encode()
    if not _any_match([_hmac(s.encode(), message) for s in secrets], received):
        raise _bad_signature("signature.signature")
    _fresh(timestamp, now, tol)


def _basic(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    for s in secrets:
        if ":" not in s:
            raise ValueError("a basic secret must be 'user:password'")
    value = _header(headers, "Authorization")
    kind, _, token = value.partition(" ")
    # RFC 7617: the scheme name is case-insensitive.
    if kind.lower() != "basic" or not token.strip():
        raise SignatureError("malformed_header", "Authorization is not 'Basic <base64>'")
    credential = _b64decode(token.strip())
    if credential is None:
        raise SignatureError("malformed_header", "the Basic credential is not base64")
    if b":" not in credential:
        raise SignatureError("malformed_header", "the Basic credential has no ':'")
    # Hashed first so that compare_digest sees equal lengths and leaks no password length.
    expected = [hashlib.sha256(s.encode()).digest() for s in secrets]
    if not _any_match(expected, [hashlib.sha256(credential).digest()]):
        raise _bad_signature("the Basic credential")


_CHECKS = {
    "github": _github,
    "stripe": _stripe,
    "standard-webhooks": _standard_webhooks,
    "shopify": _shopify,
    "slack": _slack,
    "mailgun": _mailgun,
    "basic": _basic,
}
