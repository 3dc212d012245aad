"""Props of the webhook constructs: frozen Pydantic models, checked before any resource exists.

Every field has a type, a default and a description that states what the default means.
Checks that span several fields live in model validators and raise one `PropsError` that
names the prop, the bad value and the fix; Pydantic's own errors (a typo in a prop name,
a wrong type) are re-raised as `PropsError` too, so users see one kind of error.
"""

from __future__ import annotations

import ipaddress
import re
import types
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field, field_validator, model_validator

from .alarm_rules import Alarms
from .policies import check_statement
from .prop_errors import FrozenProps, PropsError, parse_props
from .signing import default_delivery_id_headers, scheme_headers, schemes
from .workflow import DEFAULT_MAX_CONCURRENCY, INLINE_MAP_MAX_CONCURRENCY, LambdaRetry, check_process

__all__ = [
    "PropsError",
    "Processing",
    "WebhookSource",
    "WebhookIngestProps",
    "parse_props",
    "PipelineNames",
    "throttle_defaults",
]

# SQS limits (CreateQueue / SendMessage API reference).
SQS_QUEUE_NAME_MAX = 80
SQS_MAX_MESSAGE_ATTRIBUTES = 10
SQS_MAX_MESSAGE_BYTES = 1048576
# Message attributes the stack adds beside the forwarded headers: when API Gateway received
# the request (every source), and why a delivery was rejected (on the kept copy, with
# processing). What is left of SQS's ten is for headers.
RECEIVED_AT_ATTRIBUTES = 1
REJECTED_REASON_ATTRIBUTES = 1
# Step Functions takes at most 256 KiB of input, and EventBridge Pipes bounds a batch for a
# Step Functions target by that payload size (EventBridge user guide, "Pipes batching and
# concurrency": "Step Functions state machines (262144 characters)"), so one record must fit.
STEP_FUNCTIONS_INPUT_BYTES = 262144
# In a record, the body and the attribute values are JSON strings, so a body of nothing but
# `"` or `\` doubles (non-ASCII stays UTF-8 in JSON); the rest of the record (receipt handle up
# to ~1 KiB, ids, timestamps, the queue ARN, each attribute's JSON keys) is far below this.
RECORD_OVERHEAD_BYTES = 8192
JSON_ESCAPE_FACTOR = 2
# What SQS may hold (body + attributes, which SQS counts together) for one record of the
# worst escaping to reach the workflow: 126,976 bytes.
PROCESSING_BODY_BYTES = (STEP_FUNCTIONS_INPUT_BYTES - RECORD_OVERHEAD_BYTES) // JSON_ESCAPE_FACTOR
INGEST_BODY_BYTES = 262144
IAM_ROLE_NAME_MAX = 64
# Lambda function, Step Functions state machine and EventBridge pipe name limits.
LAMBDA_NAME_MAX = 64
STATE_MACHINE_NAME_MAX = 80
PIPE_NAME_MAX = 64
# An EXPRESS execution runs at most five minutes (Step Functions quotas).
EXPRESS_MAX_SECONDS = 300
# Pipes' SQS source (PipeSourceSqsQueueParameters): batch 1-10000, window 0-300 s; as for
# Lambda's SQS event source, a batch above 10 needs a window and a FIFO queue takes no window
# and at most 10 records.
PIPE_BATCH_MAX = 10000
PIPE_WINDOW_MAX = 300
SQS_UNWINDOWED_BATCH_MAX = 10
# Headroom on top of the pipe's worst case when the visibility timeout is derived: polling,
# the synchronous start and the deletion of the batch take time too.
VISIBILITY_MARGIN_SECONDS = 30
# The workflow retries transient Lambda errors (workflow.LambdaRetry, as the pipeline builds
# it); their waits count toward a record's worst case, once per Lambda step.
LAMBDA_RETRY_WAIT_SECONDS = int(LambdaRetry().wait_seconds)
DEFAULT_BATCH_SIZE = 10
# Per-source throttling defaults (requests per second, burst), by what the provider does with
# a 429: one that retries a refused delivery for hours loses nothing to a throttle; one that
# never retries (GitHub) loses every delivery a throttle refuses, so its route gets ten times
# the room, still a tenth of API Gateway's default account quota (10,000 rps, burst 5,000) so
# the account's other APIs keep theirs. Sources: the README's "Throttling" table.
RETRYING_THROTTLE = (100.0, 200)
NON_RETRYING_THROTTLE = (1000.0, 2000)
# Schemes whose providers retry a 429 or 5xx for hours (see the README table): Stripe for 3
# days, Shopify 4 hours, Mailgun 8 hours, Svix about 27 hours. Slack retries for 5 minutes and
# GitHub never, so they are not here.
RETRYING_SCHEMES = frozenset({"stripe", "shopify", "mailgun", "standard-webhooks"})
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)


