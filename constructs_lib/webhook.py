"""`WebhookIngest`: the L3 construct that receives webhooks into SQS, one queue per source.

It builds a request's way in order, each part in the file named for its AWS service:
  props     webhook_props.WebhookIngestProps, checked whole before any resource (prop_errors)
  keys      kms.CustomerKey, when queue_encryption / log_encryption is 'kms' without a given key
  queues    queue.WebhookQueue per source: queue, DLQ, rejected queue
  API       api.WebhookApi: the OpenAPI document (openapi, schema, vtl) and its stage
  pipeline  pipeline.WebhookPipeline per source with processing: secret, verifier and processor
            Lambdas (function), workflow (workflow), pipe
  alarms    alarms.WebhookAlarms from alarm_specs
  outputs   endpoint, queue, DLQ, workflow, secret, pipe and rejected queue per source
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from . import engine, policies
from ._arn import ACCOUNT, PARTITION, REGION, arn_part
from .alarm_specs import api_alarm_specs, source_alarm_specs
from .alarms import WebhookAlarms
from .api import ApiSource, WebhookApi
from .kms import KeyInUse, key_in_use
from .pipeline import WebhookPipeline
from .prop_errors import parse_props
from .queue import WebhookQueue
from .source_props import WebhookSource
from .tokens import is_token
from .webhook_props import WebhookIngestProps


def _output_name(*parts: str) -> str:
    return "_".join(part.replace("-", "_") for part in parts)


class WebhookIngest(Construct):
    """API Gateway REST API -> SQS (+ DLQ) for one or more webhook sources.

    `props` is a `WebhookIngestProps` or a dict of its fields; it is checked in full before
    any resource is created. Public attributes:
      `api` (WebhookApi: `rest_api`, `role`, `deployment`, `stage`),
      `queues` (source name -> WebhookQueue: `queue`, `dead_letter_queue`, `rejected_queue`),
      `pipelines` (source name -> WebhookPipeline, for sources with `processing`: `secret_arn`,
      `verifier`, `processor`, `state_machine`, `pipe`, their roles and log groups),
      `queue` / `dead_letter_queue` (those of the first source, for the common single-source case),
      `endpoints` (source name -> endpoint URL),
      `alarms` (source name -> WebhookAlarms: `alarms`, what -> CloudwatchMetricAlarm),
      `api_alarms` (WebhookAlarms of the REST API: its 5XX answers, shared by all sources),
      `queue_key` / `log_key` (the CustomerKey created for queues / log groups, else None) and
      `queue_key_arn` / `log_key_arn` (the key in use, created or given, else None).
    """

    def __init__(self, scope: Construct, id_: str, props: WebhookIngestProps | dict[str, Any]) -> None:
        # Validate before the construct exists: a bad prop must not leave half a tree behind.
        p: WebhookIngestProps = parse_props(WebhookIngestProps, props)
        super().__init__(scope, id_)
        self.props = p

        # Its policy names the roles made below; it is set once they exist.
        queue_key = self._key("QueueKey", "the webhook queues", p.queue_encryption, p.queue_kms_key_arn)
        self.queue_key, self.queue_key_arn = queue_key.key, queue_key.arn
        self.queues: dict[str, WebhookQueue] = {
            source.name: WebhookQueue(
                self,
                f"Source-{source.name}",
                prefix=p.name,
                source=source,
                tags=p.tags,
                kms_key_arn=self.queue_key_arn,
                kms_key_used=queue_key.used,
            )
            for source in p.sources
        }
        log_key = self._key("LogKey", "the log groups", p.log_encryption, p.log_kms_key_arn)
        self.log_key = log_key.key
        if self.log_key is not None:
            # The queue's ARN carries partition, region and account without a data source.
            arn = self.queues[p.sources[0].name].queue.arn
            self.log_key.set_policy(
                policies.logs_key_policy(arn_part(self, arn, PARTITION), arn_part(self, arn, REGION), arn_part(self, arn, ACCOUNT))
            )
        self.log_key_arn = log_key.arn
        self.api = WebhookApi(
            self,
            "Api",
            props=p,
            sources=[ApiSource(source, self.queues[source.name].queue) for source in p.sources],
            queue_key_arn=self.queue_key_arn,
            log_key_arn=self.log_key_arn,
            queue_key_used=queue_key.used,
        )
        # The service roles' trust names their state machine and pipe by ARN. Partition and
        # account come from the API role's ARN, not the queue's: a queue key's policy names the
        # pipe and workflow roles, so the roles must not wait for the queue that waits for the
        # key. An IAM ARN has no region; the provider's region does (a data source read at plan
        # time, `id` in provider 5.x and 6.x alike).
        processed = [source for source in p.sources if source.processing is not None]
        region = engine.of(self).aws.DataAwsRegion(self, "Region").id if processed else ""
        self.pipelines: dict[str, WebhookPipeline] = {}
        for source in processed:
            pair = self.queues[source.name]
            assert pair.rejected_queue is not None
            self.pipelines[source.name] = WebhookPipeline(
                self,
                f"Pipeline-{source.name}",
                prefix=p.name,
                source=source,
                queue=pair.queue,
                rejected_queue=pair.rejected_queue,
                tags=p.tags,
                partition=arn_part(self, self.api.role.arn, PARTITION),
                region=region,
                account=arn_part(self, self.api.role.arn, ACCOUNT),
                queue_key_arn=self.queue_key_arn,
                log_key_arn=self.log_key_arn,
                queue_key_used=queue_key.used,
                api_execution_arn=self.api.rest_api.execution_arn,
            )
        if self.queue_key is not None:
            role_arn = self.api.role.arn
            self.queue_key.set_policy(
                policies.queue_key_policy(
                    arn_part(self, role_arn, PARTITION),
                    arn_part(self, role_arn, ACCOUNT),
                    sender_role_arns=[role_arn],
                    receiver_role_arns=[pipeline.pipe_role.arn for pipeline in self.pipelines.values()],
                    keeper_role_arns=[pipeline.workflow_role.arn for pipeline in self.pipelines.values()],
                )
            )
        self._alarms()
        first = self.queues[p.sources[0].name]
        self.queue = first.queue
        self.dead_letter_queue = first.dead_letter_queue
        self.endpoints: dict[str, str] = {}
        for source in p.sources:
            self.endpoints[source.name] = f"{self.api.invoke_url}{source.route}"
            self._outputs(source)
        for label, key in (("queue", queue_key), ("log", log_key)):
            if key.key is not None:
                kind = "queues" if label == "queue" else "log groups"
                output = engine.of(self).core.TerraformOutput(
                    self,
                    f"{label}-key-arn",
                    value=key.arn,
                    description=f"ARN of the KMS key of the {kind}"
                    + ("" if key.decided else f" (created or given; null when the {kind} use managed encryption)"),
                )
                output.override_logical_id(self._output_id(f"{label}_kms_key_arn"))

    def _key(self, id_: str, what: str, encryption: str, given_arn: str | None) -> KeyInUse:
        """The key of `what`: given, created (encryption 'kms' without a given key) or none."""
        p = self.props
        return key_in_use(
            self,
            id_,
            encryption=encryption,
            given_arn=given_arn,
            description=f"Encrypts {what} of {p.name}",
            deletion_window_days=p.kms_deletion_window_days,
            tags=p.tags,
        )

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
                rejected_queue_name=pair.rejected_queue.name if pair.rejected_queue else None,
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
            if pipeline.secret_arn is not None:
                values["secret_arn"] = (
                    pipeline.secret_arn,
                    f"Secrets Manager secret with the {source.name} signing secret (set its value)",
                )
            values["pipe_arn"] = (pipeline.pipe.arn, f"ARN of the pipe from the {source.name} queue")
            rejected = pair.rejected_queue
            assert rejected is not None
            values["rejected_queue_url"] = (
                rejected.url,
                f"URL of the {source.name} rejected queue: deliveries whose signature check failed"
                + ("" if is_token(source.rejected_retention_seconds) else f", kept {source.rejected_retention_seconds // 86400 or 1} day(s)"),
            )
            values["rejected_queue_arn"] = (
                rejected.arn,
                f"ARN of the {source.name} rejected queue (make redrive REJECTED_ARN=... QUEUE_ARN=...)",
            )
        output_class = engine.of(self).core.TerraformOutput
        for key, (value, description) in values.items():
            output = output_class(self, f"{source.name}-{key}", value=value, description=description)
            # Output names are what `terraform output` users type: keep them short and stable.
            output.override_logical_id(self._output_id(source.name, key))

    def _output_id(self, *parts: str) -> str:
        """`<name>_<source>_<what>`; without the prefix when `name` is a Terraform value (in a
        module, whose outputs the caller reads as module.<label>.<source>_<what>)."""
        if is_token(self.props.name):
            return _output_name(*parts)
        return _output_name(self.props.name, *parts)
