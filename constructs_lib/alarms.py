"""CloudWatch: the metric alarms that alarm_specs describes, with SNS alarm and OK actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from constructs import Construct

from . import engine
from .alarm_props import Alarms

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm

__all__ = ["WebhookAlarms"]


def _construct_id(what: str) -> str:
    # "dlq-messages" -> "DlqMessages": IDs are short nouns, stable per alarm kind.
    return "".join(part.capitalize() for part in what.split("-"))


class WebhookAlarms(Construct):
    """One `aws_cloudwatch_metric_alarm` per spec (see alarm_specs.source_alarm_specs).

    Public attribute: `alarms` (what, e.g. "dlq-messages" -> CloudwatchMetricAlarm).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        specs: Sequence[dict[str, Any]],
        props: Alarms,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        aws = engine.of(self).aws
        actions = list(props.actions) or None
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for spec in specs:
            self.alarms[spec["what"]] = aws.CloudwatchMetricAlarm(
                self,
                _construct_id(spec["what"]),
                alarm_name=spec["name"],
                alarm_description=spec["description"],
                namespace=spec["namespace"],
                metric_name=spec["metric_name"],
                dimensions=spec["dimensions"],
                statistic=spec["statistic"],
                threshold=spec["threshold"],
                comparison_operator=spec["comparison"],
                period=spec["period"],
                evaluation_periods=spec["evaluation_periods"],
                treat_missing_data=spec["treat_missing_data"],
                alarm_actions=actions,
                ok_actions=actions,
                tags=tags or None,
            )
