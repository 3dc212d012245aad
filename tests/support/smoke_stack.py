"""The engine harness's own stack, hand-written in the shape our constructs synthesize
(cdk.tf.json: an OpenAPI document as the REST API's body, a direct `aws` integration to SQS
SendMessage), plus the two things LocalStack cannot create, an EventBridge pipe and a Lambda
function (tests/engines/test_localstack_smoke.py). Applied with the session's deployments
(support/deployments.py)."""

from __future__ import annotations

import json
from typing import Any

from support.localstack import ACCOUNT_ID, REGION

QUEUE = "smoke-events"
STAGE = "v1"
FUNCTION = "smoke-verify"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION}"


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _openapi() -> dict[str, Any]:
    send_message = {
        "type": "aws",
        "httpMethod": "POST",
        "uri": f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT_ID}/{QUEUE}",
        "credentials": "${aws_iam_role.api.arn}",
        "passthroughBehavior": "never",
        "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"},
        "responses": {
            "2\\d{2}": {
                "statusCode": "200",
                "responseTemplates": {
                    "application/json": '{"id":"$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}'
                },
            },
            "default": {
                "statusCode": "500",
                "responseTemplates": {"application/json": '{"message":"not queued"}'},
            },
        },
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "smoke", "version": "1"},
        "paths": {
            "/events": {
                "post": {
                    "responses": {"200": {"description": "queued"}, "500": {"description": "not queued"}},
                    "x-amazon-apigateway-integration": send_message,
                }
            }
        },
    }


def _workflow() -> dict[str, Any]:
    return {
        "StartAt": "Verify",
        "States": {
            "Verify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${aws_lambda_function.verify.arn}", "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }


def smoke_stack() -> dict[str, Any]:
    return {
        "terraform": {
            "required_providers": {"aws": {"source": "aws", "version": ">= 5.100.0, < 7.0.0"}},
            # As cdktf writes it; prepare_workdir must keep state out of the repository.
            "backend": {"local": {"path": "../../../terraform.smoke.tfstate"}},
        },
        "provider": {"aws": [{"region": REGION}]},
        "resource": {
            "aws_sqs_queue": {"events": {"name": QUEUE}},
            "aws_iam_role": {
                "api": {
                    "name": "smoke-api",
                    "assume_role_policy": _policy(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ),
                }
            },
            "aws_iam_role_policy": {
                "send": {
                    "name": "send",
                    "role": "${aws_iam_role.api.id}",
                    "policy": _policy(
                        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "${aws_sqs_queue.events.arn}"}
                    ),
                },
                # Names the excluded function: deployed with its stand-in ARN.
                "invoke": {
                    "name": "invoke",
                    "role": "${aws_iam_role.api.id}",
                    "policy": _policy(
                        {
                            "Effect": "Allow",
                            "Action": "lambda:InvokeFunction",
                            "Resource": "${aws_lambda_function.verify.arn}",
                        }
                    ),
                },
            },
            "aws_lambda_function": {
                "verify": {
                    "function_name": FUNCTION,
                    "role": "${aws_iam_role.api.arn}",
                    "handler": "index.handler",
                    "runtime": "python3.12",
                    "filename": "verify.zip",
                }
            },
            "aws_pipes_pipe": {
                "ingest": {
                    "name": "smoke-ingest",
                    "role_arn": "${aws_iam_role.api.arn}",
                    "source": "${aws_sqs_queue.events.arn}",
                    "target": "${aws_lambda_function.verify.arn}",
                }
            },
            # The state machine names the excluded function: deployed with its stand-in ARN.
            "aws_sfn_state_machine": {
                "flow": {
                    "name": "smoke-flow",
                    "type": "EXPRESS",
                    "role_arn": "${aws_iam_role.api.arn}",
                    "definition": json.dumps(_workflow()),
                }
            },
            "aws_api_gateway_rest_api": {"api": {"name": "smoke", "body": json.dumps(_openapi())}},
            "aws_api_gateway_deployment": {
                "api": {
                    "rest_api_id": "${aws_api_gateway_rest_api.api.id}",
                    "triggers": {"body": "${sha256(aws_api_gateway_rest_api.api.body)}"},
                    "lifecycle": {"create_before_destroy": True},
                }
            },
            "aws_api_gateway_stage": {
                "api": {
                    "rest_api_id": "${aws_api_gateway_rest_api.api.id}",
                    "deployment_id": "${aws_api_gateway_deployment.api.id}",
                    "stage_name": STAGE,
                }
            },
        },
        "output": {
            "endpoint": {"value": "${aws_api_gateway_stage.api.invoke_url}/events"},
            "execution_arn": {"value": "${aws_api_gateway_stage.api.execution_arn}"},
            "rest_api_id": {"value": "${aws_api_gateway_rest_api.api.id}"},
            "queue_url": {"value": "${aws_sqs_queue.events.url}"},
            "pipe_arn": {"value": "${aws_pipes_pipe.ingest.arn}"},
            "state_machine_arn": {"value": "${aws_sfn_state_machine.flow.arn}"},
        },
    }
