"""The verifier's one AWS call, Secrets Manager's GetSecretValue, against LocalStack: the
secret formats it documents, rotation, and the faults that must raise rather than reject.
Everything else about the verifier is tested without AWS in tests/verifier."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.localstack import REGION, LocalStack
from verifier.verifier_modules import handler, load_event, use_aws

GITHUB_SECRET = "It's a Secret to Everybody"  # what tests/events/pipes_sqs_github.json is signed with


@pytest.fixture
def aws_env(localstack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    """The handler's boto3 client pointed at LocalStack, as the Lambda's environment would point
    it at AWS; a fresh client and cache for each test."""
    for name in ("WEBHOOK_TOLERANCE_SECONDS", "WEBHOOK_DELIVERY_ID_HEADER", "WEBHOOK_SECRET_JSON_KEY"):
        monkeypatch.delenv(name, raising=False)
    use_aws(monkeypatch, localstack.aws_environment(), {"WEBHOOK_SCHEME": "github"})
    yield localstack


def _secret(aws: LocalStack, name: str, **value: object) -> str:
    return aws.client("secretsmanager").create_secret(Name=name, **value)["ARN"]


def test_a_json_array_secret_verifies_with_any_member(aws_env: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = _secret(aws_env, "verifier-rotation", SecretString=json.dumps(["the new one", GITHUB_SECRET]))
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", arn)
    result = handler.handler(load_event("github"), None)
    assert (result["valid"], result["reason"]) == (True, None)


def test_a_rotated_secret_is_picked_up_after_a_bad_signature(aws_env: LocalStack) -> None:
    client = aws_env.client("secretsmanager")
    arn = _secret(aws_env, "verifier-rotated", SecretString="the old one")
    now = [0.0]
    cache = handler.SecretCache(lambda: handler._fetch_secret_string(arn), clock=lambda: now[0])
    config = handler.Config("github", arn)
    record = handler.parse_record(load_event("github"))
    assert handler.verdict(record, config, cache)["reason"] == "bad_signature"

    client.put_secret_value(SecretId=arn, SecretString=GITHUB_SECRET)
    now[0] += handler.REFRESH_AFTER_SECONDS
    assert handler.verdict(record, config, cache)["valid"] is True


def test_a_missing_secret_raises(aws_env: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    monkeypatch.setenv("WEBHOOK_SECRET_ARN", f"arn:aws:secretsmanager:{REGION}:000000000000:secret:absent-AbCdEf")
    with pytest.raises(ClientError) as raised:
        handler.handler(load_event("github"), None)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_binary_secret_raises(aws_env: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", _secret(aws_env, "verifier-binary", SecretBinary=b"\x00\x01"))
    with pytest.raises(ValueError, match="binary"):
        handler.handler(load_event("github"), None)


def test_a_key_value_secret_is_read_under_its_key(aws_env: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the Secrets Manager console stores for a key/value secret: a JSON object."""
    arn = _secret(aws_env, "verifier-key-value", SecretString=json.dumps({"secret": GITHUB_SECRET, "note": "x"}))
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", arn)
    assert handler.handler(load_event("github"), None)["valid"] is True
    other = _secret(aws_env, "verifier-key-value-custom", SecretString=json.dumps({"github": [GITHUB_SECRET, "next"]}))
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", other)
    monkeypatch.setenv("WEBHOOK_SECRET_JSON_KEY", "github")
    monkeypatch.setattr(handler, "_state", None)
    assert handler.handler(load_event("github"), None)["valid"] is True


def test_a_key_value_secret_without_the_key_is_a_fault_not_a_rejection(
    aws_env: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judging with the whole object as the secret would reject every genuine delivery; raising
    keeps them in the queue (then the DLQ) until the secret is fixed."""
    arn = _secret(aws_env, "verifier-key-value-wrong", SecretString=json.dumps({"token": GITHUB_SECRET}))
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", arn)
    with pytest.raises(ValueError, match="without the key 'secret'"):
        handler.handler(load_event("github"), None)
