"""The processing half of the synthesized stacks: pipe, Express workflow, Lambda functions,
secret, and the IAM that binds them, each scoped to the one resource it serves."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from typing import Any

import pytest

from constructs_lib.policies import WILDCARD_RESOURCE_ACTIONS
from support.synth import SynthOutput, json_document, ref, resources

PROCESSING_STACKS = ("users-standard", "github")
ALL_STACKS = ("mailgun-fifo", *PROCESSING_STACKS)


def only(stack: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    (item,) = resources(stack, kind).items()
    return item


def role_statements(stack: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(stack, "aws_iam_role_policy").values()
        if policy["role"] == ref("aws_iam_role", role_id, "id")
        for statement in json.loads(policy["policy"])["Statement"]
    ]


def role_for(stack: dict[str, Any], reference: str) -> str:
    (role_id,) = [k for k in resources(stack, "aws_iam_role") if reference == ref("aws_iam_role", k, "arn")]
    return role_id


def source_queue_id(stack: dict[str, Any]) -> str:
    (queue_id,) = [
        k for k, q in resources(stack, "aws_sqs_queue").items() if "-dlq" not in q["name"] and "-rejected" not in q["name"]
    ]
    return queue_id


def rejected_queue_id(stack: dict[str, Any]) -> str:
    (queue_id,) = [k for k, q in resources(stack, "aws_sqs_queue").items() if "-rejected" in q["name"]]
    return queue_id


def request_template(stack: dict[str, Any]) -> str:
    (api,) = resources(stack, "aws_api_gateway_rest_api").values()
    (item,) = json_document(api["body"])["paths"].values()
    return item["post"]["x-amazon-apigateway-integration"]["requestTemplates"]["application/json"]


def test_an_ingest_only_stack_has_no_processing_resources(synth: SynthOutput) -> None:
    stack = synth.stack("mailgun-fifo")
    for kind in ("aws_pipes_pipe", "aws_sfn_state_machine", "aws_lambda_function", "aws_secretsmanager_secret"):
        assert not resources(stack, kind), kind


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_the_pipe_feeds_the_queue_to_the_express_workflow_synchronously(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    _, pipe = only(stack, "aws_pipes_pipe")
    machine_id, machine = only(stack, "aws_sfn_state_machine")
    assert pipe["source"] == ref("aws_sqs_queue", source_queue_id(stack), "arn")
    assert pipe["target"] == ref("aws_sfn_state_machine", machine_id, "arn")
    assert pipe["target_parameters"] == {"step_function_state_machine_parameters": {"invocation_type": "REQUEST_RESPONSE"}}
    # users-standard: 10 records, 10 at once. github is FIFO: its records run one after
    # another, and one verify + process (10 + 30 s, 2 x 7 s of retry waits) fits the 60 s
    # workflow timeout once, so a batch is one record.
    batch = {"users-standard": 10, "github": 1}[name]
    assert pipe["source_parameters"]["sqs_queue_parameters"] == {"batch_size": batch, "maximum_batching_window_in_seconds": 0}
    assert machine["type"] == "EXPRESS"
    # Logs: pipe and workflow each to their own group with retention, without payloads.
    groups = resources(stack, "aws_cloudwatch_log_group")
    pipe_log = pipe["log_configuration"]
    assert pipe_log["level"] == "ERROR" and "include_execution_data" not in pipe_log
    machine_log = machine["logging_configuration"]
    assert machine_log["include_execution_data"] is False and machine_log["level"] == "ERROR"
    for reference in (pipe_log["cloudwatch_logs_log_destination"]["log_group_arn"], machine_log["log_destination"].removesuffix(":*")):
        (group,) = [g for k, g in groups.items() if ref("aws_cloudwatch_log_group", k, "arn") == reference]
        assert group["retention_in_days"] == 30 and group["name"].startswith("/aws/vendedlogs/")


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_the_queue_stays_invisible_longer_than_the_pipe_can_take(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    queue = resources(stack, "aws_sqs_queue")[source_queue_id(stack)]
    _, pipe = only(stack, "aws_pipes_pipe")
    _, machine = only(stack, "aws_sfn_state_machine")
    timeout = json_document(machine["definition"])["TimeoutSeconds"]
    window = pipe["source_parameters"]["sqs_queue_parameters"]["maximum_batching_window_in_seconds"]
    assert queue["visibility_timeout_seconds"] >= window + timeout


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_the_workflow_verifies_with_the_verifier_and_processes_with_the_processor(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    _, machine = only(stack, "aws_sfn_state_machine")
    functions = {f["function_name"].rsplit("-", 1)[1]: k for k, f in resources(stack, "aws_lambda_function").items()}
    assert set(functions) == {"verify", "process"}
    states = json_document(machine["definition"])["States"]["Records"]["ItemProcessor"]["States"]
    assert states["Verify"]["Parameters"]["FunctionName"] == ref("aws_lambda_function", functions["verify"], "arn")
    assert states["Process"]["Parameters"]["FunctionName"] == ref("aws_lambda_function", functions["process"], "arn")


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_every_role_is_scoped_to_the_arns_it_serves(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    _, pipe = only(stack, "aws_pipes_pipe")
    machine_id, machine = only(stack, "aws_sfn_state_machine")
    queue_arn = ref("aws_sqs_queue", source_queue_id(stack), "arn")
    pipe_grants = {s["Sid"]: s for s in role_statements(stack, role_for(stack, pipe["role_arn"]))}
    assert pipe_grants["ConsumeQueue"]["Resource"] == queue_arn
    assert pipe_grants["StartWorkflow"]["Resource"] == ref("aws_sfn_state_machine", machine_id, "arn")
    queue_key = stack["resource"]["aws_sqs_queue"][source_queue_id(stack)].get("kms_master_key_id")
    assert set(pipe_grants) == {"ConsumeQueue", "StartWorkflow", "WriteLogs"} | ({"DecryptQueue"} if queue_key else set())
    if queue_key:
        assert pipe_grants["DecryptQueue"]["Resource"] == queue_key

    invoked = sorted(ref("aws_lambda_function", k, "arn") for k in resources(stack, "aws_lambda_function"))
    workflow_grants = {s["Sid"]: s for s in role_statements(stack, role_for(stack, machine["role_arn"]))}
    assert workflow_grants["InvokeWorkflowFunctions"]["Action"] == "lambda:InvokeFunction"
    assert sorted(workflow_grants["InvokeWorkflowFunctions"]["Resource"]) == invoked
    # Rejected deliveries: sent to the source's own rejected queue, and nowhere else.
    assert workflow_grants["KeepRejected"]["Action"] == "sqs:SendMessage"
    assert workflow_grants["KeepRejected"]["Resource"] == ref("aws_sqs_queue", rejected_queue_id(stack), "arn")
    scoped = {"InvokeWorkflowFunctions", "KeepRejected"} | ({"KeepRejectedEncrypted"} if queue_key else set())
    assert {sid for sid, g in workflow_grants.items() if g["Resource"] != "*"} == scoped
    if queue_key:
        assert workflow_grants["KeepRejectedEncrypted"]["Resource"] == queue_key

    secret_id, _ = only(stack, "aws_secretsmanager_secret")
    for function_id, function in resources(stack, "aws_lambda_function").items():
        grants = role_statements(stack, role_for(stack, function["role"]))
        logs, *rest = grants
        assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        if function["function_name"].endswith(("-verify", "-edge")):
            assert rest == [
                {
                    "Sid": "ReadSigningSecret",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": ref("aws_secretsmanager_secret", secret_id, "arn"),
                }
            ]
        else:
            assert rest == [], "the example processor needs nothing but its logs"


@pytest.mark.parametrize("name", ALL_STACKS)
def test_no_statement_allows_a_wildcard_action_or_an_unlisted_wildcard_resource(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    for policy in resources(stack, "aws_iam_role_policy").values():
        for statement in json.loads(policy["policy"])["Statement"]:
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            assert not [a for a in actions if "*" in a], statement
            resources_ = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
            if "*" in resources_:
                assert set(actions) <= set(WILDCARD_RESOURCE_ACTIONS), statement
    # Key policies: `*` is the only resource KMS accepts there (it means the key itself), so
    # what counts is that no action is a wildcard and every principal is named.
    for key in resources(stack, "aws_kms_key").values():
        for statement in json_document(key["policy"])["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Resource"] == "*", statement
            assert not [a for a in statement["Action"] if "*" in a], statement
            assert "*" not in json.dumps(statement["Principal"]), statement


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_service_roles_trust_only_their_service_for_their_own_resource(synth: SynthOutput, name: str) -> None:
    """aws:SourceAccount and aws:SourceArn where the service sets them (Step Functions and
    Pipes document both), aws:SourceAccount alone for Lambda (no documented SourceArn), none
    for API Gateway, which sets neither when it assumes a role (see the README's table)."""
    stack = synth.stack(name)
    (api_role_id,) = [k for k in resources(stack, "aws_iam_role") if k.startswith("Webhooks_Api_Role_")]
    (region_id,) = stack["data"]["aws_region"]
    partition = f'${{element(split(":", aws_iam_role.{api_role_id}.arn), 1)}}'
    account = f'${{element(split(":", aws_iam_role.{api_role_id}.arn), 4)}}'
    region = f"${{data.aws_region.{region_id}.id}}"
    _, pipe = only(stack, "aws_pipes_pipe")
    _, machine = only(stack, "aws_sfn_state_machine")
    expected = {
        "pipes.amazonaws.com": f"arn:{partition}:pipes:{region}:{account}:pipe/{pipe['name']}",
        "states.amazonaws.com": f"arn:{partition}:states:{region}:{account}:stateMachine:{machine['name']}",
    }
    seen = set()
    for role in resources(stack, "aws_iam_role").values():
        (statement,) = json_document(role["assume_role_policy"])["Statement"]
        service = statement["Principal"]["Service"]
        seen.add(service)
        if service in expected:
            assert statement["Condition"] == {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": expected[service]},
            }
        elif service == "lambda.amazonaws.com":
            assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        else:
            assert service == "apigateway.amazonaws.com" and "Condition" not in statement
    assert seen == {"pipes.amazonaws.com", "states.amazonaws.com", "lambda.amazonaws.com", "apigateway.amazonaws.com"}


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_the_secret_is_created_without_a_value(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    _, secret = only(stack, "aws_secretsmanager_secret")
    assert "secret_string" not in secret
    assert not resources(stack, "aws_secretsmanager_secret_version"), "a value would sit in Terraform state"


@pytest.mark.parametrize("name", (*PROCESSING_STACKS, "mailgun", "slack"))
def test_lambda_zips_match_their_hash_and_hold_only_their_code(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    for function in resources(stack, "aws_lambda_function").values():
        assert (function["runtime"], function["architectures"]) == ("python3.12", ["arm64"])
        assert not function["filename"].startswith("/")
        data = (synth.stack_dir(name) / function["filename"]).read_bytes()
        # Terraform's filebase64sha256(filename), computed independently of our asset code.
        assert function["source_code_hash"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
        with zipfile.ZipFile(synth.stack_dir(name) / function["filename"]) as archive:
            files = sorted(archive.namelist())
        if function["function_name"].endswith(("-verify", "-edge")):
            assert files == ["curves.py", "edge.py", "generic.py", "handler.py", "signatures.py"]
        else:
            assert files == ["handler.py"]


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_the_verifier_is_configured_for_its_scheme_and_secret(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    secret_id, _ = only(stack, "aws_secretsmanager_secret")
    (verifier,) = [f for f in resources(stack, "aws_lambda_function").values() if f["function_name"].endswith("-verify")]
    env = verifier["environment"]["variables"]
    expected_scheme = {"users-standard": "standard-webhooks", "github": "github"}[name]
    assert env["WEBHOOK_SCHEME"] == expected_scheme
    assert env["WEBHOOK_SECRET_ARN"] == ref("aws_secretsmanager_secret", secret_id, "arn")
    assert env["WEBHOOK_TOLERANCE_SECONDS"] == "300"
    assert env["WEBHOOK_SECRET_JSON_KEY"] == "secret"


def test_github_forwards_its_signature_delivery_and_event_headers(synth: SynthOutput) -> None:
    stack = synth.stack("github")
    template = request_template(stack)
    for header in ("X-GitHub-Delivery", "X-Hub-Signature-256", "X-GitHub-Event"):
        # Read from the header map, by name without regard to case, never from the query string.
        assert f"$n.matches('(?i){header}')" in template and f"Name={header}" in template
    (verifier,) = [f for f in resources(stack, "aws_lambda_function").values() if f["function_name"].endswith("-verify")]
    assert verifier["environment"]["variables"]["WEBHOOK_DELIVERY_ID_HEADER"] == "X-GitHub-Delivery"


def test_users_stack_is_the_cdk_articles_pattern(synth: SynthOutput) -> None:
    stack = synth.stack("users-standard")
    queues = resources(stack, "aws_sqs_queue")
    queue_id = source_queue_id(stack)
    queue = queues[queue_id]
    (dlq_id,) = [k for k, q in queues.items() if q["name"].endswith("-dlq")]
    assert "fifo_queue" not in queue
    assert queue["message_retention_seconds"] == 7 * 86400
    assert queues[dlq_id]["message_retention_seconds"] == 14 * 86400
    assert json.loads(queue["redrive_policy"]) == {"deadLetterTargetArn": ref("aws_sqs_queue", dlq_id, "arn"), "maxReceiveCount": 3}
    (api,) = resources(stack, "aws_api_gateway_rest_api").values()
    doc = json_document(api["body"])
    assert list(doc["paths"]) == ["/webhook"]
    assert doc["x-amazon-apigateway-gateway-responses"]["BAD_REQUEST_BODY"]["statusCode"] == 400
    template = request_template(stack)
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"):
        assert f"Name={header}" in template


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_outputs_name_the_workflow_pipe_and_secret(synth: SynthOutput, name: str) -> None:
    outputs = synth.stack(name)["output"]
    for suffix in ("state_machine_arn", "pipe_arn", "secret_arn"):
        (key,) = [k for k in outputs if k.endswith(suffix)]
        assert outputs[key]["description"]


def test_the_verifier_gets_the_settings_it_is_described_with() -> None:
    from constructs_lib.pipeline import verifier_environment
    from constructs_lib.verifier_schemes import check_hmac

    from constructs_lib.prop_errors import parse_props
    from constructs_lib.webhook_props import WebhookIngestProps
    from unit.test_processing_props import KEYED, hmac_processing, props

    source = parse_props(WebhookIngestProps, props(hmac_processing(**KEYED))).sources[0]
    environment = verifier_environment(source, "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    settings = json.loads(environment["WEBHOOK_HMAC"])
    assert settings == KEYED
    assert environment["WEBHOOK_SCHEME"] == "hmac"
    assert check_hmac(settings) == (("Acme-Signature",), (), False)
