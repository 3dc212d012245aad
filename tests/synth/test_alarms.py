"""The alarms of the synthesized stacks watch each source's own DLQ, queue, workflow and pipe,
and the stack's own API, on the metrics those services document."""

from __future__ import annotations

from typing import Any

import pytest

from support.synth import SynthOutput, ref, resources

PROCESSING_STACKS = ("users-standard", "github")


def alarms_by_what(stack: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """The stack's alarms named "<prefix>-<what>", by what."""
    return {
        alarm["alarm_name"].removeprefix(prefix + "-"): alarm
        for alarm in resources(stack, "aws_cloudwatch_metric_alarm").values()
        if alarm["alarm_name"].startswith(prefix + "-")
    }


def only_id(stack: dict[str, Any], kind: str, keep: Any = lambda body: True) -> str:
    (key,) = [k for k, body in resources(stack, kind).items() if keep(body)]
    return key


def metric(alarm: dict[str, Any]) -> tuple[str, str, dict[str, str], str]:
    return alarm["namespace"], alarm["metric_name"], alarm["dimensions"], alarm["statistic"]


def api_refs(stack: dict[str, Any]) -> dict[str, str]:
    return {
        "ApiName": ref("aws_api_gateway_rest_api", only_id(stack, "aws_api_gateway_rest_api"), "name"),
        "Stage": ref("aws_api_gateway_stage", only_id(stack, "aws_api_gateway_stage"), "stage_name"),
    }


@pytest.mark.parametrize("name", PROCESSING_STACKS)
def test_a_processing_source_has_six_alarms_on_its_own_resources(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    (pipe,) = resources(stack, "aws_pipes_pipe").values()
    source_prefix = pipe["name"]  # "<name>-<source>", as the alarm names
    queue = only_id(stack, "aws_sqs_queue", lambda q: "-dlq" not in q["name"] and "-rejected" not in q["name"])
    dlq = only_id(stack, "aws_sqs_queue", lambda q: "-dlq" in q["name"])
    rejected = only_id(stack, "aws_sqs_queue", lambda q: "-rejected" in q["name"])
    machine = ref("aws_sfn_state_machine", only_id(stack, "aws_sfn_state_machine"), "arn")
    pipe_name = ref("aws_pipes_pipe", only_id(stack, "aws_pipes_pipe"), "name")

    alarms = alarms_by_what(stack, source_prefix)
    assert {what: metric(alarm) for what, alarm in alarms.items()} == {
        "dlq-messages": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": ref("aws_sqs_queue", dlq, "name")}, "Maximum"),
        "oldest-message-age": ("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": ref("aws_sqs_queue", queue, "name")}, "Maximum"),
        # Rejections as they happen (messages sent to the rejected queue), not its backlog.
        "rejections": ("AWS/SQS", "NumberOfMessagesSent", {"QueueName": ref("aws_sqs_queue", rejected, "name")}, "Sum"),
        "executions-failed": ("AWS/States", "ExecutionsFailed", {"StateMachineArn": machine}, "Sum"),
        "executions-timed-out": ("AWS/States", "ExecutionsTimedOut", {"StateMachineArn": machine}, "Sum"),
        "pipe-failures": ("AWS/EventBridge/Pipes", "ExecutionFailed", {"PipeName": pipe_name}, "Sum"),
    }


@pytest.mark.parametrize("name", ("mailgun-fifo", *PROCESSING_STACKS))
def test_every_stack_alarms_on_its_api_5xx(synth: SynthOutput, name: str) -> None:
    stack = synth.stack(name)
    (api,) = resources(stack, "aws_api_gateway_rest_api").values()
    (alarm,) = [a for a in resources(stack, "aws_cloudwatch_metric_alarm").values() if a["alarm_name"] == f"{api['name']}-api-5xx"]
    assert metric(alarm) == ("AWS/ApiGateway", "5XXError", api_refs(stack), "Sum")


def test_the_ingest_only_stack_alarms_on_its_dlq_queue_age_and_api(synth: SynthOutput) -> None:
    stack = synth.stack("mailgun-fifo")
    queues = {q["name"]: k for k, q in resources(stack, "aws_sqs_queue").items()}
    alarms = alarms_by_what(stack, "mailgun-events")
    assert {what: metric(alarm) for what, alarm in alarms.items()} == {
        "mailgun-dlq-messages": (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": ref("aws_sqs_queue", queues["mailgun-events-mailgun-dlq.fifo"], "name")},
            "Maximum",
        ),
        "mailgun-oldest-message-age": (
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": ref("aws_sqs_queue", queues["mailgun-events-mailgun.fifo"], "name")},
            "Maximum",
        ),
        "api-5xx": ("AWS/ApiGateway", "5XXError", api_refs(stack), "Sum"),
    }


@pytest.mark.parametrize("name", ("mailgun-fifo", *PROCESSING_STACKS))
def test_alarms_use_the_default_thresholds_and_notify_nobody_by_default(synth: SynthOutput, name: str) -> None:
    for alarm in resources(synth.stack(name), "aws_cloudwatch_metric_alarm").values():
        expected = 900 if alarm["metric_name"] == "ApproximateAgeOfOldestMessage" else 1
        assert alarm["threshold"] == expected, alarm["alarm_name"]
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
        assert (alarm["period"], alarm["evaluation_periods"], alarm["treat_missing_data"]) == (300, 1, "notBreaching")
        assert "alarm_actions" not in alarm and "ok_actions" not in alarm
