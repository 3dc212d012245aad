"""Policy documents grant named resources only, and deny what must never happen."""

from __future__ import annotations

import pytest

from constructs_lib import policies


def test_api_role_may_only_send_to_the_named_queues() -> None:
    doc = policies.send_message_policy(["arn:q1", "arn:q2"])
    (statement,) = doc["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == ["arn:q1", "arn:q2"]


def test_a_grant_without_queues_is_refused_rather_than_widened() -> None:
    with pytest.raises(ValueError):
        policies.send_message_policy([])


def test_queue_policy_denies_everything_without_tls() -> None:
    (statement,) = policies.tls_only_queue_policy("arn:q")["Statement"]
    assert statement["Effect"] == "Deny" and statement["Action"] == "sqs:*"
    assert statement["Resource"] == "arn:q"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_trust_policy_names_one_service() -> None:
    (statement,) = policies.assume_role_policy("apigateway.amazonaws.com")["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"


def test_redrive_documents_use_the_field_names_sqs_expects() -> None:
    assert policies.redrive_policy("arn:dlq", 5) == {"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 5}
    assert policies.redrive_allow_policy(["arn:q"]) == {"redrivePermission": "byQueue", "sourceQueueArns": ["arn:q"]}
