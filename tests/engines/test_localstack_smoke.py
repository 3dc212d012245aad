"""The engine harness end to end: offline Terraform applies a stack to LocalStack, real HTTP
reaches the queue through API Gateway, and the stack is destroyed again.

The stack is hand-written in the shape our constructs synthesize (cdk.tf.json: an OpenAPI
document as the REST API's body, a direct `aws` integration to SQS SendMessage), plus the two
things LocalStack cannot create, an EventBridge pipe and a Lambda function. They are pruned
from the working copy, while the IAM policy and the EXPRESS state machine that name the
function still deploy, and the state machine runs with Step Functions' mocked integration
standing in for the function.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.deployments import SMOKE, Deployment
from support.localstack import ACCOUNT_ID, REGION, LocalStack
from support.smoke_stack import FUNCTION, FUNCTION_ARN, QUEUE, STAGE, smoke_stack
from support.terraform import (
    OVERRIDE_FILE,
    TerraformError,
    apply,
    destroy,
    init,
    prepare_workdir,
    prune,
    validate,
)

# Every character that breaks a form-encoded SendMessage when the template forgets
# $util.urlEncode: & and = split fields, + becomes a space, % starts an escape; and bytes
# beyond ASCII.
AWKWARD_BODY = '{"text":"a&b=c+d %20 100% \U0001f600 ü","n":1}'.encode()


# Step Functions' mocked service integrations: an execution started as <arn>#Valid gets this
# answer from the Verify task instead of invoking the (absent) Lambda function.
SFN_MOCKS = {
    "StateMachines": {"smoke-flow": {"TestCases": {"Valid": {"Verify": "VerifyAccepts"}}}},
    "MockedResponses": {"VerifyAccepts": {"0": {"Return": {"StatusCode": 200, "Payload": {"valid": True}}}}},
}


def post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_localstack_stops_its_whole_process_group(tmp_path: Path) -> None:
    """Its own short-lived LocalStack, so this test comes first: the module's LocalStack
    starts with the first test that asks for it, and two at once would crowd the machine.
    After stop() no process of the group is left, and the log stays for failure reports."""
    aws = LocalStack(tmp_path)
    with aws:
        group = aws.pid
        assert aws.health()["services"]["sqs"] in ("available", "running")
    assert group is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)
    assert "Ready." in aws.log_tail(200)


def test_whole_stack_is_valid_before_pruning(tmp_path: Path) -> None:
    """validate sees everything, Pipes and Lambda included: pruning is only for LocalStack."""
    work = prepare_workdir(smoke_stack(), tmp_path / "stack")
    init(work.path, backend=False)
    assert validate(work.path) == []


def test_stack_applies_to_localstack_serves_and_destroys(deployments: dict[str, Deployment], localstack: LocalStack) -> None:
    # Applied with the session's deployments (support/deployments.py), in the background.
    deployed = deployments[SMOKE]
    work = deployed.work
    assert work.pruned.excluded == ("aws_lambda_function.verify", "aws_pipes_pipe.ingest")
    assert work.pruned.dropped_outputs == ("pipe_arn",)
    # cdktf's backend path would put the state three levels up, outside the working copy.
    assert (work.path / "terraform.tfstate").is_file()
    assert not (work.path / "../../../terraform.smoke.tfstate").resolve().exists()
    outputs = deployed.outputs

    # Without the account id (skip_requesting_account_id) the provider would write
    # arn:aws:execute-api:us-east-1::<id>/v1 here.
    assert outputs["execution_arn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{outputs['rest_api_id']}/{STAGE}"
    invoke_policy = localstack.client("iam").get_role_policy(RoleName="smoke-api", PolicyName="invoke")
    assert invoke_policy["PolicyDocument"]["Statement"][0]["Resource"] == FUNCTION_ARN

    flow = localstack.client("stepfunctions")
    definition = json.loads(flow.describe_state_machine(stateMachineArn=outputs["state_machine_arn"])["definition"])
    assert definition["States"]["Verify"]["Parameters"]["FunctionName"] == FUNCTION_ARN
    # Written after start, as tests sharing one LocalStack will: LocalStack re-reads the file.
    localstack.write_sfn_mocks(SFN_MOCKS)
    execution = flow.start_sync_execution(stateMachineArn=outputs["state_machine_arn"] + "#Valid", input="{}")
    assert (execution["status"], json.loads(execution["output"])) == ("SUCCEEDED", {"valid": True})

    status, body = post(localstack.local_url(outputs["endpoint"]), AWKWARD_BODY)
    assert status == 200, body
    message_id = json.loads(body)["id"]
    assert message_id, "the response template must extract SendMessageResult.MessageId"

    sqs = localstack.client("sqs")
    received = sqs.receive_message(QueueUrl=outputs["queue_url"], WaitTimeSeconds=5).get("Messages", [])
    assert [(m["MessageId"], m["Body"].encode()) for m in received] == [(message_id, AWKWARD_BODY)]

    # SQS refuses U+0000 in a message body; the integration's `default` response must turn
    # the refusal into a 500 (so the provider retries), never a 200 without a message.
    status, body = post(localstack.local_url(outputs["endpoint"]), b'{"text":"\x00"}')
    assert (status, json.loads(body)) == (500, {"message": "not queued"})

    destroy(work.path, localstack=localstack)
    # Only this stack's resources: the session's other deployments share the LocalStack.
    assert not [url for url in sqs.list_queues().get("QueueUrls", []) if url.endswith(f"/{QUEUE}")]
    assert not [api for api in localstack.client("apigateway").get_rest_apis()["items"] if api["name"] == "smoke"]
    assert not [m for m in flow.list_state_machines()["stateMachines"] if m["name"] == "smoke-flow"]


def test_apply_refuses_a_directory_not_prepared(tmp_path: Path, localstack: LocalStack) -> None:
    """apply would write a LocalStack override next to cdk.tf.json: never into cdktf.out."""
    (tmp_path / "cdk.tf.json").write_text(json.dumps(smoke_stack()))
    with pytest.raises(TerraformError, match="prepare_workdir"):
        apply(tmp_path, localstack=localstack)
    assert not (tmp_path / OVERRIDE_FILE).exists()


def test_missing_venv_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="make test"):
        LocalStack(tmp_path, venv=tmp_path / "no-venv").start()


# --- pruning, without engines -------------------------------------------------------------


def test_prune_replaces_references_with_stand_ins_and_cascades_the_rest() -> None:
    stack = smoke_stack()
    stack["resource"]["aws_lambda_permission"] = {
        "from_api": {
            "function_name": "${aws_lambda_function.verify.function_name}",
            "principal": "apigateway.amazonaws.com",
        }
    }
    # source_code_hash has no stand-in: whatever needs it cannot exist without the function.
    stack["resource"]["terraform_data"] = {"code": {"input": "${aws_lambda_function.verify.source_code_hash}"}}
    stack["resource"]["aws_api_gateway_stage"]["api"]["depends_on"] = ["aws_lambda_function.verify"]

    pruned = prune(stack, ["aws_lambda_function"])

    assert pruned.excluded == ("aws_lambda_function.verify", "terraform_data.code")
    resources = pruned.config["resource"]
    assert resources["aws_lambda_permission"]["from_api"]["function_name"] == f'${{"{FUNCTION}"}}'
    assert resources["aws_pipes_pipe"]["ingest"]["target"] == f'${{"{FUNCTION_ARN}"}}'
    assert resources["aws_api_gateway_stage"]["api"]["depends_on"] == []
    assert pruned.stood_in == ("aws_lambda_function.verify.arn", "aws_lambda_function.verify.function_name")


def test_prune_without_stand_in_removes_every_dependent() -> None:
    pruned = prune(smoke_stack(), ["aws_lambda_function.verify"], stand_ins={})
    assert pruned.excluded == (
        "aws_iam_role_policy.invoke",
        "aws_lambda_function.verify",
        "aws_pipes_pipe.ingest",
        "aws_sfn_state_machine.flow",
    )
    assert pruned.dropped_outputs == ("pipe_arn", "state_machine_arn")
    assert "aws_lambda_function" not in pruned.config["resource"]
    assert set(pruned.config["resource"]["aws_iam_role_policy"]) == {"send"}
