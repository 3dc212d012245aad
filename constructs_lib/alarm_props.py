"""Props of the CloudWatch alarms every webhook stack has (`Alarms`, configuring alarms.py's
`WebhookAlarms` through alarm_specs), and their checks.

Pure: no cdktf.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from .tokens import OrToken, any_token, is_token
from .prop_errors import FrozenProps

__all__ = ["Alarms"]

# PutMetricAlarm: for periods of a minute or more, evaluation_periods x period <= one day.
ALARM_WINDOW_MAX_SECONDS = 86400
# SQS keeps a message at most 14 days; an older "oldest message" cannot exist.
SQS_RETENTION_MAX = 14 * 86400
_SNS_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$")


class Alarms(FrozenProps):
    """The alarms every source gets: what fires them and whom they notify."""

    enabled: bool = Field(
        default=True, description="create the alarms; True (False = no alarm resources at all)"
    )
    actions: Annotated[tuple[str, ...], OrToken] = Field(
        default=(),
        description="SNS topic ARNs notified when an alarm fires and when it clears; none = the "
        "alarms change state in the console and notify nobody",
    )
    dlq_messages_threshold: Annotated[int, OrToken] = Field(
        default=1,
        ge=1,
        description="messages waiting in a DLQ that fire its alarm; 1 = the first failed delivery",
    )
    oldest_message_age_seconds: Annotated[int, OrToken] = Field(
        default=900,
        ge=60,
        le=SQS_RETENTION_MAX,
        description="age of the oldest message in a queue that fires its alarm; 900 s = nothing "
        "consumed the queue for 15 minutes (must stay below the source's retention_seconds)",
    )
    rejections_threshold: Annotated[int, OrToken] = Field(
        default=1,
        ge=1,
        description="deliveries per period the verifier rejects (kept in the rejected queue) that "
        "fire the alarm; 1 = the first forged, stale or misconfigured delivery",
    )
    failed_executions_threshold: Annotated[int, OrToken] = Field(
        default=1, ge=1, description="failed workflow executions per period that fire the alarm; 1"
    )
    timed_out_executions_threshold: Annotated[int, OrToken] = Field(
        default=1, ge=1, description="timed-out workflow executions per period that fire the alarm; 1"
    )
    pipe_failures_threshold: Annotated[int, OrToken] = Field(
        default=1, ge=1, description="failed pipe executions per period that fire the alarm; 1"
    )
    api_5xx_threshold: Annotated[int, OrToken] = Field(
        default=1,
        ge=1,
        description="5XX answers of the API per period that fire the alarm; 1 = the first delivery "
        "the API could not queue",
    )
    period_seconds: Annotated[int, OrToken] = Field(
        default=300,
        ge=60,
        description="length of one evaluated period; 300 s (60 or a multiple of 60)",
    )
    evaluation_periods: Annotated[int, OrToken] = Field(
        default=1,
        ge=1,
        description="consecutive breaching periods before an alarm fires; 1 = the first one",
    )

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if is_token(value):
            return value
        for action in value:
            if not (_SNS_ARN.match(action) or is_token(action) or action.startswith("${")):
                raise ValueError(
                    f"actions entry {action!r} is not an SNS topic ARN: pass e.g. "
                    "'arn:aws:sns:eu-west-1:123456789012:ops-alerts' or a Terraform reference to one"
                )
        duplicates = sorted({a for a in value if value.count(a) > 1})
        if duplicates:
            raise ValueError(f"actions lists {duplicates} more than once: list each topic once")
        return value

    @field_validator("period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        if not is_token(value) and value % 60:
            raise ValueError(
                f"period_seconds={value} is not a whole number of minutes: the metrics watched "
                f"are per minute; use 60 or a multiple of 60 (e.g. {max(60, value // 60 * 60)})"
            )
        return value

    @model_validator(mode="after")
    def _window(self) -> Alarms:
        if any_token(self.period_seconds, self.evaluation_periods):
            return self
        window = self.period_seconds * self.evaluation_periods
        if window > ALARM_WINDOW_MAX_SECONDS:
            raise ValueError(
                f"evaluation_periods={self.evaluation_periods} x period_seconds={self.period_seconds} "
                f"= {window} s exceeds the one day ({ALARM_WINDOW_MAX_SECONDS} s) CloudWatch "
                "evaluates: lower one of them"
            )
        return self

    def check_retention(self, retention_by_source: Mapping[str, int]) -> None:
        """A queue deletes a message when its retention ends, so an age threshold at or above
        the retention can never be reached: the alarm would stay silent while messages expire."""
        for source, retention in retention_by_source.items():
            if any_token(self.oldest_message_age_seconds, retention):
                continue
            if self.enabled and self.oldest_message_age_seconds >= retention:
                raise ValueError(
                    f"alarms.oldest_message_age_seconds={self.oldest_message_age_seconds} is not "
                    f"below source {source!r} retention_seconds={retention}: messages would expire "
                    "before the alarm fires; lower the threshold or raise retention_seconds"
                )
