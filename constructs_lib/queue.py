"""SQS: a source's queue, its dead-letter queue and (with processing) its rejected queue,
encrypted, TLS-only, with redrive."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from constructs import Construct

from . import engine, policies
from .naming import queue_names, rejected_queue_name
from .source_props import WebhookSource
from .terraform_values import json_text, when_flag
from .tokens import is_token

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

# Room on a rejected queue for the reason attribute beside what the source queue holds.
REJECTED_COPY_ALLOWANCE_BYTES = 1024


class WebhookQueue(Construct):
    """The queue a source's deliveries land in, the DLQ they move to after N receives, and,
    for a source with processing, the rejected queue where the workflow keeps every delivery
    whose signature check failed.

    Public attributes: `queue`, `dead_letter_queue`, `rejected_queue` (the `SqsQueue`
    resources; `rejected_queue` is None without processing).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        prefix: str,
        source: WebhookSource,
        tags: dict[str, str],
        kms_key_arn: str | None = None,
        kms_key_used: Any = None,
    ) -> None:
        super().__init__(scope, id_)
        found = engine.of(self)
        aws, core = found.aws, found.core
        name, dlq_name = queue_names(prefix, source)
        fifo = {"fifo_queue": True} if source.fifo else {}
        used = kms_key_arn is not None if kms_key_used is None else kms_key_used
        # Both queues under one key: a message moved to the DLQ stays readable by the same roles.
        # SQS's default data key reuse, written down: how long a data key is reused before KMS
        # is asked again (fewer KMS calls, each billed, against a shorter exposure of one key).
        encryption: dict[str, object]
        if is_token(used):
            # Terraform decides (the module's queue_encryption): the key attributes are null
            # without a key, and SSE-SQS is null with one (the two modes exclude each other).
            encryption = {
                "sqs_managed_sse_enabled": core.Fn.conditional(used, core.Token.null_value(), True),
                "kms_master_key_id": kms_key_arn,
                "kms_data_key_reuse_period_seconds": when_flag(self, used, 300),
            }
        elif used:
            encryption = {"kms_master_key_id": kms_key_arn, "kms_data_key_reuse_period_seconds": 300}
        else:
            encryption = {"sqs_managed_sse_enabled": True}

        self.dead_letter_queue = aws.SqsQueue(
            self,
            "DeadLetterQueue",
            name=dlq_name,
            message_retention_seconds=source.dlq_retention_seconds,
            **encryption,
            tags=tags or None,
            **fifo,
        )
        self.queue = aws.SqsQueue(
            self,
            "Queue",
            name=name,
            message_retention_seconds=source.retention_seconds,
            visibility_timeout_seconds=source.visibility_timeout,
            # Explicit (SQS's default grew to 1 MiB in 2025): a body the workflow could never
            # take is refused by SendMessage, and the API answers 413 instead of queuing it.
            max_message_size=source.max_message_bytes,
            **encryption,
            redrive_policy=json_text(
                self, policies.redrive_policy(self.dead_letter_queue.arn, source.max_receive_count)
            ),
            # FIFO: with a delivery-id header the header deduplicates and content is the fallback
            # for requests without it; without the header content is all there is.
            **({"fifo_queue": True, "content_based_deduplication": True} if source.fifo else {}),
            # High throughput: each message group is its own unit of deduplication and throughput.
            **(
                {"deduplication_scope": "messageGroup", "fifo_throughput_limit": "perMessageGroupId"}
                if source.fifo_high_throughput
                else {}
            ),
            tags=tags or None,
        )
        # A separate resource: inline on the DLQ it would reference the queue, which already
        # references the DLQ through its redrive policy, and Terraform refuses the cycle.
        aws.SqsQueueRedriveAllowPolicy(
            self,
            "RedriveAllowPolicy",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=json.dumps(policies.redrive_allow_policy([self.queue.arn])),
        )
        self.rejected_queue: SqsQueue | None = None
        if source.processing is not None:
            self.rejected_queue = aws.SqsQueue(
                self,
                "RejectedQueue",
                name=rejected_queue_name(prefix, source),
                message_retention_seconds=source.rejected_retention_seconds,
                # The kept copy is the delivery plus one attribute, the reason.
                max_message_size=source.max_message_bytes + REJECTED_COPY_ALLOWANCE_BYTES,
                **encryption,
                # FIFO: the workflow sends each kept copy with its SQS messageId as the
                # deduplication id, so content-based deduplication stays off.
                **fifo,
                tags=tags or None,
            )
        guarded = [("QueuePolicy", self.queue), ("DeadLetterQueuePolicy", self.dead_letter_queue)]
        if self.rejected_queue is not None:
            guarded.append(("RejectedQueuePolicy", self.rejected_queue))
        for label, queue in guarded:
            aws.SqsQueuePolicy(
                self,
                label,
                queue_url=queue.url,
                policy=json.dumps(policies.tls_only_queue_policy(queue.arn)),
            )
