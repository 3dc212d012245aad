"""The committed Terraform module's variables and their checks: the props' rules, written again
as Terraform `validation` blocks with the same messages.

Pure: no cdktf. `module_command` turns each `Variable` into a `TerraformVariable` and passes its
value (a token) through the constructs as the prop it stands for.

How a message is matched with the Python props' (tests/engines/test_module_rules.py): a props
error reads `WebhookIngestProps.<path>: <problem>[ (got <value>)]`; the module's reads
`<variable path>: <problem>[ (got <value>)]`, where a source's setting is `sources.<name>.<prop>`
(its `processing.` level is flattened into the source) and an alarm's `alarms.<prop>`. Rules
across props are checked only when each prop passed its own checks, as Pydantic runs a
model's validators only on valid fields, so one mistake gives one message on both sides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from .alarm_props import ALARM_WINDOW_MAX_SECONDS, Alarms
from .limits import (
    EXPRESS_MAX_SECONDS,
    IAM_ROLE_NAME_MAX,
    LAMBDA_NAME_MAX,
    LOG_RETENTION_DAYS,
    PIPE_NAME_MAX,
    SQS_QUEUE_NAME_MAX,
    SQS_UNWINDOWED_BATCH_MAX,
    STATE_MACHINE_NAME_MAX,
    VISIBILITY_MARGIN_SECONDS,
)
from .naming import LAMBDA_ROLE_SUFFIX, pipeline_names, queue_names, rejected_queue_name
from .pipeline_props import Processing
from .source_props import WebhookSource
from .webhook_props import KMS_KEY_ARN_PATTERN, MANAGED_ENCRYPTION, WebhookIngestProps

__all__ = ["Check", "Variable", "module_variables", "SOURCE_SETTINGS", "GLOBAL_SETTINGS", "ALARM_SETTINGS"]

# Variables standing for WebhookIngestProps fields (variable name = field name).
GLOBAL_SETTINGS = (
    "throttle_rate_limit",
    "throttle_burst_limit",
    "access_log_retention_days",
    "tracing",
    "manage_account_logging_role",
    "allowed_source_ips",
    "web_acl_arn",
    "api_key_required",
    "queue_encryption",
    "queue_kms_key_arn",
    "log_encryption",
    "log_kms_key_arn",
    "kms_deletion_window_days",
)
# Attributes of `alarms` (Alarms fields, `enabled` excepted: it decides whether alarms exist).
ALARM_SETTINGS = (
    "actions",
    "dlq_messages_threshold",
    "oldest_message_age_seconds",
    "rejections_threshold",
    "failed_executions_threshold",
    "timed_out_executions_threshold",
    "pipe_failures_threshold",
    "api_5xx_threshold",
    "period_seconds",
    "evaluation_periods",
)
# Attributes of `sources.<name>`: (model, field) each stands for.
SOURCE_SETTINGS: dict[str, type[BaseModel]] = {
    "max_receive_count": WebhookSource,
    "retention_seconds": WebhookSource,
    "dlq_retention_seconds": WebhookSource,
    "rejected_retention_seconds": WebhookSource,
    "visibility_timeout_seconds": WebhookSource,
    "throttle_rate_limit": WebhookSource,
    "throttle_burst_limit": WebhookSource,
    "batch_size": Processing,
    "batch_window_seconds": Processing,
    "log_retention_days": Processing,
    "secret_arn": Processing,
    "secret_kms_key_arn": Processing,
}
# Without processing a source has only its queue's settings.
QUEUE_SETTINGS = ("max_receive_count", "retention_seconds", "dlq_retention_seconds", "visibility_timeout_seconds", "throttle_rate_limit", "throttle_burst_limit")

# Settings whose null means "none given" (a created key, no WAF).
NULLABLE = ("web_acl_arn", "queue_kms_key_arn", "log_kms_key_arn")

_RETENTIONS = ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))


@dataclass(frozen=True)
class Check:
    """One rule: `condition` must hold (HCL, without `${}`), else Terraform says `message`
    (an HCL template)."""

    condition: str
    message: str


@dataclass(frozen=True)
class Variable:
    """A module input: its type, default (None = required, or null where `nullable`), text and checks."""

    type: str
    description: str
    default: Any = None
    required: bool = False
    nullable: bool = False
    checks: tuple[Check, ...] = ()
    sensitive: bool = False

    def block(self) -> dict[str, Any]:
        """The Terraform JSON `variable` block."""
        body: dict[str, Any] = {"type": self.type, "description": self.description}
        if not self.required:
            body["default"] = self.default
        body["nullable"] = self.nullable
        if self.checks:
            body["validation"] = [
                {"condition": f"${{{c.condition}}}", "error_message": c.message} for c in self.checks
            ]
        return body


def _hcl(value: Any) -> str:
    """A Python value as an HCL literal (numbers, strings, lists, null)."""
    return json.dumps(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class _FieldRules:
    """The checks Pydantic makes of one number field: whole number, then its bounds."""

    integer: bool
    bounds: tuple[tuple[str, float], ...]

    def checks(self, expr: str) -> list[tuple[str, str]]:
        found = []
        if self.integer:
            found.append((f"floor({expr}) == {expr}", "Input should be a valid integer, got a number with a fractional part"))
        words = {">=": "greater than or equal to", ">": "greater than", "<=": "less than or equal to", "<": "less than"}
        for op, bound in self.bounds:
            found.append((f"{expr} {op} {_number(bound)}", f"Input should be {words[op]} {_number(bound)}"))
        return found


def _field_rules(model: type[BaseModel], name: str) -> _FieldRules:
    info = model.model_fields[name]
    annotation = str(info.annotation)
    integer = "int" in annotation and "float" not in annotation
    ops = {Ge: (">=", "ge"), Gt: (">", "gt"), Le: ("<=", "le"), Lt: ("<", "lt")}
    bounds: list[tuple[str, float]] = []
    for meta in info.metadata:
        for kind, (op, attr) in ops.items():
            if isinstance(meta, kind):
                bounds.append((op, getattr(meta, attr)))
    return _FieldRules(integer=integer, bounds=tuple(bounds))


def _got(expr: str, string: bool = False) -> str:
    return f" (got '${{{expr}}}')" if string else f" (got ${{{expr}}})"


def _valid(checks: Sequence[tuple[str, str]]) -> str:
    return " && ".join(f"({c})" for c, _ in checks) or "true"


def _valid_number(model: type[BaseModel], name: str, expr: str) -> str:
    return _valid(_field_rules(model, name).checks(expr))


# --- per source --------------------------------------------------------------------------


def _and(conditions: Sequence[str]) -> str:
    return " && ".join(f"({c})" for c in conditions) or "true"


def _gated(gate: Sequence[str], condition: str) -> str:
    """`condition` once `gate` holds. A conditional, not `||`: Terraform evaluates both sides of
    `||`, and a condition may fail to evaluate on a value the gate refuses (a null)."""
    return f"({_and(gate)}) ? ({condition}) : true" if gate else condition


def _unless_null(expr: str, condition: str) -> str:
    return f"{expr} == null ? true : ({condition})"


def _format(template: str) -> str:
    """An HCL template (`text ${expr} text`) as a `format()` call, to place inside another
    expression: nested templates would need their quotes escaped by nesting depth."""
    literal, args, i = [], [], 0
    while i < len(template):
        if template.startswith("${", i):
            depth, j, quoted = 1, i + 2, False
            while depth:
                ch = template[j]
                if quoted:
                    if ch == "\\":
                        j += 1
                    elif ch == '"':
                        quoted = False
                elif ch == '"':
                    quoted = True
                elif ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                j += 1
            args.append(template[i + 2 : j - 1])
            literal.append("%s")
            i = j
        else:
            ch = template[i]
            literal.append({"%": "%%", '"': '\\"', "\\": "\\\\"}.get(ch, ch))
            i += 1
    text = '"' + "".join(literal) + '"'
    return f"format({', '.join([text, *args])})" if args else text


def _text(expr: str) -> str:
    """A nullable string in a message: Terraform also evaluates messages of passing checks,
    and a null cannot be interpolated."""
    return f'{expr} == null ? "" : {expr}'


def _quoted_list(expr: str) -> str:
    """Python's repr of a list of strings, in Terraform: ['a', 'b']."""
    return f'[${{join(", ", [for x in {expr} : format("\'%s\'", x)])}}]'


