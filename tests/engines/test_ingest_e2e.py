"""The real `mailgun-fifo` stack, as `main.py` synthesizes it, applied once to LocalStack and
driven over HTTP the way Mailgun drives it: POSTs to the deployed stage, answers read from
the wire, messages read back from SQS with boto3.

What `main.py` configures for this source, and so what these tests hold it to:
FIFO queue grouped by the body field `event`, fallback group "default", no delivery-id header
(Mailgun signs inside the body and sends no delivery header), so deduplication is by content;
no forwarded headers; DLQ after 5 receives.

LocalStack is not AWS. Where its answer differs from what AWS documents, the table below says
so; the tests assert what LocalStack does, so a LocalStack upgrade that changes an answer
shows up here. Resources LocalStack cannot run (Lambda, EventBridge Pipes) are pruned from
the working copy with LOCALSTACK_UNSUPPORTED: none of them is on the path tested here.
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from examples.models import MailgunEvent, MailgunEventType
from support.localstack import SHORT_POLL, LocalStack

STACK = "mailgun-fifo"
OUTPUT_PREFIX = "mailgun_events_mailgun"
GROUP_FIELD = "event"
MAX_RECEIVE_COUNT = 5
JSON_HEADERS = {"Content-Type": "application/json"}

# What Mailgun's own webhook requests carry besides the body; the stack forwards none of them.
MAILGUN_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "mailgun/treq-16.12.0",
    "X-Mailgun-Sid": "WyJlNjZmNSIsICJ1c2VyQGV4YW1wbGUuY29tIiwgIjljYjA2NiJd",
}

FAILURE_MESSAGE = "The webhook could not be queued; retry later."

# Content-based deduplication merges equal bodies sent within five minutes, for the whole
# session's LocalStack: every body a test means to see queued carries a token of its own.
_tokens = itertools.count(1)


def token() -> str:
    """Mailgun's `token` field is 50 random characters; ours are unique per session."""
    return f"e2e-{next(_tokens):046d}"


@dataclass(frozen=True)
class Deployment:
    endpoint: str  # the /events URL on LocalStack
    queue_url: str
    dlq_url: str
    dlq_arn: str
    outputs: Mapping[str, Any]
    sqs: Any  # boto3 SQS client


@pytest.fixture(scope="module")
def deployed(deployments: dict[str, Any], localstack: LocalStack) -> Deployment:
    """The synthesized stack as the session applied it (see engines/conftest.py)."""
    outputs = deployments[STACK].outputs
    return Deployment(
        endpoint=localstack.local_url(outputs[f"{OUTPUT_PREFIX}_endpoint"]),
        queue_url=outputs[f"{OUTPUT_PREFIX}_queue_url"],
        dlq_url=outputs[f"{OUTPUT_PREFIX}_dlq_url"],
        dlq_arn=outputs[f"{OUTPUT_PREFIX}_dlq_arn"],
        outputs=outputs,
        sqs=localstack.client("sqs"),
    )


@pytest.fixture
def stack(deployed: Deployment) -> Deployment:
    """The deployed stack with both queues empty, whatever the test before left behind.
    PurgeQueue has a 60 s cooldown on AWS; LocalStack allows it back to back."""
    existing = set(deployed.sqs.list_queues().get("QueueUrls", []))
    for url in (deployed.queue_url, deployed.dlq_url):
        if url in existing:
            deployed.sqs.purge_queue(QueueUrl=url)
    return deployed


