"""Props of one webhook source (`WebhookSource`: its route on the API, the model of its body,
its queue and DLQ, the headers it forwards, its throttle, and optionally its processing), and
their checks, including those that join the source with its `Processing`.

Pure: no cdktf.
"""

from __future__ import annotations

import re

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from .body_paths import check_group_field
from .limits import (
    DEFAULT_BATCH_SIZE,
    EXPRESS_MAX_SECONDS,
    INGEST_BODY_BYTES,
    PROCESSING_BODY_BYTES,
    RECEIVED_AT_ATTRIBUTES,
    REJECTED_REASON_ATTRIBUTES,
    SQS_MAX_MESSAGE_ATTRIBUTES,
    SQS_MAX_MESSAGE_BYTES,
    SQS_UNWINDOWED_BATCH_MAX,
    STEP_FUNCTIONS_INPUT_BYTES,
    VISIBILITY_MARGIN_SECONDS,
    throttle_defaults,
)
from .naming import check_name
from .pipeline_props import Processing
from .tokens import OrToken, any_token, is_token
from .prop_errors import FrozenProps

__all__ = ["WebhookSource"]

# API Gateway resource path parts: letters, digits and -._~ (no braces: our routes are static,
# a path parameter would need a mapping the template does not make).
_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
# HTTP header names as API Gateway passes them and SQS accepts as attribute names.
_HEADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
# SQS: MessageGroupId is 1-128 characters of alphanumerics and punctuation. The fallback is
# used as it is, so it must be valid as it is.
_GROUP_FALLBACK = re.compile(r"^[!-~]{1,128}$")
# A bare media type (RFC 6838 names), lower case: API Gateway keys templates and models by the
# Content-Type as sent, so the props name each type once and the API lists its charset forms.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
JSON = "application/json"
# Checks the edge function answers, and the scheme each needs (None: any with a secret).
EDGE_HANDSHAKES: dict[str, str | None] = {"slack": "slack", "zoom": "zoom", "discord": "discord", "x": None}
# What a Velocity single-quoted literal holds as it is (see vtl._vtl_string).
_VERIFY_TOKEN = re.compile(r"^[!#-&(-\[\]-~]{1,128}$")


