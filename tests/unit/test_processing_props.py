"""`Processing` props: checked before any resource exists, with the AWS rules they encode."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from constructs_lib import ProcessCode, Processing, PropsError, WebhookIngestProps
from constructs_lib.naming import pipeline_names
from constructs_lib.prop_errors import parse_props
from constructs_lib.verifier_schemes import PROCESSOR_DIR, default_delivery_id_headers, scheme_headers, schemes

ARN = "arn:aws:lambda:us-east-1:123456789012:function:process"


class Body(BaseModel):
    event: str


def props(processing: dict | None = None, name: str = "acme", **source: object) -> dict:
    processing = {"scheme": "github", "process": {"function_arn": ARN}} if processing is None else processing
    return {"name": name, "sources": [{"name": "gh", "model": Body, "processing": processing, **source}]}


def error_of(value: dict) -> str:
    """The PropsError for these props, which must be the same whether they come as a dict or
    the props object is built directly."""
    with pytest.raises(PropsError) as caught:
        parse_props(WebhookIngestProps, value)
    with pytest.raises(PropsError) as built:
        WebhookIngestProps(**value)
    assert str(built.value) == str(caught.value)
    return str(caught.value)


def test_every_field_documents_its_default() -> None:
    for name, info in Processing.model_fields.items():
        assert info.description and len(info.description) > 20, name


def test_schemes_come_from_the_verifier_itself() -> None:
    # The verifier module is the one source of truth; the library reads it at synth time.
    coded = {"github", "stripe", "standard-webhooks", "shopify", "slack", "mailgun", "basic"}
    assert coded | {"hmac"} <= set(schemes())
    for scheme in set(schemes()) - {"hmac"}:
        assert all(isinstance(h, str) and h for h in scheme_headers(scheme))


def test_a_scheme_forwards_its_signature_headers_and_delivery_id() -> None:
    source = parse_props(WebhookIngestProps, props(forward_headers=["X-GitHub-Event"])).sources[0]
    assert source.delivery_headers == ("X-GitHub-Delivery",) == default_delivery_id_headers("github")
    assert source.attribute_headers == ("X-GitHub-Delivery", "X-Hub-Signature-256", "X-GitHub-Event")


def test_standard_webhooks_forwards_both_header_families_within_the_sqs_limit() -> None:
    source = parse_props(
        WebhookIngestProps, props({"scheme": "standard-webhooks", "process": {"function_arn": ARN}})
    ).sources[0]
    lowered = {h.lower() for h in source.attribute_headers}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"} <= lowered
    assert len(source.attribute_headers) == len(lowered) <= source.max_forwarded_headers == 8
    # Svix names its deliveries in svix-id: either deduplicates a FIFO queue.
    assert source.delivery_headers == ("webhook-id", "svix-id")


def test_an_explicit_delivery_header_wins_over_the_schemes() -> None:
    source = parse_props(WebhookIngestProps, props(delivery_id_header="X-Request-Id")).sources[0]
    assert source.delivery_headers == ("X-Request-Id", "X-GitHub-Delivery")
    assert source.attribute_headers[:2] == ("X-Request-Id", "X-GitHub-Delivery")


def test_visibility_timeout_is_derived_from_the_pipes_worst_case() -> None:
    source = parse_props(
        WebhookIngestProps,
        props({"scheme": "github", "process": {"function_arn": ARN}, "batch_window_seconds": 20, "workflow_timeout_seconds": 100}),
    ).sources[0]
    assert source.visibility_timeout == 20 + 100 + 30
    ingest_only = parse_props(WebhookIngestProps, props_without_processing()).sources[0]
    assert ingest_only.processing is None and ingest_only.visibility_timeout == 30  # SQS' default


def props_without_processing() -> dict:
    return {"name": "acme", "sources": [{"name": "gh", "model": Body}]}


def test_ingest_only_source_has_no_scheme_headers() -> None:
    source = parse_props(WebhookIngestProps, props_without_processing()).sources[0]
    assert source.attribute_headers == () and source.delivery_headers == ()


@pytest.mark.parametrize(
    ("processing", "source", "expected"),
    [
        ({"scheme": "nonesuch", "process": {"function_arn": ARN}}, {}, "scheme 'nonesuch' is not one the verifier implements"),
        ({"scheme": "github"}, {}, "processing.process: Field required"),
        (
            {"scheme": "github", "process": {"function_arn": ARN, "states": {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}}},
            {},
            "process is the step that handles verified deliveries: pass ProcessCode(code_dir=...), "
            "ProcessFunction(function_arn=...) or ProcessStates(states=...)",
        ),
        ({"scheme": "github", "process": {"timeout_seconds": 5}}, {}, "process is the step that handles verified deliveries"),
        (
            {"scheme": "github", "process": {"function_arn": ARN, "policy_statements": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:us-east-1:1:t"}]}},
            {},
            "processing.process.function.policy_statements: unknown prop (a typo?); known props: function_arn",
        ),
        ({"scheme": "github", "process": {"function_arn": "process"}}, {}, "function_arn 'process' is not an ARN"),
        ({"scheme": "github", "process": {"function_arn": ARN}, "secret_arn": "my-secret"}, {}, "secret_arn 'my-secret' is not an ARN"),
        ({"scheme": "github", "process": {"code_dir": "/nonexistent"}}, {}, "has no handler.py"),
        ({"scheme": "github", "process": {"states": {"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}}}, {}, "StartAt"),
        (
            {"scheme": "github", "process": {"states": {"StartAt": "Verify", "States": {"Verify": {"Type": "Succeed"}}}}},
            {},
            "names the workflow uses",
        ),
        (
            {
                "scheme": "github",
                "process": {
                    "states": {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}},
                    "policy_statements": [{"Effect": "Allow", "Action": "sns:*", "Resource": "arn:aws:sns:us-east-1:1:t"}],
                },
            },
            {},
            "allows every action of a service",
        ),
        ({"scheme": "github", "process": {"function_arn": ARN}, "batch_size": 100}, {}, "needs batch_window_seconds of at least 1"),
        ({"scheme": "github", "process": {"function_arn": ARN}, "batch_size": 10001, "batch_window_seconds": 1}, {}, "less than or equal to 10000"),
        ({"scheme": "github", "process": {"function_arn": ARN}, "batch_window_seconds": 301}, {}, "less than or equal to 300"),
        ({"scheme": "github", "process": {"function_arn": ARN}, "workflow_timeout_seconds": 301}, {}, "less than or equal to 300"),
        ({"scheme": "github", "process": {"function_arn": ARN}, "log_retention_days": 10}, {}, "log_retention_days=10"),
        ({"scheme": "github", "process": {"function_arn": ARN}, "workflow_log_level": "DEBUG"}, {}, "workflow_log_level"),
        (
            {"scheme": "github", "process": {"code_dir": str(PROCESSOR_DIR)}, "workflow_timeout_seconds": 20},
            {},
            "shorter than one record's worst case, verifier_timeout_seconds 10 + process.timeout_seconds 30 + 2 x 7 s of retry waits = 54 s",
        ),
        (
            {"scheme": "github", "process": {"function_arn": ARN}, "workflow_timeout_seconds": 5},
            {},
            "shorter than one record's worst case, verifier_timeout_seconds 10 + 1 x 7 s of retry waits = 17 s",
        ),
        (
            {"scheme": "github", "process": {"function_arn": ARN}},
            {"visibility_timeout_seconds": 45},
            "visibility_timeout_seconds=45 is shorter than the pipe's worst case",
        ),
        (
            {"scheme": "github", "process": {"function_arn": ARN}, "batch_window_seconds": 5},
            {"fifo": True, "group_id_field": "event"},
            "SQS FIFO sources take no batching window",
        ),
        (
            {"scheme": "github", "process": {"function_arn": ARN}, "batch_size": 20, "batch_window_seconds": 1},
            {"fifo": True, "group_id_field": "event"},
            "a FIFO batch holds at most 10 records",
        ),
        (
            {"scheme": "github", "process": {"function_arn": ARN}, "max_concurrency": 5},
            {"fifo": True, "group_id_field": "event"},
            "records are handled one at a time",
        ),
        ({"scheme": "github", "process": {"function_arn": ARN}, "tolerence_seconds": 5}, {}, "unknown prop"),
    ],
)
def test_invalid_processing_props(processing: dict, source: dict, expected: str) -> None:
    message = error_of(props(processing, **source))
    assert expected in message, message
    assert message.count("\n  ") == 1, f"one error, not several: {message}"


def test_too_long_names_for_the_pipeline_resources_are_refused_before_synth() -> None:
    # Queue names (80) would fit; the processor's role "<prefix>-<source>-process-lambda" (64) does not.
    processing = {"scheme": "github", "process": {"function_arn": ARN}}
    message = error_of({"name": "a" * 30, "sources": [{"name": "b" * 25, "model": Body, "processing": processing}]})
    assert "-process-lambda" in message and "64 allowed" in message, message


def test_pipeline_names_are_stable() -> None:
    names = pipeline_names("acme", "github")
    assert (names.verifier, names.processor, names.state_machine, names.pipe) == (
        "acme-github-verify",
        "acme-github-process",
        "acme-github",
        "acme-github",
    )
    assert (names.workflow_role, names.pipe_role, names.secret) == (
        "acme-github-workflow",
        "acme-github-pipe",
        "acme-github/signing-secret",
    )


def test_processor_dir_is_a_usable_code_root() -> None:
    p = Processing(scheme="github", process=ProcessCode(code_dir=Path(PROCESSOR_DIR)))
    assert isinstance(p.process, ProcessCode) and p.process.code_dir == PROCESSOR_DIR


# --- the generic HMAC scheme --------------------------------------------------------------

# A sender of our own invention, using each part of a key-value description.
KEYED = {
    "signature_header": "Acme-Signature",
    "signature_format": "key-value",
    "separator": "|",
    "key_value_separator": ":",
    "timestamp_key": "time",
    "signature_key": "sig",
    "signed_payload": "{timestamp}|{body}",
}


def hmac_processing(**signature: object) -> dict:
    return {"scheme": "hmac", "signature": signature, "process": {"function_arn": ARN}}


def test_a_described_signature_forwards_exactly_the_headers_it_reads() -> None:
    settings = {"signature_header": "X-Sig", "timestamp_header": "X-Sig-Time", "id_header": "X-Sig-Id",
                "signed_payload": "{id}.{timestamp}.{body}"}
    source = parse_props(WebhookIngestProps, props(hmac_processing(**settings))).sources[0]
    assert source.signature_headers == ("X-Sig", "X-Sig-Time", "X-Sig-Id")
    assert source.delivery_headers == ("X-Sig-Id",)
    keyed = parse_props(WebhookIngestProps, props(hmac_processing(**KEYED))).sources[0]
    assert keyed.signature_headers == ("Acme-Signature",) and keyed.delivery_headers == ()


@pytest.mark.parametrize(
    ("processing", "message"),
    [
        ({"scheme": "hmac", "process": {"function_arn": ARN}}, "scheme='hmac' needs signature=HmacSignature"),
        ({"scheme": "github", "signature": {"signature_header": "X"}, "process": {"function_arn": ARN}},
         "signature is set but scheme='github'"),
        (hmac_processing(signature_header="X Sig"), "signature_header 'X Sig' is not an HTTP header name"),
        (hmac_processing(signature_header="X", signed_payload="{timestamp}.{body}"),
         "signed_payload uses {timestamp} but no timestamp is read: set timestamp_header"),
        (hmac_processing(signature_header="X", timestamp_header="T"),
         "a timestamp is read but signed_payload lacks {timestamp}"),
        (hmac_processing(signature_header="X", signed_payload="{timestamp}", timestamp_header="T"),
         "lacks {body} (or {form}): a signature that does not cover the body proves nothing"),
        (hmac_processing(signature_header="X", signed_payload="{ts}.{body}"), "'{ts}' is not a placeholder"),
        (hmac_processing(signature_header="X", signed_payload="{body}}"), "a '}' without its '{'"),
        (hmac_processing(signature_header="X", signature_key="v1"), "signature_key is set but signature_format='single'"),
        (hmac_processing(signature_header="X", signature_format="key-value"), "signature_format='key-value' needs signature_key"),
        (hmac_processing(**{**KEYED, "signature_prefix": "h1="}), "signature_prefix is set with signature_format='key-value'"),
        (hmac_processing(**{**KEYED, "timestamp_header": "T"}), "timestamp_header and timestamp_key are both set"),
        (hmac_processing(signature_header="X", signature_format="list", separator=" "), "separator ' ' with signature_format='list'"),
        (hmac_processing(signature_header="X", signed_payload="{id}{body}"), "signed_payload uses {id} but id_header is unset"),
        (hmac_processing(signature_header="X", algorithm="md5"), "Input should be 'sha1', 'sha256' or 'sha512'"),
        (hmac_processing(signature_header="X", encodng="hex"), "encodng: unknown prop (a typo?)"),
    ],
)
def test_a_signature_that_could_never_verify_or_would_protect_nothing_is_refused(processing: dict, message: str) -> None:
    error = error_of(props(processing))
    assert message in error, error
    assert "sources.0.processing" in error


def test_schemes_that_sign_the_url_have_the_api_forward_it_and_take_a_signed_url() -> None:
    source = parse_props(WebhookIngestProps, props({"scheme": "twilio", "process": {"function_arn": ARN}})).sources[0]
    assert source.processing is not None and source.processing.signs_url
    plain = parse_props(WebhookIngestProps, props()).sources[0]
    # One of SQS's ten attributes goes to the URL.
    assert source.max_forwarded_headers == plain.max_forwarded_headers - 1
    described = hmac_processing(signature_header="X-Sig", signed_payload="{url}{body}")
    assert parse_props(WebhookIngestProps, props(described)).sources[0].processing.signs_url  # type: ignore[union-attr]
    url = "https://hooks.example.com/webhooks/twilio?tenant=a%20b"
    proxied = {"scheme": "twilio", "signed_url": url, "process": {"function_arn": ARN}}
    assert parse_props(WebhookIngestProps, props(proxied)).sources[0].processing.signed_url == url  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("processing", "message"),
    [
        ({"scheme": "github", "signed_url": "https://x.example.com/h", "process": {"function_arn": ARN}},
         "signed_url is set but scheme='github' does not sign the URL"),
        ({"scheme": "square", "signed_url": "http://x.example.com/h", "process": {"function_arn": ARN}},
         "signed_url 'http://x.example.com/h' is not an https URL"),
    ],
)
def test_a_signed_url_is_refused_where_it_means_nothing(processing: dict, message: str) -> None:
    assert message in error_of(props(processing))


DISCORD_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


@pytest.mark.parametrize(
    ("processing", "message"),
    [
        ({"scheme": "discord", "public_key": DISCORD_KEY[:-2], "process": {"function_arn": ARN}},
         "public_key: a discord public key must be 64 hex digits"),
        ({"scheme": "github", "public_key": DISCORD_KEY, "process": {"function_arn": ARN}},
         "public_key: scheme 'github' verifies with a shared secret"),
        ({"scheme": "standard-webhooks", "public_key": "whsec_abc", "process": {"function_arn": ARN}},
         "public_key: a standard-webhooks public key starts with whpk_"),
        ({"scheme": "discord", "public_key": DISCORD_KEY, "secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:x",
          "process": {"function_arn": ARN}}, "public_key is set with secret_arn: a public key needs no secret"),
    ],
)
def test_a_public_key_is_checked_as_the_verifier_reads_it(processing: dict, message: str) -> None:
    assert message in error_of(props(processing))


def test_a_public_key_is_taken_by_the_asymmetric_schemes() -> None:
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    for scheme, key in (("discord", DISCORD_KEY), ("sendgrid", base64.b64encode(p256).decode()),
                        ("standard-webhooks", "whpk_" + base64.b64encode(raw).decode())):
        processing = {"scheme": scheme, "public_key": key, "process": {"function_arn": ARN}}
        assert parse_props(WebhookIngestProps, props(processing)).sources[0].processing.public_key == key  # type: ignore[union-attr]