# --- HTTP, as a webhook provider sends it ---------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(url: str, body: bytes | None, headers: Mapping[str, str] = JSON_HEADERS, method: str = "POST") -> Answer:
    """One request with exactly these headers (http.client, not urllib.request, which would add
    a form Content-Type to a POST that has none)."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname == "127.0.0.1", url
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, parts.path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


# --- SQS --------------------------------------------------------------------------------------


def receive(sqs: Any, url: str, expected: int, *, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Receive and delete until `expected` messages arrived, then once more to catch extras
    (a short poll: they would already be stored)."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=SHORT_POLL if len(messages) >= expected else 1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        messages += batch
        if not batch and len(messages) >= expected:
            break
    return messages


def assert_empty(sqs: Any, url: str) -> None:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    leftover = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=SHORT_POLL).get("Messages", [])
    assert [m["Body"] for m in leftover] == []


# --- bodies valid for MailgunEvent ------------------------------------------------------------

# Each breaks a naive template somewhere: & = + % split or alter a form-encoded SendMessage,
# quotes and backslashes break a JSON wrapper, ${...} #set( $input are Velocity syntax, the
# rest are bytes beyond ASCII, JavaScript's line terminators and plain newlines.
HARD = ["&", "+", "=", "%", "%20", '"', "'", "\\", "${x}", "${input.body}", "#set($a = 1)", "$input.body",
        "$util.urlEncode('x')", "é", "ü", "中文", "😀", "👩‍💻", "\u2028", "\u2029", "\n", "\r\n", "\t", " "]

# SQS stores only XML characters: #x9 #xA #xD [#x20-#xD7FF] [#xE000-#xFFFD] [#x10000-#x10FFFF].
# Control characters are escaped by any JSON encoder (\u0001); U+FFFE and U+FFFF are not, and
# test_a_body_sqs_cannot_store_answers_500 covers them.
hard_text = st.lists(
    st.sampled_from(HARD) | st.characters(codec="utf-8", exclude_characters="\ufffe\uffff"), max_size=12
).map("".join)

# Local parts with every special character the e-mail pattern allows: & + = % ' among them.
LOCAL_PART = "abcXYZ0189!#$%&'*+-/=?^_`{|}~."
recipients = st.builds(
    "{}@{}".format,
    st.text(LOCAL_PART, min_size=1, max_size=24),
    st.sampled_from(["example.com", "mg.example.org", "x.io", "sub-1.mail.example.net"]),
)
timestamps = st.datetimes(
    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
).map(lambda moment: moment.isoformat())

# The model's three fields plus the extra fields Mailgun sends, which the model allows.
events = st.fixed_dictionaries(
    {
        "event": st.sampled_from([kind.value for kind in MailgunEventType]),
        "recipient": recipients,
        "timestamp": timestamps,
    },
    optional={
        "subject": hard_text,
        "user-variables": st.dictionaries(hard_text, hard_text, max_size=3),
        "tags": st.lists(hard_text, max_size=3),
        "delivery-status": st.fixed_dictionaries({"code": st.integers(200, 599), "message": hard_text}),
    },
)

ENCODINGS = [
    lambda doc: json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
    lambda doc: json.dumps(doc, ensure_ascii=False, indent=2),
    lambda doc: json.dumps(doc),  # ASCII with \\u escapes
]
encodings = st.sampled_from(range(len(ENCODINGS)))

BATCH = 25  # bodies per example; 5 examples: 125 bodies


def serialize(document: dict[str, Any], encoding: int) -> bytes:
    return ENCODINGS[encoding]({**document, "token": token()}).encode()


def valid_body(**fields: Any) -> bytes:
    document = {
        "event": "opened",
        "recipient": "alice@example.com",
        "timestamp": "2026-11-23T09:00:00+00:00",
        "token": token(),
        **fields,
    }
    return json.dumps(document, ensure_ascii=False).encode()


# --- the tests ----------------------------------------------------------------------------------


def test_deployed_queues_are_fifo_deduplicated_and_redrive_to_the_dlq(stack: Deployment) -> None:
    """What a user relies on before any delivery: per-event-type ordering (FIFO), provider
    retries absorbed (content-based deduplication, as no delivery-id header is configured),
    and failures kept (redrive to the DLQ after MAX_RECEIVE_COUNT receives)."""
    queue = stack.sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])["Attributes"]
    dlq = stack.sqs.get_queue_attributes(QueueUrl=stack.dlq_url, AttributeNames=["All"])["Attributes"]
    assert (queue["FifoQueue"], queue["ContentBasedDeduplication"], dlq["FifoQueue"]) == ("true", "true", "true")
    assert json.loads(queue["RedrivePolicy"]) == {"deadLetterTargetArn": stack.dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
    assert queue["SqsManagedSseEnabled"] == "true"


@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: each attempt is a round of HTTP requests; a failure names its body.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(events, encodings), min_size=BATCH, max_size=BATCH))
def test_valid_bodies_reach_the_queue_byte_for_byte(stack: Deployment, batch: list[tuple[dict[str, Any], int]]) -> None:
    """The verifier checks the provider's signature over the exact bytes it sent: every valid
    body must be queued unchanged, whatever characters it holds, and the 200 must name the
    message it became. The group is the event type, so deliveries of one type stay ordered."""
    sent: dict[str, bytes] = {}
    groups: dict[str, str] = {}
    for document, encoding in batch:
        body = serialize(document, encoding)
        MailgunEvent.model_validate_json(body)  # the corpus is valid for the stack's model
        answer = send(stack.endpoint, body)
        assert answer.status == 200, (body, answer)
        assert answer.headers["content-type"] == "application/json"
        message_id = answer.json()["id"]
        assert message_id and message_id not in sent, (body, answer)
        sent[message_id] = body
        groups[message_id] = document[GROUP_FIELD]

    received = receive(stack.sqs, stack.queue_url, len(sent))
    by_id = {m["MessageId"]: m for m in received}
    assert len(received) == len(by_id) == len(sent), "each delivery queued exactly once"
    mangled = {mid: (sent[mid], by_id[mid]["Body"].encode()) for mid in sent if by_id[mid]["Body"].encode() != sent[mid]}
    assert mangled == {}
    assert {mid: m["Attributes"]["MessageGroupId"] for mid, m in by_id.items()} == groups


def test_provider_headers_are_not_forwarded_and_not_required(stack: Deployment) -> None:
    """The stack forwards no header (none is configured): Mailgun's headers do not become
    message attributes, and a request with none of them is queued all the same. The one
    attribute is the API's own: when it received the request."""
    with_headers = valid_body()
    bare = valid_body()
    assert send(stack.endpoint, with_headers, MAILGUN_HEADERS).status == 200
    # No Content-Type at all: API Gateway treats the body as application/json.
    assert send(stack.endpoint, bare, {}).status == 200

    received = receive(stack.sqs, stack.queue_url, 2)
    assert sorted(m["Body"].encode() for m in received) == sorted([with_headers, bare])
    for message in received:
        assert set(message["MessageAttributes"]) == {"webhook.received_at"}
        assert message["MessageAttributes"]["webhook.received_at"]["DataType"] == "Number"


