"""verify() against signatures made by someone else: the providers' published test vectors,
their own libraries (stripe, standardwebhooks, svix) and OpenSSL. Our code never signs
what it then checks here."""

from __future__ import annotations

import base64
import subprocess
import urllib.request
from datetime import datetime, timezone

import pytest
import standardwebhooks
import stripe
import svix
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier_modules import signatures

SignatureError = signatures.SignatureError


def reason_of(*args: object, **kwargs: object) -> str | None:
    try:
        signatures.verify(*args, **kwargs)
    except SignatureError as error:
        return error.reason
    return None


def openssl_hmac(key: str, data: bytes) -> bytes:
    """HMAC-SHA256 by the openssl binary: an implementation that shares nothing with ours."""
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", key, "-binary"], input=data, capture_output=True, check=True
    )
    return result.stdout


# --- published vectors ------------------------------------------------------------------

# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
# ("Testing the webhook payload validation")
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_PAYLOAD = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

# https://api.slack.com/authentication/verifying-requests-from-slack (the worked example)
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TIMESTAMP = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_github_documented_vector() -> None:
    signatures.verify("github", GITHUB_SECRET, {"X-Hub-Signature-256": GITHUB_SIGNATURE}, GITHUB_PAYLOAD)
    assert reason_of("github", GITHUB_SECRET, {"X-Hub-Signature-256": GITHUB_SIGNATURE}, b"Hello, World?") == (
        "bad_signature"
    )


def test_slack_documented_vector() -> None:
    headers = {"X-Slack-Request-Timestamp": SLACK_TIMESTAMP, "X-Slack-Signature": SLACK_SIGNATURE}
    signatures.verify("slack", SLACK_SECRET, headers, SLACK_BODY, now=float(SLACK_TIMESTAMP))
    # The same request five minutes and one second later is a replay.
    assert reason_of("slack", SLACK_SECRET, headers, SLACK_BODY, now=float(SLACK_TIMESTAMP) + 301) == (
        "timestamp_expired"
    )


def test_openssl_agrees_with_the_published_vectors() -> None:
    """The oracle used below is checked against the providers' own numbers first."""
    assert "sha256=" + openssl_hmac(GITHUB_SECRET, GITHUB_PAYLOAD).hex() == GITHUB_SIGNATURE
    signed = b"v0:" + SLACK_TIMESTAMP.encode() + b":" + SLACK_BODY
    assert "v0=" + openssl_hmac(SLACK_SECRET, signed).hex() == SLACK_SIGNATURE


# --- OpenSSL as the oracle where no library is at hand -----------------------------------

BODIES = [
    b"",
    b'{"id":820982911946154508,"email":"jon@example.com"}',
    "{\"note\":\"naïve café, Grüße, 日本語, 🎉\"}\n".encode(),
    b"line one\r\nline two\n\ttabbed",
]


@pytest.mark.parametrize("body", BODIES)
def test_shopify_accepts_openssl_signatures(body: bytes) -> None:
    # https://shopify.dev/docs/apps/build/webhooks/verify-deliveries: base64 HMAC-SHA256 of
    # the raw body, keyed with the app's client secret. Shopify publishes no vector.
    secret = "shpss_0123456789abcdef"
    header = base64.b64encode(openssl_hmac(secret, body)).decode()
    signatures.verify("shopify", secret, {"X-Shopify-Hmac-Sha256": header}, body)
    assert reason_of("shopify", "shpss_other", {"X-Shopify-Hmac-Sha256": header}, body) == "bad_signature"


@pytest.mark.parametrize("body_note", ["plain", "naïve café 🎉"])
def test_mailgun_accepts_openssl_signatures(body_note: str) -> None:
    # https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks:
    # hex HMAC-SHA256 of timestamp + token with the webhook signing key. The page's example
    # signature is illustrative (it does not verify), so OpenSSL makes ours.
    import json

    key, timestamp = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0", 1770920772
    token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
    digest = openssl_hmac(key, f"{timestamp}{token}".encode()).hex()
    body = json.dumps(
        {"signature": {"timestamp": str(timestamp), "token": token, "signature": digest},
         "event-data": {"id": "CPgfbmQMTCKtHW6uIWtuVe", "event": "delivered", "note": body_note}},
        ensure_ascii=False,
    ).encode()
    signatures.verify("mailgun", key, {}, body, now=timestamp)
    assert reason_of("mailgun", "key-wrong", {}, body, now=timestamp) == "bad_signature"


