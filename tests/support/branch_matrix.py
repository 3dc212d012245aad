"""The branch matrix: named `WebhookIngest` cases that, together, set every prop of
`WebhookIngestProps`, `WebhookSource`, `Processing` and `Alarms` to a value other than its
default, so every optional branch of the constructs is synthesized by some test
(tests/synth/test_branch_matrix.py asserts what each case must add or change, snapshots each
one and validates them with Terraform).

Only the package's public names are used (`from constructs_lib import ...`), so the matrix
needs no edit when the library's modules move: it is the before/after proof of a refactor.

The cases share one stack, each a `WebhookIngest` whose construct ID is the case's name and
whose `name` prop is its own, so one synth and one `terraform init` serve them all. API
Gateway's logging role is one setting per account and region: only the `defaults` case
manages it (the prop's default), every other case says `manage_account_logging_role=False`,
as a second stack of one account must.

Raw bytes, for a diff before and after a change (`diff -r before after`):

    PYTHONPATH=tests:. .venv/bin/python -m support.branch_matrix OUTDIR

writes the app's synth output into OUTDIR (which must not exist, or be empty): for each stack
`stacks/<stack>/cdk.tf.json` and its Lambda zips under `stacks/<stack>/assets/`, plus
`cases.json`, which names the stack and construct path of each case.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict


def _jsii_environment() -> None:
    """What `make synth` sets for jsii, for a run by hand: before jsii starts, which is when
    the constructs are first imported."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    if "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" not in os.environ:
        from support.synth import node_major

        os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = node_major()


if __name__ == "__main__":
    _jsii_environment()

from constructs_lib import (
    Alarms,
    HmacSignature,
    ProcessCode,
    Processing,
    ProcessFunction,
    ProcessStates,
    WebhookIngest,
    WebhookIngestProps,
    WebhookSource,
    WebhookStack,
)

if TYPE_CHECKING:
    from cdktf import App

STACK = "branch-matrix"
# The processing Lambda of the ProcessCode cases: the matrix's own, not the example's.
PROCESSOR = Path(__file__).resolve().parent / "matrix_processor"

# Existing resources the props can name; well-formed, never deployed.
ACCOUNT = "123456789012"
WEB_ACL_ARN = f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:regional/webacl/hooks/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
QUEUE_KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
LOG_KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/66666666-7777-8888-9999-000000000000"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:hooks/stripe-AbCdEf"
SECRET_KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SIGNED_URL = "https://hooks.example.com/acme/webhooks/events"
# RFC 8032's first test key: a valid Ed25519 public key, as Discord shows an application's.
DISCORD_PUBLIC_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
PROCESS_FUNCTION_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:orders-process"
TABLE_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/deliveries"
TOPIC_ARNS = (f"arn:aws:sns:eu-west-1:{ACCOUNT}:ops-alerts", f"arn:aws:sns:eu-west-1:{ACCOUNT}:on-call")
ALLOWED_CIDRS = ("192.30.252.0/22", "2606:50c0::/32")
TAGS = {"team": "payments", "cost-center": "cc-42"}

# Processing as states of one's own: store the verified event in a table.
PROCESS_STATES: dict[str, Any] = {
    "StartAt": "Store",
    "States": {
        "Store": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {
                "TableName": "deliveries",
                "Item": {"id": {"S.$": "$.messageId"}, "event": {"S.$": "States.JsonToString($.event)"}},
            },
            "End": True,
        }
    },
}
PROCESS_POLICY_STATEMENT = {"Sid": "StoreDeliveries", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN}


class Repository(BaseModel):
    model_config = ConfigDict(strict=True)
    full_name: str


class Delivery(BaseModel):
    """The body every case's sources accept; `repository.full_name` orders the FIFO case."""

    model_config = ConfigDict(strict=True)
    id: str
    action: str
    repository: Repository | None = None


@dataclass(frozen=True)
class Case:
    """One `WebhookIngest` of the matrix: `name` is its construct ID (and snapshot name)."""

    name: str
    covers: str
    props: WebhookIngestProps
    stack: str = STACK


def _source(name: str = "hooks", **props: Any) -> WebhookSource:
    return WebhookSource(name=name, model=Delivery, **props)