FLOOD = 100
FLOOD_CONNECTIONS = 16


def test_a_flood_within_the_throttling_limits_is_queued_whole(stack: Deployment) -> None:
    """A provider catching up after an outage sends hundreds of deliveries at once. Below
    throttle_burst_limit (200) every one must be accepted and queued exactly once, byte for
    byte, with the id its 200 named. (Above the limits AWS answers 429 and the provider
    retries; LocalStack does not throttle, so that half is checked in the synthesized stage.)"""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [valid_body(event=kind.value) for kind in itertools.islice(itertools.cycle(MailgunEventType), FLOOD)]
    with ThreadPoolExecutor(FLOOD_CONNECTIONS) as pool:
        answers = list(pool.map(lambda body: send(stack.endpoint, body), bodies))
    assert [a.status for a in answers] == [200] * FLOOD
    sent = {answer.json()["id"]: body for answer, body in zip(answers, bodies)}
    assert len(sent) == FLOOD, "one message id per delivery"

    received = receive(stack.sqs, stack.queue_url, FLOOD, timeout=120.0)
    assert len(received) == FLOOD, "each delivery queued exactly once"
    assert {m["MessageId"]: m["Body"].encode() for m in received} == sent


def test_a_retried_delivery_is_queued_once(stack: Deployment) -> None:
    """Providers retry on timeouts: the same delivery twice is one message, and the retry is
    still answered 200 (with the same id) so the provider stops retrying."""
    body = valid_body(event="clicked")
    first, retry = send(stack.endpoint, body), send(stack.endpoint, body)
    assert (first.status, retry.status) == (200, 200)
    assert first.json()["id"] == retry.json()["id"]

    received = receive(stack.sqs, stack.queue_url, 1)
    assert [(m["MessageId"], m["Body"].encode()) for m in received] == [(first.json()["id"], body)]


