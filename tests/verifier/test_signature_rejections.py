"""Every way a request can fail, per scheme, with the exact reason a user sees.

Requests are signed here with hashlib/hmac written out per provider document (and checked
against OpenSSL and the providers' libraries in test_signature_oracles), never with
signatures.py itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

from verifier_modules import signatures

NOW = 1_736_937_600
TOLERANCE = 300
SECRET = "s3cret-Ünïcode-🔑"  # non-ASCII on purpose: keys are the secret's UTF-8 bytes
WH_SECRET = "whsec_" + base64.b64encode(b"standard webhooks key bytes").decode()
BASIC_SECRET = "hooks:pässword"
MIB_BODY = json.dumps({"blob": "x" * (1 << 20)}).encode()
BODY = json.dumps({"id": "evt_42", "note": "naïve café 🎉\nsecond line"}, ensure_ascii=False).encode()


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _key(scheme: str, secret: str) -> bytes:
    if scheme == "standard-webhooks":
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


# The generic scheme as a test configures it: every part of the description in use (a
# key-value header with its own separators, a timestamp item, SHA-512, base64).
TEST_HMAC: dict[str, object] = {
    "signature_header": "X-Test-Signature",
    "signature_format": "key-value",
    "separator": ";",
    "signature_key": "h1",
    "timestamp_key": "ts",
    "signed_payload": "{timestamp}:{body}",
    "algorithm": "sha512",
    "encoding": "base64",
}
# The URL a provider called, as the API hands it to the verifier (for schemes that sign it).
TEST_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/webhooks/test?tenant=acme"
HMAC_CONFIGS: dict[str, dict[str, object]] = {**{k: dict(v) for k, v in signatures.PRESETS.items()}, "hmac": TEST_HMAC}
SETTING_DEFAULTS = dict(signatures.HMAC_DEFAULTS)


def sign_hmac(config: dict[str, object], body: bytes, secret: str, ts: int) -> dict[str, str]:
    """A request signed as the description says, written out here from the settings' meaning."""
    c = {**SETTING_DEFAULTS, **config}
    stamp = str(ts * 1000 if c["timestamp_unit"] == "milliseconds" else ts)
    template = str(c["signed_payload"]).replace("{{", "\x00").replace("}}", "\x01")
    values = {"{timestamp}": stamp.encode(), "{id}": b"delivery-7", "{method}": b"POST"}
    values["{url}"] = TEST_URL.encode()
    payload = template.encode()
    for name, value in values.items():
        payload = payload.replace(name.encode(), value)
    before, _, after = payload.partition(b"{body}")
    payload = (before + body + after).replace(b"\x00", b"{").replace(b"\x01", b"}")
    decode = {"utf-8": str.encode, "base64": base64.b64decode, "hex": bytes.fromhex}[str(c["secret_encoding"])]
    key = decode(secret)
    digest = hmac.new(key, payload, getattr(hashlib, str(c["algorithm"]))).digest()
    text = digest.hex() if c["encoding"] == "hex" else base64.b64encode(digest).decode()
    headers: dict[str, str] = {}
    if c["signature_format"] == "key-value":
        items = [f"{c['timestamp_key']}{c['key_value_separator']}{stamp}"] if c["timestamp_key"] else []
        items.append(f"{c['signature_key']}{c['key_value_separator']}{text}")
        headers[str(c["signature_header"])] = str(c["separator"]).join(items)
    else:
        headers[str(c["signature_header"])] = str(c["signature_prefix"]) + text
    if c["timestamp_header"]:
        headers[str(c["timestamp_header"])] = stamp
    if c["id_header"]:
        headers[str(c["id_header"])] = "delivery-7"
    if "{url}" in str(c["signed_payload"]):
        headers[signatures.URL_ATTRIBUTE] = TEST_URL
    return headers


# Asymmetric schemes: requests are signed with `cryptography` (OpenSSL), keys derived from a
# name so that "another key" is a different, valid one. Their "secret" is the public key.
def _ed25519(name: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())