def _processing(**props: Any) -> Processing:
    """A verify + process pipeline; a Lambda of one's own unless the case says otherwise."""
    props.setdefault("process", ProcessFunction(function_arn=PROCESS_FUNCTION_ARN))
    return Processing(**{"scheme": "github", **props})


def _props(name: str, *sources: WebhookSource, **props: Any) -> WebhookIngestProps:
    """Props of a case that shares the stack's account logging role (see the module doc)."""
    props.setdefault("manage_account_logging_role", False)
    return WebhookIngestProps(name=f"bm-{name}", sources=sources or (_source(),), **props)


CASES: tuple[Case, ...] = (
    Case(
        "defaults",
        "every prop at its default: the baseline, and the one case that manages the account's logging role",
        WebhookIngestProps(name="bm-defaults", sources=(_source(),)),
    ),
    Case(
        "processing-defaults",
        "processing with ProcessCode and every other Processing prop at its default: the processing baseline",
        _props("processing-defaults", _source(processing=_processing(process=ProcessCode(code_dir=PROCESSOR)))),
    ),
    Case(
        "api-key",
        "api_key_required; a source's own throttle_rate_limit and throttle_burst_limit, which the usage plan keeps",
        _props(
            "api-key",
            _source("limited", throttle_rate_limit=50.0, throttle_burst_limit=60),
            _source("open"),
            api_key_required=True,
        ),
    ),
    Case(
        "stage",
        "stage_name, the stage's throttle_rate_limit and throttle_burst_limit, access_log_retention_days, "
        "execution_log_level=INFO, tracing",
        _props(
            "stage",
            stage_name="live",
            throttle_rate_limit=20.0,
            throttle_burst_limit=40,
            access_log_retention_days=14,
            execution_log_level="INFO",
            tracing=True,
        ),
    ),
    Case("execution-logs-off", "execution_log_level=OFF", _props("execution-logs-off", execution_log_level="OFF")),
    Case("source-ips", "allowed_source_ips", _props("source-ips", allowed_source_ips=ALLOWED_CIDRS)),
    Case("web-acl", "web_acl_arn", _props("web-acl", web_acl_arn=WEB_ACL_ARN)),
    Case(
        "existing-keys",
        "queue_encryption=kms with queue_kms_key_arn, log_encryption=kms with log_kms_key_arn (with processing)",
        _props(
            "existing-keys",
            _source(processing=_processing()),
            queue_encryption="kms",
            queue_kms_key_arn=QUEUE_KEY_ARN,
            log_encryption="kms",
            log_kms_key_arn=LOG_KEY_ARN,
        ),
    ),
    Case(
        "tags",
        "tags on every taggable resource (created keys, API key, functions, workflow, pipe, secret, alarms); "
        "kms_deletion_window_days",
        _props(
            "tags",
            _source(processing=_processing(process=ProcessCode(code_dir=PROCESSOR))),
            tags=TAGS,
            api_key_required=True,
            queue_encryption="kms",
            log_encryption="kms",
            kms_deletion_window_days=7,
        ),
    ),
    Case(
        "fifo",
        "fifo, group_id_field, group_id_fallback, delivery_id_header, forward_headers, path",
        _props(
            "fifo",
            _source(
                "ordered",
                path="/hooks/ordered",
                fifo=True,
                group_id_field="repository.full_name",
                group_id_fallback="no-repository",
                delivery_id_header="X-Delivery-Id",
                forward_headers=("X-Event-Kind",),
            ),
        ),
    ),
    Case(
        "queue-limits",
        "max_receive_count, retention_seconds, dlq_retention_seconds, visibility_timeout_seconds, max_body_bytes",
        _props(
            "queue-limits",
            _source(
                max_receive_count=2,
                retention_seconds=3600,
                dlq_retention_seconds=7200,
                visibility_timeout_seconds=120,
                max_body_bytes=65536,
            ),
        ),
    ),
    Case(
        "process-function",
        "ProcessFunction; secret_json_key, tolerance_seconds; delivery_id_header with processing",
        _props(
            "process-function",
            _source(
                delivery_id_header="Idempotency-Key",
                processing=_processing(
                    scheme="stripe",
                    process=ProcessFunction(function_arn=PROCESS_FUNCTION_ARN),
                    secret_json_key="signing",
                    tolerance_seconds=600,
                ),
            ),
        ),
    ),
    Case(
        "process-states",
        "ProcessStates with policy_statements",
        _props(
            "process-states",
            _source(processing=_processing(process=ProcessStates(states=PROCESS_STATES, policy_statements=(PROCESS_POLICY_STATEMENT,)))),
        ),
    ),
    Case(
        "hmac-signature",
        "Processing.signature (the generic scheme, signing the URL), Processing.signed_url",
        _props(
            "hmac-signature",
            _source(
                processing=_processing(
                    scheme="hmac",
                    signature=HmacSignature(
                        signature_header="X-Acme-Signature",
                        signature_format="key-value",
                        timestamp_key="t",
                        signature_key="v1",
                        id_header="X-Acme-Delivery",
                        signed_payload="{timestamp}.{url}.{body}",
                        algorithm="sha512",
                        encoding="base64",
                    ),
                    signed_url=SIGNED_URL,
                ),
            ),
        ),
    ),
    Case(
        "public-key",
        "Processing.public_key (an asymmetric scheme without a secret)",
        _props("public-key", _source(processing=_processing(scheme="discord", public_key=DISCORD_PUBLIC_KEY))),
    ),
    Case(
        "raw-bodies",
        "WebhookSource.content_types: a FIFO source (high throughput) of form and XML bodies without a model, and one beside a model",
        _props(
            "raw-bodies",
            WebhookSource(
                name="forms",
                model=None,
                content_types=("application/x-www-form-urlencoded", "application/xml"),
                fifo=True,
                fifo_high_throughput=True,
                delivery_id_header="X-Delivery",
            ),
            _source("mixed", content_types=("text/plain",)),
        ),
    ),
    Case(
        "handshakes",
        "WebhookSource.handshake (meta, graph, dropbox) and verify_token",
        _props(
            "handshakes",
            _source("meta", handshake="meta", verify_token="meta-verify-token"),
            _source("graph", handshake="graph"),
            _source("dropbox", handshake="dropbox"),
        ),
    ),
    Case(
        "existing-secret",
        "secret_arn with secret_kms_key_arn",
        _props("existing-secret", _source(processing=_processing(secret_arn=SECRET_ARN, secret_kms_key_arn=SECRET_KEY_ARN))),
    ),
    Case(
        "pipeline-tuning",
        "batch_size, batch_window_seconds, max_concurrency, workflow_timeout_seconds, verifier_timeout_seconds, "
        "ProcessCode.timeout_seconds, memory_mb, architecture, log_retention_days; rejected_retention_seconds",
        _props(
            "pipeline-tuning",
            _source(
                rejected_retention_seconds=86400,
                processing=_processing(
                    process=ProcessCode(code_dir=PROCESSOR, timeout_seconds=5),
                    batch_size=20,
                    batch_window_seconds=5,
                    max_concurrency=20,
                    workflow_timeout_seconds=90,
                    verifier_timeout_seconds=3,
                    memory_mb=512,
                    architecture="x86_64",
                    log_retention_days=7,
                ),
            ),
        ),
    ),
    Case(
        "workflow-logging",
        "workflow_log_level, log_execution_data, pipe_log_level, Processing.tracing",
        _props(
            "workflow-logging",
            _source(processing=_processing(workflow_log_level="ALL", log_execution_data=True, pipe_log_level="INFO", tracing=True)),
        ),
    ),
    Case(
        "alarms",
        "Alarms: actions, every threshold, period_seconds, evaluation_periods (with processing: all seven alarms)",
        _props(
            "alarms",
            _source(processing=_processing()),
            alarms=Alarms(
                actions=TOPIC_ARNS,
                dlq_messages_threshold=3,
                oldest_message_age_seconds=600,
                rejections_threshold=4,
                failed_executions_threshold=5,
                timed_out_executions_threshold=6,
                pipe_failures_threshold=7,
                api_5xx_threshold=8,
                period_seconds=120,
                evaluation_periods=3,
            ),
        ),
    ),
    Case("alarms-off", "Alarms.enabled=False", _props("alarms-off", _source(processing=_processing()), alarms=Alarms(enabled=False))),
)


