"""Policy documents grant named resources only, and deny what must never happen."""

from __future__ import annotations

import re

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


def _kms_operations() -> set[str]:
    # KMS names its IAM actions after its API operations: botocore's service model, which is
    # generated from AWS's own API definitions, is the independent list to check ours against.
    import botocore.session

    return set(botocore.session.get_session().get_service_model("kms").operation_names)


def _actions(statement: dict) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def test_key_policies_name_real_kms_actions_and_never_a_wildcard() -> None:
    operations = _kms_operations()
    documents = [
        policies.queue_key_policy("aws", "123456789012", sender_role_arns=["arn:api"], receiver_role_arns=["arn:pipe"]),
        policies.logs_key_policy("aws", "eu-west-1", "123456789012"),
    ]
    for document in documents:
        for statement in document["Statement"]:
            for action in _actions(statement):
                assert action.startswith("kms:") and "*" not in action, statement
                # The one action named apart from its operation: ReEncrypt is authorized as
                # kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination.
                operation = re.sub(r"^ReEncrypt(From|To)$", "ReEncrypt", action.removeprefix("kms:"))
                assert operation in operations, action


def test_the_account_can_administer_the_key_so_it_never_becomes_unmanageable() -> None:
    # KMS refuses a key policy that would not let its creator change it again
    # (PutKeyPolicy's lockout safety check); through IAM the account keeps every management action.
    account = policies.queue_key_policy("aws", "123456789012", sender_role_arns=["arn:api"], receiver_role_arns=[])[
        "Statement"
    ][0]
    assert account["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    for needed in ("kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion",
                   "kms:CancelKeyDeletion", "kms:EnableKeyRotation", "kms:TagResource"):
        assert needed in account["Action"]


def test_queue_key_lets_exactly_the_api_role_the_pipe_roles_and_the_account_use_it() -> None:
    doc = policies.queue_key_policy(
        "aws-cn", "123456789012", sender_role_arns=["arn:api"], receiver_role_arns=["arn:pipe-a", "arn:pipe-b"]
    )
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    principals = {p for s in doc["Statement"] for p in _as_list(s["Principal"]["AWS"])}
    assert principals == {"arn:aws-cn:iam::123456789012:root", "arn:api", "arn:pipe-a", "arn:pipe-b"}
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in doc["Statement"])
    assert by_sid["ApiGatewaySends"]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert by_sid["PipesReceive"]["Action"] == ["kms:Decrypt"]
    for sid in ("ApiGatewaySends", "PipesReceive"):
        assert by_sid[sid]["Condition"] == {"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}}
    ingest_only = policies.queue_key_policy("aws", "1", sender_role_arns=["arn:api"], receiver_role_arns=[])
    assert [s["Sid"] for s in ingest_only["Statement"]] == ["AccountAdministersThroughIam", "ApiGatewaySends"]
    with pytest.raises(ValueError):
        policies.queue_key_policy("aws", "1", sender_role_arns=[], receiver_role_arns=["arn:pipe"])


def test_role_grants_on_a_queue_key_name_the_key_and_go_through_sqs() -> None:
    (send,) = policies.queue_key_statements("arn:key", send=True)
    (receive,) = policies.queue_key_statements("arn:key", send=False)
    assert (send["Action"], receive["Action"]) == (["kms:GenerateDataKey", "kms:Decrypt"], ["kms:Decrypt"])
    assert send["Resource"] == receive["Resource"] == "arn:key"
    assert send["Condition"] == {"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}}
    for statement in (send, receive):
        policies.check_statement(statement)
    doc = policies.pipe_policy("arn:q", "arn:sm", "arn:lg", extra=[receive])
    assert doc["Statement"][-1] == receive


def test_logs_key_serves_cloudwatch_logs_of_one_region_for_the_accounts_log_groups_only() -> None:
    account, logs = policies.logs_key_policy("aws", "eu-west-1", "123456789012")["Statement"]
    assert account["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert not {"kms:Decrypt", "kms:GenerateDataKey"} & set(account["Action"]), "the account reads logs through CloudWatch"
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}
    }


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
