"""`WebhookIngest`: the L3 construct that receives webhooks into SQS, one queue per source."""

from __future__ import annotations

from typing import Any

from cdktf import TerraformOutput
from constructs import Construct

from .alarm_rules import api_alarm_specs, source_alarm_specs
from .alarms import WebhookAlarms
from .api import ApiSource, WebhookApi
from .pipeline import WebhookPipeline
from .props import WebhookIngestProps, WebhookSource, parse_props
from .queue import WebhookQueue


def _output_name(*parts: str) -> str:
    return "_".join(part.replace("-", "_") for part in parts)


class WebhookIngest(Construct):
    """API Gateway REST API -> SQS (+ DLQ) for one or more webhook sources.

    `props` is a `WebhookIngestProps` or a dict of its fields; it is checked in full before
    any resource is created. Public attributes:
      `api` (WebhookApi: `rest_api`, `role`, `deployment`, `stage`),
      `queues` (source name -> WebhookQueue: `queue`, `dead_letter_queue`),
      `pipelines` (source name -> WebhookPipeline, for sources with `processing`: `secret_arn`,
      `verifier`, `processor`, `state_machine`, `pipe`, their roles and log groups),
      `queue` / `dead_letter_queue` (those of the first source, for the common single-source case),
      `endpoints` (source name -> endpoint URL),
      `alarms` (source name -> WebhookAlarms: `alarms`, what -> CloudwatchMetricAlarm) and
      `api_alarms` (WebhookAlarms of the REST API: its 5XX answers, shared by all sources).
    """

    def __init__(self, scope: Construct, id_: str, props: WebhookIngestProps | dict[str, Any]) -> None:
        # Validate before the construct exists: a bad prop must not leave half a tree behind.
        p: WebhookIngestProps = parse_props(WebhookIngestProps, props)
        super().__init__(scope, id_)
        self.props = p

        self.queues: dict[str, WebhookQueue] = {
            source.name: WebhookQueue(self, f"Source-{source.name}", prefix=p.name, source=source, tags=p.tags)
            for source in p.sources
        }
        self.api = WebhookApi(
            self,
            "Api",
            props=p,
            sources=[ApiSource(source, self.queues[source.name].queue) for source in p.sources],
        )
        self.pipelines: dict[str, WebhookPipeline] = {
            source.name: WebhookPipeline(
                self,
                f"Pipeline-{source.name}",
                prefix=p.name,
                source=source,
                queue=self.queues[source.name].queue,
                tags=p.tags,
            )
            for source in p.sources
            if source.processing is not None
        }
        self._alarms()
        first = self.queues[p.sources[0].name]
        self.queue = first.queue
        self.dead_letter_queue = first.dead_letter_queue
        self.endpoints: dict[str, str] = {}
        for source in p.sources:
            self.endpoints[source.name] = f"{self.api.invoke_url}{source.route}"
            self._outputs(source)

    def _alarms(self) -> None:
        p = self.props
        self.alarms: dict[str, WebhookAlarms] = {}
        for source in p.sources:
            pair = self.queues[source.name]
            pipeline = self.pipelines.get(source.name)
            specs = source_alarm_specs(
                p.alarms,
                prefix=p.name,
                source=source.name,
                queue_name=pair.queue.name,
                dlq_name=pair.dead_letter_queue.name,
                state_machine_arn=pipeline.state_machine.arn if pipeline else None,
                pipe_name=pipeline.pipe.name if pipeline else None,
            )
            self.alarms[source.name] = WebhookAlarms(
                self, f"Alarms-{source.name}", specs=specs, props=p.alarms, tags=p.tags
            )
        # One per API, not per source: without detailed metrics 5XXError exists per stage only.
        self.api_alarms = WebhookAlarms(
            self,
            "ApiAlarms",
            specs=api_alarm_specs(
                p.alarms, prefix=p.name, api_name=self.api.rest_api.name, stage=self.api.stage.stage_name
            ),
            props=p.alarms,
            tags=p.tags,
        )

    def _outputs(self, source: WebhookSource) -> None:
        pair = self.queues[source.name]
        values = {
            "endpoint": (self.endpoints[source.name], f"URL that {source.name} webhooks are POSTed to"),
            "queue_url": (pair.queue.url, f"URL of the {source.name} queue"),
            "queue_arn": (pair.queue.arn, f"ARN of the {source.name} queue"),
            "dlq_url": (pair.dead_letter_queue.url, f"URL of the {source.name} dead-letter queue"),
            "dlq_arn": (pair.dead_letter_queue.arn, f"ARN of the {source.name} dead-letter queue"),
        }
        pipeline = self.pipelines.get(source.name)
        if pipeline is not None:
            values["state_machine_arn"] = (
                pipeline.state_machine.arn,
                f"ARN of the workflow that verifies and processes {source.name} deliveries",
            )
            values["secret_arn"] = (
                pipeline.secret_arn,
                f"Secrets Manager secret with the {source.name} signing secret (set its value)",
            )
            values["pipe_arn"] = (pipeline.pipe.arn, f"ARN of the pipe from the {source.name} queue")
        for key, (value, description) in values.items():
            output = TerraformOutput(self, f"{source.name}-{key}", value=value, description=description)
            # Output names are what `terraform output` users type: keep them short and stable.
            output.override_logical_id(_output_name(self.props.name, source.name, key))