def check_log_retention(prop: str, value: int) -> int:
    """CloudWatch Logs keeps logs only for these periods (PutRetentionPolicy)."""
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{prop}={value} is not a retention CloudWatch Logs offers: use one of {sorted(LOG_RETENTION_DAYS)}"
        )
    return value


_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:[a-z0-9-]+:")

_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$")
# API Gateway resource path parts: letters, digits and -._~ (no braces: our routes are static,
# a path parameter would need a mapping the template does not make).
_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
# HTTP header names as API Gateway passes them and SQS accepts as attribute names.
_HEADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_FIELD_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
# SQS: MessageGroupId is 1-128 characters of alphanumerics and punctuation. The fallback is
# used as it is, so it must be valid as it is.
_GROUP_FALLBACK = re.compile(r"^[!-~]{1,128}$")
_STAGE = re.compile(r"^[A-Za-z0-9_]{1,128}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


class Processing(FrozenProps):
    """What happens behind a source's queue: EventBridge Pipe -> Express workflow that verifies
    each delivery's signature and hands the valid ones to the processing step."""

    scheme: str = Field(
        description="signature scheme the verifier checks: github, stripe, standard-webhooks "
        "(also Svix), shopify, slack, mailgun or basic; required"
    )
    secret_arn: str | None = Field(
        default=None,
        description="ARN of an existing Secrets Manager secret holding the signing secret; None = "
        "the stack creates an empty secret whose value you set after deploy (never in state)",
    )
    secret_kms_key_arn: str | None = Field(
        default=None,
        description="customer KMS key that encrypts an existing secret (the verifier may decrypt "
        "with it); None = the secret uses the AWS managed key",
    )
    secret_json_key: str = Field(
        default="secret",
        min_length=1,
        max_length=256,
        description="the key the verifier reads when the secret is a JSON object (Secrets "
        "Manager's key/value form); 'secret'. An object without it is a configuration fault: "
        "deliveries wait in the queue, none is rejected",
    )
    tolerance_seconds: int = Field(
        default=300,
        ge=1,
        le=86400,
        description="how far a signed timestamp may be from the moment API Gateway received the "
        "request before the delivery is rejected as a replay; 300 s",
    )
    process_code_dir: Path | None = Field(
        default=None,
        description="code root of a Python Lambda the stack builds as the processing step "
        "(handler.handler gets {messageId, deliveryId, event}); one of the process_* props",
    )
    process_function_arn: str | None = Field(
        default=None, description="ARN of an existing processing Lambda; one of the process_* props"
    )
    process_states: dict[str, Any] | None = Field(
        default=None,
        description='processing as states {"StartAt": ..., "States": {...}} run with the verified '
        "event; one of the process_* props",
    )
    process_policy_statements: tuple[dict[str, Any], ...] = Field(
        default=(),
        description="IAM statements the workflow role needs for process_states (each naming its "
        "resources); none",
    )
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=PIPE_BATCH_MAX,
        description="most records per workflow execution; None = 10, or on a FIFO source (whose "
        "records run one after another) as many as one execution can finish within "
        "workflow_timeout_seconds, at most 10",
    )
    batch_window_seconds: int = Field(
        default=0,
        ge=0,
        le=PIPE_WINDOW_MAX,
        description="how long the pipe may wait to fill a batch; 0 = start as soon as records arrive",
    )
    max_concurrency: int | None = Field(
        default=None,
        ge=0,
        le=INLINE_MAP_MAX_CONCURRENCY,
        description="records of a batch handled at once; None = 10 (1 for FIFO, which keeps "
        "order), 0 = 40, the most an inline Map runs",
    )
    workflow_timeout_seconds: int = Field(
        default=60,
        ge=1,
        le=EXPRESS_MAX_SECONDS,
        description="longest run of one execution (a batch) before it fails and the whole batch "
        "returns to the queue; 60 s",
    )
    verifier_timeout_seconds: int = Field(
        default=10, ge=1, le=EXPRESS_MAX_SECONDS, description="timeout of the verifier Lambda; 10 s"
    )
    process_timeout_seconds: int = Field(
        default=30,
        ge=1,
        le=EXPRESS_MAX_SECONDS,
        description="timeout of the processing Lambda built from process_code_dir; 30 s",
    )
    memory_mb: int = Field(default=256, ge=128, le=10240, description="memory of the Lambda functions; 256 MB")
    architecture: Literal["arm64", "x86_64"] = Field(
        default="arm64", description="instruction set of the Lambda functions; arm64 (Graviton)"
    )
    log_retention_days: int = Field(
        default=30, description="days the function, workflow and pipe logs are kept; 30"
    )
    workflow_log_level: Literal["ALL", "ERROR", "FATAL", "OFF"] = Field(
        default="ERROR", description="what the workflow logs: ERROR = failed states and executions"
    )
    log_execution_data: bool = Field(
        default=False,
        description="include state inputs and outputs (webhook payloads, possibly personal data) "
        "in the workflow and pipe logs; False",
    )
    pipe_log_level: Literal["OFF", "ERROR", "INFO", "TRACE"] = Field(
        default="ERROR", description="what the pipe logs: ERROR = failed invocations"
    )
    tracing: bool = Field(default=False, description="X-Ray tracing of the workflow; False")

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, value: str) -> str:
        known = schemes()
        if value not in known:
            raise ValueError(f"scheme {value!r} is not one the verifier implements: use one of {list(known)}")
        return value

    @field_validator("secret_arn", "secret_kms_key_arn", "process_function_arn")
    @classmethod
    def _arn(cls, value: str | None, info: Any) -> str | None:
        if value is not None and not (_ARN.match(value) or value.startswith("${")):
            raise ValueError(
                f"{info.field_name} {value!r} is not an ARN: pass e.g. 'arn:aws:...' or a Terraform "
                "reference to one"
            )
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return check_log_retention("log_retention_days", value)

    @field_validator("process_policy_statements")
    @classmethod
    def _statements(cls, value: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        for statement in value:
            check_statement(statement)
        return value

    @field_validator("process_code_dir")
    @classmethod
    def _code_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "handler.py").is_file():
            raise ValueError(
                f"process_code_dir {str(value)!r} has no handler.py: point it at the processing "
                "Lambda's code root, whose handler.py defines handler(event, context)"
            )
        return value

    @model_validator(mode="after")
    def _combination(self) -> Processing:
        given = [name for name in ("process_code_dir", "process_function_arn", "process_states") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"set exactly one of process_code_dir, process_function_arn, process_states (got "
                f"{given or 'none'}): it is the step that handles verified deliveries"
            )
        if self.process_policy_statements and self.process_states is None:
            raise ValueError(
                "process_policy_statements only apply to process_states: a processing Lambda "
                "carries its own role"
            )
        if self.process_states is not None:
            check_process(self.process_states)
        if self.batch_size is not None and self.batch_size > SQS_UNWINDOWED_BATCH_MAX and self.batch_window_seconds == 0:
            raise ValueError(
                f"batch_size={self.batch_size} needs batch_window_seconds of at least 1: SQS "
                f"sources take more than {SQS_UNWINDOWED_BATCH_MAX} records only with a batching window"
            )
        if self.record_worst_case_seconds > self.workflow_timeout_seconds:
            raise ValueError(
                f"workflow_timeout_seconds={self.workflow_timeout_seconds} is shorter than one "
                f"record's worst case, {self._record_budget_text()}: raise it, or lower the Lambda timeouts"
            )
        return self

    @property
    def record_worst_case_seconds(self) -> int:
        """Longest one record can take in the workflow: each Lambda step's timeout plus the
        waits of its retries. A processing Lambda or states of your own (process_function_arn,
        process_states) are not counted: their time is yours to fit in workflow_timeout_seconds."""
        seconds = self.verifier_timeout_seconds + LAMBDA_RETRY_WAIT_SECONDS
        if self.process_code_dir is not None:
            seconds += self.process_timeout_seconds + LAMBDA_RETRY_WAIT_SECONDS
        return seconds

    def _record_budget_text(self) -> str:
        parts = [f"verifier_timeout_seconds {self.verifier_timeout_seconds}"]
        if self.process_code_dir is not None:
            parts.append(f"process_timeout_seconds {self.process_timeout_seconds}")
        waits = len(parts)
        parts.append(f"{waits} x {LAMBDA_RETRY_WAIT_SECONDS} s of retry waits")
        return " + ".join(parts) + f" = {self.record_worst_case_seconds} s"

    def concurrency(self, ordered: bool) -> int:
        """Records of a batch run at once: 1 when ordered (FIFO), else max_concurrency."""
        if ordered:
            return 1
        if self.max_concurrency is None:
            return DEFAULT_MAX_CONCURRENCY
        return self.max_concurrency or INLINE_MAP_MAX_CONCURRENCY

    @property
    def pipe_worst_case_seconds(self) -> int:
        """Longest a received batch can stay in flight: the window, then one execution."""
        return self.batch_window_seconds + self.workflow_timeout_seconds


