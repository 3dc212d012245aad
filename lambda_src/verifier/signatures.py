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

SCHEMES: tuple[str, ...] = (
    "github",
    "stripe",
    "standard-webhooks",
    "shopify",
    "slack",
    "mailgun",
    "basic",
    "discord",
    "sendgrid",
    "gitlab",
    "twilio",
)

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
    "discord": ("X-Signature-Ed25519", "X-Signature-Timestamp"),
    "sendgrid": ("X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp"),
    "gitlab": ("X-Gitlab-Token",),
    "twilio": ("X-Twilio-Signature",),
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
    "discord": (),
    "sendgrid": (),
    # Unique per event, the same on every retry (GitLab 17.4 and later).
    "gitlab": ("Idempotency-Key",),
    # Twilio's I-Twilio-Idempotency-Token is the same on every retry of one request.
    "twilio": ("I-Twilio-Idempotency-Token",),
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
# The URL the provider called, `https://$context.domainName$context.path`, for schemes that sign
# it (Twilio, HubSpot v3, Square, or {url} in a described signature). The verifier finds it
# among the headers under this name (a String attribute whose '.' no header name may hold).
URL_ATTRIBUTE = "webhook.url"

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
    config: Mapping[str, object] | None = None,
) -> None:
    """Raise SignatureError unless `body` with `headers` is authentic under one of the
    secrets and, for schemes with a timestamp, signed within tolerance_s of `now` (default:
    the current time). `config`: the settings of the generic `hmac` scheme (see HmacScheme).
    ValueError: unknown scheme, no secret, a secret of the wrong form, a bad `config`."""
    check = _CHECKS.get(scheme)
    if check is None:
        check = getattr(hmac_scheme(scheme, config), "check")
    elif config is not None:
        raise ValueError(f"scheme {scheme!r} takes no configuration; only {GENERIC!r} does")
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
    config: Mapping[str, object] | None = None,
) -> str | None:
    """The provider's id of this delivery, or None. `header` overrides the scheme's header
    (for the generic scheme, `config`'s id_header). Body-based ids: Stripe's event `id`,
    Slack's Events API `event_id`, Mailgun's `event-data.id` (else its signature `token`,
    unique per webhook request)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    names = [header] if header else []
    names.extend(DELIVERY_ID_HEADERS.get(scheme, ()))
    if config is not None and isinstance(config.get("id_header"), str):
        names.append(str(config["id_header"]))
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


def _standard_webhooks_public_key(secret: str) -> bytes:
    key = _b64decode(secret[len("whpk_") :])
    if key is None or len(key) != 32:
        raise ValueError("a standard-webhooks public key must be whpk_ and the base64 of 32 bytes (Ed25519)")
    return key


def _standard_webhooks(
    secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int
) -> None:
    # A whpk_ value is the sender's Ed25519 public key (v1a signatures); any other is the
    # shared secret of v1 HMACs. Both may be configured, e.g. while moving from one to the other.
    public = [_standard_webhooks_public_key(s) for s in secrets if s.startswith("whpk_")]
    keys = [_standard_webhooks_key(s) for s in secrets if not s.startswith("whpk_")]
    # Svix sends the svix- names; the webhook- names win when a request carries both.
    prefix = "webhook-" if "webhook-signature" in headers or "webhook-id" in headers else "svix-"
    msg_id = _header(headers, prefix + "id")
    stamp = _header(headers, prefix + "timestamp")
    value = _header(headers, prefix + "signature")
    timestamp = _timestamp(stamp, prefix + "timestamp")
    hmacs: list[bytes] = []
    signed: list[bytes] = []
    for entry in value.split():
        version, sep, text = entry.partition(",")
        # Skip what the configured keys cannot check, and any entry that is not well formed, so
        # that one bad entry cannot hide a good one.
        raw = _b64decode(text) if sep and version in ("v1", "v1a") else None
        if raw is not None and version == "v1" and len(raw) == _SHA256_BYTES and keys:
            hmacs.append(raw)
        elif raw is not None and version == "v1a" and len(raw) == 64 and public:
            signed.append(raw)
    if not hmacs and not signed:
        wanted = " or ".join(v for v, present in (("v1,<base64>", keys), ("v1a,<base64>", public)) if present)
        raise SignatureError("malformed_header", f"{prefix}signature has no {wanted} entry")
    payload = msg_id.encode() + b"." + stamp.encode() + b"." + body
    matched = bool(hmacs) and _any_match([_hmac(key, payload) for key in keys], hmacs)
    if not matched and signed:
        ed25519_verify = getattr(_curves(), "ed25519_verify")
        matched = any([ed25519_verify(key, payload, sig) for key in public for sig in signed])
    if not matched:
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


# --- the generic HMAC scheme (generic.py, loaded on first use) -------------------------------

GENERIC = "hmac"
_siblings: dict[str, object] = {}


def _sibling(name: str) -> object:
    """A module of the verifier's code root (generic, curves), loaded on first use by its path
    beside this file: the construct library loads signatures.py by path, without the code root
    on sys.path. Each is handed this module as `signatures`, for the helpers it shares."""
    module = _siblings.get(name)
    if module is None:
        import importlib.util
        import os
        import sys

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
        spec = importlib.util.spec_from_file_location(f"{__name__}_{name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        module.signatures = sys.modules[__name__]  # type: ignore[attr-defined]
        spec.loader.exec_module(module)
        _siblings[name] = module
    return module


def _generic() -> object:
    return _sibling("generic")


def _curves() -> object:
    return _sibling("curves")


def hmac_scheme(scheme: str, config: Mapping[str, object] | None = None) -> object:
    """The generic.HmacScheme of a preset, or of the generic scheme with `config` (ValueError:
    unknown scheme, missing or bad config). (No `typing` import here: it costs the cold start
    about as much as the rest of the module.)"""
    return getattr(_generic(), "hmac_scheme")(scheme, config)


def __getattr__(name: str) -> object:
    # The generic scheme's names, as attributes of this module (loaded on first use).
    if name in ("HmacScheme", "HMAC_DEFAULTS"):
        return getattr(_generic(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _url(headers: Mapping[str, str]) -> str:
    url = headers.get(URL_ATTRIBUTE, "").strip()
    if not url:
        # The API adds it for every scheme that signs the URL; without it nothing could verify.
        raise SignatureError("missing_header", f"the request's URL ({URL_ATTRIBUTE}) is missing")
    return url


def _hex_or_none(text: str) -> bytes | None:
    if not text or len(text) % 2 or not _HEX.issuperset(text):
        return None
    return bytes.fromhex(text)


# Providers whose scheme is a configuration of the generic one. Each is tested on a vector
# published by the provider or made by its official SDK (tests/verifier/vectors/presets.json);
# the README's table cites the documentation and the vector of each.
PRESETS: Mapping[str, Mapping[str, object]] = {
    # https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/
    "bitbucket": {"signature_header": "X-Hub-Signature", "signature_prefix": "sha256=", "id_header": "X-Request-UUID"},
    # https://commerce.coinbase.com/docs/api/#webhooks
    "coinbase-commerce": {"signature_header": "X-CC-Webhook-Signature"},
    # https://linear.app/developers/webhooks: the signing time is webhookTimestamp in the body.
    "linear": {"signature_header": "Linear-Signature", "timestamp_field": "webhookTimestamp", "timestamp_unit": "milliseconds"},
    # https://developer.paddle.com/webhooks/signature-verification (Paddle Billing)
    "paddle": {
        "signature_header": "Paddle-Signature",
        "signature_format": "key-value",
        "separator": ";",
        "timestamp_key": "ts",
        "signature_key": "h1",
        "signed_payload": "{timestamp}:{body}",
    },
    # https://developers.hubspot.com/docs/api/webhooks/validating-requests (v3: the method, the
    # full URL, the body and the timestamp in milliseconds, base64)
    "hubspot": {
        "signature_header": "X-HubSpot-Signature-v3",
        "encoding": "base64",
        "timestamp_header": "X-HubSpot-Request-Timestamp",
        "timestamp_unit": "milliseconds",
        "signed_payload": "{method}{url}{body}{timestamp}",
    },
    # https://developer.squareup.com/docs/webhooks/step3validate (the notification URL, then the body)
    "square": {"signature_header": "x-square-hmacsha256-signature", "encoding": "base64", "signed_payload": "{url}{body}"},
    # https://developer.pagerduty.com/docs/webhooks/webhook-signatures/ (v3 webhooks)
    "pagerduty": {
        "signature_header": "X-PagerDuty-Signature",
        "signature_format": "list",
        "signature_prefix": "v1=",
        "id_header": "X-Webhook-Id",
    },
    # https://razorpay.com/docs/webhooks/validate-test/
    "razorpay": {"signature_header": "X-Razorpay-Signature", "id_header": "X-Razorpay-Event-Id"},
    # https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks (the secret as entered,
    # HTML entities decoded; the ping sent when a webhook is saved is unsigned)
    "woocommerce": {"signature_header": "X-WC-Webhook-Signature", "encoding": "base64", "id_header": "X-WC-Webhook-Delivery-ID"},
    # https://workos.com/docs/events/data-syncing/webhooks (t in milliseconds)
    "workos": {
        "signature_header": "WorkOS-Signature",
        "signature_format": "key-value",
        "timestamp_key": "t",
        "signature_key": "v1",
        "timestamp_unit": "milliseconds",
        "signed_payload": "{timestamp}.{body}",
    },
    # https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
    "zoom": {
        "signature_header": "x-zm-signature",
        "signature_prefix": "v0=",
        "timestamp_header": "x-zm-request-timestamp",
        "signed_payload": "v0:{timestamp}:{body}",
    },
}
# Providers that send an existing scheme under their own name: Clerk and Resend deliver through
# Svix (Standard Webhooks); Postmark authenticates with HTTP Basic credentials in the URL.
ALIASES: Mapping[str, str] = {"clerk": "standard-webhooks", "resend": "standard-webhooks", "postmark": "basic"}


def _gitlab(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    # GitLab's secret token is sent as it is, not a signature: it proves the sender knows the
    # token, not that the body is unchanged (GitLab's signing tokens are standard-webhooks).
    token = _header(headers, "X-Gitlab-Token")
    expected = [hashlib.sha256(s.encode()).digest() for s in secrets]
    if not _any_match(expected, [hashlib.sha256(token.encode()).digest()]):
        raise _bad_signature("X-Gitlab-Token")


def _form_parameters(body: bytes) -> str:
    """A form-encoded body's parameters as Twilio signs them (and {form} of the generic scheme):
    sorted by name, then value, each decoded name followed by its value; a repeated identical
    pair counts once, as Twilio's SDKs count it."""
    from urllib.parse import parse_qsl

    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise SignatureError("malformed_body", "the body is not form-encoded parameters") from None
    return "".join(name + value for name, value in sorted(dict.fromkeys(fields)))


