"""Props of `WebhookIngest` (webhook.py): one REST API and its stage, the sources it receives,
encryption, alarms; and their checks across sources (unique names and routes, derived names
within the services' limits).

Pure: no cdktf.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from .alarm_props import Alarms
from .limits import SQS_QUEUE_NAME_MAX, check_log_retention
from .naming import check_name, pipeline_names, queue_names, rejected_queue_name
from .tokens import OrToken, any_token, is_token
from .prop_errors import FrozenProps
from .source_props import WebhookSource

__all__ = ["WebhookIngestProps"]

_STAGE = re.compile(r"^[A-Za-z0-9_]{1,128}$")
# A key ARN, not an alias. ASCII digits, as RE2 reads the pattern: the committed module's
# validation (module_variables) checks with this very pattern.
KMS_KEY_ARN_PATTERN = r"^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$"
_KMS_KEY_ARN = re.compile(KMS_KEY_ARN_PATTERN)
# Each kind of encryption's managed mode, the other mode being 'kms'.
MANAGED_ENCRYPTION = {"queue": "sqs-managed", "log": "cloudwatch-managed"}


class WebhookIngestProps(FrozenProps):
    """Props of `WebhookIngest`: one REST API receiving one or more sources."""

    name: Annotated[str, OrToken] = Field(
        description="prefix of every resource name (API, queues, role); unique per account and "
        "region; required"
    )
    sources: tuple[WebhookSource, ...] = Field(
        min_length=1, description="the webhook sources this API receives; at least one"
    )
    stage_name: str = Field(default="v1", description="API Gateway stage of the endpoint URLs; 'v1'")
    tags: Annotated[dict[str, str], OrToken] = Field(
        default_factory=dict, description="tags on every taggable resource; none"
    )
    throttle_rate_limit: Annotated[float, OrToken] = Field(
        default=100.0,
        gt=0,
        le=10000,
        description="steady requests per second a method of the stage accepts before answering "
        "429, for methods without their own (every source's route has its own: "
        "WebhookSource.throttle_rate_limit); 100",
    )
    throttle_burst_limit: Annotated[int, OrToken] = Field(
        default=200,
        ge=1,
        le=5000,
        description="requests a method of the stage accepts at once above the rate, for methods "
        "without their own; 200",
    )
    access_log_retention_days: Annotated[int, OrToken] = Field(
        default=90,
        description="days the stage's JSON access log and its execution log (a log group the "
        "stack creates, so API Gateway does not create one without retention) are kept; 90",
    )
    execution_log_level: Literal["OFF", "ERROR", "INFO"] = Field(
        default="ERROR",
        description="API Gateway execution logging: ERROR = failed requests only (never bodies); "
        "needs the account's CloudWatch role, see manage_account_logging_role",
    )
    manage_account_logging_role: Annotated[bool, OrToken] = Field(
        default=True,
        description="create the role API Gateway writes logs with and set it in the account's API "
        "Gateway settings (one per account and region); False = it is already set up",
    )
    tracing: Annotated[bool, OrToken] = Field(default=False, description="X-Ray tracing of the stage; False")
    allowed_source_ips: Annotated[tuple[str, ...], OrToken] = Field(
        default=(),
        description="CIDR ranges allowed to call the API (e.g. GitHub's published hook ranges), "
        "enforced by a resource policy; none = any address",
    )
    web_acl_arn: Annotated[str | None, OrToken] = Field(
        default=None, description="WAFv2 web ACL to associate with the stage; None = no WAF"
    )
    api_key_required: Annotated[bool, OrToken] = Field(
        default=False,
        description="require an x-api-key header of the stack's usage plan key (for providers that "
        "can send custom headers); False",
    )
    queue_encryption: Annotated[Literal["sqs-managed", "kms"], OrToken] = Field(
        default="sqs-managed",
        description="how queues and DLQs are encrypted at rest: 'sqs-managed' (SSE-SQS: no key to "
        "manage or pay for, usable by any principal SQS lets in); 'kms' = a customer-managed key "
        "whose policy decides who may read (queue_kms_key_arn, or one created for exactly the API, "
        "pipe and workflow roles and the account)",
    )
    queue_kms_key_arn: Annotated[str | None, OrToken] = Field(
        default=None,
        description="existing customer-managed key for queue_encryption='kms'; its policy must let "
        "the API and workflow roles use kms:GenerateDataKey and kms:Decrypt and the pipe roles "
        "kms:Decrypt (or delegate to IAM); None = a key is created with exactly that policy",
    )
    log_encryption: Annotated[Literal["cloudwatch-managed", "kms"], OrToken] = Field(
        default="cloudwatch-managed",
        description="how every log group (API access, Lambda, workflow, pipe) is encrypted: "
        "'cloudwatch-managed' (CloudWatch Logs' own keys); 'kms' = a customer-managed key "
        "(log_kms_key_arn, or one created for CloudWatch Logs of this account and region)",
    )
    log_kms_key_arn: Annotated[str | None, OrToken] = Field(
        default=None,
        description="existing customer-managed key for log_encryption='kms'; its policy must let "
        "logs.<region>.amazonaws.com use it; None = a key is created with that policy",
    )
    kms_deletion_window_days: Annotated[int, OrToken] = Field(
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
        if is_token(value):
            return value
        return check_name(value, 40, f"name {value!r} is not a valid resource name prefix", "acme-webhooks")

    @field_validator("access_log_retention_days")
    @classmethod
    def _access_log_retention(cls, value: int) -> int:
        if is_token(value):
            return value
        return check_log_retention("access_log_retention_days", value)

    @field_validator("allowed_source_ips")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if is_token(value):
            return value
        for cidr in value:
            if is_token(cidr):
                continue
            # Canonical form only (as Terraform's cidrsubnet(c, 0, 0) == c in the module): a
            # prefix length, host bits zero, IPv6 in lower case and compressed.
            try:
                canonical = str(ipaddress.ip_network(cidr, strict=True)) == cidr
            except ValueError:
                canonical = False
            if not canonical:
                raise ValueError(
                    f"allowed_source_ips entry {cidr!r} is not a CIDR range in canonical form: write e.g. "
                    "'192.30.252.0/22' (host bits zero) or '2606:50c0::/32'"
                )
        return value

    @field_validator("web_acl_arn")
    @classmethod
    def _web_acl(cls, value: str | None) -> str | None:
        if value is not None and not (re.match(r"^arn:aws[a-zA-Z-]*:wafv2:", value) or is_token(value) or value.startswith("${")):
            raise ValueError(
                f"web_acl_arn {value!r} is not a WAFv2 web ACL ARN: pass arn:aws:wafv2:<region>:<account>:regional/webacl/..."
            )
        return value

    @field_validator("queue_kms_key_arn", "log_kms_key_arn")
    @classmethod
    def _key_arn(cls, value: str | None, info: Any) -> str | None:
        # A key ARN, not an alias: IAM grants and CloudWatch Logs' association need the key itself.
        if value is not None and not (_KMS_KEY_ARN.fullmatch(value) or is_token(value) or value.startswith("${")):
            raise ValueError(
                f"{info.field_name} {value!r} is not a KMS key ARN: pass "
                "arn:aws:kms:<region>:<account>:key/<key id> (not an alias) or a Terraform reference to one"
            )
        return value

    @model_validator(mode="after")
    def _encryption(self) -> WebhookIngestProps:
        for kind, managed in MANAGED_ENCRYPTION.items():
            arn, encryption = getattr(self, f"{kind}_kms_key_arn"), getattr(self, f"{kind}_encryption")
            if arn is not None and encryption != "kms" and not any_token(arn, encryption):
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
    def _throttle(self) -> WebhookIngestProps:
        if not any_token(self.throttle_burst_limit, self.throttle_rate_limit) and self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError(
                f"throttle_burst_limit={self.throttle_burst_limit} is below throttle_rate_limit="
                f"{self.throttle_rate_limit:g}: the burst must hold at least one second of the rate"
            )
        return self

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
        if is_token(self.name):
            # The derived names' lengths are Terraform's to check (the module's name_prefix).
            return self
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