def _p256(name: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.derive_private_key(int.from_bytes(hashlib.sha256(name.encode()).digest(), "big"), ec.SECP256R1())


def public_key(scheme: str, name: str) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if scheme == "discord":
        return _ed25519(name).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return base64.b64encode(_p256(name).public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()


ASYMMETRIC = ("discord", "sendgrid")


def sign_asymmetric(scheme: str, body: bytes, name: str, ts: int) -> dict[str, str]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    message = str(ts).encode() + body
    if scheme == "discord":
        return {"X-Signature-Ed25519": _ed25519(name).sign(message).hex(), "X-Signature-Timestamp": str(ts)}
    signature = _p256(name).sign(message, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": str(ts),
    }


def sign(scheme: str, body: bytes, *, secret: str | None = None, ts: int = NOW) -> tuple[dict[str, str], bytes]:
    """Headers and body of a request as the provider would send it."""
    scheme = signatures.ALIASES.get(scheme, scheme)
    if scheme == "gitlab":
        return {"X-Gitlab-Token": secret or SECRET}, body
    if scheme == "twilio":
        # Twilio posts form parameters and signs the URL, then each parameter's name and value,
        # sorted by name (its security docs' recipe).
        import urllib.parse

        params = {"Body": body.decode("utf-8"), "From": "+14158675309", "AccountSid": "AC1"}
        signed = TEST_URL + "".join(name + params[name] for name in sorted(params))
        digest = hmac.new((secret or SECRET).encode(), signed.encode(), hashlib.sha1).digest()
        headers = {"X-Twilio-Signature": base64.b64encode(digest).decode(), signatures.URL_ATTRIBUTE: TEST_URL}
        return headers, urllib.parse.urlencode(params).encode()
    field = HMAC_CONFIGS.get(scheme, {}).get("timestamp_field")
    if field:
        # The signing time travels in the (signed) body: Linear's webhookTimestamp.
        unit = 1000 if HMAC_CONFIGS[scheme].get("timestamp_unit") == "milliseconds" else 1
        body = json.dumps({str(field): ts * unit, "data": body.decode("utf-8")}, ensure_ascii=False).encode()
    if scheme in ASYMMETRIC:
        return sign_asymmetric(scheme, body, secret or "signing key", ts), body
    if scheme in HMAC_CONFIGS:
        return sign_hmac(HMAC_CONFIGS[scheme], body, secret or default_secret(scheme), ts), body
    if scheme == "basic":
        credential = (secret or BASIC_SECRET).encode()
        return {"Authorization": "Basic " + base64.b64encode(credential).decode()}, body
    secret = secret or (WH_SECRET if scheme == "standard-webhooks" else SECRET)
    key = _key(scheme, secret)
    if scheme == "github":
        return {"X-Hub-Signature-256": "sha256=" + _hmac(key, body).hex()}, body
    if scheme == "stripe":
        return {"Stripe-Signature": f"t={ts},v1=" + _hmac(key, f"{ts}.".encode() + body).hex()}, body
    if scheme == "standard-webhooks":
        signature = base64.b64encode(_hmac(key, f"msg_1.{ts}.".encode() + body)).decode()
        return {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": f"v1,{signature}"}, body
    if scheme == "shopify":
        return {"X-Shopify-Hmac-Sha256": base64.b64encode(_hmac(key, body)).decode()}, body
    if scheme == "slack":
        signature = "v0=" + _hmac(key, f"v0:{ts}:".encode() + body).hex()
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature}, body
    if scheme == "mailgun":
        token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
        signature = _hmac(key, f"{ts}{token}".encode()).hex()
        document = {
            "signature": {"timestamp": str(ts), "token": token, "signature": signature},
            "event-data": {"id": "ev-1", "body": body.decode("utf-8")},
        }
        return {}, json.dumps(document, ensure_ascii=False).encode()
    raise AssertionError(scheme)


def default_secret(scheme: str) -> str:
    scheme = signatures.ALIASES.get(scheme, scheme)
    if scheme in ASYMMETRIC:
        return public_key(scheme, "signing key")
    encoding = HMAC_CONFIGS.get(scheme, {}).get("secret_encoding", "utf-8")
    if encoding != "utf-8":
        raw = "Ünïcode key 🔑".encode()
        return base64.b64encode(raw).decode() if encoding == "base64" else raw.hex()
    return {"standard-webhooks": WH_SECRET, "basic": BASIC_SECRET}.get(scheme, SECRET)


def other_secret(scheme: str, text: str) -> str:
    """Another valid secret of the scheme's form (for an asymmetric scheme, the name of a key)."""
    scheme = signatures.ALIASES.get(scheme, scheme)
    if scheme in ASYMMETRIC:
        return text
    encoding = HMAC_CONFIGS.get(scheme, {}).get("secret_encoding", "utf-8")
    if encoding == "base64":
        return base64.b64encode(text.encode()).decode()
    return text.encode().hex() if encoding == "hex" else text


def reason_of(
    scheme: str, headers: dict[str, str], body: bytes, *, secret: object = None, now: float = NOW
) -> str | None:
    try:
        config = TEST_HMAC if scheme == "hmac" else None
        signatures.verify(scheme, secret or default_secret(scheme), headers, body, now=now, tolerance_s=TOLERANCE, config=config)
    except signatures.SignatureError as error:
        assert error.reason in signatures.REASONS
        return error.reason
    return None


def _timed(config: dict[str, object]) -> bool:
    return bool(config.get("timestamp_header") or config.get("timestamp_key") or config.get("timestamp_field"))


def _aliases_of(*schemes: str) -> tuple[str, ...]:
    return tuple(alias for alias, scheme in signatures.ALIASES.items() if scheme in schemes)


TIMED = ("stripe", "standard-webhooks", "slack", "mailgun", *ASYMMETRIC, *(k for k, c in HMAC_CONFIGS.items() if _timed(c)))
TIMED += _aliases_of(*TIMED)
HEADER_SIGNED = ("github", "stripe", "standard-webhooks", "shopify", "slack", *ASYMMETRIC, *HMAC_CONFIGS)
HEADER_SIGNED += _aliases_of(*HEADER_SIGNED)


@pytest.mark.parametrize("scheme", signatures.SCHEMES)
@pytest.mark.parametrize("body", [BODY, b"", MIB_BODY], ids=["non-ascii", "empty", "1MiB"])
def test_genuine_requests_pass(scheme: str, body: bytes) -> None:
    headers, body = sign(scheme, body)
    assert reason_of(scheme, headers, body) is None


@pytest.mark.parametrize("scheme", signatures.SCHEMES)
def test_header_names_are_case_insensitive(scheme: str) -> None:
    headers, body = sign(scheme, BODY)
    for transform in (str.lower, str.upper, str.title):
        assert reason_of(scheme, {transform(k): v for k, v in headers.items()}, body) is None


# Schemes that authenticate the sender without covering the body (a password, a token).
BODY_BLIND = ("basic", "gitlab", *(a for a, s in signatures.ALIASES.items() if s == "basic"))


@pytest.mark.parametrize("scheme", [s for s in signatures.SCHEMES if s not in BODY_BLIND])
def test_tampered_body_fails(scheme: str) -> None:
    headers, body = sign(scheme, BODY)
    if scheme == "mailgun":
        # Mailgun signs timestamp + token only: the event data is not covered, by design of
        # the provider. What it does cover is the token.
        body = body.replace(b"e0b5477167", b"f0b5477167")
    else:
        # A form-encoded body (Twilio) holds the text percent-encoded.
        body = body.replace("café".encode(), b"cafe") if "café".encode() in body else body.replace(b"evt_42", b"evt_43")
    assert reason_of(scheme, headers, body) == "bad_signature"


def flip_last_signature_char(scheme: str, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    def flip(text: str, index: int = -1) -> str:
        position = index % len(text)
        replacement = "A" if text[position] != "A" else "B"
        if text[position] in "0123456789abcdef":
            replacement = "0" if text[position] != "0" else "1"
        return text[:position] + replacement + text[position + 1 :]

    if scheme == "mailgun":
        document = json.loads(body)
        document["signature"]["signature"] = flip(document["signature"]["signature"])
        return headers, json.dumps(document, ensure_ascii=False).encode()
    name = {
        "standard-webhooks": "webhook-signature",
        "slack": "X-Slack-Signature",
        "discord": "X-Signature-Ed25519",
        "sendgrid": "X-Twilio-Email-Event-Webhook-Signature",
    }.get(scheme) or next(iter(headers))
    if scheme in HMAC_CONFIGS:
        name = str(HMAC_CONFIGS[scheme]["signature_header"])
    # The last base64 characters before the padding carry unused bits, and a change there can
    # decode to the same bytes; change one well inside instead.
    index = -5 if headers[name].endswith("=") else -1
    return {**headers, name: flip(headers[name], index)}, body


@pytest.mark.parametrize("scheme", signatures.SCHEMES)
def test_tampered_signature_fails(scheme: str) -> None:
    headers, body = flip_last_signature_char(scheme, *sign(scheme, BODY))
    # For basic the "signature" is the credential; a changed character is a wrong password,
    # unless it breaks the base64, which the B/A swap never does.
    assert reason_of(scheme, headers, body) == "bad_signature"


@pytest.mark.parametrize("scheme", signatures.SCHEMES)
def test_wrong_secret_fails(scheme: str) -> None:
    headers, body = sign(scheme, BODY)
    scheme = signatures.ALIASES.get(scheme, scheme)
    other = {"standard-webhooks": "whsec_" + base64.b64encode(b"another key").decode(), "basic": "hooks:other"}
    if scheme in ASYMMETRIC:
        other[scheme] = public_key(scheme, "another key")
    assert reason_of(scheme, headers, body, secret=other.get(scheme, other_secret(scheme, "another secret"))) == "bad_signature"


@pytest.mark.parametrize("scheme", TIMED)
@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (-TOLERANCE, None),
        (-TOLERANCE - 1, "timestamp_expired"),
        (TOLERANCE, None),
        (TOLERANCE + 1, "timestamp_in_future"),
        (-10 * 365 * 86400, "timestamp_expired"),
    ],
)
def test_replay_window_is_inclusive_at_the_tolerance(scheme: str, offset: int, reason: str | None) -> None:
    headers, body = sign(scheme, BODY, ts=NOW + offset)
    assert reason_of(scheme, headers, body) == reason


@pytest.mark.parametrize("scheme", TIMED)
def test_expired_forgery_is_a_bad_signature_not_a_replay(scheme: str) -> None:
    """The signature is checked first, so timestamp reasons only ever describe real requests."""
    headers, body = flip_last_signature_char(scheme, *sign(scheme, BODY, ts=NOW - 3600))
    assert reason_of(scheme, headers, body) == "bad_signature"


@pytest.mark.parametrize("scheme", HEADER_SIGNED + ("basic",))
def test_missing_headers(scheme: str) -> None:
    headers, body = sign(scheme, BODY)
    config = {**SETTING_DEFAULTS, **HMAC_CONFIGS.get(scheme, {})}
    # An id header that is not signed only names the delivery: a request may come without it.
    naming_only = config["id_header"] if "{id}" not in str(config["signed_payload"]) else None
    for name in headers:
        rest = {k: v for k, v in headers.items() if k != name}
        expected = None if name == naming_only else "missing_header"
        assert reason_of(scheme, rest, body) == expected, name
        assert reason_of(scheme, {**rest, name: "  "}, body) == expected, name


MALFORMED: dict[str, list[Callable[[dict[str, str]], dict[str, str]]]] = {
    "github": [
        lambda h: {"X-Hub-Signature-256": h["X-Hub-Signature-256"].removeprefix("sha256=")},
        lambda h: {"X-Hub-Signature-256": "sha1=" + h["X-Hub-Signature-256"][7:]},
        lambda h: {"X-Hub-Signature-256": h["X-Hub-Signature-256"][:-2]},
        lambda h: {"X-Hub-Signature-256": h["X-Hub-Signature-256"][:-1] + "g"},
    ],
    "stripe": [
        lambda h: {"Stripe-Signature": h["Stripe-Signature"].split(",")[1]},  # no t=
        lambda h: {"Stripe-Signature": h["Stripe-Signature"].split(",")[0]},  # no v1=
        lambda h: {"Stripe-Signature": h["Stripe-Signature"].replace("t=", "t=x")},
        lambda h: {"Stripe-Signature": h["Stripe-Signature"].replace("t=", "t=1.")},
        lambda h: {"Stripe-Signature": h["Stripe-Signature"] + ",t=1"},
        lambda h: {"Stripe-Signature": "garbage"},
        lambda h: {"Stripe-Signature": h["Stripe-Signature"].split(",")[0] + ",v1=zz"},
    ],
    "standard-webhooks": [
        lambda h: {**h, "webhook-timestamp": "1736937600.5"},
        lambda h: {**h, "webhook-timestamp": "-1736937600"},
        lambda h: {**h, "webhook-timestamp": "9" * 5000},
        lambda h: {**h, "webhook-signature": "v2," + h["webhook-signature"][3:]},
        lambda h: {**h, "webhook-signature": h["webhook-signature"][3:]},
        lambda h: {**h, "webhook-signature": "v1,not base64!"},
    ],
    "shopify": [
        lambda h: {"X-Shopify-Hmac-Sha256": "not base64!"},
        lambda h: {"X-Shopify-Hmac-Sha256": base64.b64encode(b"short").decode()},
        lambda h: {"X-Shopify-Hmac-Sha256": hashlib.sha256(b"hex, not base64").hexdigest()},
    ],
    "slack": [
        lambda h: {**h, "X-Slack-Request-Timestamp": "yesterday"},
        lambda h: {**h, "X-Slack-Request-Timestamp": "١٧٣٦٩٣٧٦٠٠"},  # Arabic-Indic digits
        lambda h: {**h, "X-Slack-Signature": "v1=" + h["X-Slack-Signature"][3:]},
        lambda h: {**h, "X-Slack-Signature": h["X-Slack-Signature"][3:]},
    ],
    "discord": [
        lambda h: {**h, "X-Signature-Ed25519": h["X-Signature-Ed25519"][:-2]},
        lambda h: {**h, "X-Signature-Ed25519": h["X-Signature-Ed25519"][:-1] + "g"},
        lambda h: {**h, "X-Signature-Ed25519": base64.b64encode(bytes.fromhex(h["X-Signature-Ed25519"])).decode()},
        lambda h: {**h, "X-Signature-Timestamp": "1736937600.0"},
    ],
    "sendgrid": [
        lambda h: {**h, "X-Twilio-Email-Event-Webhook-Signature": "not base64!"},
        # the raw r||s form some libraries emit, not DER
        lambda h: {**h, "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(b"\x01" * 64).decode()},
        # DER with trailing bytes
        lambda h: {
            **h,
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(
                base64.b64decode(h["X-Twilio-Email-Event-Webhook-Signature"]) + b"\x00"
            ).decode(),
        },
        lambda h: {**h, "X-Twilio-Email-Event-Webhook-Timestamp": "soon"},
    ],
    "basic": [
        lambda h: {"Authorization": "Bearer " + h["Authorization"][6:]},
        lambda h: {"Authorization": "Basic"},
        lambda h: {"Authorization": "Basic !!!"},
        lambda h: {"Authorization": "Basic " + base64.b64encode(b"no colon").decode()},
    ],
}


@pytest.mark.parametrize(
    ("scheme", "index"), [(scheme, i) for scheme, cases in MALFORMED.items() for i in range(len(cases))]
)
def test_malformed_headers(scheme: str, index: int) -> None:
    headers, body = sign(scheme, BODY)
    assert reason_of(scheme, MALFORMED[scheme][index](headers), body) == "malformed_header"


def test_basic_scheme_name_is_case_insensitive() -> None:
    headers, body = sign("basic", BODY)
    assert reason_of("basic", {"authorization": "bAsIc " + headers["Authorization"][6:]}, body) is None


def _mailgun_variant(change: Callable[[dict], object]) -> bytes:
    _, body = sign("mailgun", BODY)
    document = json.loads(body)
    result = change(document)
    return result if isinstance(result, bytes) else json.dumps(document).encode()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: b"timestamp=1&token=x&signature=y",  # the legacy form-encoded webhooks
        lambda d: b"\xff\xfe not utf-8",
        lambda d: b"[" * 100_000,
        lambda d: json.dumps([d]).encode(),
        lambda d: d.pop("signature"),
        lambda d: d.__setitem__("signature", "abc"),
        lambda d: d["signature"].pop("token"),
        lambda d: d["signature"].pop("signature"),
        lambda d: d["signature"].__setitem__("timestamp", "soon"),
        lambda d: d["signature"].__setitem__("timestamp", True),
        lambda d: d["signature"].__setitem__("signature", "ab" * 31),
        lambda d: d["signature"].__setitem__("parent-signature", None),
    ],
)
def test_mailgun_malformed_bodies(change: Callable[[dict], object]) -> None:
    assert reason_of("mailgun", {}, _mailgun_variant(change)) == "malformed_body"


