"""The module export turns a synthesized stack into module files: no provider, no backend,
per-environment values as validated variables, files through path.module. Pure, no jsii."""

from __future__ import annotations

import json

import pytest

from constructs_lib.module_export import NAME_SENTINEL, TAG_SENTINEL, module_from_stack

P = NAME_SENTINEL
SECRET = "Webhooks_Pipeline-gh_Secret_1"


def stack() -> dict:
    """The shape cdktf writes for one processing source, trimmed to what the export touches."""
    return {
        "//": {"metadata": {"stackName": "module"}},
        "terraform": {
            "backend": {"local": {"path": "/abs/terraform.module.tfstate"}},
            "required_providers": {"aws": {"source": "aws", "version": ">= 5.100.0, < 7.0.0"}},
        },
        "provider": {"aws": [{}]},
        "resource": {
            "aws_sqs_queue": {
                "Q": {
                    "//": {"metadata": {"path": "module/Webhooks/Q"}},
                    "name": f"{P}-gh",
                    "message_retention_seconds": 345600,
                    "redrive_policy": '{"deadLetterTargetArn": "${aws_sqs_queue.D.arn}", "maxReceiveCount": 5}',
                    "tags": dict(TAG_SENTINEL),
                },
                "D": {"name": f"{P}-gh-dlq", "message_retention_seconds": 1209600, "tags": dict(TAG_SENTINEL)},
            },
            "aws_cloudwatch_log_group": {"L": {"name": f"/aws/lambda/{P}-gh-verify", "retention_in_days": 30}},
            "aws_secretsmanager_secret": {SECRET: {"name": f"{P}-gh/signing-secret", "tags": dict(TAG_SENTINEL)}},
            "aws_lambda_function": {
                "F": {
                    "function_name": f"{P}-gh-verify",
                    "filename": "assets/F/abc/function.zip",
                    "environment": {"variables": {"WEBHOOK_SECRET_ARN": f"${{aws_secretsmanager_secret.{SECRET}.arn}}"}},
                }
            },
            "aws_iam_role_policy": {
                "R": {"policy": json.dumps({"Statement": [{"Resource": f"${{aws_secretsmanager_secret.{SECRET}.arn}}"}]})}
            },
            "aws_pipes_pipe": {"Pipe": {"name": f"{P}-gh", "source_parameters": {"sqs_queue_parameters": {"batch_size": 10}}}},
        },
        "output": {
            f"{P}_gh_endpoint": {"value": "${aws_api_gateway_stage.S.invoke_url}/webhooks/gh", "description": "URL"},
            f"{P}_gh_secret_arn": {"value": f"${{aws_secretsmanager_secret.{SECRET}.arn}}", "description": "secret"},
        },
    }


DEFAULTS = {"max_receive_count": 5, "retention_seconds": 345600, "dlq_retention_seconds": 1209600, "log_retention_days": 30, "batch_size": 10}


def export() -> dict:
    return module_from_stack(stack(), sources={"gh": {"processing": True}}, max_prefix_length=40, defaults=DEFAULTS).documents


def test_the_module_holds_no_provider_configuration_and_no_backend() -> None:
    docs = export()
    for document in docs.values():
        assert "provider" not in document
        assert "backend" not in document.get("terraform", {})
    versions = docs["versions.tf.json"]["terraform"]
    assert versions["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": ">= 5.100.0, < 7.0.0"}
    assert "//" not in json.dumps(docs)


def test_the_prefix_tags_and_per_environment_values_become_variables() -> None:
    resources = export()["main.tf.json"]["resource"]
    queue, dlq = resources["aws_sqs_queue"]["Q"], resources["aws_sqs_queue"]["D"]
    assert queue["name"] == "${var.name_prefix}-gh" and dlq["name"] == "${var.name_prefix}-gh-dlq"
    assert queue["tags"] == "${var.tags}"
    assert queue["message_retention_seconds"] == "${var.retention_seconds}"
    assert dlq["message_retention_seconds"] == "${var.dlq_retention_seconds}"
    assert '"maxReceiveCount": ${var.max_receive_count}' in queue["redrive_policy"]
    assert resources["aws_cloudwatch_log_group"]["L"]["retention_in_days"] == "${var.log_retention_days}"
    assert resources["aws_pipes_pipe"]["Pipe"]["source_parameters"]["sqs_queue_parameters"]["batch_size"] == "${var.batch_size}"


def test_lambda_code_is_found_through_path_module() -> None:
    function = export()["main.tf.json"]["resource"]["aws_lambda_function"]["F"]
    assert function["filename"] == "${path.module}/assets/F/abc/function.zip"