@dataclass
class _Chain:
    """Checks in the order Pydantic makes them: `raw` are the plain conditions so far, whose
    conjunction is what a later rule across fields waits for."""

    checks: list[Check] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    def field(self, found: Sequence[Check], raws: Sequence[str]) -> None:
        self.checks.extend(found)
        self.raw.extend(raws)

    def across(self, condition: str, message: str, gate: Sequence[str] | None = None) -> None:
        """A rule across fields: checked once every earlier check holds."""
        self.checks.append(Check(_gated(self.raw if gate is None else gate, condition), message))
        self.raw.append(condition)


def _numbers(chain: _Chain, model: type[BaseModel], name: str, expr: str, label: str, *, nullable: bool = False) -> None:
    rules = _field_rules(model, name).checks(expr)
    found = []
    for index, (condition, problem) in enumerate(rules):
        earlier = [c for c, _ in rules[:index]]
        rule = _gated(earlier, condition)
        shown = _got(f"{expr} == null ? 0 : {expr}") if nullable else _got(expr)
        found.append(Check(_unless_null(expr, rule) if nullable else rule, f"{label}: {problem}{shown}"))
    valid = _and([c for c, _ in rules])
    chain.field(found, [_unless_null(expr, valid) if nullable else valid] if rules else [])


def _retention_set(chain: _Chain, model: type[BaseModel], name: str, expr: str, label: str) -> None:
    valid = _valid_number(model, name, expr)
    condition = f"contains([{_RETENTIONS}], {expr})"
    chain.checks.append(
        Check(
            _gated([valid], condition),
            f"{label}: {name}=${{{expr}}} is not a retention CloudWatch Logs offers: use one of [{_RETENTIONS}] (got ${{{expr}}})",
        )
    )
    chain.raw.append(condition)


