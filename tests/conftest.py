"""Fixtures shared by every test layer. The slow jsii synth runs once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.localstack import LocalStack
from support.prewarm import KEY, Needs, Prewarm
from support.synth import SynthOutput, synth_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def synth(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SynthOutput:
    """`main.py` synthesized once, exactly as `make synth` runs it, into a temporary outdir."""
    prewarm = request.config.stash.get(KEY, None)
    if prewarm is not None and prewarm.synth is not None:
        return prewarm.synth.result()
    return synth_app(ROOT, tmp_path_factory.mktemp("synth") / "cdktf.out")


@pytest.fixture(scope="session")
def localstack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One LocalStack on 127.0.0.1 for the whole session; its log is attached to failures."""
    prewarm = request.config.stash.get(KEY, None)
    if prewarm is not None and prewarm.localstack is not None:
        yield prewarm.localstack.result()  # stopped by pytest_sessionfinish
        return
    with LocalStack(tmp_path_factory.mktemp("localstack")) as aws:
        yield aws


ENGINES = ROOT / "tests" / "engines"
# The fixtures whose tests need LocalStack: marked `localstack`, so that `make test` can run them
# in a process of their own beside the others (tools/test.sh).
LOCALSTACK_FIXTURES = frozenset({"localstack", "deployments"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need LocalStack (`-m localstack` / `-m "not localstack"` select by it);
    first, so that the selection sees the marks."""
    for item in items:
        if LOCALSTACK_FIXTURES & set(getattr(item, "fixturenames", ())):
            if ENGINES not in Path(str(item.path)).parents:
                # tools/test.sh collects the LocalStack session from tests/engines alone.
                raise pytest.UsageError(f"{item.nodeid} needs LocalStack: engine tests belong in tests/engines")
            item.add_marker(pytest.mark.localstack)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """With engine tests among the selected: start the slow set-up they need in the background
    now, and run them last, so that the other layers' tests run while LocalStack starts and the
    stacks apply."""
    config, items = session.config, session.items
    engines = [item for item in items if ENGINES in Path(str(item.path)).parents]
    if not engines or config.option.collectonly or os.environ.get("WEBHOOK_TESTS_NO_PREWARM"):
        return
    engine_set = set(engines)
    items[:] = [item for item in items if item not in engine_set] + _deployments_last(engines)
    needs = Needs.of(items)
    if needs.anything:
        config.stash[KEY] = Prewarm(needs)


def _deployments_last(items: list[pytest.Item]) -> list[pytest.Item]:
    """The engine modules none of whose tests needs a deployment first (their own queues and
    APIs on LocalStack, Terraform alone, ...): they run while the stacks apply. Whole modules
    move, in their order, so each module's fixtures are set up once."""
    deploys: dict[Path, bool] = {}
    for item in items:
        deploys[item.path] = deploys.get(item.path, False) or "deployments" in getattr(item, "fixturenames", ())
    return sorted(items, key=lambda item: deploys[item.path])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    prewarm = session.config.stash.get(KEY, None)
    if prewarm is not None:
        prewarm.close(keep=exitstatus != 0)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    report = yield
    aws = getattr(item, "funcargs", {}).get("localstack")
    if report.failed and aws is not None:
        report.sections.append(("LocalStack log", f"{aws.log_path}\n{aws.log_tail(60)}"))
    return report
