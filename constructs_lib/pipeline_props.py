"""Props of the processing behind a source's queue (`Processing`, configuring `WebhookPipeline`
in pipeline.py: pipe, workflow, verifier and processing step), and their checks.

Checks that need the source too (FIFO order, the batch against the workflow's timeout) are the
source's: see source_props.WebhookSource. Pure: no cdktf.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from .limits import EXPRESS_MAX_SECONDS, PIPE_BATCH_MAX, PIPE_WINDOW_MAX, SQS_UNWINDOWED_BATCH_MAX, check_log_retention
from .policies import check_statements
from .tokens import OrToken, any_token, is_token
from .prop_errors import FrozenProps
from .verifier_schemes import (
    GENERIC_SCHEME,
    check_hmac,
    check_public_key,
    default_delivery_id_headers,
    scheme_headers,
    schemes,
    url_schemes,
)
from .workflow import DEFAULT_MAX_CONCURRENCY, INLINE_MAP_MAX_CONCURRENCY, LambdaRetry, check_process

__all__ = [
    "LAMBDA_RETRY_WAIT_SECONDS",
    "HmacSignature",
    "ProcessCode",
    "ProcessFunction",
    "ProcessStates",
    "ProcessStep",
    "Processing",
]

# The workflow retries transient Lambda errors (workflow.LambdaRetry, as the pipeline builds
# it); their waits count toward a record's worst case, once per Lambda step.
LAMBDA_RETRY_WAIT_SECONDS = int(LambdaRetry().wait_seconds)

_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:[a-z0-9-]+:")


def _check_arn(prop: str, value: str | None) -> str | None:
    if value is not None and not (_ARN.match(value) or is_token(value) or value.startswith("${")):
        raise ValueError(f"{prop} {value!r} is not an ARN: pass e.g. 'arn:aws:...' or a Terraform reference to one")
    return value


class ProcessCode(FrozenProps):
    """The processing step as a Python Lambda the stack builds from a code folder (its role may
    write its own logs and nothing else)."""

    code_dir: Path = Field(
        description="code root of the processing Lambda, whose handler.handler gets {messageId, "
        "deliveryId, event}; required"
    )
    timeout_seconds: int = Field(
        default=30, ge=1, le=EXPRESS_MAX_SECONDS, description="timeout of the processing Lambda; 30 s"
    )

    @field_validator("code_dir")
    @classmethod
    def _code_dir(cls, value: Path) -> Path:
        if not (value / "handler.py").is_file():
            raise ValueError(
                f"code_dir {str(value)!r} has no handler.py: point it at the processing Lambda's "
                "code root, whose handler.py defines handler(event, context)"
            )
        return value


class ProcessFunction(FrozenProps):
    """The processing step as an existing Lambda function of yours (its timeout is yours to fit
    in workflow_timeout_seconds)."""

    function_arn: str = Field(description="ARN of the processing Lambda, or a Terraform reference to one; required")

    @field_validator("function_arn")
    @classmethod
    def _arn(cls, value: str) -> str:
        _check_arn("function_arn", value)
        return value


class ProcessStates(FrozenProps):
    """The processing step as Amazon States Language states of your own, run with the verified
    event inside the workflow's Map."""

    states: dict[str, Any] = Field(
        description='the states, {"StartAt": ..., "States": {...}}, run with the verified event; required'
    )
    policy_statements: tuple[dict[str, Any], ...] = Field(
        default=(),
        description="IAM statements the workflow role needs for these states (each naming its resources); none",
    )

    @field_validator("states")
    @classmethod
    def _states(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_process(value)
        return value

    @field_validator("policy_statements")
    @classmethod
    def _statements(cls, value: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        return check_statements(value)


# Which step a value is: the class of an object, the one field a dict (props given as data) names.
_STEP_KEYS = {"code_dir": "code", "function_arn": "function", "states": "states"}
_STEP_TAGS: dict[type, str] = {ProcessCode: "code", ProcessFunction: "function", ProcessStates: "states"}


def _step_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        tags = {tag for key, tag in _STEP_KEYS.items() if key in value}
        return tags.pop() if len(tags) == 1 else None
    return _STEP_TAGS.get(type(value))


#: How a verified delivery is processed: exactly one kind of step, chosen by its type.
ProcessStep = Annotated[
    Union[
        Annotated[ProcessCode, Tag("code")],
        Annotated[ProcessFunction, Tag("function")],
        Annotated[ProcessStates, Tag("states")],
    ],
    Discriminator(
        _step_tag,
        custom_error_type="process_step",
        custom_error_message="process is the step that handles verified deliveries: pass "
        "ProcessCode(code_dir=...), ProcessFunction(function_arn=...) or ProcessStates(states=...)",
    ),
]


class HmacSignature(FrozenProps):
    """A provider's HMAC signature, described rather than coded: `Processing(scheme="hmac",
    signature=HmacSignature(...))` verifies any sender that signs with an HMAC. The verifier
    (lambda_src/verifier/signatures.py, HmacScheme) checks the same rules at run time."""

    signature_header: str = Field(description="the header holding the signature(s), e.g. 'X-Signature'; required")
    signature_format: Literal["single", "list", "key-value"] = Field(
        default="single",
        description="'single': the header is one signature (after signature_prefix); 'list': several "
        "split on separator, each after signature_prefix; 'key-value': items split on separator, "
        "key=value each, signatures under signature_key and the timestamp under timestamp_key "
        "(Stripe's 't=..,v1=..'); 'single'",
    )
    signature_prefix: str = Field(default="", description="text before each signature, e.g. 'sha256='; none")
    separator: str = Field(default=",", description="what separates list or key-value items; ','")
    key_value_separator: str = Field(default="=", description="what separates a key from its value; '='")
    signature_key: str | None = Field(default=None, description="key-value: the key of the signature items, e.g. 'v1'")
    timestamp_key: str | None = Field(default=None, description="key-value: the key of the timestamp item, e.g. 't'")
    timestamp_header: str | None = Field(
        default=None, description="the header holding the signing time (instead of timestamp_key); None = no timestamp"
    )
    timestamp_unit: Literal["seconds", "milliseconds"] = Field(default="seconds", description="the timestamp's unit; seconds")
    id_header: str | None = Field(
        default=None, description="the header holding the delivery id, for {id} and as the delivery id; None"
    )
    algorithm: Literal["sha1", "sha256", "sha512"] = Field(default="sha256", description="the HMAC's hash; sha256")
    encoding: Literal["hex", "base64"] = Field(default="hex", description="how the signature is written; hex (either case)")
    signed_payload: str = Field(
        default="{body}",
        description="what is signed: text with {body} (the raw body), {timestamp} (as sent), {id}, "
        "{method}, {url} (the URL the provider called) and {form} (a form body's parameters sorted by "
        "name, each name then value); {{ and }} are literal braces. Must hold {body} or {form}, and "
        "{timestamp} when one is read; '{body}'",
    )
    secret_encoding: Literal["utf-8", "base64", "hex"] = Field(
        default="utf-8", description="how the secret becomes the HMAC key: its UTF-8 bytes, or decoded base64 / hex; utf-8"
    )

    @model_validator(mode="after")
    def _combination(self) -> HmacSignature:
        check_hmac(self.settings())
        return self

    def settings(self) -> dict[str, Any]:
        """The settings as the verifier reads them (WEBHOOK_HMAC), defaults left out."""
        return {name: value for name, value in self.model_dump().items() if value != type(self).model_fields[name].default}


class Processing(FrozenProps):
    """What happens behind a source's queue: EventBridge Pipe -> Express workflow that verifies
    each delivery's signature and hands the valid ones to the processing step."""

    scheme: str = Field(
        description="signature scheme the verifier checks: a provider's name (github, stripe, "
        "standard-webhooks (also Svix), shopify, slack, mailgun, basic and the presets listed in the "
        "README) or 'hmac' with `signature` describing it; required"
    )
    signature: HmacSignature | None = Field(
        default=None, description="the HMAC signature's description, with scheme='hmac' only; None"
    )
    signed_url: str | None = Field(
        default=None,
        description="for schemes that sign the URL (twilio, hubspot, square, {url}): the https URL the "
        "provider is configured to call, when it is not what API Gateway sees (a proxy or CDN in front, "
        "a query string the API cannot rebuild byte for byte); None = rebuilt from each request",
    )
    process: ProcessStep = Field(
        description="the step that handles verified deliveries: ProcessCode(code_dir=...) (a "
        "Python Lambda the stack builds), ProcessFunction(function_arn=...) (an existing Lambda) "
        "or ProcessStates(states=...) (states of your own); required"
    )
    public_key: str | None = Field(
        default=None,
        description="for discord, sendgrid and standard-webhooks (whpk_...): the provider's public key, "
        "which is no secret: the verifier takes it from its environment and no Secrets Manager secret "
        "is made or read. None = the key (or a secret) is read from the secret like any scheme's",
    )
    secret_arn: Annotated[str | None, OrToken] = Field(
        default=None,
        description="ARN of an existing Secrets Manager secret holding the signing secret; None = "
        "the stack creates an empty secret whose value you set after deploy (never in state)",
    )
    secret_kms_key_arn: Annotated[str | None, OrToken] = Field(
        default=None,
        description="customer KMS key that encrypts the signing secret: that of an existing "
        "secret_arn, or the key the created secret is encrypted with; the verifier may decrypt "
        "with it. None = the secret uses the AWS managed key",
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
    batch_size: Annotated[int | None, OrToken] = Field(
        default=None,
        ge=1,
        le=PIPE_BATCH_MAX,
        description="most records per workflow execution; None = 10, or on a FIFO source (whose "
        "records run one after another) as many as one execution can finish within "
        "workflow_timeout_seconds, at most 10",
    )
    batch_window_seconds: Annotated[int, OrToken] = Field(
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
    memory_mb: int = Field(default=256, ge=128, le=10240, description="memory of the Lambda functions; 256 MB")
    architecture: Literal["arm64", "x86_64"] = Field(
        default="arm64", description="instruction set of the Lambda functions; arm64 (Graviton)"
    )
    log_retention_days: Annotated[int, OrToken] = Field(
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
    tracing: Annotated[bool, OrToken] = Field(default=False, description="X-Ray tracing of the workflow; False")

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, value: str) -> str:
        known = schemes()
        if value not in known:
            raise ValueError(f"scheme {value!r} is not one the verifier implements: use one of {list(known)}")
        return value

    @model_validator(mode="after")
    def _signature(self) -> Processing:
        if self.scheme == GENERIC_SCHEME and self.signature is None:
            raise ValueError(
                f"scheme={GENERIC_SCHEME!r} needs signature=HmacSignature(signature_header=..., ...): "
                "where the signature is and what it signs"
            )
        if self.scheme != GENERIC_SCHEME and self.signature is not None:
            raise ValueError(
                f"signature is set but scheme={self.scheme!r}: a named scheme has its own; "
                f"set scheme={GENERIC_SCHEME!r} to use yours, or drop signature"
            )
        if self.public_key is not None:
            try:
                check_public_key(self.scheme, self.public_key)
            except ValueError as error:
                raise ValueError(f"public_key: {error}") from None
            given = [name for name in ("secret_arn", "secret_kms_key_arn") if getattr(self, name) is not None]
            if given:
                raise ValueError(
                    f"public_key is set with {' and '.join(given)}: a public key needs no secret; drop {' and '.join(given)}"
                )
        if self.signed_url is not None and not self.signs_url:
            raise ValueError(
                f"signed_url is set but scheme={self.scheme!r} does not sign the URL: drop signed_url "
                "(it is for twilio, hubspot, square and signatures whose signed_payload holds {url})"
            )
        return self

    @field_validator("signed_url")
    @classmethod
    def _signed_url(cls, value: str | None) -> str | None:
        if value is not None and not is_token(value) and (not value.startswith("https://") or len(value) < 12 or " " in value):
            raise ValueError(f"signed_url {value!r} is not an https URL: give it as the provider shows it, e.g. 'https://hooks.example.com/webhooks/twilio'")
        return value

    @property
    def signed_headers(self) -> tuple[str, ...]:
        """The request headers the verifier reads: to be forwarded as message attributes."""
        if self.signature is not None:
            return check_hmac(self.signature.settings())[0]
        return scheme_headers(self.scheme)

    @property
    def signs_url(self) -> bool:
        """Whether the scheme signs the URL the provider called (the API then forwards it)."""
        if self.signature is not None:
            return check_hmac(self.signature.settings())[2]
        return self.scheme in url_schemes()

    @property
    def scheme_delivery_headers(self) -> tuple[str, ...]:
        """The headers in which the provider names a delivery (first present wins)."""
        if self.signature is not None:
            return check_hmac(self.signature.settings())[1]
        return default_delivery_id_headers(self.scheme)

    @field_validator("secret_arn", "secret_kms_key_arn")
    @classmethod
    def _arn(cls, value: str | None, info: Any) -> str | None:
        return _check_arn(info.field_name, value)

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if is_token(value):
            return value
        return check_log_retention("log_retention_days", value)

    @model_validator(mode="after")
    def _budget(self) -> Processing:
        if (
            not any_token(self.batch_size, self.batch_window_seconds)
            and self.batch_size is not None
            and self.batch_size > SQS_UNWINDOWED_BATCH_MAX
            and self.batch_window_seconds == 0
        ):
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
        waits of its retries. A processing Lambda or states of your own (ProcessFunction,
        ProcessStates) are not counted: their time is yours to fit in workflow_timeout_seconds."""
        seconds = self.verifier_timeout_seconds + LAMBDA_RETRY_WAIT_SECONDS
        if isinstance(self.process, ProcessCode):
            seconds += self.process.timeout_seconds + LAMBDA_RETRY_WAIT_SECONDS
        return seconds

    def _record_budget_text(self) -> str:
        parts = [f"verifier_timeout_seconds {self.verifier_timeout_seconds}"]
        if isinstance(self.process, ProcessCode):
            parts.append(f"process.timeout_seconds {self.process.timeout_seconds}")
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