def test_basic_accepts_the_header_urllib_sends() -> None:
    """urllib's HTTPBasicAuthHandler is the independent encoder of the Authorization header."""
    # With prior auth, the handler adds the header to the request itself, without a 401 first.
    passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
    passwords.add_password(None, "https://hooks.example.com/", "hooks", "s3cr3t:with:colons", is_authenticated=True)
    request = urllib.request.HTTPBasicAuthHandler(passwords).https_request(
        urllib.request.Request("https://hooks.example.com/events")
    )
    header = request.get_header("Authorization")
    assert header and header.startswith("Basic ")
    signatures.verify("basic", "hooks:s3cr3t:with:colons", {"Authorization": header}, b"{}")
    assert reason_of("basic", "hooks:other", {"Authorization": header}, b"{}") == "bad_signature"


# --- Stripe: its library signs, and its verdict must match ours ---------------------------

STRIPE_SECRET = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
NOW = 1_736_937_600


def stripe_accepts(body: str, header: str, secret: str, now: float) -> bool:
    """Stripe's verify_header reads the wall clock; pin it to `now`."""
    real_time = stripe._webhook.time.time
    stripe._webhook.time.time = lambda: now
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)
        return True
    except stripe.SignatureVerificationError:
        return False
    finally:
        stripe._webhook.time.time = real_time


STRIPE_BODY = '{"id":"evt_1","object":"event","type":"charge.succeeded","data":{"object":{"note":"café 🎉"}}}'


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("untouched", None),
        ("body changed", "bad_signature"),
        ("wrong secret", "bad_signature"),
        ("signature changed", "bad_signature"),
        ("timestamp changed", "bad_signature"),
        ("301 s old", "timestamp_expired"),
        ("300 s old", None),
        ("no v1", "malformed_header"),
        ("no t", "malformed_header"),
    ],
)
def test_stripe_library_and_ours_agree(case: str, reason: str | None) -> None:
    body, secret, now, signed_at = STRIPE_BODY, STRIPE_SECRET, float(NOW), NOW
    if case == "301 s old":
        signed_at = NOW - 301
    if case == "300 s old":
        signed_at = NOW - 300
    header = stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET, signed_at)
    if case == "body changed":
        body = body.replace("café", "cafe")
    elif case == "wrong secret":
        secret = "whsec_test_other"
    elif case == "signature changed":
        header = header[:-1] + ("0" if header[-1] != "0" else "1")
    elif case == "timestamp changed":
        header = header.replace(f"t={signed_at}", f"t={signed_at + 1}")
    elif case == "no v1":
        header = header.split(",")[0]
    elif case == "no t":
        header = header.split(",", 1)[1]
    ours = reason_of("stripe", secret, {"Stripe-Signature": header}, body.encode(), now=now)
    assert ours == reason
    assert stripe_accepts(body, header, secret, now) is (reason is None)


def test_stripe_several_v1_signatures_and_v0_are_honoured() -> None:
    """While a secret is rolled Stripe signs with both and sends two v1 entries (and test-mode
    events carry a v0 entry, which is ignored)."""
    old, new = "whsec_old_secret", "whsec_new_secret"
    by_old = stripe.WebhookSignature.generate_signature_header(STRIPE_BODY, old, NOW)
    by_new = stripe.WebhookSignature.generate_signature_header(STRIPE_BODY, new, NOW)
    header = f"{by_old},{by_new.split(',')[1]},v0={'ab' * 32}"
    for secret in (old, new):
        assert reason_of("stripe", secret, {"Stripe-Signature": header}, STRIPE_BODY.encode(), now=NOW) is None
        assert stripe_accepts(STRIPE_BODY, header, secret, NOW)
    assert reason_of("stripe", "whsec_third", {"Stripe-Signature": header}, STRIPE_BODY.encode(), now=NOW) == (
        "bad_signature"
    )


def test_stripe_future_timestamp_is_ours_alone() -> None:
    """Stripe's library checks only the past side of the window; we check both, as Slack and
    Standard Webhooks do, so a header dated ahead is refused here and passes there."""
    header = stripe.WebhookSignature.generate_signature_header(STRIPE_BODY, STRIPE_SECRET, NOW + 301)
    assert reason_of("stripe", STRIPE_SECRET, {"Stripe-Signature": header}, STRIPE_BODY.encode(), now=NOW) == (
        "timestamp_in_future"
    )
    assert stripe_accepts(STRIPE_BODY, header, STRIPE_SECRET, NOW)