def test_mailgun_integer_timestamp_and_parent_signature() -> None:
    """Mailgun's table types the timestamp as int; and a subaccount's event verifies with the
    primary account's key through parent-signature."""
    _, body = sign("mailgun", BODY)
    document = json.loads(body)
    document["signature"]["timestamp"] = NOW
    assert reason_of("mailgun", {}, json.dumps(document).encode()) is None

    parent_key = "primary-account-key"
    signed = f"{NOW}{document['signature']['token']}".encode()
    document["signature"]["parent-signature"] = _hmac(parent_key.encode(), signed).hex()
    assert reason_of("mailgun", {}, json.dumps(document).encode(), secret=parent_key) is None
    assert reason_of("mailgun", {}, json.dumps(document).encode(), secret="neither") == "bad_signature"


@pytest.mark.parametrize("scheme", signatures.SCHEMES)
def test_rotated_secrets(scheme: str) -> None:
    """During rotation old and new are both configured and both pass; once the old one is
    removed, what it signed fails."""
    scheme = signatures.ALIASES.get(scheme, scheme)
    if scheme == "standard-webhooks":
        old, new = ("whsec_" + base64.b64encode(k).decode() for k in (b"old key", b"new key"))
    elif scheme == "basic":
        old, new = "hooks:old-password", "hooks:new-password"
    else:
        old, new = other_secret(scheme, "old secret"), other_secret(scheme, "new secret")
    def configured(*secrets: str) -> list[str]:
        return [public_key(scheme, s) if scheme in ASYMMETRIC else s for s in secrets]

    for secret in (old, new):
        headers, body = sign(scheme, BODY, secret=secret)
        assert reason_of(scheme, headers, body, secret=configured(new, old)) is None
    headers, body = sign(scheme, BODY, secret=old)
    assert reason_of(scheme, headers, body, secret=configured(new)) == "bad_signature"


