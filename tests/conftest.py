"""Fixtures shared by every test layer. The slow jsii synth runs once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.localstack import LocalStack
from support.synth import SynthOutput, synth_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> SynthOutput:
    """`main.py` synthesized once, exactly as `make synth` runs it, into a temporary outdir."""
    return synth_app(ROOT, tmp_path_factory.mktemp("synth") / "cdktf.out")


@pytest.fixture(scope="session")
def localstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One LocalStack on 127.0.0.1 for the whole session; its log is attached to failures."""
    with LocalStack(tmp_path_factory.mktemp("localstack")) as aws:
        yield aws


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    report = yield
    aws = getattr(item, "funcargs", {}).get("localstack")
    if report.failed and aws is not None:
        report.sections.append(("LocalStack log", f"{aws.log_path}\n{aws.log_tail(60)}"))
    return report
