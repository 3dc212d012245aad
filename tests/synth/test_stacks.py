"""Assertions on the synthesized stacks: the resources a user relies on, and their wiring."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
from packaging.specifiers import SpecifierSet

from support.synth import SynthOutput, json_document, ref, resources

STACKS = {"mailgun-fifo", "users-standard", "github"}


def api_role_id(stack: dict) -> str:
    """The role the SQS integration uses (the other API Gateway role only writes logs)."""
    (role_id,) = [
        k
        for k, role in resources(stack, "aws_iam_role").items()
        if json_document(role["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
        and role["name"].endswith("-apigw-sqs")
    ]
    return role_id


def api_document(stack: dict) -> dict:
    (api,) = resources(stack, "aws_api_gateway_rest_api").values()
    return json_document(api["body"])


def test_stack_names_are_stable(synth: SynthOutput) -> None:
    assert set(synth.stack_names) >= STACKS


def test_no_absolute_path_anywhere(synth: SynthOutput, repo_root: Path) -> None:
    needles = (str(repo_root), str(synth.outdir), str(Path.home()), "/tmp/")
    zips = 0
    for path in synth.outdir.rglob("*"):
        if path.is_file():
            where = str(path.relative_to(synth.outdir))
            # Bytes, and inside each Lambda zip the inflated entries (deflated, a path in a
            # file's contents would not show in the archive's bytes).
            contents = {where: path.read_bytes()}
            if path.suffix == ".zip":
                zips += 1
                with zipfile.ZipFile(path) as archive:
                    contents |= {f"{where}:{info.filename}": archive.read(info) for info in archive.infolist()}
            for label, data in contents.items():
                for needle in needles:
                    assert needle.encode() not in data, f"{label} holds {needle}"
    assert zips >= 4, "the processing stacks' verifier and processor zips are among the files checked"


@pytest.mark.parametrize("name", sorted(STACKS))
def test_backend_is_relative_and_provider_range_admits_5_100_and_6(synth: SynthOutput, name: str) -> None:
    terraform = synth.stack(name)["terraform"]
    path = terraform["backend"]["local"]["path"]
    assert not path.startswith("/") and path == f"../../../terraform.{name}.tfstate"
    constraint = terraform["required_providers"]["aws"]["version"]
    # Terraform's `>=`/`<` comma list means the same as PEP 440's for plain versions.
    spec = SpecifierSet(constraint.replace(" ", ""))
    for version in ("5.100.0", "6.0.0", "6.25.0", "6.99.9"):
        assert version in spec, (constraint, version)
    assert "7.0.0" not in spec


def test_mailgun_stack_is_the_cloudformation_articles_pattern(synth: SynthOutput) -> None:
    stack = synth.stack("mailgun-fifo")
    queues = resources(stack, "aws_sqs_queue")
    (queue_id,) = [k for k, v in queues.items() if not v["name"].endswith("-dlq.fifo")]
    (dlq_id,) = [k for k, v in queues.items() if v["name"].endswith("-dlq.fifo")]
    queue, dlq = queues[queue_id], queues[dlq_id]
    assert queue["fifo_queue"] is True and dlq["fifo_queue"] is True
    assert queue["name"].endswith(".fifo")
    assert queue["content_based_deduplication"] is True
    assert json.loads(queue["redrive_policy"]) == {
        "deadLetterTargetArn": ref("aws_sqs_queue", dlq_id, "arn"),
        "maxReceiveCount": 5,
    }
    assert queue["message_retention_seconds"] == 4 * 86400
    assert dlq["message_retention_seconds"] == 14 * 86400
    assert queue["sqs_managed_sse_enabled"] is True and dlq["sqs_managed_sse_enabled"] is True

    (allow,) = resources(stack, "aws_sqs_queue_redrive_allow_policy").values()
    assert allow["queue_url"] == ref("aws_sqs_queue", dlq_id, "url")
    assert json.loads(allow["redrive_allow_policy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [ref("aws_sqs_queue", queue_id, "arn")],
    }

    doc = api_document(stack)
    (path,) = doc["paths"]
    assert path == "/events"
    template = doc["paths"][path]["post"]["x-amazon-apigateway-integration"]["requestTemplates"]["application/json"]
    assert "$input.path('$.event')" in template and "MessageGroupId" in template
    assert "requestId" not in template


@pytest.mark.parametrize("name", sorted(STACKS))
def test_every_route_is_validated_and_integrated_with_its_own_queue(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    doc = api_document(stack)
    queues = resources(stack, "aws_sqs_queue")
    role_id = api_role_id(stack)
    for path, item in doc["paths"].items():
        post = item["post"]
        validator = doc["x-amazon-apigateway-request-validators"][post["x-amazon-apigateway-request-validator"]]
        assert validator["validateRequestBody"] is True
        model = doc["components"]["schemas"][post["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
        jsonschema.Draft4Validator.check_schema(model)
        integration = post["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws" and integration["passthroughBehavior"] == "never"
        assert integration["credentials"] == ref("aws_iam_role", role_id, "arn")
        match = re.fullmatch(
            r"arn:\$\{element\(split\(\":\", aws_sqs_queue\.(\w[\w-]*)\.arn\), 1\)\}:apigateway:"
            r"\$\{element\(split\(\":\", aws_sqs_queue\.\1\.arn\), 3\)\}:sqs:path/"
            r"\$\{element\(split\(\":\", aws_sqs_queue\.\1\.arn\), 4\)\}/\$\{aws_sqs_queue\.\1\.name\}",
            integration["uri"],
        )
        assert match, integration["uri"]
        assert not queues[match.group(1)]["name"].split(".")[0].endswith("-dlq"), "routes send to the DLQ"
        assert "MessageBody=$util.urlEncode($input.body)" in integration["requestTemplates"]["application/json"]
        statuses = {r["statusCode"] for r in integration["responses"].values()}
        assert statuses == {"200", "500", "502"}


@pytest.mark.parametrize("name", sorted(STACKS))
def test_api_role_may_send_only_to_the_stacks_source_queues(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    queues = resources(stack, "aws_sqs_queue")
    sources = sorted(
        ref("aws_sqs_queue", k, "arn") for k, v in queues.items() if "-dlq" not in v["name"] and "-rejected" not in v["name"]
    )
    role_id = api_role_id(stack)
    role = resources(stack, "aws_iam_role")[role_id]
    statements = [
        s
        for policy in resources(stack, "aws_iam_role_policy").values()
        if policy["role"] == ref("aws_iam_role", role_id, "id")
        for s in json.loads(policy["policy"])["Statement"]
    ]
    send, *key = statements
    assert send == {"Sid": "SendToWebhookQueues", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": sources}
    # With a customer-managed queue key (github), the grant on that key and nothing else.
    keys = resources(stack, "aws_kms_key")
    if any(v.get("kms_master_key_id") for v in queues.values()):
        (grant,) = key
        (key_id,) = [k for k in keys if k.startswith("Webhooks_QueueKey")]
        assert grant["Resource"] == ref("aws_kms_key", key_id, "arn")
        assert grant["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    else:
        assert key == []
    assert "managed_policy_arns" not in role and "inline_policy" not in role


@pytest.mark.parametrize("name", sorted(STACKS))
def test_deployment_follows_the_document_and_feeds_the_stage(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    (api_id,) = resources(stack, "aws_api_gateway_rest_api")
    (deployment_id, deployment), = resources(stack, "aws_api_gateway_deployment").items()
    assert deployment["triggers"] == {"redeployment": "${sha256(" + f"aws_api_gateway_rest_api.{api_id}.body)" + "}"}
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    (stage,) = resources(stack, "aws_api_gateway_stage").values()
    assert stage["deployment_id"] == ref("aws_api_gateway_deployment", deployment_id, "id")


@pytest.mark.parametrize("name", sorted(STACKS))
def test_every_queue_denies_plain_http(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    protected = {p["queue_url"]: json.loads(p["policy"]) for p in resources(stack, "aws_sqs_queue_policy").values()}
    for queue_id in resources(stack, "aws_sqs_queue"):
        policy = protected[ref("aws_sqs_queue", queue_id, "url")]
        (statement,) = policy["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statement["Resource"] == ref("aws_sqs_queue", queue_id, "arn")


@pytest.mark.parametrize("name", sorted(STACKS))
def test_outputs_name_endpoint_queue_and_dlq_per_source(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    outputs = stack["output"]
    doc = api_document(stack)
    (stage_id,) = resources(stack, "aws_api_gateway_stage")
    endpoints = {o["value"] for k, o in outputs.items() if k.endswith("_endpoint")}
    assert endpoints == {ref("aws_api_gateway_stage", stage_id, "invoke_url") + path for path in doc["paths"]}
    for suffix in ("queue_url", "queue_arn", "dlq_url", "dlq_arn", "endpoint"):
        assert [k for k in outputs if k.endswith(suffix)], suffix
    assert all(o["description"] for o in outputs.values())


@pytest.mark.parametrize("name", sorted(STACKS))
def test_the_stage_logs_in_json_and_throttles(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    (stage,) = resources(stack, "aws_api_gateway_stage").values()
    groups = resources(stack, "aws_cloudwatch_log_group")
    (group_id,) = [k for k in groups if ref("aws_cloudwatch_log_group", k, "arn") == stage["access_log_settings"]["destination_arn"]]
    assert groups[group_id]["retention_in_days"] == 90
    fields = json.loads(stage["access_log_settings"]["format"])
    for key, variable in {
        "requestId": "$context.requestId",
        "sourceIp": "$context.identity.sourceIp",
        "status": "$context.status",
        "errorMessage": "$context.error.message",
        "latencyMs": "$context.responseLatency",
    }.items():
        assert fields[key] == variable
    settings = {s["method_path"]: s for s in resources(stack, "aws_api_gateway_method_settings").values()}
    # The stage's defaults, then each route its own throttle, by what its provider does with a
    # 429: GitHub never retries (1000/s, burst 2000), Standard Webhooks senders retry for a
    # day (100/s, burst 200), an ingest-only source's sender is unknown (1000/s).
    route_limits = {
        "github": {"~1webhooks~1github/POST": (1000, 2000)},
        "users-standard": {"~1webhook/POST": (100, 200)},
        "mailgun-fifo": {"~1events/POST": (1000, 2000)},
    }[name]
    assert set(settings) == {"*/*", *route_limits}
    for path, (rate, burst) in {"*/*": (100, 200), **route_limits}.items():
        assert settings[path]["settings"] == {
            "logging_level": "ERROR",
            "data_trace_enabled": False,
            "metrics_enabled": True,
            "throttling_rate_limit": rate,
            "throttling_burst_limit": burst,
        }, path
    # The execution log group exists before any setting turns execution logging on, so API
    # Gateway never creates one of its own (without retention or key).
    (api_id,) = resources(stack, "aws_api_gateway_rest_api")
    (execution_id,) = [k for k, g in groups.items() if g["name"].startswith("API-Gateway-Execution-Logs_")]
    assert groups[execution_id]["name"] == f"API-Gateway-Execution-Logs_${{aws_api_gateway_rest_api.{api_id}.id}}/v1"
    assert groups[execution_id]["retention_in_days"] == 90
    assert groups[execution_id].get("kms_key_id") == groups[group_id].get("kms_key_id")
    assert settings["*/*"]["depends_on"] == [f"aws_cloudwatch_log_group.{execution_id}"]
    # The account-level logging role, which API Gateway needs before a stage can log.
    (account,) = resources(stack, "aws_api_gateway_account").values()
    (attachment,) = resources(stack, "aws_iam_role_policy_attachment").values()
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    role_ids = [k for k in resources(stack, "aws_iam_role") if ref("aws_iam_role", k, "arn") == account["cloudwatch_role_arn"]]
    assert len(role_ids) == 1
    assert stage["depends_on"] == [f"aws_api_gateway_account.{next(iter(resources(stack, 'aws_api_gateway_account')))}"]