def test_stripe_and_standard_webhooks_take_several_signatures_in_one_header() -> None:
    for scheme, name, join in (("stripe", "Stripe-Signature", ","), ("standard-webhooks", "webhook-signature", " ")):
        first = "whsec_" + base64.b64encode(b"first").decode()
        second = "whsec_" + base64.b64encode(b"second").decode()
        a, body = sign(scheme, BODY, secret=first)
        b, _ = sign(scheme, BODY, secret=second)
        extra = b[name].split(",", 1)[1] if scheme == "stripe" else b[name]
        headers = {**a, name: a[name] + join + extra}
        assert reason_of(scheme, headers, body, secret=second) is None
        assert reason_of(scheme, headers, body, secret=first) is None


def test_a_malformed_entry_does_not_hide_a_good_one() -> None:
    headers, body = sign("standard-webhooks", BODY)
    headers["webhook-signature"] = "v1,@@@ v1 " + headers["webhook-signature"]
    assert reason_of("standard-webhooks", headers, body) is None
    headers, body = sign("stripe", BODY)
    headers["Stripe-Signature"] += ",v1=short"
    assert reason_of("stripe", headers, body) is None


def test_svix_header_names() -> None:
    headers, body = sign("standard-webhooks", BODY)
    svix = {k.replace("webhook-", "svix-"): v for k, v in headers.items()}
    assert reason_of("standard-webhooks", svix, body) is None
    # webhook- names win when both are present: a bad svix- set beside them is not read.
    assert reason_of("standard-webhooks", {**headers, "svix-signature": "v1,AAAA"}, body) is None