def test_an_existing_secret_replaces_the_created_one_everywhere() -> None:
    docs = export()
    main = docs["main.tf.json"]
    secret = main["resource"]["aws_secretsmanager_secret"][SECRET]
    assert secret["count"] == '${contains(keys(var.secret_arns), "gh") ? 0 : 1}'
    assert main["locals"] == {
        "secret_arn_gh": f'${{try(var.secret_arns["gh"], one(aws_secretsmanager_secret.{SECRET}[*].arn))}}'
    }
    text = json.dumps(docs)
    assert f"aws_secretsmanager_secret.{SECRET}.arn" not in text, "a reference to the counted secret without [*]"
    assert main["resource"]["aws_lambda_function"]["F"]["environment"]["variables"]["WEBHOOK_SECRET_ARN"] == "${local.secret_arn_gh}"
    assert docs["outputs.tf.json"]["output"]["gh_secret_arn"]["value"] == "${local.secret_arn_gh}"


def test_outputs_lose_the_prefix_and_keep_their_descriptions() -> None:
    outputs = export()["outputs.tf.json"]["output"]
    assert set(outputs) == {"gh_endpoint", "gh_secret_arn"}
    assert all(o["description"] for o in outputs.values())


def test_every_variable_is_described_and_checked_like_the_props() -> None:
    variables = export()["variables.tf.json"]["variable"]
    assert set(variables) == {
        "name_prefix", "tags", "max_receive_count", "retention_seconds", "dlq_retention_seconds",
        "log_retention_days", "batch_size", "secret_arns", "manage_account_logging_role",
    }
    for name, variable in variables.items():
        assert variable["description"], name
    assert "default" not in variables["name_prefix"], "the prefix is the one required input"
    assert "length(var.name_prefix) <= 40" in variables["name_prefix"]["validation"][0]["condition"]


def test_an_ingest_only_stack_has_no_processing_variables() -> None:
    config = stack()
    for kind in ("aws_cloudwatch_log_group", "aws_secretsmanager_secret", "aws_lambda_function", "aws_pipes_pipe", "aws_iam_role_policy"):
        del config["resource"][kind]
    del config["output"][f"{P}_gh_secret_arn"]
    files = module_from_stack(config, sources={"gh": {"processing": False}}, max_prefix_length=40, defaults=DEFAULTS)
    assert set(files.variables) == {
        "name_prefix", "tags", "max_receive_count", "retention_seconds", "dlq_retention_seconds",
        "manage_account_logging_role",
    }


def test_a_surviving_stand_in_is_an_error_not_a_module() -> None:
    config = stack()
    config["resource"]["aws_sqs_queue"]["Q"]["tags"] = {**TAG_SENTINEL, "extra": "x"}  # no longer the sentinel map
    with pytest.raises(ValueError, match="stand-ins"):
        module_from_stack(config, sources={"gh": {"processing": True}}, max_prefix_length=40, defaults=DEFAULTS)


def test_the_account_logging_role_can_be_left_to_one_instance() -> None:
    config = stack()
    config["resource"]["aws_iam_role"] = {"Logs": {"name": f"{P}-apigw-logs"}}
    config["resource"]["aws_iam_role_policy_attachment"] = {
        "Attach": {"role": "${aws_iam_role.Logs.name}", "policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}
    }
    config["resource"]["aws_api_gateway_account"] = {"Account": {"cloudwatch_role_arn": "${aws_iam_role.Logs.arn}", "depends_on": ["aws_iam_role_policy_attachment.Attach"]}}
    config["resource"]["aws_api_gateway_stage"] = {"Stage": {"depends_on": ["aws_api_gateway_account.Account"]}}
    main = module_from_stack(config, sources={"gh": {"processing": True}}, max_prefix_length=40, defaults=DEFAULTS).documents["main.tf.json"]
    resources = main["resource"]
    for kind, name in (("aws_iam_role", "Logs"), ("aws_iam_role_policy_attachment", "Attach"), ("aws_api_gateway_account", "Account")):
        assert resources[kind][name]["count"] == "${var.manage_account_logging_role ? 1 : 0}"
    assert resources["aws_api_gateway_account"]["Account"]["cloudwatch_role_arn"] == "${aws_iam_role.Logs[0].arn}"
    assert resources["aws_iam_role_policy_attachment"]["Attach"]["role"] == "${aws_iam_role.Logs[0].name}"
    assert resources["aws_api_gateway_stage"]["Stage"]["depends_on"] == ["aws_api_gateway_account.Account"]
