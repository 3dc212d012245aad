"""The README's cost table is what bench/costs.py computes from this session's synth, and the
computation follows the synthesized configuration, checked here against hand-worked figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import costs
from support.synth import SynthOutput

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def stacks(synth: SynthOutput) -> dict:
    return costs.load(synth.outdir)


def test_the_readmes_cost_table_is_current(stacks: dict) -> None:
    text = README.read_text(encoding="utf-8")
    assert costs.render_readme(text, stacks) == text, "the cost table is stale: run `make synth && python -m bench.costs`"


def test_the_ingest_only_stack_costs_the_request_the_message_and_the_log_line(stacks: dict) -> None:
    """mailgun-fifo: API ($3.50/M), one FIFO SendMessage ($0.50/M), a 0.6 KB access-log line at
    $0.50/GB, and three alarms at $0.10 a month over 10M deliveries; no pipe, no functions."""
    figures = costs.stack_cost(stacks["mailgun-fifo"])
    assert figures["api"] == pytest.approx(3.50)
    assert figures["queue"] == pytest.approx(0.50)
    assert figures["logs"] == pytest.approx(0.6 / 1024**2 * 0.50 * 1e6)
    assert figures["pipe"] == figures["workflow"] == figures["functions"] == figures["edge"] == 0
    assert figures["keys, alarms, secrets"] == pytest.approx(3 * 0.10 / 10)


def test_a_standard_pipeline_pays_per_batch_and_per_record(stacks: dict) -> None:
    """users-standard: batches of 10 (the pipe's), so SQS is 1 + 2/10 requests per delivery,
    Express one execution per 10 deliveries; verify and process are two invocations."""
    figures = costs.stack_cost(stacks["users-standard"])
    assert figures["queue"] == pytest.approx(0.40 * 1.2)
    assert figures["workflow"] == pytest.approx((1.00 + 64 / 1024 * 0.1 * 0.06 / 3600 * 1e6) / 10)
    lam = 0.20 + 256 / 1024 * 0.005 * 0.0000133334 * 1e6
    assert figures["functions"] == pytest.approx(lam + 0.20 + 256 / 1024 * 0.020 * 0.0000133334 * 1e6)


def test_only_the_slack_events_route_pays_for_the_edge_function(stacks: dict) -> None:
    figures = costs.stack_cost(stacks["slack"])
    one_route = 0.20 + 256 / 1024 * 0.030 * 0.0000133334 * 1e6
    assert figures["edge"] == pytest.approx(one_route / 2)


def test_a_longer_fifo_workflow_timeout_is_priced_with_the_batches_it_allows() -> None:
    """The README's FIFO option: the pipe's batch is as many worst-case records as the
    workflow timeout holds, and the per-batch stages are divided by it."""
    import main

    options = {label: figures for label, figures, _ in costs.option_costs()}
    shipped = options["`github` as shipped (FIFO, batches of 1)"]
    longer = options["`github`, workflow_timeout_seconds=300"]
    processing = main.EXAMPLES["github"]().sources[0].processing
    assert processing is not None
    worst = processing.model_copy(update={"workflow_timeout_seconds": 300}).record_worst_case_seconds
    batch = min(10, 300 // worst)
    assert batch > 1
    # Express: one request per batch; SQS: SendMessage per delivery + receive and delete per batch.
    assert shipped["queue"] == pytest.approx(0.50 * 3)
    assert longer["queue"] == pytest.approx(0.50 * (1 + 2 / batch))
    assert longer["pipe"] == pytest.approx(0.40 / batch)
    assert longer["api"] == shipped["api"] and longer["functions"] == shipped["functions"]


def test_the_http_api_option_prices_only_the_api_differently() -> None:
    options = {label: figures for label, figures, _ in costs.option_costs()}
    rest = options["`users-standard` as shipped (batches of 10)"]
    http = options["`users-standard` behind an HTTP API (not built)"]
    assert (rest["api"], http["api"]) == (pytest.approx(3.50), pytest.approx(1.00))
    assert {k: v for k, v in rest.items() if k != "api"} == {k: v for k, v in http.items() if k != "api"}


def test_hosted_gateways_are_priced_from_their_published_figures() -> None:
    found = {name: monthly for name, monthly, _ in costs.hosted()}
    # SafeGate: 10,000,000 - 30 x 1,000 free, at $0.10 per 1,000.
    assert found["SafeGate Webhooks, incoming"] == pytest.approx((10_000_000 - 30_000) / 1_000 * 0.10)
    assert found["Hookdeck Event Gateway, Growth plan"] == 499.0