@pytest.mark.parametrize(
    ("scheme", "secret"),
    [
        ("nonesuch", SECRET),
        ("github", ""),
        ("github", []),
        ("github", ["ok", ""]),
        ("standard-webhooks", "whsec_not base64!"),
        ("standard-webhooks", "whsec_"),
        ("basic", "no-colon"),
    ],
)
def test_configuration_errors_raise_value_error(scheme: str, secret: object) -> None:
    headers, body = sign("github", BODY)
    with pytest.raises(ValueError) as raised:
        headers = {**headers, "Authorization": "Basic eDp5"}
        signatures.verify(scheme, secret, headers, body, now=NOW)  # type: ignore[arg-type]
    assert not isinstance(raised.value, signatures.SignatureError)


def test_tolerance_must_be_a_non_negative_integer() -> None:
    headers, body = sign("github", BODY)
    with pytest.raises(ValueError):
        signatures.verify("github", SECRET, headers, body, tolerance_s=-1)


# --- the tables the construct reads at synth time ----------------------------------------


def test_header_tables_cover_every_named_scheme() -> None:
    """Every scheme but the generic one (whose headers its settings name) has its headers listed."""
    named = set(signatures.SCHEMES) - {signatures.GENERIC}
    assert set(signatures.SCHEME_HEADERS) == named == set(signatures.DELIVERY_ID_HEADERS)
    assert set(signatures.PRESETS) <= named and signatures.GENERIC in signatures.SCHEMES
    assert len(signatures.SCHEMES) == len(set(signatures.SCHEMES))