def cases_by_name() -> dict[str, Case]:
    found = {case.name: case for case in CASES}
    assert len(found) == len(CASES), "case names are construct IDs: each must be unique"
    return found


def stack_names() -> list[str]:
    return sorted({case.stack for case in CASES})


def build(app: App) -> dict[str, WebhookStack]:
    """Every case added to `app`: the stacks by name."""
    stacks: dict[str, WebhookStack] = {}
    for case in CASES:
        if case.stack not in stacks:
            stacks[case.stack] = WebhookStack(app, case.stack)
        WebhookIngest(stacks[case.stack], case.name, case.props)
    return stacks


# --- one case's part of a synthesized stack ----------------------------------------------


def _path(body: Mapping[str, Any]) -> str:
    path: str = body["//"]["metadata"]["path"]
    return path


def _leaves(tree: Any) -> Iterator[str]:
    if isinstance(tree, Mapping):
        for value in tree.values():
            yield from _leaves(value)
    else:
        yield tree


def _owned_outputs(document: Mapping[str, Any], stack: str, construct_id: str) -> set[str]:
    """Logical IDs of the outputs made under `<stack>/<construct_id>` (cdktf lists them in the
    document's `//` metadata by construct path)."""
    return set(_leaves(document.get("//", {}).get("outputs", {}).get(stack, {}).get(construct_id, {})))


