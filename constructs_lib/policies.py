"""IAM and SQS policy documents as plain dicts; no cdktf.

Every grant names its resources; nothing here grants an action on `*`.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = [
    "assume_role_policy",
    "send_message_policy",
    "tls_only_queue_policy",
    "redrive_policy",
    "redrive_allow_policy",
]

VERSION = "2012-10-17"


def assume_role_policy(service: str) -> dict[str, Any]:
    """Trust policy that lets one AWS service principal assume the role."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def send_message_policy(queue_arns: Sequence[str]) -> dict[str, Any]:
    """What API Gateway's integration role may do: send to these queues and nothing else."""
    if not queue_arns:
        raise ValueError("send_message_policy needs at least one queue ARN")
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "SendToWebhookQueues",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": list(queue_arns),
            }
        ],
    }


def tls_only_queue_policy(queue_arn: str) -> dict[str, Any]:
    """Deny any request to the queue that does not arrive over TLS (Security Hub SQS.3 spirit)."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def redrive_policy(dead_letter_queue_arn: str, max_receive_count: int) -> dict[str, Any]:
    return {"deadLetterTargetArn": dead_letter_queue_arn, "maxReceiveCount": max_receive_count}


def redrive_allow_policy(source_queue_arns: Sequence[str]) -> dict[str, Any]:
    """Only the named queues may use the DLQ as their dead-letter target."""
    return {"redrivePermission": "byQueue", "sourceQueueArns": list(source_queue_arns)}
