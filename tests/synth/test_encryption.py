"""Encryption at rest as synthesized: SSE-SQS by default, customer-managed keys when asked
(the `github` stack asks for both), each key's policy naming exactly who may use it."""

from __future__ import annotations

from typing import Any

import pytest

from support.synth import SynthOutput, json_document, ref, resources

DEFAULT_STACKS = ("mailgun-fifo", "users-standard")


def role_arns(stack: dict[str, Any], service: str) -> list[str]:
    return sorted(
        ref("aws_iam_role", role_id, "arn")
        for role_id, role in resources(stack, "aws_iam_role").items()
        if json_document(role["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": service}
    )


def key_id(stack: dict[str, Any], label: str) -> str:
    (found,) = [k for k in resources(stack, "aws_kms_key") if k.startswith(f"Webhooks_{label}_")]
    return found


@pytest.mark.parametrize("name", DEFAULT_STACKS)
def test_by_default_aws_holds_the_keys_and_no_key_is_created(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    assert not resources(stack, "aws_kms_key")
    for queue in resources(stack, "aws_sqs_queue").values():
        assert queue["sqs_managed_sse_enabled"] is True and "kms_master_key_id" not in queue
    for group in resources(stack, "aws_cloudwatch_log_group").values():
        assert "kms_key_id" not in group


def test_queues_dlq_and_rejected_queue_use_the_created_key_and_only_it(synth: SynthOutput) -> None:
    stack = synth.stack("github")
    key = ref("aws_kms_key", key_id(stack, "QueueKey"), "arn")
    queues = resources(stack, "aws_sqs_queue").values()
    assert len(queues) == 3
    for queue in queues:
        assert queue["kms_master_key_id"] == key
        assert queue["kms_data_key_reuse_period_seconds"] == 300
        assert "sqs_managed_sse_enabled" not in queue, "SSE-SQS and a KMS key exclude each other"


def test_every_log_group_uses_the_log_key(synth: SynthOutput) -> None:
    stack = synth.stack("github")
    key = ref("aws_kms_key", key_id(stack, "LogKey"), "arn")
    groups = resources(stack, "aws_cloudwatch_log_group")
    # API access and execution, verifier, processor, workflow, pipe.
    assert len(groups) == 6
    assert {g["kms_key_id"] for g in groups.values()} == {key}


def test_created_keys_rotate_and_wait_the_longest_window_before_deletion(synth: SynthOutput) -> None:
    for key in resources(synth.stack("github"), "aws_kms_key").values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == 30
        assert "policy" in key, "never AWS's default key policy"


def test_the_queue_key_names_exactly_the_api_role_the_pipe_and_workflow_roles_and_the_account(synth: SynthOutput) -> None:
    stack = synth.stack("github")
    policy = json_document(resources(stack, "aws_kms_key")[key_id(stack, "QueueKey")]["policy"])
    # The API's two roles: the integration role, and the account's logging role (no key use).
    (api_role,) = [arn for arn in role_arns(stack, "apigateway.amazonaws.com") if "Api_Role_" in arn]
    (pipe_role,) = role_arns(stack, "pipes.amazonaws.com")
    (workflow_role,) = role_arns(stack, "states.amazonaws.com")
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert set(by_sid) == {"AccountAdministersThroughIam", "ApiGatewaySends", "PipesReceive", "WorkflowsKeepRejected"}
    assert by_sid["ApiGatewaySends"]["Principal"] == {"AWS": [api_role]}
    assert by_sid["PipesReceive"]["Principal"] == {"AWS": [pipe_role]}
    # The workflow encrypts the copies it keeps in the rejected queue, under the same key.
    assert by_sid["WorkflowsKeepRejected"]["Principal"] == {"AWS": [workflow_role]}
    assert by_sid["WorkflowsKeepRejected"]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    account = by_sid["AccountAdministersThroughIam"]["Principal"]["AWS"]
    # The account and partition come from the API role's own ARN: no data source needed.
    api_role_id = api_role.removeprefix("${aws_iam_role.").removesuffix(".arn}")
    assert account == (
        f'arn:${{element(split(":", aws_iam_role.{api_role_id}.arn), 1)}}:iam::'
        f'${{element(split(":", aws_iam_role.{api_role_id}.arn), 4)}}:root'
    )


def test_the_log_key_lets_cloudwatch_logs_use_it_for_this_accounts_log_groups(synth: SynthOutput) -> None:
    stack = synth.stack("github")
    policy = json_document(resources(stack, "aws_kms_key")[key_id(stack, "LogKey")]["policy"])
    account, logs = policy["Statement"]
    assert account["Sid"] == "AccountAdministersThroughIam"
    assert logs["Principal"]["Service"].startswith("logs.${element(split(")
    assert list(logs["Condition"]["ArnLike"]) == ["kms:EncryptionContext:aws:logs:arn"]


def test_created_keys_are_outputs(synth: SynthOutput) -> None:
    outputs = synth.stack("github")["output"]
    assert outputs["github_hooks_queue_kms_key_arn"]["value"] == ref(
        "aws_kms_key", key_id(synth.stack("github"), "QueueKey"), "arn"
    )
    assert "github_hooks_log_kms_key_arn" in outputs
