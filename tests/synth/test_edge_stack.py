"""The edge function of the `slack` example: the Events route goes through it, the slash
commands route does not; its role reaches only its queue and its secret; API Gateway may invoke
it on that one route."""

from __future__ import annotations

from typing import Any

from support.synth import SynthOutput, json_document, ref, resources


def test_only_the_events_route_goes_through_the_edge_function(synth: SynthOutput) -> None:
    stack = synth.stack("slack")
    (api,) = resources(stack, "aws_api_gateway_rest_api").values()
    paths = json_document(api["body"])["paths"]
    events = paths["/slack/events"]["post"]["x-amazon-apigateway-integration"]
    assert ":lambda:path/2015-03-31/functions/" in events["uri"] and events["uri"].endswith(":function:slack-app-events-edge/invocations")
    assert "credentials" not in events  # a resource policy lets API Gateway invoke it
    commands = paths["/slack/commands"]["post"]["x-amazon-apigateway-integration"]
    assert ":sqs:path/" in commands["uri"]


def test_the_edge_function_reaches_only_its_queue_and_secret(synth: SynthOutput) -> None:
    stack = synth.stack("slack")
    functions = {f["function_name"]: (key, f) for key, f in resources(stack, "aws_lambda_function").items()}
    _, edge = functions["slack-app-events-edge"]
    assert edge["handler"] == "edge.handler" and edge["timeout"] == 5
    variables = edge["environment"]["variables"]
    assert variables["WEBHOOK_HANDSHAKE"] == "slack" and variables["WEBHOOK_SCHEME"] == "slack"
    queues = resources(stack, "aws_sqs_queue")
    events_queue = next(key for key, q in queues.items() if q["name"] == "slack-app-events")
    assert variables["WEBHOOK_QUEUE_URL"] == ref("aws_sqs_queue", events_queue, "url")
    # Its role's policy: logs, the secret, and SendMessage on the events queue alone.
    policies = [json_document(p["policy"]) for p in resources(stack, "aws_iam_role_policy").values()]
    role_key = edge["role"].split(".")[1]
    (policy,) = [
        json_document(p["policy"]) for p in resources(stack, "aws_iam_role_policy").values() if p["role"].split(".")[1] == role_key
    ]
    actions = {statement["Sid"]: (statement["Action"], statement["Resource"]) for statement in policy["Statement"]}
    assert actions["SendToItsQueue"] == ("sqs:SendMessage", ref("aws_sqs_queue", events_queue, "arn"))
    secret = next(key for key, s in resources(stack, "aws_secretsmanager_secret").items() if s["name"] == "slack-app-events/signing-secret")
    assert actions["ReadSigningSecret"] == ("secretsmanager:GetSecretValue", ref("aws_secretsmanager_secret", secret, "arn"))
    assert set(actions) == {"WriteOwnLogs", "ReadSigningSecret", "SendToItsQueue"}, actions
    assert len(policies) > 1


def test_api_gateway_may_invoke_the_edge_function_on_its_route_only(synth: SynthOutput) -> None:
    stack = synth.stack("slack")
    (permission,) = resources(stack, "aws_lambda_permission").values()
    (api_key,) = resources(stack, "aws_api_gateway_rest_api")
    assert permission["principal"] == "apigateway.amazonaws.com" and permission["action"] == "lambda:InvokeFunction"
    assert permission["source_arn"] == "${aws_api_gateway_rest_api." + api_key + ".execution_arn}/*/POST/slack/events"
    function: Any = permission["function_name"]
    assert "slack-app-events-edge" in str(function) or "aws_lambda_function." in str(function)


def test_the_api_role_sends_only_to_the_queue_of_the_direct_route(synth: SynthOutput) -> None:
    stack = synth.stack("slack")
    queues = resources(stack, "aws_sqs_queue")
    commands = next(key for key, q in queues.items() if q["name"] == "slack-app-commands")
    (api,) = resources(stack, "aws_api_gateway_rest_api").values()
    role = json_document(api["body"])["paths"]["/slack/commands"]["post"]["x-amazon-apigateway-integration"]["credentials"]
    role_key = role.split(".")[1]
    (policy,) = [json_document(p["policy"]) for p in resources(stack, "aws_iam_role_policy").values() if p["role"].split(".")[1] == role_key]
    (send,) = [statement for statement in policy["Statement"] if statement["Action"] == "sqs:SendMessage"]
    assert send["Resource"] == [ref("aws_sqs_queue", commands, "arn")]