@pytest.mark.parametrize("scheme", sorted(signatures.SCHEME_HEADERS))
def test_forwarded_headers_fit_in_sqs_message_attributes(scheme: str) -> None:
    """SQS takes at most 10 message attributes; a source forwards the scheme's headers and
    its delivery-id headers."""
    headers = set(signatures.SCHEME_HEADERS[scheme]) | set(signatures.DELIVERY_ID_HEADERS[scheme])
    # Two of SQS's ten go to the API's receipt time and, on a kept copy, the rejection reason.
    assert len(headers) <= 10 - 2
    for name in headers:
        # SQS attribute names: letters, digits, hyphen, underscore, period.
        assert name and all(c.isascii() and (c.isalnum() or c in "-_.") for c in name), name


@pytest.mark.parametrize("scheme", [s for s in signatures.SCHEME_HEADERS if s != "mailgun"])
def test_scheme_headers_are_exactly_what_verification_reads(scheme: str) -> None:
    """Forwarding only SCHEME_HEADERS is enough for a genuine request to pass."""
    headers, body = sign(scheme, BODY)
    if scheme == "standard-webhooks":
        headers = {**headers, **{k.replace("webhook-", "svix-"): v for k, v in headers.items()}}
    canonical = {name.lower(): name for name in signatures.SCHEME_HEADERS[scheme]}
    # The URL is not a header: the API adds it for the schemes that sign it (URL_SCHEMES).
    added = {k: v for k, v in headers.items() if k == signatures.URL_ATTRIBUTE}
    assert bool(added) == (scheme in signatures.URL_SCHEMES)
    headers = {k: v for k, v in headers.items() if k not in added}
    assert {k.lower() for k in headers} <= set(canonical)
    forwarded = {**{canonical[k.lower()]: v for k, v in headers.items()}, **added}
    assert reason_of(scheme, forwarded, body) is None