def _source_chain(source: WebhookSource) -> _Chain:
    """Every check of one source, Processing's first (a nested model is validated before the
    source's own rules run), as WebhookSource's validators make them."""
    at = f"var.sources.{source.name}"
    label = f"sources.{source.name}"
    chain = _Chain()
    p = source.processing
    if p is not None:
        for name in ("batch_size", "batch_window_seconds", "log_retention_days"):
            _numbers(chain, Processing, name, f"{at}.{name}", f"{label}.{name}")
        _retention_set(chain, Processing, "log_retention_days", f"{at}.log_retention_days", f"{label}.log_retention_days")
        for name in ("secret_arn", "secret_kms_key_arn"):
            value = f"{at}.{name}"
            arn = _unless_null(value, f'can(regex("^arn:aws[a-zA-Z-]*:[a-z0-9-]+:", {value}))')
            chain.checks.append(
                Check(
                    arn,
                    f"{label}.{name}: {name} '${{{_text(value)}}}' is not an ARN: pass e.g. 'arn:aws:...' or a "
                    f"Terraform reference to one (got '${{{_text(value)}}}')",
                )
            )
            chain.raw.append(arn)
        batch, window = f"{at}.batch_size", f"{at}.batch_window_seconds"
        chain.across(
            f"!({batch} > {SQS_UNWINDOWED_BATCH_MAX} && {window} == 0)",
            f"{label}: batch_size=${{{batch}}} needs batch_window_seconds of at least 1: SQS sources take more than "
            f"{SQS_UNWINDOWED_BATCH_MAX} records only with a batching window",
        )
    for name in ("max_receive_count", "retention_seconds", "dlq_retention_seconds", "rejected_retention_seconds", "visibility_timeout_seconds", "throttle_rate_limit", "throttle_burst_limit"):
        if name == "rejected_retention_seconds" and p is None:
            continue
        _numbers(chain, WebhookSource, name, f"{at}.{name}", f"{label}.{name}", nullable=name == "visibility_timeout_seconds")
    rate, burst = f"{at}.throttle_rate_limit", f"{at}.throttle_burst_limit"
    chain.across(
        f"{burst} >= {rate}",
        f"{label}: throttle_burst_limit=${{{burst}}} is below throttle_rate_limit=${{{rate}}} of source "
        f"'{source.name}': the burst must hold at least one second of the rate",
    )
    if p is not None:
        concurrency = p.concurrency(source.fifo)
        per_record = p.record_worst_case_seconds
        timeout = p.workflow_timeout_seconds
        fits = max(1, timeout // per_record) * concurrency
        how = "one after another (FIFO keeps order)" if source.fifo else f"{concurrency} at a time (max_concurrency)"
        batch, window, vis = f"{at}.batch_size", f"{at}.batch_window_seconds", f"{at}.visibility_timeout_seconds"
        rounds = f"ceil({batch} / {concurrency})"
        chain.across(
            f"{rounds} * {per_record} <= {timeout}",
            f"{label}: workflow_timeout_seconds={timeout} cannot hold a batch of batch_size=${{{batch}}} records run "
            f"{how}: ${{{rounds}}} round(s) of up to {per_record} s each ({p._record_budget_text()}) take "
            f"${{{rounds} * {per_record}}} s; lower batch_size to {fits}, raise workflow_timeout_seconds (at most "
            f"{EXPRESS_MAX_SECONDS})" + ("" if source.fifo else ", or raise max_concurrency") + ", or lower the Lambda timeouts",
        )
        chain.across(
            _unless_null(vis, f"{vis} >= {window} + {timeout}"),
            f"{label}: visibility_timeout_seconds=${{{vis} == null ? 0 : {vis}}} is shorter than the pipe's worst case, "
            f"batch_window_seconds + workflow_timeout_seconds = ${{{window} + {timeout}}} s: raise it to at least "
            f"${{{window} + {timeout}}} (or leave it unset to derive it)",
        )
    visibility = visibility_expression(source, at)
    chain.across(
        f"{at}.retention_seconds >= {visibility}",
        f"{label}: retention_seconds=${{{at}.retention_seconds}} is shorter than the visibility timeout "
        f"(${{{visibility}}} s): messages would expire while being processed; raise retention_seconds",
    )
    chain.across(
        f"{at}.dlq_retention_seconds >= {at}.retention_seconds",
        f"{label}: dlq_retention_seconds=${{{at}.dlq_retention_seconds}} is shorter than retention_seconds="
        f"${{{at}.retention_seconds}}: failed messages could expire on arrival in the DLQ; make "
        "dlq_retention_seconds at least retention_seconds",
    )
    return chain


def source_type(source: WebhookSource) -> str:
    """The HCL object type of one source's settings, each optional with the construct's default."""
    defaults = source_defaults(source)
    kinds = {"secret_arn": "string", "secret_kms_key_arn": "string"}
    attributes = []
    for name, value in defaults.items():
        kind = kinds.get(name, "number")
        attributes.append(f"{name} = optional({kind}, {'null' if value is None else _hcl(value)})")
    return "object({" + ", ".join(attributes) + "})"


def source_defaults(source: WebhookSource) -> dict[str, Any]:
    """What each setting is when the caller leaves it out: the construct's own default."""
    rate, burst = source.throttle
    values: dict[str, Any] = {
        "max_receive_count": source.max_receive_count,
        "retention_seconds": source.retention_seconds,
        "dlq_retention_seconds": source.dlq_retention_seconds,
        # null = derived as the construct derives it (see visibility_expression).
        "visibility_timeout_seconds": source.visibility_timeout_seconds,
        "throttle_rate_limit": rate,
        "throttle_burst_limit": burst,
    }
    p = source.processing
    if p is not None:
        values.update(
            rejected_retention_seconds=source.rejected_retention_seconds,
            batch_size=source.pipe_batch_size,
            batch_window_seconds=p.batch_window_seconds,
            log_retention_days=p.log_retention_days,
            secret_arn=p.secret_arn,
            secret_kms_key_arn=p.secret_kms_key_arn,
        )
    return values


def visibility_expression(source: WebhookSource, settings: str) -> str:
    """The visibility timeout as the construct derives it when unset, over `settings` (the
    source's attribute of var.sources)."""
    p = source.processing
    if source.visibility_timeout_seconds is not None or p is None:
        derived = str(source.visibility_timeout)
    else:
        derived = f"{settings}.batch_window_seconds + {p.workflow_timeout_seconds + VISIBILITY_MARGIN_SECONDS}"
    return f"coalesce({settings}.visibility_timeout_seconds, {derived})"


# --- the whole set -------------------------------------------------------------------------


def _prefix_limits(props: WebhookIngestProps) -> list[tuple[int, str]]:
    """(longest prefix, message) of each derived name, in the order the props check them."""
    limits: list[tuple[int, str]] = []
    for source in props.sources:
        if source.processing is not None:
            names = pipeline_names("P", source.name)
            candidates = [
                (names.verifier, LAMBDA_NAME_MAX),
                (names.processor, LAMBDA_NAME_MAX),
                (names.state_machine, STATE_MACHINE_NAME_MAX),
                (names.pipe, PIPE_NAME_MAX),
                (names.workflow_role, IAM_ROLE_NAME_MAX),
                (names.pipe_role, IAM_ROLE_NAME_MAX),
                *((role, IAM_ROLE_NAME_MAX) for role in names.function_roles),
            ]
            value, limit = min(candidates, key=lambda item: item[1] - len(item[0]))
            suffix = value[1:]
            allowed = limit - (len(value) - len(names.base))
            limits.append(
                (
                    limit - len(suffix),
                    f"resource name '${{var.name_prefix}}{suffix}' is ${{length(var.name_prefix) + {len(suffix)}}} "
                    f"characters, {limit} allowed: shorten name or the source name ('<name>-<source>' may have at "
                    f"most {allowed} characters)",
                )
            )
        queues = list(queue_names("P", source)) + ([rejected_queue_name("P", source)] if source.processing else [])
        for queue in queues:
            suffix = queue[1:]
            limits.append(
                (
                    SQS_QUEUE_NAME_MAX - len(suffix),
                    f"queue name '${{var.name_prefix}}{suffix}' is ${{length(var.name_prefix) + {len(suffix)}}} "
                    f"characters, SQS allows {SQS_QUEUE_NAME_MAX}: shorten name '${{var.name_prefix}}' or source "
                    f"name '{source.name}'",
                )
            )
    return limits


def longest_prefix(props: WebhookIngestProps) -> int:
    """The longest name prefix every derived name allows (at most the props' 40)."""
    return min([40] + [limit for limit, _ in _prefix_limits(props)])


_PREFIX = 'can(regex("^[a-z]([a-z0-9-]*[a-z0-9])?$", var.name_prefix)) && !strcontains(var.name_prefix, "--") && length(var.name_prefix) <= 40'


def _first(conditions_and_messages: Sequence[tuple[str, str]]) -> str:
    """An HCL template: the message of the first failing (condition, message)."""
    rules = ", ".join(f"{{ ok = {c}, message = {_format(m)} }}" for c, m in conditions_and_messages)
    return f"${{concat([for rule in [{rules}] : rule.message if !rule.ok], [\"\"])[0]}}"


def _alarm_chain() -> _Chain:
    chain = _Chain()
    sns = 'can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", a))'
    listed = _quoted_list("var.alarms.actions")
    pattern = f"alltrue([for a in var.alarms.actions : {sns}])"
    message = (
        "alarms.actions: actions entry '${a}' is not an SNS topic ARN: pass e.g. "
        f"'arn:aws:sns:eu-west-1:123456789012:ops-alerts' or a Terraform reference to one (got {listed})"
    )
    chain.checks.append(Check(pattern, f"${{concat([for a in var.alarms.actions : {_format(message)} if !{sns}], [\"\"])[0]}}"))
    unique = "length(var.alarms.actions) == length(distinct(var.alarms.actions))"
    repeated = 'sort(distinct([for x in var.alarms.actions : x if length([for y in var.alarms.actions : y if y == x]) > 1]))'
    chain.checks.append(
        Check(
            _gated([pattern], unique),
            f'alarms.actions: actions lists [${{join(", ", [for a in {repeated} : format("\'%s\'", a)])}}] more than once: '
            f"list each topic once (got {listed})",
        )
    )
    chain.raw += [pattern, unique]
    for name in ALARM_SETTINGS[1:]:
        _numbers(chain, Alarms, name, f"var.alarms.{name}", f"alarms.{name}")
    period = "var.alarms.period_seconds"
    valid = _valid_number(Alarms, "period_seconds", period)
    chain.checks.append(
        Check(
            _gated([valid], f"{period} % 60 == 0"),
            f"alarms.period_seconds: period_seconds=${{{period}}} is not a whole number of minutes: the metrics "
            f"watched are per minute; use 60 or a multiple of 60 (e.g. ${{max(60, floor({period} / 60) * 60)}}) (got ${{{period}}})",
        )
    )
    chain.raw.append(f"{period} % 60 == 0")
    chain.across(
        f"{period} * var.alarms.evaluation_periods <= {ALARM_WINDOW_MAX_SECONDS}",
        "alarms: evaluation_periods=${var.alarms.evaluation_periods} x period_seconds=${var.alarms.period_seconds} = "
        f"${{{period} * var.alarms.evaluation_periods}} s exceeds the one day ({ALARM_WINDOW_MAX_SECONDS} s) "
        "CloudWatch evaluates: lower one of them",
    )
    return chain


def _global_chain() -> tuple[_Chain, dict[str, list[Check]]]:
    """WebhookIngestProps' own fields (variables of their own), and where each check goes."""
    chain = _Chain()
    placed: dict[str, list[Check]] = {}

    def take(name: str) -> None:
        placed.setdefault(name, []).extend(chain.checks)
        chain.checks.clear()

    chain.checks.append(
        Check(
            _PREFIX,
            "name_prefix: name '${var.name_prefix}' is not a valid resource name prefix: use 1-40 lower-case "
            "letters, digits and single '-', starting with a letter (e.g. 'acme-webhooks') (got '${var.name_prefix}')",
        )
    )
    chain.raw.append(_PREFIX)
    take("name_prefix")
    for name in ("throttle_rate_limit", "throttle_burst_limit", "access_log_retention_days"):
        _numbers(chain, WebhookIngestProps, name, f"var.{name}", name)
        take(name)
    _retention_set(chain, WebhookIngestProps, "access_log_retention_days", "var.access_log_retention_days", "access_log_retention_days")
    take("access_log_retention_days")
    cidr = "can(cidrsubnet(c, 0, 0)) && try(cidrsubnet(c, 0, 0) == c, false)"
    listed = _quoted_list("var.allowed_source_ips")
    message = (
        "allowed_source_ips: allowed_source_ips entry '${c}' is not a CIDR range in canonical form: write e.g. "
        f"'192.30.252.0/22' (host bits zero) or '2606:50c0::/32' (got {listed})"
    )
    ips = f"alltrue([for c in var.allowed_source_ips : {cidr}])"
    chain.checks.append(Check(ips, f"${{concat([for c in var.allowed_source_ips : {_format(message)} if !({cidr})], [\"\"])[0]}}"))
    chain.raw.append(ips)
    take("allowed_source_ips")
    acl = _unless_null("var.web_acl_arn", 'can(regex("^arn:aws[a-zA-Z-]*:wafv2:", var.web_acl_arn))')
    chain.checks.append(
        Check(
            acl,
            f"web_acl_arn: web_acl_arn '${{{_text('var.web_acl_arn')}}}' is not a WAFv2 web ACL ARN: pass "
            f"arn:aws:wafv2:<region>:<account>:regional/webacl/... (got '${{{_text('var.web_acl_arn')}}}')",
        )
    )
    chain.raw.append(acl)
    take("web_acl_arn")
    for kind in MANAGED_ENCRYPTION:
        # The choices as the props' Literal lists them (and Pydantic's message names them).
        modes = get_args(WebhookIngestProps.model_fields[f"{kind}_encryption"].annotation)
        mode, arn = f"var.{kind}_encryption", f"var.{kind}_kms_key_arn"
        one_of = f"contains({_hcl(list(modes))}, {mode})"
        chain.checks.append(
            Check(one_of, f"{kind}_encryption: Input should be " + " or ".join(f"'{m}'" for m in modes) + f" (got '${{{mode}}}')")
        )
        chain.raw.append(one_of)
        take(f"{kind}_encryption")
        key = _unless_null(arn, f'can(regex("{KMS_KEY_ARN_PATTERN}", {arn}))')
        shown = f"'${{{_text(arn)}}}'"
        chain.checks.append(
            Check(
                key,
                f"{kind}_kms_key_arn: {kind}_kms_key_arn {shown} is not a KMS key ARN: pass arn:aws:kms:<region>:<account>:key/<key id> "
                f"(not an alias) or a Terraform reference to one (got {shown})",
            )
        )
        chain.raw.append(key)
        take(f"{kind}_kms_key_arn")
    _numbers(chain, WebhookIngestProps, "kms_deletion_window_days", "var.kms_deletion_window_days", "kms_deletion_window_days")
    take("kms_deletion_window_days")
    return chain, placed


def _model_rules(props: WebhookIngestProps, chain: _Chain) -> list[Check]:
    """WebhookIngestProps' rules across fields, in the order of its model validators, once every
    field (alarms and sources whole) is valid: a key only with 'kms', the stage throttle, the
    derived names' lengths, the alarm age. Each waits for the ones before it, as Pydantic stops
    at the first model validator that fails."""
    for kind, managed in MANAGED_ENCRYPTION.items():
        arn, mode = f"var.{kind}_kms_key_arn", f"var.{kind}_encryption"
        chain.across(
            f'{arn} == null || {mode} == "kms"',
            f"{kind}_kms_key_arn='${{{_text(arn)}}}' is set but {kind}_encryption='{managed}': set "
            f"{kind}_encryption='kms' to use the key, or drop {kind}_kms_key_arn",
        )
    chain.across(
        "var.throttle_burst_limit >= var.throttle_rate_limit",
        "throttle_burst_limit=${var.throttle_burst_limit} is below throttle_rate_limit="
        "${var.throttle_rate_limit}: the burst must hold at least one second of the rate",
    )
    limits = _prefix_limits(props)
    longest = longest_prefix(props)
    chain.across(
        f"length(var.name_prefix) <= {longest}",
        _first([(f"length(var.name_prefix) <= {limit}", message) for limit, message in limits]),
    )
    age = "var.alarms.oldest_message_age_seconds"
    rules = [
        (
            f"{age} < var.sources.{s.name}.retention_seconds",
            f"alarms.oldest_message_age_seconds=${{{age}}} is not below source '{s.name}' retention_seconds="
            f"${{var.sources.{s.name}.retention_seconds}}: messages would expire before the alarm fires; lower "
            "the threshold or raise retention_seconds",
        )
        for s in props.sources
    ]
    chain.across(" && ".join(f"({c})" for c, _ in rules), _first(rules))
    return chain.checks


def module_variables(props: WebhookIngestProps) -> dict[str, Variable]:
    """The module's variables for a module made from `props` (its fixed parts: sources, models,
    schemes, FIFO), defaults as the construct's."""
    chain, placed = _global_chain()
    alarms = _alarm_chain()
    sources = [_source_chain(source) for source in props.sources]
    chain.raw += alarms.raw + [c for s in sources for c in s.raw]
    # Rules across variables all sit in name_prefix's validation: Terraform orders validations
    # that read other variables after those variables' own, so they must not form a circle,
    # and no other variable's validation reads another variable.
    placed["name_prefix"] += _model_rules(props, chain)
    longest = longest_prefix(props)
    fields = WebhookIngestProps.model_fields
    kinds = {
        "tracing": "bool",
        "manage_account_logging_role": "bool",
        "api_key_required": "bool",
        "allowed_source_ips": "list(string)",
        **{name: "string" for name in ("web_acl_arn", "queue_encryption", "queue_kms_key_arn", "log_encryption", "log_kms_key_arn")},
    }
    variables: dict[str, Variable] = {
        "name_prefix": Variable(
            "string",
            "Prefix of every resource name (API, queues, roles, functions); unique per account and region. "
            f"Lower-case letters, digits and single '-', at most {longest} characters.",
            required=True,
            checks=tuple(placed["name_prefix"]),
        ),
        "tags": Variable("map(string)", "Tags on every taggable resource.", default={}),
    }
    for name in GLOBAL_SETTINGS:
        default = getattr(props, name)
        description = (
            "X-Ray tracing of the API stage and of every source's workflow; false."
            if name == "tracing"
            else _sentence(fields[name].description or "")
        )
        variables[name] = Variable(
            kinds.get(name, "number"),
            description,
            default=list(default) if isinstance(default, tuple) else default,
            nullable=name in NULLABLE,
            checks=tuple(placed.get(name, ())),
        )
    alarm_defaults: dict[str, Any] = {name: getattr(props.alarms, name) for name in ALARM_SETTINGS}
    alarm_defaults["actions"] = list(alarm_defaults["actions"])
    attributes = ", ".join(
        f"{name} = optional({'list(string)' if name == 'actions' else 'number'}, {_hcl(value)})" for name, value in alarm_defaults.items()
    )
    variables["alarms"] = Variable(
        f"object({{{attributes}}})",
        "The CloudWatch alarms: actions (SNS topic ARNs notified when an alarm fires and when it clears; none = "
        "nobody is notified) and thresholds, each attribute optional with the props' default: "
        + ", ".join(f"{k} {json.dumps(v)}" for k, v in alarm_defaults.items())
        + ".",
        default={},
        checks=tuple(alarms.checks),
    )
    source_types = ", ".join(f"{s.name} = optional({source_type(s)}, {{}})" for s in props.sources)
    described = "; ".join(
        f"{s.name}: " + ", ".join(f"{k} {json.dumps(v)}" for k, v in source_defaults(s).items()) for s in props.sources
    )
    variables["sources"] = Variable(
        f"object({{{source_types}}})",
        "Settings of each source, by source name, each optional with the construct's default "
        "(visibility_timeout_seconds null = derived from the batch window and the workflow timeout; "
        "secret_arn null = a secret is created, whose value you set after apply; secret_kms_key_arn null = "
        "the secret uses the AWS managed key): " + described + ".",
        default={},
        checks=tuple(c for s in sources for c in s.checks),
    )
    return variables


_PYTHON_TO_HCL = {"None": "null", "True": "true", "False": "false"}


def _sentence(text: str) -> str:
    """A props description as a variable's: a sentence, in Terraform's words for null and booleans."""
    text = re.sub(r"\b(None|True|False)\b", lambda m: _PYTHON_TO_HCL[m[1]], text.strip())
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
