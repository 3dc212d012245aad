"""The event EventBridge Pipes hands its target for an SQS source, built from a real message.

LocalStack (community, without Docker) cannot run a pipe, so engine tests receive the message
from the real queue themselves and pass it on in the shape Pipes uses. That shape is the
documented one (EventBridge user guide, "Amazon SQS as a source", example event): a JSON
array of records, camelCase keys, message attributes as
`{"stringValue", "stringListValues", "binaryListValues", "dataType"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The system attributes Pipes copies into `attributes` (the documented example shows these;
# FIFO queues add the group, deduplication and sequence ids).
SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SequenceNumber",
)


def pipes_record(message: Mapping[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as boto3's ReceiveMessage returns it (requested with
    AttributeNames=["All"], MessageAttributeNames=["All"]) -> one record of a Pipes batch."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: attributes[k] for k in SYSTEM_ATTRIBUTES if k in attributes},
        "messageAttributes": {
            name: {
                "stringValue": value["StringValue"],
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
