"""The Verify Lambda on recorded Pipes SQS records (tests/events), with the Secrets Manager
call replaced by an injected fetcher and the cache's clock by a fake one."""

from __future__ import annotations

import copy
import json

import pytest

from verifier_modules import handler, headers_of, load_event, received_at, sent_at, signatures

# The secret each recorded event was signed with (see tests/events/pipes_sqs_*.json).
FIXTURES = {
    "github": ("github", "It's a Secret to Everybody", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    "github_form": ("github", "It's a Secret to Everybody", "a0d2e4b8-cc78-11e3-81ab-4c9367dc0958"),
    "stripe": ("stripe", "whsec_test_fixture_8Jc2kqXH4Zt0", "evt_1NG8Du2eZvKYlo2CUI79vXWy"),
    "standard_webhooks": (
        "standard-webhooks",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    ),
    "svix": ("standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
    "shopify": ("shopify", "shpss_fixture_4f0c1b2a", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
    "slack": ("slack", "8f742231b10e8888abcd99yyyzzz85a5", "Ev08MFMKH6"),
    "mailgun": ("mailgun", "key-fixture-0123456789abcdef", "CPgfbmQMTCKtHW6uIWtuVe"),
    "basic": ("basic", "hooks:s3cr3t-pässword", None),
}
RESULT_KEYS = {"valid", "reason", "messageId", "deliveryId", "event", "body", "rejected"}
RECEIVED = signatures.RECEIVED_AT_ATTRIBUTE
REASON = signatures.REJECTED_REASON_ATTRIBUTE
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-abc123"


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeSecret:
    """Secrets Manager's SecretString, changeable mid-test, counting fetches."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.fetches = 0

    def __call__(self) -> str:
        self.fetches += 1
        return self.value


def run(record: dict, scheme: str, secret: str, **config: object) -> dict:
    cache = handler.SecretCache(FakeSecret(secret), clock=FakeClock())
    return handler.verdict(handler.parse_record(record), handler.Config(scheme, ARN, **config), cache)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_recorded_events_verify(name: str) -> None:
    scheme, secret, delivery = FIXTURES[name]
    record = load_event(name)
    result = run(record, scheme, secret)
    assert set(result) == RESULT_KEYS
    assert result["valid"] is True and result["reason"] is None
    assert result["messageId"] == record["messageId"]
    assert result["deliveryId"] == delivery
    body = record["body"]
    # A JSON body travels parsed; the form-encoded one as text. Never both, never neither.
    assert result["event"] == (json.loads(body) if name != "github_form" else None)
    assert result["body"] == (None if name != "github_form" else body)
    assert result["rejected"] is None


def test_recorded_events_carry_the_pipes_sqs_shape() -> None:
    """Each fixture is a record as Pipes delivers it (the AWS example at
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-sqs.html) and forwards
    only the headers the construct would: the scheme's, plus its delivery-id header."""
    for name, (scheme, _, _) in FIXTURES.items():
        record = load_event(name)
        assert {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                "eventSource", "eventSourceARN", "awsRegion"} <= set(record)
        assert record["eventSource"] == "aws:sqs" and isinstance(record["body"], str)
        for attribute_name, attribute in record["messageAttributes"].items():
            kind = "Number" if attribute_name == RECEIVED else "String"
            assert attribute["dataType"] == kind and isinstance(attribute["stringValue"], str)
        allowed = set(signatures.SCHEME_HEADERS[scheme]) | set(signatures.DELIVERY_ID_HEADERS[scheme]) | {RECEIVED}
        assert set(record["messageAttributes"]) <= allowed, name
        # The API received each request a moment before SQS accepted it.
        assert 0 < sent_at(record) - received_at(record) < 1, name


def test_the_window_is_measured_when_the_api_received_the_request() -> None:
    """The recorded events were signed in January 2025 and still pass: a backlogged or retried
    message arrived fresh. A redriven one too: SQS gives a message moved back from the DLQ a
    new messageId and SentTimestamp (SQS developer guide, "Configure a dead-letter queue
    redrive": "All redriven messages are considered new messages with a new messageID and
    enqueueTime"), here a day later, but the API's receipt time travels with it."""
    secret = FIXTURES["stripe"][1]
    record = load_event("stripe")
    assert run(record, "stripe", secret)["valid"] is True
    redriven = copy.deepcopy(record)
    redriven["messageId"] = "0f4c4c1e-6a3b-4a35-9d1a-7d3f0b5e2c11"
    redriven["attributes"]["SentTimestamp"] = str(int(sent_at(record) * 1000) + 86_400_000)
    assert run(redriven, "stripe", secret)["valid"] is True
    # A message queued before the attribute existed falls back to its SentTimestamp ...
    del redriven["messageAttributes"][RECEIVED]
    assert run(redriven, "stripe", secret)["reason"] == "timestamp_expired"
    legacy = copy.deepcopy(record)
    del legacy["messageAttributes"][RECEIVED]
    assert run(legacy, "stripe", secret)["valid"] is True
    # ... and without either, the wall clock decides, and the recorded events are old.
    del legacy["attributes"]["SentTimestamp"]
    assert run(legacy, "stripe", secret)["reason"] == "timestamp_expired"


@pytest.mark.parametrize("value", ["", "soon", "-5", "1.5e12", "１２３"])
def test_a_malformed_receipt_time_falls_back_to_sent_timestamp(value: str) -> None:
    record = load_event("stripe")
    record["attributes"]["SentTimestamp"] = str(int(received_at(record) * 1000) + 86_400_000)
    record["messageAttributes"][RECEIVED]["stringValue"] = value
    assert run(record, "stripe", FIXTURES["stripe"][1])["reason"] == "timestamp_expired"


def test_the_receipt_time_is_read_only_from_a_number_attribute() -> None:
    """A String attribute of that name would be a header, and no header name holds a '.'."""
    record = load_event("stripe")
    record["messageAttributes"][RECEIVED]["dataType"] = "String"
    record["attributes"]["SentTimestamp"] = str(int(received_at(record) * 1000) + 86_400_000)
    parsed = handler.parse_record(record)
    assert parsed.received_at is None and RECEIVED not in parsed.headers
    assert run(record, "stripe", FIXTURES["stripe"][1])["reason"] == "timestamp_expired"


def test_a_replay_received_later_is_expired() -> None:
    record = load_event("slack")
    shifted = str(int(received_at(record) * 1000) + 400_000)
    record["messageAttributes"][RECEIVED]["stringValue"] = shifted
    record["attributes"]["SentTimestamp"] = shifted
    result = run(record, "slack", FIXTURES["slack"][1])
    assert (result["valid"], result["reason"]) == (False, "timestamp_expired")


@pytest.mark.parametrize("name", ["github", "shopify", "svix"])
def test_a_tampered_body_is_rejected_with_its_reason(name: str) -> None:
    scheme, secret, delivery = FIXTURES[name]
    record = load_event(name)
    record["body"] = record["body"].replace("1", "2", 1)
    result = run(record, scheme, secret)
    assert set(result) == RESULT_KEYS
    kept = {
        attribute: {"DataType": a["dataType"], "StringValue": a["stringValue"]}
        for attribute, a in record["messageAttributes"].items()
    }
    assert result == {
        "valid": False,
        "reason": "bad_signature",
        "messageId": record["messageId"],
        "deliveryId": delivery,
        # An invalid verdict carries the body as it came, never parsed, and what the workflow
        # needs to keep it: every attribute as it came, plus the reason.
        "event": None,
        "body": record["body"],
        "rejected": {
            "MessageAttributes": {**kept, REASON: {"DataType": "String", "StringValue": "bad_signature"}},
            # The shopify fixture comes from a FIFO queue.
            "MessageGroupId": record["attributes"].get("MessageGroupId"),
        },
    }


def test_a_fifo_record_is_kept_in_its_group() -> None:
    record = load_event("github")
    record["attributes"].update({"MessageGroupId": "octo-org%2Fhello", "MessageDeduplicationId": "d-1", "SequenceNumber": "1"})
    result = run(record, "github", "not the secret")
    assert result["reason"] == "bad_signature"
    assert result["rejected"]["MessageGroupId"] == "octo-org%2Fhello"
    # The raw body, and the very attributes SQS stored, go to the rejected queue.
    assert result["body"] == record["body"]
    assert set(result["rejected"]["MessageAttributes"]) == set(record["messageAttributes"]) | {REASON}


def test_missing_attribute_is_missing_header() -> None:
    record = load_event("github")
    del record["messageAttributes"]["X-Hub-Signature-256"]
    result = run(record, "github", FIXTURES["github"][1])
    assert (result["valid"], result["reason"], set(result)) == (False, "missing_header", RESULT_KEYS)


def test_attribute_names_are_matched_case_insensitively() -> None:
    record = load_event("github")
    record["messageAttributes"] = {k.lower(): v for k, v in record["messageAttributes"].items()}
    assert run(record, "github", FIXTURES["github"][1])["valid"] is True


def test_messages_without_attributes_and_binary_attributes() -> None:
    record = load_event("mailgun")
    del record["messageAttributes"]
    assert run(record, "mailgun", FIXTURES["mailgun"][1])["valid"] is True
    record = load_event("github")
    record["messageAttributes"]["X-Hub-Signature-256"] = {"binaryValue": "AAAA", "dataType": "Binary"}
    assert run(record, "github", FIXTURES["github"][1])["reason"] == "missing_header"


@pytest.mark.parametrize("body", ["", "not json", '{"a": NaN}', "[" * 50_000, '"a string"'])
def test_event_is_null_unless_the_body_is_json(body: str) -> None:
    record = load_event("basic")
    record["body"] = body
    result = run(record, "basic", FIXTURES["basic"][1])
    assert result["valid"] is True  # basic does not sign the body
    assert result["event"] == ("a string" if body == '"a string"' else None)
    assert result["body"] == (None if body == '"a string"' else body)
    json.dumps(result, allow_nan=False)  # what the Lambda runtime returns must be strict JSON


@pytest.mark.parametrize(
    "event",
    [None, [], "body", {"messageId": "m-1"}, {"messageId": "m-1", "body": 42}, {"body": "x"},
     {"messageId": "m-1", "body": "x", "messageAttributes": ["not", "a", "map"]}],
)
def test_a_record_that_is_not_sqs_shaped_raises(event: object) -> None:
    """A wiring fault, not a verdict: rejecting would delete the message, raising keeps it."""
    with pytest.raises(handler.MalformedRecord):
        handler.parse_record(event)


# --- secrets and the cache ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secrets"),
    [("abc", ("abc",)), ("  abc\n", ("abc",)), ('["new", "old"]', ("new", "old")), (' [ "only" ] ', ("only",))],
)
def test_secret_formats(text: str, secrets: tuple[str, ...]) -> None:
    assert handler.parse_secret(text) == secrets


@pytest.mark.parametrize("text", ["", "   ", "[]", '["ok", ""]', "[1, 2]", "[not json"])
def test_bad_secret_values_raise(text: str) -> None:
    with pytest.raises(ValueError):
        handler.parse_secret(text)


def test_rotation_through_a_json_array() -> None:
    scheme, secret, _ = FIXTURES["shopify"]
    assert run(load_event("shopify"), scheme, json.dumps(["shpss_new", secret]))["valid"] is True
    assert run(load_event("shopify"), scheme, json.dumps(["shpss_new"]))["reason"] == "bad_signature"


def test_cache_expires_after_its_ttl() -> None:
    clock, secret = FakeClock(), FakeSecret("one")
    cache = handler.SecretCache(secret, ttl_s=300, clock=clock)
    assert cache.get() == ("one",)
    clock.now += 299
    secret.value = "two"
    assert cache.get() == ("one",) and secret.fetches == 1
    clock.now += 1
    assert cache.get() == ("two",) and secret.fetches == 2


def test_a_bad_signature_refetches_a_rotated_secret_once() -> None:
    scheme, real, _ = FIXTURES["github"]
    clock, secret = FakeClock(), FakeSecret("the old secret")
    cache = handler.SecretCache(secret, ttl_s=300, refresh_after_s=30, clock=clock)
    config = handler.Config(scheme, ARN)
    record = handler.parse_record(load_event("github"))

    # Fresh cache (under 30 s old): a bad signature is the verdict, no refetch.
    assert handler.verdict(record, config, cache)["reason"] == "bad_signature"
    assert secret.fetches == 1
    secret.value = real
    clock.now += 29
    assert handler.verdict(record, config, cache)["reason"] == "bad_signature"
    assert secret.fetches == 1

    # 30 s on, the rotated secret is fetched once and the same request passes.
    clock.now += 1
    assert handler.verdict(record, config, cache)["valid"] is True
    assert secret.fetches == 2


def test_forgeries_cannot_hammer_secrets_manager() -> None:
    clock, secret = FakeClock(), FakeSecret("whatever")
    cache = handler.SecretCache(secret, ttl_s=300, refresh_after_s=30, clock=clock)
    config = handler.Config("github", ARN)
    record = handler.parse_record(load_event("github"))
    for _ in range(100):
        clock.now += 1
        assert handler.verdict(record, config, cache)["reason"] == "bad_signature"
    # One initial fetch, then at most one per 30 s.
    assert secret.fetches <= 1 + 100 // 30


def test_a_secrets_manager_failure_raises() -> None:
    def unreachable() -> str:
        raise ConnectionError("secretsmanager unreachable")

    cache = handler.SecretCache(unreachable, clock=FakeClock())
    with pytest.raises(ConnectionError):
        handler.verdict(handler.parse_record(load_event("github")), handler.Config("github", ARN), cache)


# --- the handler entry point ----------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> FakeSecret:
    scheme, secret, _ = FIXTURES["github"]
    fake = FakeSecret(secret)
    fetched_arns: list[str] = []

    def fetch(arn: str) -> str:
        fetched_arns.append(arn)
        return fake()

    monkeypatch.setattr(handler, "_fetch_secret_string", fetch)
    monkeypatch.setattr(handler, "_state", None)
    monkeypatch.setenv("WEBHOOK_SCHEME", scheme)
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", ARN)
    for name in (
        "WEBHOOK_TOLERANCE_SECONDS",
        "WEBHOOK_DELIVERY_ID_HEADER",
        "WEBHOOK_SECRET_CACHE_SECONDS",
        "WEBHOOK_SECRET_JSON_KEY",
        "WEBHOOK_HMAC",
        "WEBHOOK_SIGNED_URL",
        "WEBHOOK_PUBLIC_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    fake.arns = fetched_arns  # type: ignore[attr-defined]
    return fake


def test_handler_end_to_end_logs_one_line_without_body_or_secret(
    environment: FakeSecret, capsys: pytest.CaptureFixture[str]
) -> None:
    record = load_event("github")
    result = handler.handler(copy.deepcopy(record), None)
    assert result["valid"] is True and set(result) == RESULT_KEYS
    handler.handler(copy.deepcopy(record), None)
    assert environment.fetches == 1 and environment.arns == [ARN]  # type: ignore[attr-defined]

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    logged = json.loads(lines[0])
    assert logged == {
        "messageId": record["messageId"],
        "deliveryId": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "scheme": "github",
        "valid": True,
        "reason": None,
    }
    assert environment.value not in lines[0] and "Found a bug" not in lines[0]


def test_handler_delivery_id_override(environment: FakeSecret, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_DELIVERY_ID_HEADER", "X-Request-Id")
    record = load_event("github")
    record["messageAttributes"]["X-Request-Id"] = {"stringValue": "req-9", "dataType": "String"}
    assert handler.handler(record, None)["deliveryId"] == "req-9"


def test_handler_tolerance_from_the_environment(environment: FakeSecret, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SCHEME", "slack")
    environment.value = FIXTURES["slack"][1]
    record = load_event("slack")
    record["messageAttributes"][RECEIVED]["stringValue"] = str(int(received_at(record) * 1000) + 100_000)
    assert handler.handler(copy.deepcopy(record), None)["valid"] is True
    monkeypatch.setenv("WEBHOOK_TOLERANCE_SECONDS", "60")
    assert handler.handler(copy.deepcopy(record), None)["reason"] == "timestamp_expired"


@pytest.mark.parametrize(
    "env",
    [
        {"WEBHOOK_SCHEME": ""},
        {"WEBHOOK_SCHEME": "nonesuch"},
        {"WEBHOOK_SCHEME": "hmac"},
        {"WEBHOOK_SCHEME": "hmac", "WEBHOOK_HMAC": "X-Hub-Signature-256"},
        {"WEBHOOK_SCHEME": "hmac", "WEBHOOK_HMAC": '["X-Hub-Signature-256"]'},
        {"WEBHOOK_SCHEME": "hmac", "WEBHOOK_HMAC": '{"signature_header": "X-Hub-Signature-256", "algorithm": "md5"}'},
        {"WEBHOOK_HMAC": '{"signature_header": "X-Hub-Signature-256"}'},
        {"WEBHOOK_SECRET_ARN": ""},
        {"WEBHOOK_TOLERANCE_SECONDS": "five minutes"},
        {"WEBHOOK_SECRET_CACHE_SECONDS": "-1"},
    ],
)
def test_handler_misconfiguration_raises(environment: FakeSecret, monkeypatch: pytest.MonkeyPatch, env: dict) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        handler.handler(load_event("github"), None)


def test_headers_helper_matches_the_handlers_parsing() -> None:
    record = load_event("standard_webhooks")
    assert handler.parse_record(record).headers == headers_of(record)


def test_the_generic_scheme_reads_its_settings_from_the_environment(
    environment: FakeSecret, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub's recorded delivery, verified by the generic scheme described as GitHub signs."""
    monkeypatch.setenv("WEBHOOK_SCHEME", "hmac")
    monkeypatch.setenv(
        "WEBHOOK_HMAC",
        json.dumps({"signature_header": "X-Hub-Signature-256", "signature_prefix": "sha256=", "id_header": "X-GitHub-Delivery"}),
    )
    record = load_event("github")
    result = handler.handler(copy.deepcopy(record), None)
    assert (result["valid"], result["deliveryId"]) == (True, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
    record["body"] = record["body"].replace("}", " }", 1)
    assert handler.handler(record, None)["reason"] == "bad_signature"


def test_a_scheme_that_signs_the_url_reads_it_from_the_record_or_the_configured_one(
    environment: FakeSecret, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Square's signature covers the notification URL: the API's webhook.url attribute carries
    it; WEBHOOK_SIGNED_URL (Processing.signed_url) replaces it when a proxy sits in front."""
    import base64
    import hashlib
    import hmac as hmac_module

    called = "https://hooks.example.com/webhooks/square"
    record = load_event("github")
    body = record["body"]
    signature = base64.b64encode(
        hmac_module.new(b"square-key", (called + body).encode(), hashlib.sha256).digest()
    ).decode()
    record["messageAttributes"] = {
        signatures.RECEIVED_AT_ATTRIBUTE: record["messageAttributes"][signatures.RECEIVED_AT_ATTRIBUTE],
        "x-square-hmacsha256-signature": {"stringValue": signature, "dataType": "String"},
        signatures.URL_ATTRIBUTE: {"stringValue": called, "dataType": "String"},
    }
    monkeypatch.setenv("WEBHOOK_SCHEME", "square")
    environment.value = "square-key"
    assert handler.handler(copy.deepcopy(record), None)["valid"] is True
    proxied = copy.deepcopy(record)
    proxied["messageAttributes"][signatures.URL_ATTRIBUTE]["stringValue"] = "https://abc.execute-api.eu-west-1.amazonaws.com/v1/webhooks/square"
    assert handler.handler(copy.deepcopy(proxied), None)["reason"] == "bad_signature"
    monkeypatch.setenv("WEBHOOK_SIGNED_URL", called)
    monkeypatch.setattr(handler, "_state", None)
    assert handler.handler(proxied, None)["valid"] is True


def test_a_public_key_from_the_environment_needs_no_secret(environment: FakeSecret, monkeypatch: pytest.MonkeyPatch) -> None:
    """Discord: Ed25519 over timestamp + body, signed here by OpenSSL (cryptography)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    record = load_event("github")
    stamp = str(int(received_at(record)))
    record["messageAttributes"] = {
        signatures.RECEIVED_AT_ATTRIBUTE: record["messageAttributes"][signatures.RECEIVED_AT_ATTRIBUTE],
        "X-Signature-Ed25519": {"stringValue": key.sign(stamp.encode() + record["body"].encode()).hex(), "dataType": "String"},
        "X-Signature-Timestamp": {"stringValue": stamp, "dataType": "String"},
    }
    monkeypatch.setenv("WEBHOOK_SCHEME", "discord")
    monkeypatch.delenv("WEBHOOK_SECRET_ARN")
    monkeypatch.setenv("WEBHOOK_PUBLIC_KEY", public)
    assert handler.handler(copy.deepcopy(record), None)["valid"] is True
    assert environment.fetches == 0  # type: ignore[attr-defined]
    record["body"] = record["body"].replace("}", " }", 1)
    assert handler.handler(record, None)["reason"] == "bad_signature"
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", ARN)
    with pytest.raises(ValueError, match="both set"):
        handler.handler(load_event("github"), None)
