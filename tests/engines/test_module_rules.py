"""The committed module's variables refuse what the Python props refuse, with the same message,
and accept what they accept: a differential test, Python props as the oracle, Terraform planning
every case (support.tfplan_cases: mocked AWS provider, one `terraform test` for all cases).

Cases come from walking the props: boundary values of every number field behind a variable (its
Pydantic `Ge/Le/Gt/Lt`), and for every custom validator of the four props models a case that
trips it and a close one that passes (`VALIDATOR_CASES`). A validator of props the module fixes
at generation (not variables) is listed in `NOT_VARIABLES` with the reason; a new validator in
neither fails `test_every_validator_is_mapped` until someone maps it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from constructs_lib.alarm_props import Alarms
from constructs_lib.module_variables import ALARM_SETTINGS, GLOBAL_SETTINGS, SOURCE_SETTINGS, longest_prefix, source_defaults
from constructs_lib.pipeline_props import Processing
from constructs_lib.prop_errors import PropsError, parse_props
from constructs_lib.source_props import WebhookSource
from constructs_lib.webhook_props import WebhookIngestProps
from examples.module_config import props
from support.deployments import COMMITTED_MODULE
from support import prewarm
from support.tfplan_cases import Verdict, normalize, plan_cases

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform")

PROPS = props()
SOURCES = [source.name for source in PROPS.sources]
BASE = {"name_prefix": "acme"}
MODELS: tuple[type[BaseModel], ...] = (WebhookIngestProps, WebhookSource, Processing, Alarms)
SOURCE_FIELDS = [name for name, model in SOURCE_SETTINGS.items() if model is WebhookSource]
PROCESSING_FIELDS = [name for name, model in SOURCE_SETTINGS.items() if model is Processing]

# --- the Python oracle --------------------------------------------------------------------


def python_props(case: Mapping[str, Any]) -> dict[str, Any]:
    """The WebhookIngestProps data a module input (`case` over BASE) stands for."""
    variables = {**BASE, **case}
    tracing = variables.get("tracing", PROPS.tracing)
    top = {name: variables[name] for name in GLOBAL_SETTINGS if name in variables}
    alarms = {**dict(PROPS.alarms), **variables.get("alarms", {})}
    sources = []
    for source in PROPS.sources:
        settings = {**source_defaults(source), **variables.get("sources", {}).get(source.name, {})}
        data = {**dict(source), **{name: settings[name] for name in SOURCE_FIELDS if name in settings}}
        if source.processing is not None:
            data["processing"] = {
                **dict(source.processing),
                **{name: settings[name] for name in PROCESSING_FIELDS},
                "tracing": tracing,
            }
        sources.append(data)
    return {
        **dict(PROPS),
        **top,
        "name": variables["name_prefix"],
        "tags": variables.get("tags", {}),
        "alarms": alarms,
        "sources": sources,
    }


_LINE = re.compile(r"^WebhookIngestProps\.(?P<where>[^:]*): (?P<problem>.*)$", re.S)


def terraform_location(where: str) -> str | None:
    """A props error's location as the module's message prefix (None = no prefix)."""
    parts = where.split(".")
    if parts == ["WebhookIngestProps"]:
        return None
    if parts[0] == "name":
        return "name_prefix"
    if parts[0] == "sources":
        # sources.<index>[.processing][.<field>] -> sources.<name>[.<field>]
        rest = [p for p in parts[2:] if p != "processing"]
        return ".".join(["sources", SOURCES[int(parts[1])], *rest])
    return where


def python_verdict(case: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """(accepted, messages in the module's convention) of the Python props."""
    try:
        parse_props(WebhookIngestProps, python_props(case))
    except PropsError as error:
        lines = str(error).removeprefix("invalid props:\n  ").split("\n  ")
        messages = []
        for line in lines:
            match = _LINE.match(line)
            assert match, line
            prefix = terraform_location(match["where"])
            # Python's repr escapes the control characters Terraform prints as they are (and
            # the harness turns into spaces): compare them as whitespace.
            problem = re.sub(r"\\[ntr]", " ", match["problem"])
            messages.append(normalize(problem if prefix is None else f"{prefix}: {problem}"))
        return False, messages
    return True, []


# --- the cases ----------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def boundary_values(model: type[BaseModel], name: str, default: float | None) -> list[int | float]:
    """Each bound, one either side, a fractional value for whole-number fields, one inside."""
    info = model.model_fields[name]
    annotation = str(info.annotation)
    integer = "int" in annotation and "float" not in annotation
    values: set[float] = set()
    lows, highs = [], []
    for meta in info.metadata:
        for kind, attr in ((Ge, "ge"), (Gt, "gt"), (Le, "le"), (Lt, "lt")):
            if isinstance(meta, kind):
                bound = getattr(meta, attr)
                values.update((bound - 1, bound, bound + 1))
                (lows if kind in (Ge, Gt) else highs).append(bound)
    low = max(lows, default=0)
    high = min(highs, default=low + 100)
    inside = default if default is not None else (low + high) // 2
    values.add(inside)
    if integer:
        values.add(inside + 0.5)
    else:
        values.update((low + 0.5, high - 0.5))
    return sorted(_number(v) for v in values)


def _bounded(model: type[BaseModel], name: str) -> bool:
    return any(isinstance(meta, (Ge, Gt, Le, Lt)) for meta in model.model_fields[name].metadata)


def boundary_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for name in GLOBAL_SETTINGS:
        if _bounded(WebhookIngestProps, name):
            for value in boundary_values(WebhookIngestProps, name, getattr(PROPS, name)):
                cases[f"{name}={value}"] = {name: value}
    for name in ALARM_SETTINGS[1:]:
        for value in boundary_values(Alarms, name, getattr(PROPS.alarms, name)):
            cases[f"alarms.{name}={value}"] = {"alarms": {name: value}}
    for source in PROPS.sources:
        defaults = source_defaults(source)
        for name, model in SOURCE_SETTINGS.items():
            if name not in defaults or not _bounded(model, name):
                continue
            for value in boundary_values(model, name, defaults[name]):
                cases[f"sources.{source.name}.{name}={value}"] = {"sources": {source.name: {name: value}}}
    return cases


def _src(name: str, **settings: Any) -> dict[str, Any]:
    return {"sources": {name: settings}}


ACTION = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# Validator (Model.name) -> cases: at least one that trips it and a close one that passes.
VALIDATOR_CASES: dict[str, dict[str, dict[str, Any]]] = {
    "WebhookIngestProps._name": {
        "name pattern upper": {"name_prefix": "Acme"},
        "name pattern ok": {"name_prefix": "acme-webhooks"},
        "name double dash": {"name_prefix": "acme--webhooks"},
        "name trailing dash": {"name_prefix": "acme-"},
        "name trailing newline": {"name_prefix": "acme\n"},
        "name one letter": {"name_prefix": "a"},
        "name 40": {"name_prefix": "a" * 40},
        "name 41": {"name_prefix": "a" * 41},
    },
    "WebhookIngestProps._access_log_retention": {
        "access log 91": {"access_log_retention_days": 91},
        "access log 90": {"access_log_retention_days": 90},
        "access log 3653": {"access_log_retention_days": 3653},
        "access log 0": {"access_log_retention_days": 0},
    },
    "WebhookIngestProps._cidrs": {
        "cidr host bits": {"allowed_source_ips": ["10.0.0.1/8"]},
        "cidr ok": {"allowed_source_ips": ["10.0.0.0/8", "2606:50c0::/32"]},
        "cidr second bad": {"allowed_source_ips": ["10.0.0.0/8", "192.30.252.1/22"]},
        "cidr upper v6": {"allowed_source_ips": ["2606:50C0::/32"]},
        "cidr no prefix": {"allowed_source_ips": ["10.0.0.0"]},
        "cidr garbage": {"allowed_source_ips": ["not-a-cidr"]},
        "cidr /32": {"allowed_source_ips": ["192.30.252.1/32"]},
    },
    "WebhookIngestProps._web_acl": {
        "web acl bad": {"web_acl_arn": "arn:aws:waf::123456789012:webacl/x"},
        "web acl ok": {"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/y"},
    },
    "WebhookIngestProps._key_arn": {
        "queue key alias": {"queue_encryption": "kms", "queue_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:alias/webhooks"},
        "queue key ok": {"queue_encryption": "kms", "queue_kms_key_arn": KEY},
        "queue key trailing newline": {"queue_encryption": "kms", "queue_kms_key_arn": KEY + "\n"},
        # Digits of another script: RE2's [0-9] refuses them, and so must Python.
        "queue key arabic digits": {"queue_encryption": "kms", "queue_kms_key_arn": KEY.replace("123456789012", "١٢٣٤٥٦٧٨٩٠١٢")},
        "log key id only": {"log_encryption": "kms", "log_kms_key_arn": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        "log key ok": {"log_encryption": "kms", "log_kms_key_arn": KEY.replace("eu-west-1", "us-gov-west-1").replace("aws:", "aws-us-gov:", 1)},
        "both keys bad": {"queue_kms_key_arn": "k1", "log_kms_key_arn": "k2"},
    },
    "WebhookIngestProps._encryption": {
        "queue key without kms": {"queue_kms_key_arn": KEY},
        "queue key with kms": {"queue_encryption": "kms", "queue_kms_key_arn": KEY},
        "queue kms created": {"queue_encryption": "kms"},
        "log key without kms": {"log_kms_key_arn": KEY},
        "log key with kms": {"log_encryption": "kms", "log_kms_key_arn": KEY},
        "both keys without kms": {"queue_kms_key_arn": KEY, "log_kms_key_arn": KEY},
        "log key without kms, queue mode bad": {"queue_encryption": "aes", "log_kms_key_arn": KEY},
        "key without kms, stage burst below rate": {"queue_kms_key_arn": KEY, "throttle_rate_limit": 300, "throttle_burst_limit": 200},
    },
    "WebhookIngestProps._throttle": {
        "stage burst below rate": {"throttle_rate_limit": 300, "throttle_burst_limit": 200},
        "stage burst below fractional rate": {"throttle_rate_limit": 200.5, "throttle_burst_limit": 200},
        "stage burst equals rate": {"throttle_rate_limit": 200, "throttle_burst_limit": 200},
    },
    "WebhookIngestProps._alarm_age": {
        "age at retention": {"alarms": {"oldest_message_age_seconds": 345600}},
        "age below retention": {"alarms": {"oldest_message_age_seconds": 345599}},
        "age at stripe retention": {"alarms": {"oldest_message_age_seconds": 1000}, **_src("stripe", retention_seconds=1000)},
        "age below stripe retention": {"alarms": {"oldest_message_age_seconds": 999}, **_src("stripe", retention_seconds=1000)},
    },
    "WebhookSource._combination": {
        "source burst below rate": _src("github", throttle_rate_limit=1000, throttle_burst_limit=999),
        "source burst below fractional rate": _src("stripe", throttle_rate_limit=100.5, throttle_burst_limit=100),
        "source burst equals rate": _src("github", throttle_rate_limit=1000, throttle_burst_limit=1000),
        "dlq below retention": _src("github", dlq_retention_seconds=345599),
        "dlq equals retention": _src("github", dlq_retention_seconds=345600),
        "retention below derived visibility": _src("github", retention_seconds=89),
        "retention equals derived visibility": _src("github", retention_seconds=90),
        "retention below windowed visibility": _src("stripe", retention_seconds=189, batch_window_seconds=100),
        "retention equals windowed visibility": _src("stripe", retention_seconds=190, batch_window_seconds=100),
        "retention below set visibility": _src("github", retention_seconds=600, visibility_timeout_seconds=601),
        "visibility below pipe": _src("github", visibility_timeout_seconds=59),
        "visibility equals pipe": _src("github", visibility_timeout_seconds=60),
        "visibility below windowed pipe": _src("stripe", visibility_timeout_seconds=69, batch_window_seconds=10),
        "visibility equals windowed pipe": _src("stripe", visibility_timeout_seconds=70, batch_window_seconds=10),
        "batch too large for workflow": _src("github", batch_size=11, batch_window_seconds=1),
        "batch of 20 too large": _src("stripe", batch_size=20, batch_window_seconds=5),
        "batch fits workflow": _src("github", batch_size=10, batch_window_seconds=1),
    },
    "Processing._arn": {
        "secret arn bad": _src("github", secret_arn="my-secret"),
        "secret arn ok": _src("github", secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:x"),
        "secret key arn bad": _src("stripe", secret_kms_key_arn="alias/webhooks"),
        "secret key arn ok": _src("stripe", secret_kms_key_arn=KEY),
        "secret and key arn bad": _src("github", secret_arn="s", secret_kms_key_arn="k"),
    },
    "Processing._retention": {
        "log retention 31": _src("github", log_retention_days=31),
        "log retention 30": _src("github", log_retention_days=30),
        "log retention 0": _src("stripe", log_retention_days=0),
    },
    "Processing._budget": {
        "batch 11 without window": _src("github", batch_size=11, batch_window_seconds=0),
        "batch 10 without window": _src("github", batch_size=10, batch_window_seconds=0),
    },
    "Alarms._actions": {
        "action not sns": {"alarms": {"actions": ["arn:aws:sqs:eu-west-1:123456789012:q"]}},
        "action duplicate": {"alarms": {"actions": [ACTION, ACTION]}},
        "actions ok": {"alarms": {"actions": [ACTION, ACTION + "-2"]}},
    },
    "Alarms._period": {
        "period 90": {"alarms": {"period_seconds": 90}},
        "period 120": {"alarms": {"period_seconds": 120}},
    },
    "Alarms._window": {
        "window over a day": {"alarms": {"evaluation_periods": 289}},
        "window one day": {"alarms": {"evaluation_periods": 288}},
    },
}

NOT_VARIABLES: dict[str, str] = {
    "WebhookIngestProps._stage": "stage_name is fixed at generation",
    "WebhookSource._name": "source names are fixed at generation (the keys of `sources`)",
    "WebhookSource._path": "routes are fixed at generation",
    "WebhookSource._delivery_header": "headers are fixed at generation",
    "WebhookSource._forward_headers": "headers are fixed at generation",
    "WebhookSource._fallback": "group_id_fallback (FIFO) is fixed at generation",
    "WebhookSource._content_types": "the body's content types, like its model, are fixed at generation",
    "WebhookSource._verify_token": "handshakes are fixed at generation",
    "Processing._scheme": "signature schemes are fixed at generation",
    "Processing._signature": "a described signature, public key and signed URL belong to the scheme, fixed at generation",
    "Processing._signed_url": "the signed URL belongs to the scheme, fixed at generation",
}
# Derived names: with this module's sources every derived name fits a 40-character prefix, so
# only the name pattern (40 at most) can refuse a length; duplicate names/routes are fixed.
if longest_prefix(PROPS) >= 40:
    NOT_VARIABLES["WebhookIngestProps._unique"] = (
        "duplicates are fixed at generation; every derived name fits the longest prefix the name rule allows"
    )
else:
    longest = longest_prefix(PROPS)
    VALIDATOR_CASES["WebhookIngestProps._unique"] = {
        "name at derived limit": {"name_prefix": "a" * longest},
        "name over derived limit": {"name_prefix": "a" * (longest + 1)},
    }


# Values of a closed set (Literal fields), which Pydantic checks without a validator of ours.
CHOICE_CASES: dict[str, dict[str, Any]] = {
    "queue mode kms": {"queue_encryption": "kms"},
    "queue mode sqs": {"queue_encryption": "sqs-managed"},
    "queue mode other": {"queue_encryption": "SSE-KMS"},
    "log mode kms": {"log_encryption": "kms"},
    "log mode other": {"log_encryption": "kms "},
    "both modes other": {"queue_encryption": "", "log_encryption": "none"},
    "all keys created": {"queue_encryption": "kms", "log_encryption": "kms", "kms_deletion_window_days": 7},
}


def all_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {"defaults": {}, "tracing on": {"tracing": True}, **CHOICE_CASES}
    cases.update(boundary_cases())
    for table in VALIDATOR_CASES.values():
        for name, case in table.items():
            assert name not in cases, name
            cases[name] = case
    return cases


CASES = all_cases()


def validators() -> set[str]:
    found = set()
    for model in MODELS:
        decorators = model.__pydantic_decorators__
        for name in (*decorators.field_validators, *decorators.model_validators):
            found.add(f"{model.__name__}.{name}")
    return found


# --- the tests ----------------------------------------------------------------------------


def _plan(work: Path) -> dict[str, Verdict]:
    return plan_cases(COMMITTED_MODULE, CASES, work=work, base=BASE)


# Two minutes of `terraform test`: started with the session's other slow set-ups.
prewarm.in_background("module_rules", _plan)


@pytest.fixture(scope="module")
def verdicts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verdict]:
    return prewarm.result(request.config, "module_rules", lambda: _plan(tmp_path_factory.mktemp("module_rules")))  # type: ignore[no-any-return]


def test_every_validator_is_mapped() -> None:
    found = validators()
    unmapped = found - set(VALIDATOR_CASES) - set(NOT_VARIABLES)
    assert not unmapped, f"validators with neither cases nor a reason in NOT_VARIABLES: {sorted(unmapped)}"
    stale = (set(VALIDATOR_CASES) | set(NOT_VARIABLES)) - found
    assert not stale, f"mapped validators that no longer exist: {sorted(stale)}"
    assert not set(VALIDATOR_CASES) & set(NOT_VARIABLES)


def test_each_validator_has_a_refused_and_an_accepted_case() -> None:
    for validator, table in VALIDATOR_CASES.items():
        outcomes = {python_verdict(case)[0] for case in table.values()}
        assert outcomes == {True, False}, f"{validator}: cases only {'accepted' if True in outcomes else 'refused'}"


def test_module_variables_cover_the_props() -> None:
    """The variable values the oracle maps are the ones the module declares."""
    import json

    declared = json.loads((Path(COMMITTED_MODULE) / "variables.tf.json").read_text())["variable"]
    assert set(GLOBAL_SETTINGS) | {"name_prefix", "tags", "alarms", "sources"} == set(declared)


def test_terraform_agrees_with_the_props(verdicts: dict[str, Verdict]) -> None:
    mismatches = []
    for name, case in CASES.items():
        accepted, expected = python_verdict(case)
        verdict = verdicts[name]
        if verdict.accepted != accepted or sorted(verdict.error_messages) != sorted(expected):
            mismatches.append(
                f"case {name!r} {case!r}:\n"
                f"  python    {'accepts' if accepted else 'refuses'}: {sorted(expected)}\n"
                f"  terraform {'accepts' if verdict.accepted else 'refuses'}: {sorted(verdict.error_messages)}"
                + (f"\n  terraform diagnostics: {list(verdict.messages)}" if len(verdict.messages) != len(verdict.error_messages) else "")
            )
    assert not mismatches, f"{len(mismatches)} of {len(CASES)} cases disagree:\n" + "\n".join(mismatches)