def test_delivery_ids() -> None:
    stripe_event = {"id": "evt_1", "object": "event"}
    assert signatures.delivery_id("github", {"x-github-delivery": "d-1"}, None) == "d-1"
    assert signatures.delivery_id("stripe", {}, stripe_event) == "evt_1"
    assert signatures.delivery_id("standard-webhooks", {"webhook-id": "msg_1", "svix-id": "msg_2"}, None) == "msg_1"
    assert signatures.delivery_id("standard-webhooks", {"svix-id": "msg_2"}, None) == "msg_2"
    assert signatures.delivery_id("shopify", {"X-Shopify-Webhook-Id": "w-1"}, {}) == "w-1"
    assert signatures.delivery_id("slack", {}, {"event_id": "Ev1"}) == "Ev1"
    assert signatures.delivery_id("mailgun", {}, {"event-data": {"id": "mg-1"}, "signature": {"token": "t"}}) == "mg-1"
    assert signatures.delivery_id("mailgun", {}, {"event-data": {}, "signature": {"token": "tok"}}) == "tok"
    assert signatures.delivery_id("basic", {"Authorization": "Basic eDp5"}, {"id": "x"}) is None
    assert signatures.delivery_id("github", {}, {"id": "not from the body"}) is None
    # An override header wins, and the scheme's own still serves when it is absent.
    both = {"X-Shopify-Event-Id": "e-1", "X-Shopify-Webhook-Id": "w-1"}
    assert signatures.delivery_id("shopify", both, None, header="X-Shopify-Event-Id") == "e-1"
    only_default = {"X-Shopify-Webhook-Id": "w-1"}
    assert signatures.delivery_id("shopify", only_default, None, header="X-Shopify-Event-Id") == "w-1"
    assert signatures.delivery_id("stripe", {}, ["not", "an", "object"]) is None


def test_a_described_signature_over_the_url_and_the_form_parameters_verifies_as_twilio_signs() -> None:
    """Twilio's documented example (its security docs: token 12345, the URL, five parameters ->
    0/KCTR6DLpKmkAf8muzZqo1nDgQ=) checked by the generic scheme described as Twilio signs."""
    config = {"signature_header": "X-Twilio-Signature", "algorithm": "sha1", "encoding": "base64", "signed_payload": "{url}{form}"}
    body = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212"
    headers = {"X-Twilio-Signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", signatures.URL_ATTRIBUTE: "https://mycompany.com/myapp.php?foo=1&bar=2"}
    signatures.verify("hmac", "12345", headers, body, config=config)
    with pytest.raises(signatures.SignatureError) as raised:
        signatures.verify("hmac", "12345", headers, body.replace(b"1234&", b"1235&"), config=config)
    assert raised.value.reason == "bad_signature"
    with pytest.raises(signatures.SignatureError) as raised:
        signatures.verify("hmac", "12345", headers, b"%zz=1&&", config=config)
    assert raised.value.reason == "malformed_body"
