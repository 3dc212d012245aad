"""Props of the webhook constructs: frozen Pydantic models, checked before any resource exists.

Every field has a type, a default and a description that states what the default means.
Checks that span several fields live in model validators and raise one `PropsError` that
names the prop, the bad value and the fix; Pydantic's own errors (a typo in a prop name,
a wrong type) are re-raised as `PropsError` too, so users see one kind of error.
"""

from __future__ import annotations

import re
import types
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["PropsError", "WebhookSource", "WebhookIngestProps", "parse_props"]

# SQS limits (CreateQueue / SendMessage API reference).
SQS_QUEUE_NAME_MAX = 80
SQS_MAX_MESSAGE_ATTRIBUTES = 10
IAM_ROLE_NAME_MAX = 64

_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$")
# API Gateway resource path parts: letters, digits and -._~ (no braces: our routes are static,
# a path parameter would need a mapping the template does not make).
_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
# HTTP header names as API Gateway passes them and SQS accepts as attribute names.
_HEADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_FIELD_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
# SQS: MessageGroupId is 1-128 characters of alphanumerics and punctuation.
_GROUP_FALLBACK = re.compile(r"^[!-~]{1,128}$")
_STAGE = re.compile(r"^[A-Za-z0-9_]{1,128}$")


class PropsError(ValueError):
    """Wrong props: the message names the prop, the value and how to fix it."""


def _frozen() -> ConfigDict:
    return ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class WebhookSource(BaseModel):
    """One webhook provider: its route, the model of its body and its own queue + DLQ."""

    model_config = _frozen()

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
        "sees an empty group id; 'default'",
    )
    delivery_id_header: str | None = Field(
        default=None,
        description="provider header that names a delivery (e.g. X-GitHub-Delivery): forwarded "
        "as a message attribute and, on FIFO, the MessageDeduplicationId; None = FIFO "
        "deduplicates by body content",
    )
    forward_headers: tuple[str, ...] = Field(
        default=(),
        description="further request headers copied to SQS message attributes when present "
        "(at most 10 attributes in all); none",
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
    visibility_timeout_seconds: int = Field(
        default=30,
        ge=0,
        le=12 * 3600,
        description="how long a received message stays hidden from other consumers; 30 s",
    )

    @property
    def route(self) -> str:
        return self.path if self.path is not None else f"/webhooks/{self.name}"

    @property
    def attribute_headers(self) -> tuple[str, ...]:
        """Headers forwarded as message attributes, delivery id first, without duplicates."""
        seen: dict[str, str] = {}
        for header in ((self.delivery_id_header,) if self.delivery_id_header else ()) + self.forward_headers:
            seen.setdefault(header.lower(), header)
        return tuple(seen.values())

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
        if len(self.attribute_headers) > SQS_MAX_MESSAGE_ATTRIBUTES:
            raise ValueError(
                f"{len(self.attribute_headers)} forwarded headers {list(self.attribute_headers)} "
                f"exceed the {SQS_MAX_MESSAGE_ATTRIBUTES} message attributes SQS allows: forward "
                "fewer headers"
            )
        if self.retention_seconds < self.visibility_timeout_seconds:
            raise ValueError(
                f"retention_seconds={self.retention_seconds} is shorter than "
                f"visibility_timeout_seconds={self.visibility_timeout_seconds}: messages would "
                "expire while being processed; raise retention_seconds"
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


class WebhookIngestProps(BaseModel):
    """Props of `WebhookIngest`: one REST API receiving one or more sources."""

    model_config = _frozen()

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

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, 40, f"name {value!r} is not a valid resource name prefix", "acme-webhooks")

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
        for attr, label in (("name", "source names"), ("route", "routes")):
            values = [getattr(source, attr) for source in self.sources]
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(
                    f"duplicate {label} {duplicates}: each source needs its own {attr}; rename or "
                    "set a distinct path"
                )
        for source in self.sources:
            for queue_name in queue_names(self.name, source):
                if len(queue_name) > SQS_QUEUE_NAME_MAX:
                    raise ValueError(
                        f"queue name {queue_name!r} is {len(queue_name)} characters, SQS allows "
                        f"{SQS_QUEUE_NAME_MAX}: shorten name {self.name!r} or source name "
                        f"{source.name!r}"
                    )
        return self


def queue_names(prefix: str, source: WebhookSource) -> tuple[str, str]:
    """Names of a source's queue and DLQ (a FIFO queue's name must end in .fifo)."""
    suffix = ".fifo" if source.fifo else ""
    return f"{prefix}-{source.name}{suffix}", f"{prefix}-{source.name}-dlq{suffix}"


def parse_props(model: type[BaseModel], props: Any) -> Any:
    """Accept a props instance or a dict; re-raise validation errors as one `PropsError`."""
    if isinstance(props, model):
        return props
    try:
        return model.model_validate(props)
    except ValidationError as error:
        raise PropsError(_describe(model, error)) from None


def _describe(model: type[BaseModel], error: ValidationError) -> str:
    items = error.errors()
    # A tuple whose element fails also reports "too short" for itself; the element's own error
    # is the one that says what to fix.
    items = [
        item
        for item in items
        if not (
            item["type"] == "too_short"
            and any(len(other["loc"]) > len(item["loc"]) and other["loc"][: len(item["loc"])] == item["loc"] for other in items)
        )
    ]
    lines = []
    for item in items:
        where = ".".join(str(part) for part in item["loc"]) or model.__name__
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            known = ", ".join(_fields_at(model, item["loc"][:-1]))
            message = f"unknown prop (a typo?); known props: {known}"
        # Model-level checks already name the values; echoing the whole input would bury them.
        quiet = item["type"] in ("missing", "extra_forbidden") or isinstance(item["input"], dict)
        value = "" if quiet else f" (got {item['input']!r})"
        lines.append(f"{model.__name__}.{where}: {message}{value}")
    return "invalid props:\n  " + "\n  ".join(lines)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, str) and part in current.model_fields:
            annotation = current.model_fields[part].annotation
            inner = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                current = annotation
            elif inner:
                current = inner[0]
    return sorted(current.model_fields)


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
