"""The `github` stack's customer-managed keys as applied on LocalStack, read back through
the KMS, SQS and CloudWatch Logs APIs: the key policy Terraform wrote names the real role
ARNs the stack created, the queues and log groups are associated with the keys, rotation is
on. LocalStack stores key policies but does not enforce them, so who may decrypt is checked
on the document (here, and in the unit and synth tests), not by a refused call."""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_lib.naming import pipeline_names
from support.localstack import LocalStack

STACK = "github"
NAME = "github-hooks"


@pytest.fixture(scope="module")
def outputs(deployments: dict[str, Any]) -> dict[str, Any]:
    return deployments[STACK].outputs


def key_id(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def test_the_queue_key_policy_names_the_deployed_roles_and_the_account(
    outputs: dict[str, Any], localstack: LocalStack
) -> None:
    iam, kms = localstack.client("iam"), localstack.client("kms")
    api_role = iam.get_role(RoleName=f"{NAME}-apigw-sqs")["Role"]["Arn"]
    pipe_role = iam.get_role(RoleName=pipeline_names(NAME, "github").pipe_role)["Role"]["Arn"]
    workflow_role = iam.get_role(RoleName=pipeline_names(NAME, "github").workflow_role)["Role"]["Arn"]
    account = api_role.split(":")[4]
    arn = outputs[f"{NAME.replace('-', '_')}_queue_kms_key_arn"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id(arn), PolicyName="default")["Policy"])
    principals = {s["Sid"]: s["Principal"]["AWS"] for s in policy["Statement"]}
    assert principals == {
        "AccountAdministersThroughIam": f"arn:aws:iam::{account}:root",
        "ApiGatewaySends": [api_role],
        "PipesReceive": [pipe_role],
        "WorkflowsKeepRejected": [workflow_role],
    }
    assert kms.get_key_rotation_status(KeyId=key_id(arn))["KeyRotationEnabled"] is True
    assert kms.describe_key(KeyId=key_id(arn))["KeyMetadata"]["KeyState"] == "Enabled"


def test_queue_and_dlq_are_encrypted_with_the_queue_key(outputs: dict[str, Any], localstack: LocalStack) -> None:
    sqs = localstack.client("sqs")
    arn = outputs[f"{NAME.replace('-', '_')}_queue_kms_key_arn"]
    for output in ("queue_url", "dlq_url"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=outputs[f"github_hooks_github_{output}"], AttributeNames=["KmsMasterKeyId"]
        )["Attributes"]
        # (LocalStack also reports SqsManagedSseEnabled=true for such a queue; AWS, where the two
        # exclude each other, would not. The synth test checks the stack never asks for both.)
        assert attributes["KmsMasterKeyId"] == arn


def test_every_log_group_is_encrypted_with_the_log_key(outputs: dict[str, Any], localstack: LocalStack) -> None:
    logs, kms = localstack.client("logs"), localstack.client("kms")
    arn = outputs[f"{NAME.replace('-', '_')}_log_kms_key_arn"]
    names = pipeline_names(NAME, "github")
    expected = {
        f"/aws/apigateway/{NAME}/v1/access",
        f"/aws/lambda/{names.verifier}",
        f"/aws/lambda/{names.processor}",
        f"/aws/vendedlogs/states/{names.state_machine}",
        f"/aws/vendedlogs/pipes/{names.pipe}",
    }
    found = {}
    for name in expected:
        (group,) = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
        found[name] = group.get("kmsKeyId")
    assert found == {name: arn for name in expected}
    policy = json.loads(kms.get_key_policy(KeyId=key_id(arn), PolicyName="default")["Policy"])
    (logs_statement,) = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsEncrypts"]
    region = arn.split(":")[3]
    assert logs_statement["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