# --- Standard Webhooks and Svix: their libraries sign; verdicts must match --------------

WH_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def standard_headers(
    msg_id: str, timestamp: int, body: str, secret: str = WH_SECRET, prefix: str = "webhook-"
) -> dict[str, str]:
    signature = standardwebhooks.Webhook(secret).sign(msg_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), body)
    return {prefix + "id": msg_id, prefix + "timestamp": str(timestamp), prefix + "signature": signature}


def library_accepts(body: str, headers: dict[str, str], secret: str = WH_SECRET) -> bool:
    """standardwebhooks (and svix, which wraps it) verify against the wall clock."""
    try:
        if any(name.startswith("svix-") for name in headers):
            svix.Webhook(secret).verify(body, headers)
        else:
            standardwebhooks.Webhook(secret).verify(body, headers, json_parse=False)
        return True
    except (standardwebhooks.webhooks.WebhookVerificationError, svix.webhooks.WebhookVerificationError):
        return False


@settings(max_examples=50, deadline=None)
@given(
    body=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    msg_id=st.from_regex(r"msg_[A-Za-z0-9]{1,27}", fullmatch=True),
    prefix=st.sampled_from(["webhook-", "svix-"]),
)
def test_standard_webhooks_library_signatures_pass_and_alterations_fail(body: str, msg_id: str, prefix: str) -> None:
    import time

    now = int(time.time())
    headers = standard_headers(msg_id, now, body, prefix=prefix)
    assert library_accepts(body, headers)
    assert reason_of("standard-webhooks", WH_SECRET, headers, body.encode(), now=now) is None

    altered_body = body + "\n"
    assert not library_accepts(altered_body, headers)
    assert reason_of("standard-webhooks", WH_SECRET, headers, altered_body.encode(), now=now) == "bad_signature"

    altered_id = {**headers, prefix + "id": msg_id + "x"}
    assert not library_accepts(body, altered_id)
    assert reason_of("standard-webhooks", WH_SECRET, altered_id, body.encode(), now=now) == "bad_signature"


def test_standard_webhooks_secret_without_prefix_or_padding() -> None:
    """The standardwebhooks library takes the base64 key with or without whsec_ and padding;
    so do we, and all three spellings are the same key."""
    body, now = '{"a":1}', 1_736_937_600
    headers = standard_headers("msg_1", now, body)
    bare = WH_SECRET.removeprefix("whsec_")
    for secret in (WH_SECRET, bare, bare.rstrip("=")):
        assert reason_of("standard-webhooks", secret, headers, body.encode(), now=now) is None
    # A key whose base64 needs padding, given without it.
    key = base64.b64encode(b"sixteen byte key!").decode()
    assert key.endswith("=")
    headers = standard_headers("msg_1", now, body, secret=key)
    assert reason_of("standard-webhooks", key.rstrip("="), headers, body.encode(), now=now) is None


@pytest.mark.parametrize(
    ("offset", "reason", "library"),
    [
        (0, None, True),
        (-299, None, True),
        (299, None, True),
        (-400, "timestamp_expired", False),
        (400, "timestamp_in_future", False),
    ],
)
def test_standard_webhooks_window_matches_the_library(offset: int, reason: str | None, library: bool) -> None:
    import time

    now = int(time.time())
    headers = standard_headers("msg_window", now + offset, "{}")
    assert reason_of("standard-webhooks", WH_SECRET, headers, b"{}", now=now) == reason
    assert library_accepts("{}", headers) is library


def test_standard_webhooks_several_signatures_and_other_versions() -> None:
    body, now = '{"rotate":true}', 1_736_937_600
    old = standard_headers("msg_r", now, body, secret="whsec_" + base64.b64encode(b"old key").decode())
    new = standard_headers("msg_r", now, body, secret="whsec_" + base64.b64encode(b"new key").decode())
    signature = f"v1a,{'A' * 86}== {old['webhook-signature']} {new['webhook-signature']}"
    headers = {**new, "webhook-signature": signature}
    for raw in (b"old key", b"new key"):
        secret = "whsec_" + base64.b64encode(raw).decode()
        assert reason_of("standard-webhooks", secret, headers, body.encode(), now=now) is None
    gone = "whsec_" + base64.b64encode(b"gone").decode()
    assert reason_of("standard-webhooks", gone, headers, body.encode(), now=now) == "bad_signature"
