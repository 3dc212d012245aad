"""A bounded burst on LocalStack (labelled as such: LocalStack's API Gateway and SQS, not AWS's
quotas): deliveries sent at once from many connections are all accepted and each is queued
exactly once, on a standard queue and on a FIFO queue in high throughput mode.

The route is the library's (`api.route_of`), imported with boto3 beside its queue. AWS's rates
are in the README's Capacity table, with their sources; this shows that nothing accepted is lost
or doubled when requests overlap, not how fast AWS goes.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from constructs_lib import WebhookSource
from constructs_lib.openapi import build_openapi
from examples.models import GitHubEvent
from support.http import post
from support.localstack import SHORT_POLL, LocalStack, local_route

BURST = 200
CONNECTIONS = 32


def drain(sqs: Any, url: str, expected: int) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    empty_polls = 0
    while empty_polls < 3:
        wait = SHORT_POLL if len(seen) >= expected else 1
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, AttributeNames=["All"]).get("Messages", [])
        empty_polls = 0 if batch else empty_polls + 1
        for message in batch:
            assert message["MessageId"] not in seen, "a message came back before it was deleted"
            seen[message["MessageId"]] = message
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(seen) >= expected and not batch:
            break
    return list(seen.values())


@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo-high-throughput"])
def test_a_burst_is_accepted_and_queued_exactly_once(localstack: LocalStack, fifo: bool) -> None:
    sqs, gateway = localstack.client("sqs"), localstack.client("apigateway")
    source = WebhookSource(
        name="burst",
        model=GitHubEvent,
        fifo=fifo,
        fifo_high_throughput=fifo,
        group_id_field="action" if fifo else None,
        delivery_id_header="X-GitHub-Delivery",
    )
    name = f"burst-{uuid.uuid4().hex[:6]}" + (".fifo" if fifo else "")
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"} if fifo else {}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    api = gateway.import_rest_api(body=json.dumps(build_openapi("burst", [local_route(localstack, source, url)])).encode())["id"]
    try:
        gateway.create_deployment(restApiId=api, stageName="v1")
        endpoint = localstack.execute_api_url(api, "v1", source.route)
        bodies = [json.dumps({"action": f"group-{i % 16}", "sender": {"login": "burst", "id": i}}).encode() for i in range(BURST)]

        def send(index: int) -> tuple[int, bytes]:
            return post(endpoint, bodies[index], {"X-GitHub-Delivery": f"delivery-{index}"})

        with ThreadPoolExecutor(CONNECTIONS) as pool:
            answers = list(pool.map(send, range(BURST)))
        assert [status for status, _ in answers] == [200] * BURST
        ids = {json.loads(answer)["id"] for _, answer in answers}
        assert len(ids) == BURST
        messages = drain(sqs, url, BURST)
        assert sorted(m["Body"].encode() for m in messages) == sorted(bodies)  # each once, none changed
        assert {m["MessageId"] for m in messages} == ids
        if fifo:
            assert {m["Attributes"]["MessageGroupId"] for m in messages} == {f"group-{i}" for i in range(16)}
    finally:
        gateway.delete_rest_api(restApiId=api)
        sqs.delete_queue(QueueUrl=url)