class WebhookSource(FrozenProps):
    """One webhook provider: its route, the model of its body and its own queue + DLQ."""

    name: str = Field(
        description="short id of the source (lower-case letters, digits, '-'); names its route, "
        "queues and outputs; required"
    )
    model: type[BaseModel] | None = Field(
        default=None,
        description="Pydantic model of JSON bodies; API Gateway rejects JSON bodies that do not "
        "match its JSON Schema with 400; None = no JSON body is accepted (then list content_types)",
    )
    content_types: tuple[str, ...] = Field(
        default=(),
        description="media types accepted without a model and queued byte for byte, each also "
        "with '; charset=utf-8' (e.g. 'application/x-www-form-urlencoded' for Twilio and Slack "
        "slash commands, 'application/xml', 'text/plain'); other types get 415; none = JSON only",
    )
    path: str | None = Field(
        default=None, description="route of the POST method; None = /webhooks/{name}"
    )
    fifo: bool = Field(
        default=False,
        description="FIFO queue (ordered per group, deduplicated); False = standard queue, "
        "unordered, at-least-once",
    )
    fifo_high_throughput: bool = Field(
        default=False,
        description="FIFO only: SQS high throughput mode (deduplication and the throughput limit per "
        "message group), for far more messages per second than a FIFO queue's 300 SendMessage calls "
        "(see the README's Capacity table); False = the per-queue limits",
    )
    group_id_field: str | None = Field(
        default=None,
        description="FIFO only, required there: dotted path of the body field whose value is the "
        "MessageGroupId (e.g. 'event' or 'data.type'); None = not FIFO",
    )
    group_id_fallback: str = Field(
        default="default",
        description="MessageGroupId used when the group field is missing or empty, so SQS never "
        "sees an empty group id; 'default' (printable ASCII without spaces or quotes). Other values are URL-encoded and cut to 128 "
        "characters, the form SQS accepts",
    )
    delivery_id_header: str | None = Field(
        default=None,
        description="provider header that names a delivery (e.g. X-GitHub-Delivery): forwarded "
        "as a message attribute and, on FIFO, the MessageDeduplicationId, before the scheme's "
        "own (GitHub's X-GitHub-Delivery, Standard Webhooks' webhook-id or Svix's svix-id, "
        "Shopify's X-Shopify-Webhook-Id); None = the scheme's, else FIFO deduplicates by body content",
    )
    forward_headers: tuple[str, ...] = Field(
        default=(),
        description="further request headers copied to SQS message attributes when present "
        "(8 headers in all with processing, 9 without: the stack uses the rest of SQS's 10); none",
    )
    throttle_rate_limit: Annotated[float | None, OrToken] = Field(
        default=None,
        gt=0,
        le=10000,
        description="steady requests per second this source's route accepts before answering "
        "429; None = 100 for providers that retry a 429 for hours (stripe, shopify, mailgun, "
        "standard-webhooks), else 1000 (GitHub never retries, Slack for 5 minutes, unknown "
        "senders may not)",
    )
    throttle_burst_limit: Annotated[int | None, OrToken] = Field(
        default=None,
        ge=1,
        le=5000,
        description="requests this source's route accepts at once above the rate; None = 200, "
        "or 2000 where the rate defaults to 1000",
    )
    max_receive_count: Annotated[int, OrToken] = Field(
        default=5, ge=1, le=1000, description="receives before a message moves to the DLQ; 5"
    )
    retention_seconds: Annotated[int, OrToken] = Field(
        default=4 * 86400,
        ge=60,
        le=14 * 86400,
        description="how long the queue keeps an unprocessed message; 4 days",
    )
    dlq_retention_seconds: Annotated[int, OrToken] = Field(
        default=14 * 86400,
        ge=60,
        le=14 * 86400,
        description="how long the DLQ keeps a failed message; 14 days (the SQS maximum)",
    )
    rejected_retention_seconds: Annotated[int, OrToken] = Field(
        default=14 * 86400,
        ge=60,
        le=14 * 86400,
        description="with processing: how long the rejected queue keeps a delivery whose "
        "signature check failed, byte for byte with its headers and the reason, for an operator "
        "to read and resend; 14 days (the SQS maximum)",
    )
    visibility_timeout_seconds: Annotated[int | None, OrToken] = Field(
        default=None,
        ge=0,
        le=12 * 3600,
        description="how long a received message stays hidden from other consumers; None = 30 s, "
        "or with processing the pipe's worst case (batch window + workflow timeout) + 30 s",
    )
    handshake: Literal["meta", "graph", "dropbox", "slack", "zoom", "discord", "x"] | None = Field(
        default=None,
        description="answer the provider's endpoint check on this route, queueing nothing of it: "
        "'meta' (GET hub.challenge, with verify_token), 'graph' (Microsoft Graph's POST "
        "?validationToken), 'dropbox' (GET ?challenge), answered by API Gateway; 'slack' "
        "(url_verification), 'zoom' (endpoint.url_validation), 'discord' (PING, and 401 for bad "
        "signatures), 'x' (GET crc_token), answered by a small function (the edge) that needs "
        "processing with the provider's scheme; None = no check is answered",
    )
    verify_token: str | None = Field(
        default=None,
        description="handshake='meta' only, required there: the Verify Token you enter in Meta's App "
        "Dashboard; API Gateway compares it, so it sits in the API definition (it proves the URL is "
        "yours to Meta, not a delivery to you: deliveries are signed with the app secret)",
    )
    processing: Processing | None = Field(
        default=None,
        description="pipe + workflow that verify and process each delivery; None = ingest only "
        "(you consume the queue)",
    )
    max_body_bytes: int | None = Field(
        default=None,
        ge=1024,
        le=SQS_MAX_MESSAGE_BYTES,
        description="largest message the queue accepts, body and forwarded headers together "
        "(SQS counts both; larger ones get 413); None = 256 KiB, or with processing 126,976 "
        f"bytes, at most {PROCESSING_BODY_BYTES}: room for the record and its worst JSON "
        "escaping in Step Functions' 256 KiB input",
    )

    @property
    def route(self) -> str:
        return self.path if self.path is not None else f"/webhooks/{self.name}"

    @property
    def delivery_headers(self) -> tuple[str, ...]:
        """The headers that may name a delivery, first present wins: the prop, then those the
        scheme's provider sends (Svix sends svix-id where others send webhook-id)."""
        own = (self.delivery_id_header,) if self.delivery_id_header else ()
        scheme = self.processing.scheme_delivery_headers if self.processing else ()
        seen: dict[str, str] = {}
        for header in own + scheme:
            seen.setdefault(header.lower(), header)
        return tuple(seen.values())

    @property
    def signature_headers(self) -> tuple[str, ...]:
        if self.processing is None:
            return ()
        return self.processing.signed_headers

    @property
    def attribute_headers(self) -> tuple[str, ...]:
        """Headers forwarded as message attributes: delivery id, the signature scheme's, then
        forward_headers, without duplicates (header names are case-insensitive)."""
        seen: dict[str, str] = {}
        for header in self.delivery_headers + self.signature_headers + self.forward_headers:
            seen.setdefault(header.lower(), header)
        return tuple(seen.values())

    @property
    def max_forwarded_headers(self) -> int:
        reserved = RECEIVED_AT_ATTRIBUTES + (REJECTED_REASON_ATTRIBUTES if self.processing else 0)
        reserved += 1 if self.processing is not None and self.processing.signs_url else 0  # the URL
        return SQS_MAX_MESSAGE_ATTRIBUTES - reserved

    @property
    def max_message_bytes(self) -> int:
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return PROCESSING_BODY_BYTES if self.processing is not None else INGEST_BODY_BYTES

    @property
    def pipe_batch_size(self) -> int:
        """Records per workflow execution (see Processing.batch_size)."""
        assert self.processing is not None
        if self.processing.batch_size is not None:
            return self.processing.batch_size
        if not self.fifo:
            return DEFAULT_BATCH_SIZE
        fits = self.processing.workflow_timeout_seconds // self.processing.record_worst_case_seconds
        return max(1, min(SQS_UNWINDOWED_BATCH_MAX, fits))

    @property
    def throttle(self) -> tuple[float, int]:
        """(rate, burst) of this source's route: the props, else the provider's default."""
        rate, burst = throttle_defaults(self.processing.scheme if self.processing else None)
        return (
            self.throttle_rate_limit if self.throttle_rate_limit is not None else rate,
            self.throttle_burst_limit if self.throttle_burst_limit is not None else burst,
        )

    @property
    def visibility_timeout(self) -> int:
        if self.visibility_timeout_seconds is not None:
            return self.visibility_timeout_seconds
        if self.processing is None:
            return 30
        return self.processing.pipe_worst_case_seconds + VISIBILITY_MARGIN_SECONDS

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, 32, f"source name {value!r} is not a short id", "github")

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not _PATH.match(value):
            raise ValueError(
                f"path {value!r} is not a valid API Gateway path: start with '/', use segments of "
                "letters, digits and -._~ without a trailing '/' (e.g. '/events')"
            )
        return value

    @field_validator("delivery_id_header")
    @classmethod
    def _delivery_header(cls, value: str | None) -> str | None:
        if value is not None:
            _check_header("delivery_id_header", value)
        return value

    @field_validator("forward_headers")
    @classmethod
    def _forward_headers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for header in value:
            _check_header("forward_headers", header)
        return value

    @field_validator("content_types")
    @classmethod
    def _content_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for media in value:
            if not _MEDIA_TYPE.match(media):
                raise ValueError(
                    f"content_types entry {media!r} is not a bare media type: write type/subtype in "
                    "lower case without parameters (e.g. 'application/x-www-form-urlencoded'); the "
                    "'; charset=utf-8' forms are accepted with it"
                )
        if len(set(value)) != len(value):
            raise ValueError(f"content_types {list(value)} lists a media type twice: list each once")
        return value

    @field_validator("verify_token")
    @classmethod
    def _verify_token(cls, value: str | None) -> str | None:
        if value is not None and not _VERIFY_TOKEN.match(value):
            raise ValueError(
                f"verify_token {value!r} is not a token API Gateway can compare: use 1-128 printable "
                "ASCII characters without spaces, quotes or backslashes (e.g. a random hex string)"
            )
        return value

    @field_validator("group_id_fallback")
    @classmethod
    def _fallback(cls, value: str) -> str:
        if not _GROUP_FALLBACK.match(value):
            raise ValueError(
                f"group_id_fallback {value!r} is not a valid SQS MessageGroupId: use 1-128 "
                "printable ASCII characters without spaces"
            )
        if "'" in value:
            # SQS would take it, but the request template holds the fallback as a Velocity
            # literal, which has no escape for a quote.
            raise ValueError(
                f"group_id_fallback {value!r} holds a quote, which the request template cannot "
                "carry: use printable ASCII without spaces or quotes (e.g. 'default')"
            )
        return value

    @model_validator(mode="after")
    def _combination(self) -> WebhookSource:
        if self.model is None and not self.content_types:
            raise ValueError(
                f"source {self.name!r} accepts no body: give model (a Pydantic class for JSON bodies), "
                "or content_types for bodies queued without one (e.g. ('application/x-www-form-urlencoded',))"
            )
        if self.model is not None and JSON in self.content_types:
            raise ValueError(
                f"content_types lists {JSON!r}, which the model validates: remove it from content_types, "
                "or drop model to queue JSON bodies unvalidated"
            )
        if (self.handshake == "meta") != (self.verify_token is not None):
            raise ValueError(
                "handshake='meta' needs verify_token, the Verify Token of Meta's App Dashboard: set it"
                if self.verify_token is None
                else f"verify_token is set but handshake={self.handshake!r}: only Meta's check reads it; "
                "set handshake='meta', or remove verify_token"
            )
        if self.handshake in EDGE_HANDSHAKES:
            self._check_edge(self.handshake)
        if self.group_id_field and self.model is None:
            raise ValueError(
                f"group_id_field={self.group_id_field!r} names a JSON body field, but the source has no "
                "model: give model, or remove group_id_field (bodies without a model all join "
                "group_id_fallback's group)"
            )
        if self.fifo and not self.group_id_field and self.model is not None:
            raise ValueError(
                "fifo=True needs group_id_field: name the body field whose value orders messages "
                "(e.g. group_id_field='event'), or use a standard queue (fifo=False)"
            )
        if self.fifo_high_throughput and not self.fifo:
            raise ValueError(
                "fifo_high_throughput=True applies to FIFO queues only: set fifo=True, or remove it "
                "(a standard queue has no such limit)"
            )
        if not self.fifo and self.group_id_field:
            raise ValueError(
                f"group_id_field={self.group_id_field!r} only applies to FIFO queues: set "
                "fifo=True, or remove group_id_field"
            )
        if self.group_id_field and self.model is not None:
            check_group_field(self.model, self.group_id_field)
        if len(self.attribute_headers) > self.max_forwarded_headers:
            raise ValueError(
                f"{len(self.attribute_headers)} forwarded headers {list(self.attribute_headers)} "
                f"(delivery id, signature scheme and forward_headers) exceed the "
                f"{self.max_forwarded_headers} SQS message attributes left for headers (SQS allows "
                f"{SQS_MAX_MESSAGE_ATTRIBUTES}; the stack adds the receipt time"
                f"{' and, on a rejected copy, the reason' if self.processing else ''}): forward fewer headers"
            )
        rate, burst = self.throttle
        if not any_token(rate, burst) and burst < rate:
            raise ValueError(
                f"throttle_burst_limit={burst} is below throttle_rate_limit={rate:g} of source "
                f"{self.name!r}: the burst must hold at least one second of the rate"
            )
        if self.processing is not None:
            if is_token(self.processing.batch_window_seconds) and self.visibility_timeout_seconds is None:
                raise ValueError(
                    "batch_window_seconds is a Terraform value, so the visibility timeout cannot be "
                    "derived from it: set visibility_timeout_seconds (at least batch_window_seconds + "
                    f"workflow_timeout_seconds = {self.processing.workflow_timeout_seconds} s + the window)"
                )
            self._check_pipeline(self.processing)
            if self.max_body_bytes is not None and self.max_body_bytes > PROCESSING_BODY_BYTES:
                raise ValueError(
                    f"max_body_bytes={self.max_body_bytes} with processing: the workflow takes at most "
                    f"{STEP_FUNCTIONS_INPUT_BYTES} bytes of input per record, and a body of quotes or "
                    f"backslashes doubles in it; use at most {PROCESSING_BODY_BYTES}"
                )
        if not any_token(self.retention_seconds, self.visibility_timeout) and self.retention_seconds < self.visibility_timeout:
            raise ValueError(
                f"retention_seconds={self.retention_seconds} is shorter than the visibility "
                f"timeout ({self.visibility_timeout} s): messages would expire while being "
                "processed; raise retention_seconds"
            )
        if not any_token(self.dlq_retention_seconds, self.retention_seconds) and self.dlq_retention_seconds < self.retention_seconds:
            # SQS keeps a message's original enqueue time when it moves to a standard DLQ, so a
            # shorter DLQ retention deletes failures almost as soon as they arrive.
            raise ValueError(
                f"dlq_retention_seconds={self.dlq_retention_seconds} is shorter than "
                f"retention_seconds={self.retention_seconds}: failed messages could expire on "
                "arrival in the DLQ; make dlq_retention_seconds at least retention_seconds"
            )
        return self

    def _check_edge(self, kind: str) -> None:
        """A check the edge function answers with the source's secret (or key) and scheme."""
        wanted = EDGE_HANDSHAKES[kind]
        scheme = self.processing.scheme if self.processing is not None else None
        if scheme is None or (wanted is not None and scheme != wanted):
            raise ValueError(
                f"handshake={kind!r} is answered with the source's signing "
                f"{'key' if kind == 'discord' else 'secret'}: add processing="
                + (f"Processing(scheme={wanted!r}, ...)" if wanted else "Processing(scheme='hmac', ...) with X's signature")
                + (f" (got scheme={scheme!r})" if scheme is not None else "")
            )
        if kind == "x" and self.processing is not None and self.processing.public_key is not None:
            raise ValueError("handshake='x' answers with the consumer secret: use a secret, not public_key")
        if kind != "x" and self.model is None and JSON not in self.content_types:
            raise ValueError(
                f"handshake={kind!r}: the provider's check is a JSON body, which this source does not "
                f"accept: give model, or list {JSON!r} in content_types"
            )

    def _check_pipeline(self, processing: Processing) -> None:
        if any_token(self.pipe_batch_size, processing.batch_window_seconds):
            # Terraform checks the batch against the window and the workflow's budget.
            self._check_visibility(processing)
            return
        if self.fifo and self.pipe_batch_size > SQS_UNWINDOWED_BATCH_MAX:
            raise ValueError(
                f"batch_size={processing.batch_size} on a FIFO source: a FIFO batch holds at most "
                f"{SQS_UNWINDOWED_BATCH_MAX} records; lower batch_size"
            )
        if self.fifo and processing.batch_window_seconds:
            raise ValueError(
                f"batch_window_seconds={processing.batch_window_seconds} on a FIFO source: SQS FIFO "
                "sources take no batching window; set it to 0"
            )
        if self.fifo and processing.max_concurrency not in (None, 1):
            raise ValueError(
                f"max_concurrency={processing.max_concurrency} on a FIFO source: records are handled "
                "one at a time to keep their order; leave max_concurrency unset"
            )
        batch, concurrency = self.pipe_batch_size, processing.concurrency(self.fifo)
        rounds = -(-batch // concurrency)
        per_record = processing.record_worst_case_seconds
        if rounds * per_record > processing.workflow_timeout_seconds:
            # Records beyond max_concurrency wait for a free slot; FIFO runs them one by one.
            fits = max(1, processing.workflow_timeout_seconds // per_record) * concurrency
            how = "one after another (FIFO keeps order)" if self.fifo else f"{concurrency} at a time (max_concurrency)"
            raise ValueError(
                f"workflow_timeout_seconds={processing.workflow_timeout_seconds} cannot hold a batch "
                f"of batch_size={batch} records run {how}: {rounds} round(s) of up to {per_record} s "
                f"each ({processing._record_budget_text()}) take {rounds * per_record} s; lower "
                f"batch_size to {fits}, raise workflow_timeout_seconds (at most {EXPRESS_MAX_SECONDS})"
                + ("" if self.fifo else ", or raise max_concurrency")
                + ", or lower the Lambda timeouts"
            )
        self._check_visibility(processing)

    def _check_visibility(self, processing: Processing) -> None:
        if any_token(self.visibility_timeout_seconds, processing.batch_window_seconds):
            return
        worst = processing.pipe_worst_case_seconds
        if self.visibility_timeout_seconds is not None and self.visibility_timeout_seconds < worst:
            # A batch still in flight would become visible again and be delivered twice at once.
            raise ValueError(
                f"visibility_timeout_seconds={self.visibility_timeout_seconds} is shorter than the "
                f"pipe's worst case, batch_window_seconds + workflow_timeout_seconds = {worst} s: "
                f"raise it to at least {worst} (or leave it unset to derive it)"
            )


def _check_header(prop: str, value: str) -> None:
    if not _HEADER.match(value) or len(value) > 256:
        raise ValueError(
            f"{prop} entry {value!r} is not an HTTP header name: use letters, digits and '-' "
            "(e.g. 'X-GitHub-Delivery')"
        )
