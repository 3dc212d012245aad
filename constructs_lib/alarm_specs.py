"""CloudWatch alarms of a webhook receiver as plain data, one dict per alarm in the shape of
`aws_cloudwatch_metric_alarm` (alarms.WebhookAlarms, the construct shell, makes them resources).

`source_alarm_specs` and `api_alarm_specs` turn the `Alarms` props (alarm_props.py) and the
names of the resources they watch into those dicts. Every metric below is the one the service
documents; the comment on each names the page. The API Gateway metric covers the whole REST
API stage (per-route 5XX metrics exist only with detailed metrics, which cost extra), so it is
one alarm per API, not one per source. Pure: no cdktf.
"""

from __future__ import annotations

from typing import Any

from .alarm_props import Alarms

__all__ = ["source_alarm_specs", "api_alarm_specs", "ALARM_NAME_MAX"]

# PutMetricAlarm: AlarmName is 1-255 characters.
ALARM_NAME_MAX = 255
MISSING_DATA = "notBreaching"
AT_LEAST = "GreaterThanOrEqualToThreshold"


def _spec(
    alarms: Alarms,
    base: str,
    *,
    what: str,
    description: str,
    namespace: str,
    metric_name: str,
    dimensions: dict[str, str],
    statistic: str,
    threshold: int,
) -> dict[str, Any]:
    # The name is the prefix (and source) plus what the alarm watches, so names sort by stack.
    name = f"{base}-{what}"
    if len(name) > ALARM_NAME_MAX:
        raise ValueError(f"alarm name {name!r} is {len(name)} characters, CloudWatch allows {ALARM_NAME_MAX}")
    return {
        "what": what,
        "name": name,
        "description": description,
        "namespace": namespace,
        "metric_name": metric_name,
        "dimensions": dimensions,
        "statistic": statistic,
        "threshold": threshold,
        "comparison": AT_LEAST,
        "period": alarms.period_seconds,
        "evaluation_periods": alarms.evaluation_periods,
        # No data means no traffic (an idle queue stops reporting, a pipe or workflow that ran
        # nothing reports nothing): that is healthy, not INSUFFICIENT_DATA.
        "treat_missing_data": MISSING_DATA,
    }


def source_alarm_specs(
    alarms: Alarms,
    *,
    prefix: str,
    source: str,
    queue_name: str,
    dlq_name: str,
    rejected_queue_name: str | None = None,
    state_machine_arn: str | None = None,
    pipe_name: str | None = None,
) -> list[dict[str, Any]]:
    """The alarms of one source: its DLQ and queue, and with processing its workflow and pipe.
    Names and ARNs may be Terraform references. Empty when alarms are disabled."""
    if not alarms.enabled:
        return []
    base = f"{prefix}-{source}"
    specs = [
        # SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
        # (namespace AWS/SQS, dimension QueueName; FIFO names keep their .fifo suffix).
        _spec(
            alarms,
            base,
            what="dlq-messages",
            description=f"{source}: deliveries failed max_receive_count times and wait in the DLQ. "
            "Inspect them, fix the cause, then redrive (python -m constructs_lib.redrive).",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq_name},
            statistic="Maximum",
            threshold=alarms.dlq_messages_threshold,
        ),
        _spec(
            alarms,
            base,
            what="oldest-message-age",
            description=f"{source}: the oldest queued delivery is older than "
            f"{alarms.oldest_message_age_seconds} s: the consumer is stopped, failing or too slow. "
            "Messages expire at the queue's retention.",
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue_name},
            statistic="Maximum",
            threshold=alarms.oldest_message_age_seconds,
        ),
    ]
    if rejected_queue_name is not None:
        # NumberOfMessagesSent, not the queue's depth: the rejected queue keeps what it holds
        # for 14 days, and the alarm is about rejections happening, not about their backlog.
        specs.append(
            _spec(
                alarms,
                base,
                what="rejections",
                description=f"{source}: the verifier rejected deliveries (bad or missing signature, "
                "expired timestamp); each is kept in the rejected queue with its reason. Forgeries "
                "stay there; after fixing a cause (a wrong secret) resend the others "
                "(make redrive REJECTED_ARN=... QUEUE_ARN=...).",
                namespace="AWS/SQS",
                metric_name="NumberOfMessagesSent",
                dimensions={"QueueName": rejected_queue_name},
                statistic="Sum",
                threshold=alarms.rejections_threshold,
            )
        )
    if state_machine_arn is not None:
        # Step Functions: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
        # (namespace AWS/States, execution metrics by StateMachineArn; Express workflows too).
        specs += [
            _spec(
                alarms,
                base,
                what="executions-failed",
                description=f"{source}: workflow executions failed; their whole batch returns to "
                "the queue. Read the workflow log group for the error.",
                namespace="AWS/States",
                metric_name="ExecutionsFailed",
                dimensions={"StateMachineArn": state_machine_arn},
                statistic="Sum",
                threshold=alarms.failed_executions_threshold,
            ),
            _spec(
                alarms,
                base,
                what="executions-timed-out",
                description=f"{source}: workflow executions hit workflow_timeout_seconds; their "
                "batch returns to the queue. Find the slow step, or raise the timeout.",
                namespace="AWS/States",
                metric_name="ExecutionsTimedOut",
                dimensions={"StateMachineArn": state_machine_arn},
                statistic="Sum",
                threshold=alarms.timed_out_executions_threshold,
            ),
        ]
    if pipe_name is not None:
        # EventBridge Pipes: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html
        # (ExecutionFailed by PipeName). That page does not name the namespace; CloudWatch's
        # own table of supported metrics by namespace lists ExecutionFailed + PipeName under
        # AWS/EventBridge/Pipes (anchor supported-metrics-ns-aws-eventbridge-pipes).
        # ExecutionFailed, not TargetStageFailed: it also counts failures before the target
        # (permissions, a deleted workflow). Partial failures (batchItemFailures) are normal
        # retries and are left to the DLQ alarm.
        specs.append(
            _spec(
                alarms,
                base,
                what="pipe-failures",
                description=f"{source}: pipe executions failed (target not started, or failed as "
                "a whole); the batch returns to the queue. Read the pipe log group.",
                namespace="AWS/EventBridge/Pipes",
                metric_name="ExecutionFailed",
                dimensions={"PipeName": pipe_name},
                statistic="Sum",
                threshold=alarms.pipe_failures_threshold,
            )
        )
    return specs


def api_alarm_specs(alarms: Alarms, *, prefix: str, api_name: str, stage: str) -> list[dict[str, Any]]:
    """The alarm of the REST API shared by all sources: 5XX answers on its stage."""
    if not alarms.enabled:
        return []
    # API Gateway: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
    # (namespace AWS/ApiGateway, 5XXError by ApiName and Stage; Sum = the count).
    return [
        _spec(
            alarms,
            prefix,
            what="api-5xx",
            description=f"{prefix}: the API answered 5XX: deliveries could not be queued (SendMessage "
            "refused or throttled) and providers will retry. Check that the queues exist and the "
            "API role may send to them.",
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions={"ApiName": api_name, "Stage": stage},
            statistic="Sum",
            threshold=alarms.api_5xx_threshold,
        )
    ]
