"""Cost per million deliveries, per stage, computed from a synthesized stack's configuration and
AWS list prices (one table, PRICES, each price with its source).

Pure: reads the Terraform JSON as a dict. `python -m bench.costs <cdktf.out>` prints the README
table; tests/synth/test_costs_readme.py fails when the README's table is stale.

What is read from the stack: the API's routes (and which go through the edge function), each
source queue (standard or FIFO), its pipe's batch size and log level, its state machine's
definition size and log level, each function's memory and architecture, and the keys, alarms
and secrets (monthly, spread over the monthly volume).

What is assumed (ASSUMPTIONS, shown beside the table): the volume, the body size, how long each
function runs per record, full batches (traffic keeps the pipe's batches full; at a trickle
batches are smaller and the per-batch stages cost more per delivery), and the size of a log line.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_lib.testing import json_document

# us-east-1 list prices. Source: the service's AWS pricing page, read 2026-11-30; where the
# stored copy of that page held no figures, the price is from the page named in the note.
PRICES: dict[str, tuple[float, str]] = {
    "api_rest_per_request": (3.50e-6, "API Gateway REST, first 333M/month: $3.50 per million (AWS whitepaper 'Best practices for API Gateway private APIs', cost optimization)"),
    "api_http_per_request": (1.00e-6, "API Gateway HTTP API, first 300M/month: $1.00 per million (same whitepaper)"),
    "sqs_standard_per_request": (0.40e-6, "SQS standard: $0.40 per million requests, each 64 KB chunk a request (aws.amazon.com/sqs/pricing, via cloudburn.io, Mar 2026)"),
    "sqs_fifo_per_request": (0.50e-6, "SQS FIFO: $0.50 per million requests (same)"),
    "pipes_per_request": (0.40e-6, "EventBridge Pipes: $0.40 per million requests after filtering, 64 KB chunks (aws.amazon.com/eventbridge/pricing, via cloudburn.io, Mar 2026)"),
    "express_per_request": (1.00e-6, "Step Functions Express: $1.00 per million requests (aws.amazon.com/step-functions/pricing)"),
    "express_per_gb_second": (0.06 / 3600, "Express duration: $0.06 per GB-hour, first 1,000 GB-hours, billed per 100 ms in 64 MB steps (same page)"),
    "lambda_per_request": (0.20e-6, "Lambda: $0.20 per million requests (aws.amazon.com/lambda/pricing, via cloudchipr.com, 2024)"),
    "lambda_arm64_per_gb_second": (0.0000133334, "Lambda arm64: $0.0000133334 per GB-second, billed per ms (same)"),
    "lambda_x86_64_per_gb_second": (0.0000166667, "Lambda x86_64: $0.0000166667 per GB-second (same)"),
    "logs_per_gb": (0.50, "CloudWatch Logs ingestion: $0.50 per GB (aws.amazon.com/cloudwatch/pricing, via factualminds.com, Jun 2026)"),
    "kms_key_per_month": (1.00, "KMS: $1 per customer-managed key per month (aws.amazon.com/kms/pricing, via wring.co, Mar 2026)"),
    "alarm_per_month": (0.10, "CloudWatch: $0.10 per standard-resolution metric alarm per month (aws.amazon.com/cloudwatch/pricing; not confirmed from a stored copy)"),
    "secret_per_month": (0.40, "Secrets Manager: $0.40 per secret per month (aws.amazon.com/secrets-manager/pricing; not confirmed from a stored copy)"),
}


@dataclass(frozen=True)
class Assumptions:
    deliveries_per_month: int = 10_000_000
    body_kb: float = 2.0
    verify_ms: float = 5.0  # bench: ~2 ms for HMAC schemes, ~4 ms Ed25519; plus the handler
    process_ms: float = 20.0  # the example processor; yours may take longer
    edge_ms: float = 30.0  # one SQS SendMessage from the function
    access_log_kb: float = 0.6  # one JSON access-log line (api.ACCESS_LOG_FORMAT)
    function_log_kb: float = 0.25  # the verifier's one JSON line per record
    workflow_log_kb_per_record_all: float = 6.0  # level ALL: about a dozen events per record


ASSUMPTIONS = Assumptions()


def price(name: str) -> float:
    return PRICES[name][0]


@dataclass
class SourceCost:
    """Dollars per delivery, by stage."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, dollars: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + dollars


STAGES = ("api", "edge", "queue", "pipe", "workflow", "functions", "logs", "keys, alarms, secrets")