class WebhookSource(FrozenProps):
    """One webhook provider: its route, the model of its body and its own queue + DLQ."""

    name: str = Field(
        description="short id of the source (lower-case letters, digits, '-'); names its route, "
        "queues and outputs; required"
    )
    model: type[BaseModel] = Field(
        description="Pydantic model of the request body; API Gateway rejects bodies that do not "
        "match its JSON Schema with 400; required"
    )
    path: str | None = Field(
        default=None, description="route of the POST method; None = /webhooks/{name}"
    )
    fifo: bool = Field(
        default=False,
        description="FIFO queue (ordered per group, deduplicated); False = standard queue, "
        "unordered, at-least-once",
    )
    group_id_field: str | None = Field(
        default=None,
        description="FIFO only, required there: dotted path of the body field whose value is the "
        "MessageGroupId (e.g. 'event' or 'data.type'); None = not FIFO",
    )
    group_id_fallback: str = Field(
        default="default",
        description="MessageGroupId used when the group field is missing or empty, so SQS never "
        "sees an empty group id; 'default'. Other values are URL-encoded and cut to 128 "
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
    throttle_rate_limit: float | None = Field(
        default=None,
        gt=0,
        le=10000,
        description="steady requests per second this source's route accepts before answering "
        "429; None = 100 for providers that retry a 429 for hours (stripe, shopify, mailgun, "
        "standard-webhooks), else 1000 (GitHub never retries, Slack for 5 minutes, unknown "
        "senders may not)",
    )
    throttle_burst_limit: int | None = Field(
        default=None,
        ge=1,
        le=5000,
        description="requests this source's route accepts at once above the rate; None = 200, "
        "or 2000 where the rate defaults to 1000",
    )
    max_receive_count: int = Field(
        default=5, ge=1, le=1000, description="receives before a message moves to the DLQ; 5"
    )
    retention_seconds: int = Field(
        default=4 * 86400,
        ge=60,
        le=14 * 86400,
        description="how long the queue keeps an unprocessed message; 4 days",
    )
    dlq_retention_seconds: int = Field(
        default=14 * 86400,
        ge=60,
        le=14 * 86400,
        description="how long the DLQ keeps a failed message; 14 days (the SQS maximum)",
    )
    rejected_retention_seconds: int = Field(
        default=14 * 86400,
        ge=60,
        le=14 * 86400,
        description="with processing: how long the rejected queue keeps a delivery whose "
        "signature check failed, byte for byte with its headers and the reason, for an operator "
        "to read and resend; 14 days (the SQS maximum)",
    )
    visibility_timeout_seconds: int | None = Field(
        default=None,
        ge=0,
        le=12 * 3600,
        description="how long a received message stays hidden from other consumers; None = 30 s, "
        "or with processing the pipe's worst case (batch window + workflow timeout) + 30 s",
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
        scheme = default_delivery_id_headers(self.processing.scheme) if self.processing else ()
        seen: dict[str, str] = {}
        for header in own + scheme:
            seen.setdefault(header.lower(), header)
        return tuple(seen.values())

    @property
    def signature_headers(self) -> tuple[str, ...]:
        if self.processing is None:
            return ()
        return scheme_headers(self.processing.scheme)

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
        return _check_name(value, 32, f"source name {value!r} is not a short id", "github")

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

    @field_validator("group_id_fallback")
    @classmethod
    def _fallback(cls, value: str) -> str:
        if not _GROUP_FALLBACK.match(value):
            raise ValueError(
                f"group_id_fallback {value!r} is not a valid SQS MessageGroupId: use 1-128 "
                "printable ASCII characters without spaces"
            )
        return value

    @model_validator(mode="after")
    def _combination(self) -> WebhookSource:
        if self.fifo and not self.group_id_field:
            raise ValueError(
                "fifo=True needs group_id_field: name the body field whose value orders messages "
                "(e.g. group_id_field='event'), or use a standard queue (fifo=False)"
            )
        if not self.fifo and self.group_id_field:
            raise ValueError(
                f"group_id_field={self.group_id_field!r} only applies to FIFO queues: set "
                "fifo=True, or remove group_id_field"
            )
        if self.group_id_field:
            _check_group_field(self.model, self.group_id_field)
        if len(self.attribute_headers) > self.max_forwarded_headers:
            raise ValueError(
                f"{len(self.attribute_headers)} forwarded headers {list(self.attribute_headers)} "
                f"(delivery id, signature scheme and forward_headers) exceed the "
                f"{self.max_forwarded_headers} SQS message attributes left for headers (SQS allows "
                f"{SQS_MAX_MESSAGE_ATTRIBUTES}; the stack adds the receipt time"
                f"{' and, on a rejected copy, the reason' if self.processing else ''}): forward fewer headers"
            )
        rate, burst = self.throttle
        if burst < rate:
            raise ValueError(
                f"throttle_burst_limit={burst} is below throttle_rate_limit={rate:g} of source "
                f"{self.name!r}: the burst must hold at least one second of the rate"
            )
        if self.processing is not None:
            self._check_pipeline(self.processing)
            if self.max_body_bytes is not None and self.max_body_bytes > PROCESSING_BODY_BYTES:
                raise ValueError(
                    f"max_body_bytes={self.max_body_bytes} with processing: the workflow takes at most "
                    f"{STEP_FUNCTIONS_INPUT_BYTES} bytes of input per record, and a body of quotes or "
                    f"backslashes doubles in it; use at most {PROCESSING_BODY_BYTES}"
                )
        if self.retention_seconds < self.visibility_timeout:
            raise ValueError(
                f"retention_seconds={self.retention_seconds} is shorter than the visibility "
                f"timeout ({self.visibility_timeout} s): messages would expire while being "
                "processed; raise retention_seconds"
            )
        if self.dlq_retention_seconds < self.retention_seconds:
            # SQS keeps a message's original enqueue time when it moves to a standard DLQ, so a
            # shorter DLQ retention deletes failures almost as soon as they arrive.
            raise ValueError(
                f"dlq_retention_seconds={self.dlq_retention_seconds} is shorter than "
                f"retention_seconds={self.retention_seconds}: failed messages could expire on "
                "arrival in the DLQ; make dlq_retention_seconds at least retention_seconds"
            )
        return self

    def _check_pipeline(self, processing: Processing) -> None:
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
        worst = processing.pipe_worst_case_seconds
        if self.visibility_timeout_seconds is not None and self.visibility_timeout_seconds < worst:
            # A batch still in flight would become visible again and be delivered twice at once.
            raise ValueError(
                f"visibility_timeout_seconds={self.visibility_timeout_seconds} is shorter than the "
                f"pipe's worst case, batch_window_seconds + workflow_timeout_seconds = {worst} s: "
                f"raise it to at least {worst} (or leave it unset to derive it)"
            )


class WebhookIngestProps(FrozenProps):
    """Props of `WebhookIngest`: one REST API receiving one or more sources."""

    name: str = Field(
        description="prefix of every resource name (API, queues, role); unique per account and "
        "region; required"
    )
    sources: tuple[WebhookSource, ...] = Field(
        min_length=1, description="the webhook sources this API receives; at least one"
    )
    stage_name: str = Field(default="v1", description="API Gateway stage of the endpoint URLs; 'v1'")
    tags: dict[str, str] = Field(
        default_factory=dict, description="tags on every taggable resource; none"
    )
    throttle_rate_limit: float = Field(
        default=100.0,
        gt=0,
        le=10000,
        description="steady requests per second a method of the stage accepts before answering "
        "429, for methods without their own (every source's route has its own: "
        "WebhookSource.throttle_rate_limit); 100",
    )
    throttle_burst_limit: int = Field(
        default=200,
        ge=1,
        le=5000,
        description="requests a method of the stage accepts at once above the rate, for methods "
        "without their own; 200",
    )
    access_log_retention_days: int = Field(
        default=90,
        description="days the stage's JSON access log and its execution log (a log group the "
        "stack creates, so API Gateway does not create one without retention) are kept; 90",
    )
    execution_log_level: Literal["OFF", "ERROR", "INFO"] = Field(
        default="ERROR",
        description="API Gateway execution logging: ERROR = failed requests only (never bodies); "
        "needs the account's CloudWatch role, see manage_account_logging_role",
    )
    manage_account_logging_role: bool = Field(
        default=True,
        description="create the role API Gateway writes logs with and set it in the account's API "
        "Gateway settings (one per account and region); False = it is already set up",
    )
    tracing: bool = Field(default=False, description="X-Ray tracing of the stage; False")
    allowed_source_ips: tuple[str, ...] = Field(
        default=(),
        description="CIDR ranges allowed to call the API (e.g. GitHub's published hook ranges), "
        "enforced by a resource policy; none = any address",
    )
    web_acl_arn: str | None = Field(
        default=None, description="WAFv2 web ACL to associate with the stage; None = no WAF"
    )
    api_key_required: bool = Field(
        default=False,
        description="require an x-api-key header of the stack's usage plan key (for providers that "
        "can send custom headers); False",
    )
    queue_encryption: Literal["sqs-managed", "kms"] = Field(
        default="sqs-managed",
        description="how queues and DLQs are encrypted at rest: 'sqs-managed' (SSE-SQS: no key to "
        "manage or pay for, usable by any principal SQS lets in); 'kms' = a customer-managed key "
        "whose policy decides who may read (queue_kms_key_arn, or one created for exactly the API "
        "role, the pipe roles and the account)",
    )
    queue_kms_key_arn: str | None = Field(
        default=None,
        description="existing customer-managed key for queue_encryption='kms'; its policy must let "
        "the API role use kms:GenerateDataKey and kms:Decrypt and the pipe roles kms:Decrypt (or "
        "delegate to IAM); None = a key is created with exactly that policy",
    )
    log_encryption: Literal["cloudwatch-managed", "kms"] = Field(
        default="cloudwatch-managed",
        description="how every log group (API access, Lambda, workflow, pipe) is encrypted: "
        "'cloudwatch-managed' (CloudWatch Logs' own keys); 'kms' = a customer-managed key "
        "(log_kms_key_arn, or one created for CloudWatch Logs of this account and region)",
    )
    log_kms_key_arn: str | None = Field(
        default=None,
        description="existing customer-managed key for log_encryption='kms'; its policy must let "
        "logs.<region>.amazonaws.com use it; None = a key is created with that policy",
    )
    kms_deletion_window_days: int = Field(
        default=30,
        ge=7,
        le=30,
        description="days a created key waits, cancellable, between its destroy and its deletion "
        "(messages and logs it encrypts are unreadable after); 30, the longest KMS allows",
    )
    alarms: Alarms = Field(
        default_factory=Alarms,
        description="CloudWatch alarms per source (DLQ messages, oldest message age, failed and "
        "timed-out executions, pipe failures) and on the API's 5XX; on, notifying nobody until "
        "actions names SNS topics",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, 40, f"name {value!r} is not a valid resource name prefix", "acme-webhooks")

    @field_validator("access_log_retention_days")
    @classmethod
    def _access_log_retention(cls, value: int) -> int:
        return check_log_retention("access_log_retention_days", value)

    @field_validator("allowed_source_ips")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(
                    f"allowed_source_ips entry {cidr!r} is not a CIDR range: write e.g. '192.30.252.0/22' "
                    "(host bits zero) or '2606:50c0::/32'"
                ) from None
        return value

    @field_validator("web_acl_arn")
    @classmethod
    def _web_acl(cls, value: str | None) -> str | None:
        if value is not None and not (re.match(r"^arn:aws[a-zA-Z-]*:wafv2:", value) or value.startswith("${")):
            raise ValueError(
                f"web_acl_arn {value!r} is not a WAFv2 web ACL ARN: pass arn:aws:wafv2:<region>:<account>:regional/webacl/..."
            )
        return value

    @field_validator("queue_kms_key_arn", "log_kms_key_arn")
    @classmethod
    def _key_arn(cls, value: str | None, info: Any) -> str | None:
        # A key ARN, not an alias: IAM grants and CloudWatch Logs' association need the key itself.
        if value is not None and not (_KMS_KEY_ARN.match(value) or value.startswith("${")):
            raise ValueError(
                f"{info.field_name} {value!r} is not a KMS key ARN: pass "
                "arn:aws:kms:<region>:<account>:key/<key id> (not an alias) or a Terraform reference to one"
            )
        return value

    @model_validator(mode="after")
    def _encryption(self) -> WebhookIngestProps:
        for kind, managed in (("queue", "sqs-managed"), ("log", "cloudwatch-managed")):
            arn = getattr(self, f"{kind}_kms_key_arn")
            if arn is not None and getattr(self, f"{kind}_encryption") != "kms":
                raise ValueError(
                    f"{kind}_kms_key_arn={arn!r} is set but {kind}_encryption={managed!r}: set "
                    f"{kind}_encryption='kms' to use the key, or drop {kind}_kms_key_arn"
                )
        return self

    @field_validator("stage_name")
    @classmethod
    def _stage(cls, value: str) -> str:
        if not _STAGE.match(value):
            raise ValueError(
                f"stage_name {value!r} is not a valid stage name: use letters, digits and '_'"
            )
        return value

    @model_validator(mode="after")
    def _unique(self) -> WebhookIngestProps:
        if self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError(
                f"throttle_burst_limit={self.throttle_burst_limit} is below throttle_rate_limit="
                f"{self.throttle_rate_limit}: the burst must hold at least one second of the rate"
            )
        for attr, label in (("name", "source names"), ("route", "routes")):
            values = [getattr(source, attr) for source in self.sources]
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(
                    f"duplicate {label} {duplicates}: each source needs its own {attr}; rename or "
                    "set a distinct path"
                )
        for source in self.sources:
            if source.processing is not None:
                pipeline_names(self.name, source.name).check()
            names = queue_names(self.name, source)
            if source.processing is not None:
                names += (rejected_queue_name(self.name, source),)
            for queue_name in names:
                if len(queue_name) > SQS_QUEUE_NAME_MAX:
                    raise ValueError(
                        f"queue name {queue_name!r} is {len(queue_name)} characters, SQS allows "
                        f"{SQS_QUEUE_NAME_MAX}: shorten name {self.name!r} or source name "
                        f"{source.name!r}"
                    )
        return self


    @model_validator(mode="after")
    def _alarm_age(self) -> WebhookIngestProps:
        self.alarms.check_retention({source.name: source.retention_seconds for source in self.sources})
        return self


def queue_names(prefix: str, source: WebhookSource) -> tuple[str, str]:
    """Names of a source's queue and DLQ (a FIFO queue's name must end in .fifo)."""
    suffix = ".fifo" if source.fifo else ""
    return f"{prefix}-{source.name}{suffix}", f"{prefix}-{source.name}-dlq{suffix}"


def rejected_queue_name(prefix: str, source: WebhookSource) -> str:
    """Name of a source's rejected queue: FIFO when the source is, so a kept delivery keeps
    its group and goes back to its queue in order."""
    return f"{prefix}-{source.name}-rejected{'.fifo' if source.fifo else ''}"


def throttle_defaults(scheme: str | None) -> tuple[float, int]:
    """(rate, burst) a source gets when its throttle props are unset."""
    return RETRYING_THROTTLE if scheme in RETRYING_SCHEMES else NON_RETRYING_THROTTLE


@dataclass(frozen=True)
class PipelineNames:
    """Names of a source's processing resources, derived from the prefix and the source name."""

    base: str

    @property
    def verifier(self) -> str:
        return f"{self.base}-verify"

    @property
    def processor(self) -> str:
        return f"{self.base}-process"

    @property
    def state_machine(self) -> str:
        return self.base

    @property
    def workflow_role(self) -> str:
        return f"{self.base}-workflow"

    @property
    def pipe(self) -> str:
        return self.base

    @property
    def pipe_role(self) -> str:
        return f"{self.base}-pipe"

    @property
    def secret(self) -> str:
        return f"{self.base}/signing-secret"

    @property
    def function_roles(self) -> tuple[str, str]:
        # PythonFunction names its role "<function>-lambda".
        return f"{self.verifier}-lambda", f"{self.processor}-lambda"

    def check(self) -> None:
        limits = [
            (self.verifier, LAMBDA_NAME_MAX),
            (self.processor, LAMBDA_NAME_MAX),
            (self.state_machine, STATE_MACHINE_NAME_MAX),
            (self.pipe, PIPE_NAME_MAX),
            (self.workflow_role, IAM_ROLE_NAME_MAX),
            (self.pipe_role, IAM_ROLE_NAME_MAX),
            *((role, IAM_ROLE_NAME_MAX) for role in self.function_roles),
        ]
        # Report the tightest limit, so one fix satisfies them all.
        value, longest = min(limits, key=lambda item: item[1] - len(item[0]))
        if len(value) > longest:
            allowed = longest - (len(value) - len(self.base))
            raise ValueError(
                f"resource name {value!r} is {len(value)} characters, {longest} allowed: shorten "
                f"name or the source name ('<name>-<source>' may have at most {allowed} characters)"
            )


def pipeline_names(prefix: str, source_name: str) -> PipelineNames:
    return PipelineNames(f"{prefix}-{source_name}")


def _check_name(value: str, longest: int, problem: str, example: str) -> str:
    """Names end up in queue, role and API names: lower-case, digits, single '-'."""
    if not _NAME.match(value) or "--" in value or len(value) > longest:
        raise ValueError(
            f"{problem}: use 1-{longest} lower-case letters, digits and single '-', starting "
            f"with a letter (e.g. {example!r})"
        )
    return value


def _check_header(prop: str, value: str) -> None:
    if not _HEADER.match(value) or len(value) > 256:
        raise ValueError(
            f"{prop} entry {value!r} is not an HTTP header name: use letters, digits and '-' "
            "(e.g. 'X-GitHub-Delivery')"
        )


_SCALARS = (str, int, float, bool)


def _check_group_field(model: type[BaseModel], dotted: str) -> None:
    """The group field must be a scalar field of the model, reached through nested models."""
    current: type[BaseModel] = model
    segments = dotted.split(".")
    for position, segment in enumerate(segments):
        if not _FIELD_SEGMENT.match(segment):
            raise ValueError(
                f"group_id_field {dotted!r}: segment {segment!r} may hold only letters, digits, "
                "'_' and '-'"
            )
        wire_names = {
            (info.validation_alias if isinstance(info.validation_alias, str) else None)
            or info.alias
            or name: info
            for name, info in current.model_fields.items()
        }
        if segment not in wire_names:
            raise ValueError(
                f"group_id_field {dotted!r}: {current.__name__} has no field {segment!r} on the "
                f"wire; its fields are {sorted(wire_names)}"
            )
        annotation = _strip_optional(wire_names[segment].annotation)
        last = position == len(segments) - 1
        if last:
            if not _is_scalar(annotation):
                raise ValueError(
                    f"group_id_field {dotted!r} is a {annotation!r}, not a string, number or "
                    "enum: point it at a scalar field"
                )
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        else:
            raise ValueError(
                f"group_id_field {dotted!r}: {segment!r} is not a nested model, so "
                f"{'.'.join(segments[position + 1:])!r} cannot be read from it"
            )


def _strip_optional(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _strip_optional(members[0])
    return annotation


def _is_scalar(annotation: Any) -> bool:
    if get_origin(annotation) is Literal:
        return True
    if isinstance(annotation, type):
        return issubclass(annotation, _SCALARS) or issubclass(annotation, Enum)
    return False
