"""The engine layer's slow set-up, started in the background as soon as the session knows which
tests it will run, so that it overlaps the unit, property, synth and verifier tests instead of
preceding them: the session's synth, LocalStack, the freshly made module, every deployment
applied to LocalStack, and the slow set-ups test modules hand over (`in_background`). Only what
the selected tests ask for starts: a session without a LocalStack test (`make test` runs those in
a process of their own, see tools/test.sh) starts no LocalStack. The session fixtures take their
values from here when a prewarm runs (tests/conftest.py, tests/engines/conftest.py); without one
(a run of some other layer alone) they compute them as before.

A failure in the background is raised by the fixture that asks for its result, so the tests that
need it error exactly as they would have.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.deployments import ROOT, Deployment, deploy_all, make_module_checked
from support.localstack import LocalStack
from support.synth import SynthOutput, synth_app

KEY = pytest.StashKey["Prewarm"]()
# Further slow set-ups test modules hand over when imported (collected): name -> work(dir). Each
# starts when a selected test is in the module that defined `work`.
_TASKS: dict[str, Callable[[Path], Any]] = {}


def in_background(name: str, work: Callable[[Path], Any]) -> None:
    """Run `work` (given a directory of its own) in the prewarm, if the session has one and runs a
    test of the module that defines `work`."""
    _TASKS[name] = work


def result(config: pytest.Config, name: str, compute: Callable[[], Any]) -> Any:
    """The background result of `name`, or `compute()` when no prewarm ran it."""
    prewarm = config.stash.get(KEY, None)
    if prewarm is not None and name in prewarm.tasks:
        return prewarm.tasks[name].result()
    return compute()


@dataclass(frozen=True)
class Needs:
    """What the selected tests ask for, read from their fixtures (the closure pytest computed)."""

    synth: bool
    localstack: bool
    deployments: bool
    module: bool
    modules_with_tests: frozenset[str]

    @classmethod
    def of(cls, items: Iterable[pytest.Item]) -> Needs:
        fixtures: set[str] = set()
        modules: set[str] = set()
        for item in items:
            fixtures.update(getattr(item, "fixturenames", ()))
            module = getattr(item, "module", None)
            if module is not None:
                modules.add(module.__name__)
        deployments = "deployments" in fixtures
        return cls(
            synth="synth" in fixtures or deployments,
            localstack="localstack" in fixtures or deployments,
            deployments=deployments,
            module="modules" in fixtures,
            modules_with_tests=frozenset(modules),
        )

    @property
    def anything(self) -> bool:
        return self.synth or self.localstack or self.module or any(self.task(work) for work in _TASKS.values())

    def task(self, work: Callable[[Path], Any]) -> bool:
        return work.__module__ in self.modules_with_tests


class Prewarm:
    """The started parts: each a Future, or None when no selected test asked for it (a fixture
    then computes its value itself, as without a prewarm)."""

    def __init__(self, needs: Needs) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="prewarm-"))
        for part in ("synth", "module", "deployments"):
            (self.base / part).mkdir()
        tasks = {name: work for name, work in _TASKS.items() if needs.task(work)}
        self.pool = ThreadPoolExecutor(max_workers=4 + len(tasks), thread_name_prefix="prewarm")
        self.synth: Future[SynthOutput] | None = None
        self.localstack: Future[LocalStack] | None = None
        self.module: Future[Path] | None = None
        self.deployments: Future[dict[str, Deployment]] | None = None
        if needs.synth:
            self.synth = self.pool.submit(synth_app, ROOT, self.base / "synth" / "cdktf.out")
        if needs.localstack:
            self.localstack = self.pool.submit(LocalStack(self.base / "localstack").start)
        if needs.module:
            self.module = self.pool.submit(make_module_checked, self.base / "module")
        if needs.deployments:
            self.deployments = self.pool.submit(self._deploy)
        self.tasks: dict[str, Future[Any]] = {}
        for name, work in tasks.items():
            (self.base / name).mkdir()
            self.tasks[name] = self.pool.submit(work, self.base / name)

    def _deploy(self) -> dict[str, Deployment]:
        assert self.synth is not None and self.localstack is not None  # Needs.of: deployments imply both
        return deploy_all(self.synth.result(), self.localstack.result(), self.base / "deployments")

    def close(self, *, keep: bool = False) -> None:
        """Stop LocalStack (whatever the tests did); remove the working files unless `keep` (a
        failed session: the LocalStack log and the Terraform working copies stay for a look)."""
        self.pool.shutdown(wait=True)
        if self.localstack is not None and self.localstack.done() and self.localstack.exception() is None:
            self.localstack.result().stop()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)
