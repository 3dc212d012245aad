"""Example processing step: the Lambda the state machine's `Process` state invokes.

Input (built by the state machine from the verifier's verdict, see constructs_lib.workflow):
    {"messageId": str, "deliveryId": str | None, "event": <the webhook body as JSON> | None,
     "body": <the raw body> | None}
`event` is the parsed body when it is JSON that travels through Step Functions unchanged;
otherwise it is None and `body` holds the raw text (a body that is not JSON, or holds values
like 1e400 that strict JSON cannot carry back).
Output: a summary of what was processed. Raising fails the record: the state machine reports
its messageId in batchItemFailures, so SQS delivers it again and, after the queue's
max_receive_count receives, moves it to the DLQ. Standard library only.

Replace `process` with your own logic; keep it idempotent on `deliveryId`, since every record
is delivered at least once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("processor")
logger.setLevel(logging.INFO)

# Body fields that name the kind of event: Stripe and Svix `type`, Mailgun `event`,
# GitHub `action`.
KIND_FIELDS = ("type", "event", "action")


class UnprocessableEvent(Exception):
    """The event cannot be processed; its class name is the error the state machine sees."""


@dataclass(frozen=True)
class VerifiedMessage:
    message_id: str
    delivery_id: str | None
    event: dict[str, Any]


def parse(payload: dict[str, Any]) -> VerifiedMessage:
    if not isinstance(payload, dict) or not isinstance(payload.get("messageId"), str):
        raise UnprocessableEvent(f"expected {{messageId, deliveryId, event}}, got {json.dumps(payload)[:200]}")
    event = payload.get("event")
    if not isinstance(event, dict):
        # The verifier passes on any body it could verify; one that is not a JSON object has no
        # fields to act on, so it is a failure to look at, not something to drop silently.
        carried = " (the body came as text: not JSON Step Functions can carry)" if isinstance(payload.get("body"), str) else ""
        raise UnprocessableEvent(
            f"message {payload['messageId']}: the event is {type(event).__name__}, not a JSON object{carried}"
        )
    delivery_id = payload.get("deliveryId")
    return VerifiedMessage(payload["messageId"], delivery_id if isinstance(delivery_id, str) else None, event)


def process(message: VerifiedMessage) -> dict[str, Any]:
    kind = next((message.event[f] for f in KIND_FIELDS if isinstance(message.event.get(f), str)), None)
    return {
        "messageId": message.message_id,
        "deliveryId": message.delivery_id,
        "kind": kind,
        "fields": sorted(message.event),
    }


def handler(payload: dict[str, Any], context: Any = None) -> dict[str, Any]:
    summary = process(parse(payload))
    logger.info(json.dumps({"processed": summary}))
    return summary