def _twilio(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    # https://www.twilio.com/docs/usage/webhooks/webhooks-security: base64 HMAC-SHA1, keyed by
    # the Auth Token, of the URL followed by each POST parameter's name and value, sorted by
    # name (a repeated name: its values sorted). A JSON body is signed through the URL's
    # bodySHA256 parameter instead, which must be the body's SHA-256.
    from urllib.parse import parse_qs, urlsplit

    received = _b64decode(_header(headers, "X-Twilio-Signature"))
    if received is None or len(received) != 20:
        raise SignatureError("malformed_header", "X-Twilio-Signature is not the base64 of an HMAC-SHA1")
    url = _url(headers)
    parts = urlsplit(url)
    body_hash = parse_qs(parts.query).get("bodySHA256")
    params = "" if body_hash else _form_parameters(body)
    # Twilio signs the URL as configured, which may name the default port: its SDKs accept both.
    urls = [url]
    if parts.port is None and parts.scheme == "https":
        urls.append(parts._replace(netloc=parts.netloc + ":443").geturl())
    expected = [hmac.new(s.encode(), (u + params).encode(), hashlib.sha1).digest() for s in secrets for u in urls]
    if not _any_match(expected, [received]):
        raise _bad_signature("X-Twilio-Signature")
    if body_hash and not hmac.compare_digest(hashlib.sha256(body).hexdigest(), body_hash[0].lower()):
        raise SignatureError("bad_signature", "the body's SHA-256 differs from the signed URL's bodySHA256")


# --- asymmetric schemes (the configured "secret" is the provider's public key) -------------


def _ed25519_key(secret: str, what: str) -> bytes:
    raw = _hex_or_none(secret.strip())
    if raw is None or len(raw) != 32:
        raise ValueError(f"a {what} public key must be 64 hex digits (the application's public key)")
    return raw


def _discord(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    ed25519_verify = getattr(_curves(), "ed25519_verify")
    keys = [_ed25519_key(s, "discord") for s in secrets]
    signature = _hex_or_none(_header(headers, "X-Signature-Ed25519"))
    stamp = _header(headers, "X-Signature-Timestamp")
    if signature is None or len(signature) != 64:
        raise SignatureError("malformed_header", "X-Signature-Ed25519 is not 128 hex digits")
    timestamp = _timestamp(stamp, "X-Signature-Timestamp")
    message = stamp.encode() + body
    if not any([ed25519_verify(key, message, signature) for key in keys]):
        raise _bad_signature("X-Signature-Ed25519")
    _fresh(timestamp, now, tol)


def _p256_key(secret: str) -> bytes:
    p256_public_key = getattr(_curves(), "p256_public_key")
    raw = _b64decode("".join(secret.split()))
    if raw is None or p256_public_key(raw) is None:
        raise ValueError("a sendgrid verification key must be the base64 of a P-256 public key (as SendGrid shows it)")
    return raw


def _sendgrid(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
    curves = _curves()
    p256_signature, p256_verify = getattr(curves, "p256_signature"), getattr(curves, "p256_verify")
    keys = [_p256_key(s) for s in secrets]
    name = "X-Twilio-Email-Event-Webhook-Signature"
    signature = _b64decode(_header(headers, name))
    stamp = _header(headers, "X-Twilio-Email-Event-Webhook-Timestamp")
    if signature is None or p256_signature(signature) is None:
        raise SignatureError("malformed_header", f"{name} is not the base64 of a DER ECDSA signature")
    timestamp = _timestamp(stamp, "X-Twilio-Email-Event-Webhook-Timestamp")
    message = stamp.encode() + body
    if not any([p256_verify(key, message, signature) for key in keys]):
        raise _bad_signature(name)
    _fresh(timestamp, now, tol)


# Schemes that verify with the provider's public key, which need no secret at all.
PUBLIC_KEY_SCHEMES: tuple[str, ...] = ("discord", "sendgrid", "standard-webhooks")


def check_public_key(scheme: str, key: str) -> None:
    """ValueError unless `key` is a public key `scheme` verifies with (the library checks a
    Processing.public_key prop with it, the handler WEBHOOK_PUBLIC_KEY)."""
    if scheme == "discord":
        _ed25519_key(key, "discord")
    elif scheme == "sendgrid":
        _p256_key(key)
    elif scheme == "standard-webhooks" and key.startswith("whpk_"):
        _standard_webhooks_public_key(key)
    elif scheme == "standard-webhooks":
        raise ValueError("a standard-webhooks public key starts with whpk_ (the sender's Ed25519 key)")
    else:
        raise ValueError(
            f"scheme {scheme!r} verifies with a shared secret, not a public key: public keys are for "
            f"{', '.join(PUBLIC_KEY_SCHEMES)}"
        )


_CHECKS = {
    "github": _github,
    "stripe": _stripe,
    "standard-webhooks": _standard_webhooks,
    "shopify": _shopify,
    "slack": _slack,
    "mailgun": _mailgun,
    "basic": _basic,
    "discord": _discord,
    "sendgrid": _sendgrid,
    "gitlab": _gitlab,
    "twilio": _twilio,
}

_CHECKS.update({alias: _CHECKS[scheme] for alias, scheme in ALIASES.items()})
# The named schemes that sign the URL: the API must add URL_ATTRIBUTE for them.
URL_SCHEMES: tuple[str, ...] = ("twilio", *(name for name, config in PRESETS.items() if "{url}" in str(config.get("signed_payload"))))
SCHEMES = (*SCHEMES, *ALIASES, *PRESETS, GENERIC)
# A preset reads its signature, timestamp and id headers (generic.HmacScheme.headers, which the
# tests hold these to); written out here so that no scheme pays for loading generic.py.
SCHEME_HEADERS = {
    **SCHEME_HEADERS,
    **{alias: SCHEME_HEADERS[scheme] for alias, scheme in ALIASES.items()},
    **{
        name: tuple(str(config[key]) for key in ("signature_header", "timestamp_header", "id_header") if config.get(key))
        for name, config in PRESETS.items()
    },
}
DELIVERY_ID_HEADERS = {
    **DELIVERY_ID_HEADERS,
    **{alias: DELIVERY_ID_HEADERS[scheme] for alias, scheme in ALIASES.items()},
    **{name: (str(config["id_header"]),) if config.get("id_header") else () for name, config in PRESETS.items()},
}