def case_document(document: Mapping[str, Any], stack: str, case: str) -> dict[str, Any]:
    """The resources, data sources and outputs that case `case` made in a synthesized stack,
    in the document's own shape (so `constructs_lib.testing` helpers work on it)."""
    prefix = f"{stack}/{case}/"
    part: dict[str, Any] = {}
    for section in ("resource", "data"):
        for kind, items in document.get(section, {}).items():
            for logical_id, body in items.items():
                if _path(body).startswith(prefix):
                    part.setdefault(section, {}).setdefault(kind, {})[logical_id] = body
    outputs = _owned_outputs(document, stack, case)
    if outputs:
        part["output"] = {name: body for name, body in document.get("output", {}).items() if name in outputs}
    return part


def shell_document(document: Mapping[str, Any], stack: str, cases: list[str]) -> dict[str, Any]:
    """What the stack holds besides its cases: provider, backend, variables, and anything no
    case owns (which should be nothing else)."""
    owned = {case_id: case_document(document, stack, case_id) for case_id in cases}
    shell: dict[str, Any] = {}
    for key, value in document.items():
        if key in ("resource", "data", "output"):
            rest: dict[str, Any] = {}
            for kind, items in value.items():
                if key == "output":
                    if not any(kind in part.get("output", {}) for part in owned.values()):
                        rest[kind] = items
                    continue
                left = {
                    logical_id: body
                    for logical_id, body in items.items()
                    if not any(logical_id in part.get(key, {}).get(kind, {}) for part in owned.values())
                }
                if left:
                    rest[kind] = left
            if rest:
                shell[key] = rest
        elif key == "//":
            shell[key] = {k: v for k, v in value.items() if k != "outputs"}
        else:
            shell[key] = value
    return shell


# --- raw bytes, by hand ----------------------------------------------------------------------


def dump(outdir: Path) -> list[Path]:
    """Synthesize the matrix into `outdir` as `cdktf synth` would; returns the files written."""
    outdir = Path(outdir)
    if outdir.exists() and any(outdir.iterdir()):
        raise SystemExit(f"{outdir} is not empty: give a new folder, so no file of an earlier dump is diffed")
    from cdktf import App

    app = App(outdir=str(outdir))
    build(app)
    app.synth()
    cases = {case.name: {"stack": case.stack, "construct_path": f"{case.stack}/{case.name}", "covers": case.covers} for case in CASES}
    (outdir / "cases.json").write_text(json.dumps(cases, indent=2, sort_keys=True) + "\n")
    return sorted(path for path in outdir.rglob("*") if path.is_file())


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: PYTHONPATH=tests:. python -m support.branch_matrix OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    for path in dump(outdir):
        print(path.relative_to(outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
