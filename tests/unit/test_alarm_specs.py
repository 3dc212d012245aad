"""The alarms a source gets: documented metrics on its own resources, thresholds from props,
and props errors that name the prop, the value and the fix."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from constructs_lib.alarm_props import Alarms
from constructs_lib.alarm_specs import api_alarm_specs, source_alarm_specs
from constructs_lib import PropsError, WebhookIngestProps
from constructs_lib.prop_errors import parse_props

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:acme-github"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"


class Body(BaseModel):
    event: str


def specs(alarms: Alarms = Alarms(), *, processing: bool = True) -> dict[str, dict[str, Any]]:
    built = source_alarm_specs(
        alarms,
        prefix="acme",
        source="github",
        queue_name="acme-github",
        dlq_name="acme-github-dlq",
        state_machine_arn=MACHINE if processing else None,
        pipe_name="acme-github" if processing else None,
    )
    return {spec["what"]: spec for spec in built}


def test_a_processing_source_gets_five_alarms_on_the_documented_metrics() -> None:
    metrics = {
        what: (s["namespace"], s["metric_name"], s["dimensions"], s["statistic"]) for what, s in specs().items()
    }
    assert metrics == {
        "dlq-messages": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": "acme-github-dlq"}, "Maximum"),
        "oldest-message-age": ("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": "acme-github"}, "Maximum"),
        "executions-failed": ("AWS/States", "ExecutionsFailed", {"StateMachineArn": MACHINE}, "Sum"),
        "executions-timed-out": ("AWS/States", "ExecutionsTimedOut", {"StateMachineArn": MACHINE}, "Sum"),
        "pipe-failures": ("AWS/EventBridge/Pipes", "ExecutionFailed", {"PipeName": "acme-github"}, "Sum"),
    }


def test_an_ingest_only_source_gets_the_queue_alarms() -> None:
    assert set(specs(processing=False)) == {"dlq-messages", "oldest-message-age"}


def test_the_api_alarm_counts_5xx_answers_of_the_stage() -> None:
    (spec,) = api_alarm_specs(Alarms(), prefix="acme", api_name="acme", stage="v1")
    assert (spec["name"], spec["namespace"], spec["metric_name"], spec["dimensions"], spec["statistic"]) == (
        "acme-api-5xx",
        "AWS/ApiGateway",
        "5XXError",
        {"ApiName": "acme", "Stage": "v1"},
        "Sum",
    )


def test_defaults_fire_on_the_first_failure_and_treat_silence_as_healthy() -> None:
    built = specs()
    assert {what: s["threshold"] for what, s in built.items()} == {
        "dlq-messages": 1,
        "oldest-message-age": 900,
        "executions-failed": 1,
        "executions-timed-out": 1,
        "pipe-failures": 1,
    }
    for what, spec in built.items():
        assert spec["name"] == f"acme-github-{what}"
        assert spec["comparison"] == "GreaterThanOrEqualToThreshold"
        assert (spec["period"], spec["evaluation_periods"], spec["treat_missing_data"]) == (300, 1, "notBreaching")
        assert spec["description"].startswith("github: ")


def test_thresholds_and_periods_come_from_the_props() -> None:
    alarms = Alarms(
        dlq_messages_threshold=5,
        oldest_message_age_seconds=3600,
        failed_executions_threshold=2,
        timed_out_executions_threshold=3,
        pipe_failures_threshold=4,
        api_5xx_threshold=10,
        period_seconds=120,
        evaluation_periods=3,
    )
    built = specs(alarms)
    assert {what: s["threshold"] for what, s in built.items()} == {
        "dlq-messages": 5,
        "oldest-message-age": 3600,
        "executions-failed": 2,
        "executions-timed-out": 3,
        "pipe-failures": 4,
    }
    (api,) = api_alarm_specs(alarms, prefix="acme", api_name="acme", stage="v1")
    assert api["threshold"] == 10
    for spec in [*built.values(), api]:
        assert (spec["period"], spec["evaluation_periods"]) == (120, 3)


def test_disabled_alarms_build_nothing() -> None:
    off = Alarms(enabled=False)
    assert specs(off) == {}
    assert api_alarm_specs(off, prefix="acme", api_name="acme", stage="v1") == []


def test_every_field_documents_its_default() -> None:
    for name, info in Alarms.model_fields.items():
        assert info.description and len(info.description) > 20, name


def test_alarms_are_frozen_and_refuse_unknown_props() -> None:
    with pytest.raises(ValidationError):
        Alarms().enabled = False  # type: ignore[misc]
    # Built directly, as from a dict: one PropsError naming the prop and the known ones.
    with pytest.raises(PropsError, match=r"Alarms\.dlq_threshold: unknown prop \(a typo\?\); known props: actions, "):
        Alarms(dlq_threshold=3)  # type: ignore[call-arg]


def test_actions_take_sns_topic_arns_or_terraform_references() -> None:
    assert Alarms(actions=(TOPIC, "${aws_sns_topic.ops.arn}")).actions == (TOPIC, "${aws_sns_topic.ops.arn}")


def error_of(**alarms: Any) -> str:
    with pytest.raises(PropsError) as caught:
        parse_props(WebhookIngestProps, {"name": "acme", "sources": [{"name": "github", "model": Body}], "alarms": alarms})
    return str(caught.value)


@pytest.mark.parametrize(
    ("alarms", "names"),
    [
        ({"actions": ["ops-alerts"]}, ["alarms.actions", "'ops-alerts'", "SNS topic ARN"]),
        ({"actions": ["arn:aws:sqs:eu-west-1:123456789012:q"]}, ["alarms.actions", "SNS topic ARN"]),
        ({"actions": [TOPIC, TOPIC]}, ["alarms.actions", "more than once"]),
        ({"period_seconds": 90}, ["alarms.period_seconds", "period_seconds=90", "multiple of 60"]),
        ({"period_seconds": 30}, ["alarms.period_seconds", "greater than or equal to 60"]),
        ({"evaluation_periods": 300}, ["evaluation_periods=300", "period_seconds=300", "lower one of them"]),
        ({"dlq_messages_threshold": 0}, ["alarms.dlq_messages_threshold", "greater than or equal to 1"]),
        ({"oldest_message_age_seconds": 15 * 86400}, ["alarms.oldest_message_age_seconds"]),
        ({"dlq_threshold": 2}, ["alarms.dlq_threshold", "unknown prop", "dlq_messages_threshold"]),
    ],
)
def test_bad_alarm_props_are_refused_naming_prop_value_and_fix(alarms: dict[str, Any], names: list[str]) -> None:
    message = error_of(**alarms)
    for name in names:
        assert name in message, message


def test_an_age_threshold_the_queue_never_reaches_is_refused() -> None:
    # The default retention is 4 days; 5 days of age cannot happen: messages expire first.
    message = error_of(oldest_message_age_seconds=5 * 86400)
    assert "alarms.oldest_message_age_seconds=432000" in message
    assert "source 'github' retention_seconds=345600" in message
    assert "lower the threshold or raise retention_seconds" in message


def test_the_age_check_is_skipped_when_alarms_are_off() -> None:
    props = parse_props(
        WebhookIngestProps,
        {
            "name": "acme",
            "sources": [{"name": "github", "model": Body}],
            "alarms": {"enabled": False, "oldest_message_age_seconds": 5 * 86400},
        },
    )
    assert props.alarms.enabled is False


def test_the_readme_table_lists_every_alarm_prop() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### `Alarms`", 1)[1].split("\n\n", 3)[2]
    documented = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert documented == set(Alarms.model_fields)