def test_a_message_never_deleted_moves_to_the_dlq_unchanged(stack: Deployment) -> None:
    """A delivery that keeps failing is not lost and does not block its group forever: after
    MAX_RECEIVE_COUNT receives without a delete it moves to the DLQ, byte for byte."""
    body = valid_body(event="failed", subject="dlq \u2028 😀 & + = %")
    answer = send(stack.endpoint, body)
    assert answer.status == 200
    message_id = answer.json()["id"]

    counts = []
    for _ in range(MAX_RECEIVE_COUNT + 2):
        batch = stack.sqs.receive_message(
            QueueUrl=stack.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            break
        assert [m["MessageId"] for m in batch] == [message_id]
        counts.append(int(batch[0]["Attributes"]["ApproximateReceiveCount"]))
    assert counts == list(range(1, MAX_RECEIVE_COUNT + 1))

    dead = receive(stack.sqs, stack.dlq_url, 1, timeout=10)
    assert [(m["MessageId"], m["Body"].encode()) for m in dead] == [(message_id, body)]
    assert_empty(stack.sqs, stack.queue_url)


VALID = valid_body()  # built once: parametrize needs it at collection time

# Requests a provider (or a stranger) may send that must not be queued: what LocalStack
# answers, and where AWS is documented to differ.
BAD_REQUESTS = [
    # The model requires `event`, the group field: a body without it is refused by the
    # validator, so the fallback group "default" is never used for a body that reaches SQS.
    ("group field missing", JSON_HEADERS, b'{"recipient":"a@example.com","timestamp":"2026-11-23T09:00:00Z"}', 400),
    ("group field empty", JSON_HEADERS, b'{"event":"","recipient":"a@example.com","timestamp":"2026-11-23T09:00:00Z"}', 400),
    ("group field null", JSON_HEADERS, b'{"event":null,"recipient":"a@example.com","timestamp":"2026-11-23T09:00:00Z"}', 400),
    ("event not in the enum", JSON_HEADERS, b'{"event":"delivered","recipient":"a@example.com","timestamp":"2026-11-23T09:00:00Z"}', 400),
    ("recipient not an e-mail", JSON_HEADERS, b'{"event":"opened","recipient":"a example.com","timestamp":"2026-11-23T09:00:00Z"}', 400),
    ("timestamp not a date-time", JSON_HEADERS, b'{"event":"opened","recipient":"a@example.com","timestamp":"yesterday"}', 400),
    ("timestamp a number", JSON_HEADERS, b'{"event":"opened","recipient":"a@example.com","timestamp":1700000000}', 400),
    ("JSON array", JSON_HEADERS, b"[]", 400),
    ("malformed JSON", JSON_HEADERS, b'{"event":', 400),
    ("raw control character in a string", JSON_HEADERS, b'{"event":"opened","recipient":"a@example.com","timestamp":"2026-11-23T09:00:00Z","s":"\x01"}', 400),
    # LocalStack validates an empty body as {}: the required fields are missing.
    ("empty body", JSON_HEADERS, b"", 400),
    # No template for these types and passthrough NEVER: AWS documents 415.
    ("text/plain", {"Content-Type": "text/plain"}, VALID, 415),
    # LocalStack answers 400, not AWS's documented 415: it parses a form body before
    # validating, finds no JSON and fails validation first.
    ("form-encoded, form body", {"Content-Type": "application/x-www-form-urlencoded"}, b"event=opened&recipient=a%40example.com", 400),
    ("form-encoded, JSON body", {"Content-Type": "application/x-www-form-urlencoded"}, VALID, 400),
    # LocalStack picks the template by the exact Content-Type string, case included (the
    # charset forms providers send have templates of their own, see the test below).
    ("JSON content type in capitals", {"Content-Type": "Application/JSON"}, VALID, 415),
    ("JSON with an unusual charset", {"Content-Type": "application/json; charset=latin-1"}, VALID, 415),
]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json; charset=UTF-8"])
def test_json_with_a_charset_is_validated_and_queued(stack: Deployment, content_type: str) -> None:
    """Stripe and others send `application/json; charset=utf-8`: the same model checks the
    body and the same template queues it, byte for byte."""
    body = valid_body()
    answer = send(stack.endpoint, body, {"Content-Type": content_type})
    assert answer.status == 200, answer
    (message,) = receive(stack.sqs, stack.queue_url, 1)
    assert message["Body"].encode() == body
    bad = send(stack.endpoint, b'{"event":"delivered"}', {"Content-Type": content_type})
    assert bad.status == 400, bad
    assert_empty(stack.sqs, stack.queue_url)


@pytest.mark.parametrize(("headers", "body", "status"), [case[1:] for case in BAD_REQUESTS], ids=[case[0] for case in BAD_REQUESTS])
def test_bad_requests_are_refused_and_nothing_is_queued(
    stack: Deployment, headers: Mapping[str, str], body: bytes, status: int
) -> None:
    """A refused request must leave nothing in the queue, and its 4xx tells the provider not
    to retry. On AWS the 400 also names the validator's reasons (our BAD_REQUEST_BODY gateway
    response); LocalStack neither imports gateway responses from an OpenAPI body nor fills
    $context.error.validationErrorString, so here the body is its default message."""
    answer = send(stack.endpoint, body, headers)
    assert answer.status == status, answer
    expected = {400: "Invalid request body", 415: "Unsupported Media Type"}[status]
    assert answer.json() == {"message": expected}
    assert_empty(stack.sqs, stack.queue_url)


def test_only_post_is_routed(stack: Deployment) -> None:
    """GET (a scanner, a browser) reaches no integration: API Gateway's 403 for an undefined
    method, and nothing queued."""
    answer = send(stack.endpoint, None, {}, method="GET")
    assert (answer.status, answer.json()) == (403, {"message": "Missing Authentication Token"})
    assert_empty(stack.sqs, stack.queue_url)


REFUSED_MESSAGE = (
    "The webhook was not queued: the queue refused its body (larger than the queue accepts, or "
    "holding characters SQS does not store). Sending it again will not help."
)


def test_a_body_sqs_cannot_store_answers_413(stack: Deployment) -> None:
    """U+FFFF is valid JSON and valid for the model, but not a character SQS stores: SendMessage
    refuses it, and the provider hears 413 with the reason (a retry cannot help), never a 200
    for a message that does not exist."""
    body = valid_body(subject="\uffff")
    MailgunEvent.model_validate_json(body)
    answer = send(stack.endpoint, body)
    assert answer.status == 413, answer
    assert answer.json() == {"message": REFUSED_MESSAGE, "requestId": answer.headers["x-amzn-requestid"]}
    assert_empty(stack.sqs, stack.queue_url)


def test_a_body_larger_than_the_queue_accepts_answers_413_and_nothing_is_stored(stack: Deployment) -> None:
    """One byte over the queue's MaximumMessageSize (256 KiB for this ingest-only source): SQS
    refuses the whole message, so nothing is half-stored, and the provider hears 413. SQS counts
    the message attributes in the size (name, type and value of each: the API's receipt time,
    `webhook.received_at`, a Number of 13 digits, is the only one here)."""
    attributes = stack.sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["MaximumMessageSize"])
    limit = int(attributes["Attributes"]["MaximumMessageSize"])
    assert limit == 262144
    limit -= len("webhook.received_at") + len("Number") + 13
    base = valid_body()
    padding = limit + 1 - len(base) - len(',"padding":""')
    body = base[:-1] + b',"padding":"' + b"x" * padding + b'"}'
    assert len(body) == limit + 1
    MailgunEvent.model_validate_json(body)
    answer = send(stack.endpoint, body)
    assert answer.status == 413, answer
    assert_empty(stack.sqs, stack.queue_url)
    exactly = base[:-1] + b',"padding":"' + b"x" * (padding - 1) + b'"}'
    assert send(stack.endpoint, exactly).status == 200


def test_send_failure_answers_5xx_not_200(stack: Deployment) -> None:
    """Last in the module (it deletes the queue): when SendMessage fails, the provider gets a
    5xx and retries, never a 200 for a delivery that was not queued. SQS answers a missing
    queue with 400 (QueueDoesNotExist), which is not a refusal of the body: 502, not 413. The
    body is the documented failure answer, with the request id that finds the request in the
    logs. The queue is made again afterwards, as it was: later modules share the deployment."""
    settings = stack.sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])["Attributes"]
    name = stack.queue_url.rsplit("/", 1)[1]
    stack.sqs.delete_queue(QueueUrl=stack.queue_url)
    try:
        answer = send(stack.endpoint, valid_body())
        assert answer.status == 502, answer
        assert answer.json() == {"message": FAILURE_MESSAGE, "requestId": answer.headers["x-amzn-requestid"]}
    finally:
        read_only = ("QueueArn", "CreatedTimestamp", "LastModifiedTimestamp", "ApproximateNumberOf")
        kept = {k: v for k, v in settings.items() if not k.startswith(read_only)}
        assert stack.sqs.create_queue(QueueName=name, Attributes=kept)["QueueUrl"] == stack.queue_url
