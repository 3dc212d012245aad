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


def test_service_trust_can_be_limited_to_one_account() -> None:
    (statement,) = policies.assume_role_policy("pipes.amazonaws.com", "123456789012")["Statement"]
    assert statement["Principal"] == {"Service": "pipes.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_pipe_role_consumes_one_queue_and_starts_one_workflow() -> None:
    doc = policies.pipe_policy("arn:q", "arn:sm", "arn:lg")
    grants = {s["Sid"]: s for s in doc["Statement"]}
    assert set(grants["ConsumeQueue"]["Action"]) == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert grants["ConsumeQueue"]["Resource"] == "arn:q"
    assert grants["StartWorkflow"] == {
        "Sid": "StartWorkflow",
        "Effect": "Allow",
        "Action": "states:StartSyncExecution",
        "Resource": "arn:sm",
    }
    assert grants["WriteLogs"]["Resource"] == "arn:lg:*"


def test_workflow_role_invokes_only_its_functions_and_uses_star_only_where_aws_requires() -> None:
    doc = policies.state_machine_policy(["arn:verify", "arn:process"], tracing=True)
    for statement in doc["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        if statement["Resource"] == "*":
            assert set(actions) <= set(policies.WILDCARD_RESOURCE_ACTIONS), actions
        else:
            assert actions == ["lambda:InvokeFunction"] and statement["Resource"] == ["arn:verify", "arn:process"]
    untraced = policies.state_machine_policy(["arn:verify"], tracing=False)
    assert not any("xray" in str(s["Action"]) for s in untraced["Statement"])


def test_secret_read_names_the_secret_and_decrypts_only_through_secrets_manager() -> None:
    (read,) = policies.secret_read_statements("arn:secret")
    assert read["Action"] == "secretsmanager:GetSecretValue" and read["Resource"] == "arn:secret"
    read, decrypt = policies.secret_read_statements("arn:secret", "arn:key")
    assert decrypt["Action"] == "kms:Decrypt" and decrypt["Resource"] == "arn:key"
    assert decrypt["Condition"] == {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}