def _resources(stack: Mapping[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.get("resource", {}).get(kind, {})
    return found


def _routes(stack: Mapping[str, Any]) -> dict[str, bool]:
    """Each POST route of the API, and whether it goes through the edge function."""
    routes: dict[str, bool] = {}
    for api in _resources(stack, "aws_api_gateway_rest_api").values():
        body = json_document(api["body"])
        for path, methods in body["paths"].items():
            if "post" in methods:
                routes[path] = ":lambda:path/" in methods["post"]["x-amazon-apigateway-integration"]["uri"]
    return routes


def _function(stack: Mapping[str, Any], suffix: str, base: str) -> Mapping[str, Any] | None:
    for function in _resources(stack, "aws_lambda_function").values():
        if function["function_name"] == f"{base}-{suffix}":
            return function
    return None


def _lambda_cost(function: Mapping[str, Any], milliseconds: float) -> float:
    rate = price(f"lambda_{function['architectures'][0]}_per_gb_second")
    return price("lambda_per_request") + function["memory_size"] / 1024 * math.ceil(milliseconds) / 1000 * rate


def source_cost(stack: Mapping[str, Any], base: str, edge: bool, a: Assumptions = ASSUMPTIONS) -> SourceCost:
    """Dollars per delivery of the source whose resources are named `base` (`<name>-<source>`)."""
    cost = SourceCost()
    cost.add("api", price("api_rest_per_request"))
    cost.add("logs", a.access_log_kb / 1024**2 * price("logs_per_gb"))
    queues = _resources(stack, "aws_sqs_queue")
    queue = next(q for q in queues.values() if q["name"] in (base, base + ".fifo"))
    per_request = price("sqs_fifo_per_request" if queue.get("fifo_queue") else "sqs_standard_per_request")
    chunks = math.ceil(a.body_kb / 64)
    cost.add("queue", chunks * per_request)  # SendMessage
    if edge:
        function = _function(stack, "edge", base)
        assert function is not None, base
        cost.add("edge", _lambda_cost(function, a.edge_ms))
        cost.add("logs", a.function_log_kb / 1024**2 * price("logs_per_gb"))
    pipe = next((p for p in _resources(stack, "aws_pipes_pipe").values() if p["name"] == base), None)
    if pipe is None:
        return cost  # ingest only: you consume the queue
    batch = pipe["source_parameters"]["sqs_queue_parameters"]["batch_size"]
    cost.add("queue", 2 * chunks * per_request / batch)  # ReceiveMessage and DeleteMessageBatch per batch
    cost.add("pipe", math.ceil(batch * a.body_kb / 64) * price("pipes_per_request") / batch)
    machine = next(m for m in _resources(stack, "aws_sfn_state_machine").values() if m["name"] == base)
    definition_kb = len(machine["definition"]) / 1024
    # Step Functions' documented estimate: 50 MB + the definition + the execution data.
    memory_mb = 50 + (definition_kb + batch * a.body_kb * 2) / 1024
    billed_gb = math.ceil(memory_mb / 64) * 64 / 1024
    verify, process = _function(stack, "verify", base), _function(stack, "process", base)
    per_record_ms = a.verify_ms + (a.process_ms if process is not None else 0) + 20  # + Step Functions' own transitions
    ordered = bool(queue.get("fifo_queue"))
    duration_s = (batch if ordered else 1) * per_record_ms / 1000
    billed_s = math.ceil(duration_s / 0.1) * 0.1
    cost.add("workflow", (price("express_per_request") + billed_gb * billed_s * price("express_per_gb_second")) / batch)
    if verify is not None:
        cost.add("functions", _lambda_cost(verify, a.verify_ms))
        cost.add("logs", a.function_log_kb / 1024**2 * price("logs_per_gb"))
    if process is not None:
        cost.add("functions", _lambda_cost(process, a.process_ms))
    if machine.get("logging_configuration", {}).get("level") == "ALL":
        cost.add("logs", a.workflow_log_kb_per_record_all / 1024**2 * price("logs_per_gb"))
    return cost


def stack_cost(stack: Mapping[str, Any], a: Assumptions = ASSUMPTIONS) -> dict[str, float]:
    """Dollars per million deliveries by stage, the month's deliveries spread evenly over the
    stack's sources; monthly items (keys, alarms, secrets) spread over the month's deliveries."""
    routes = _routes(stack)
    queues = _resources(stack, "aws_sqs_queue")
    sources: list[tuple[str, bool]] = []
    for q in queues.values():
        if "redrive_policy" in q:  # a source queue (DLQs and rejected queues have none)
            base = q["name"].removesuffix(".fifo")
            edge = _function(stack, "edge", base) is not None
            sources.append((base, edge))
    assert len(sources) == len(routes), (sources, routes)
    total: dict[str, float] = {stage: 0.0 for stage in STAGES}
    for base, edge in sources:
        for stage, dollars in source_cost(stack, base, edge, a).stages.items():
            total[stage] += dollars / len(sources)
    monthly = (
        len(_resources(stack, "aws_kms_key")) * price("kms_key_per_month")
        + len(_resources(stack, "aws_cloudwatch_metric_alarm")) * price("alarm_per_month")
        + len(_resources(stack, "aws_secretsmanager_secret")) * price("secret_per_month")
    )
    total["keys, alarms, secrets"] += monthly / a.deliveries_per_month
    return {stage: dollars * 1_000_000 for stage, dollars in total.items()}


def seed_designs(a: Assumptions = ASSUMPTIONS) -> dict[str, dict[str, float]]:
    """The same computation for designs we do not build, per million deliveries:
    - the CDK article's: API -> SQS -> a pipe with batches of one -> one Express execution per
      message, its Lambda at 128 MB (x86_64) for the same work as our verify + process;
    - an edge Lambda: API -> a Lambda (128 MB, x86_64, the SendMessage call) -> SQS, then our
      pipeline (batches of 10) behind it."""
    def lam(memory_mb: int, ms: float, arch: str = "x86_64") -> float:
        return _lambda_cost({"memory_size": memory_mb, "architectures": [arch]}, ms)

    chunks = math.ceil(a.body_kb / 64)
    log = a.access_log_kb / 1024**2 * price("logs_per_gb")
    sqs = price("sqs_standard_per_request")
    express_one = price("express_per_request") + 64 / 1024 * math.ceil((a.verify_ms + a.process_ms + 20) / 100) * 0.1 * price("express_per_gb_second")
    cdk = {
        "api": price("api_rest_per_request"),
        "edge": 0.0,
        "queue": 3 * chunks * sqs,
        "pipe": chunks * price("pipes_per_request"),
        "workflow": express_one,
        "functions": lam(128, a.verify_ms + a.process_ms),
        "logs": log,
        "keys, alarms, secrets": 0.0,
    }
    batch = 10
    edge_lambda = {
        "api": price("api_rest_per_request"),
        "edge": lam(128, a.edge_ms),
        "queue": chunks * sqs + 2 * chunks * sqs / batch,
        "pipe": math.ceil(batch * a.body_kb / 64) * price("pipes_per_request") / batch,
        "workflow": (price("express_per_request") + 64 / 1024 * math.ceil((a.verify_ms + a.process_ms + 20) / 100) * 0.1 * price("express_per_gb_second")) / batch,
        "functions": lam(256, a.verify_ms, "arm64") + lam(256, a.process_ms, "arm64"),
        "logs": log + a.function_log_kb / 1024**2 * price("logs_per_gb"),
        "keys, alarms, secrets": 0.0,
    }
    return {
        "CDK article: one Express execution per message": {k: v * 1_000_000 for k, v in cdk.items()},
        "edge Lambda in front of the queue": {k: v * 1_000_000 for k, v in edge_lambda.items()},
    }


# Hosted webhook gateways' published prices: (name, dollars for a month of
# `deliveries_per_month`, source). Only what a page states; plan prices that do not say what
# they include per event are not turned into a per-event figure of ours.
def hosted(a: Assumptions = ASSUMPTIONS) -> list[tuple[str, float, str]]:
    days = 30
    safegate_free = 1_000 * days
    return [
        (
            "SafeGate Webhooks, incoming",
            max(0, a.deliveries_per_month - safegate_free) * 0.10 / 1_000,
            "dev.safegate.io/docs/usage-and-limitsa: $0.1 per 1000 incoming requests, the first 1,000 a day free",
        ),
        (
            "Hookdeck Event Gateway, Growth plan",
            499.0,
            "$499 a month, as reported in dev.to/emithq (2026), not read from hookdeck.com; what it "
            "includes per event is not stated there, so this is a floor",
        ),
    ]


def table(stacks: Mapping[str, Mapping[str, Any]], a: Assumptions = ASSUMPTIONS) -> str:
    rows = {f"`{name}`": stack_cost(stack, a) for name, stack in sorted(stacks.items())}
    rows.update({f"*{name}*": costs for name, costs in seed_designs(a).items()})
    header = "| design | " + " | ".join(STAGES) + " | total |"
    lines = [header, "|" + "---|" * (len(STAGES) + 2)]
    for name, costs in rows.items():
        cells = " | ".join(f"{costs[stage]:.2f}" for stage in STAGES)
        lines.append(f"| {name} | {cells} | **{sum(costs.values()):.2f}** |")
    for name, monthly, _ in hosted(a):
        cells = " | ".join("" for _ in STAGES)
        lines.append(f"| hosted: {name} | {cells} | **{monthly / a.deliveries_per_month * 1_000_000:.2f}** |")
    return "\n".join(lines)


def load(outdir: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: json.loads((outdir / entry["workingDirectory"] / "cdk.tf.json").read_text())
        for name, entry in manifest["stacks"].items()
    }


# --- what moves the figure: each option synthesized and computed the same way --------------

# (label, example stack, what changes, the guarantee it trades) -- props changes are applied
# to the example's props and synthesized; "api_http" prices the API as an HTTP API instead.
OPTIONS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("`github` as shipped (FIFO, batches of 1)", "github", {}, ""),
    (
        "`github`, workflow_timeout_seconds=300",
        "github",
        {"processing": {"workflow_timeout_seconds": 300}},
        "FIFO batches of up to 6 (as many worst-case records as one execution fits): a group waits "
        "for its batch, and a failed batch returns up to 5 min later",
    ),
    (
        "`github`, SQS-managed encryption",
        "github",
        {"queue_encryption": "sqs-managed", "log_encryption": "cloudwatch-managed"},
        "no customer-managed keys: any principal with sqs:ReceiveMessage on the queue reads deliveries",
    ),
    ("`users-standard` as shipped (batches of 10)", "users-standard", {}, ""),
    (
        "`users-standard`, memory_mb=128",
        "users-standard",
        {"processing": {"memory_mb": 128}},
        "slower cold starts and CPU (Lambda's CPU scales with memory); requests dominate the price",
    ),
    (
        "`users-standard` behind an HTTP API (not built)",
        "users-standard",
        {"api_http": True},
        "no request models: a malformed body is queued and refused only by the workflow; no VTL "
        "(no FIFO group from a body field, no 413/415 answers of our own), no usage plans or WAF",
    ),
)


def _updated(props: Any, changes: Mapping[str, Any]) -> Any:
    """`props` (a WebhookIngestProps) with `changes` applied to it and, under "processing", to
    each source's Processing."""
    processing = changes.get("processing")
    top = {k: v for k, v in changes.items() if k not in ("processing", "api_http")}
    if processing:
        sources = tuple(
            s.model_copy(update={"processing": s.processing.model_copy(update=processing)}) if s.processing else s
            for s in props.sources
        )
        top["sources"] = sources
    # Through the model again, so every validator runs on the changed props.
    return type(props).model_validate({**props.model_dump(), **top})


def option_costs(a: Assumptions = ASSUMPTIONS) -> list[tuple[str, dict[str, float], str]]:
    """Each of OPTIONS synthesized in this process and priced like the example stacks."""
    from cdktf import App, Testing

    import main
    from constructs_lib import WebhookIngest, WebhookStack

    found = []
    for label, example, changes, trade in OPTIONS:
        stack = WebhookStack(App(), example)
        WebhookIngest(stack, "Webhooks", _updated(main.EXAMPLES[example](), changes))
        figures = stack_cost(json.loads(Testing.synth(stack)), a)
        if changes.get("api_http"):
            figures["api"] = price("api_http_per_request") * 1_000_000
        found.append((label, figures, trade))
    return found


def option_table(a: Assumptions = ASSUMPTIONS) -> str:
    header = "| option | " + " | ".join(STAGES) + " | total | what it gives up |"
    lines = [header, "|" + "---|" * (len(STAGES) + 3)]
    for label, figures, trade in option_costs(a):
        cells = " | ".join(f"{figures[stage]:.2f}" for stage in STAGES)
        lines.append(f"| {label} | {cells} | **{sum(figures.values()):.2f}** | {trade or '—'} |")
    return "\n".join(lines)


BEGIN = "<!-- BEGIN COSTS (python -m bench.costs) -->"
END = "<!-- END COSTS -->"


OPTIONS_BEGIN = "<!-- BEGIN COST OPTIONS (python -m bench.costs) -->"
OPTIONS_END = "<!-- END COST OPTIONS -->"


def _between(text: str, begin: str, end: str, body: str) -> str:
    start, stop = text.index(begin) + len(begin), text.index(end)
    return text[:start] + "\n" + body + "\n" + text[stop:]


def render_readme(text: str, stacks: Mapping[str, Mapping[str, Any]]) -> str:
    """`text` with the cost table between BEGIN and END, and the options table between
    OPTIONS_BEGIN and OPTIONS_END, replaced by the current ones."""
    text = _between(text, BEGIN, END, table(stacks))
    return _between(text, OPTIONS_BEGIN, OPTIONS_END, option_table())


if __name__ == "__main__":
    # python -m bench.costs [cdktf.out]: rewrite the README's table from a synth output.
    readme = Path(__file__).resolve().parent.parent / "README.md"
    stacks = load(Path(sys.argv[1] if len(sys.argv) > 1 else "cdktf.out"))
    readme.write_text(render_readme(readme.read_text(encoding="utf-8"), stacks), encoding="utf-8")
    print(table(stacks))
