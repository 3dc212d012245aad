"""The engine layer's slow set-up, started in the background as soon as the session knows it
will run engine tests, so that it overlaps the unit, property, synth and verifier tests instead
of preceding them: the session's synth, LocalStack, the freshly made module, and every
deployment applied to LocalStack. The session fixtures take their values from here when a
prewarm runs (tests/conftest.py, tests/engines/conftest.py); without one (a run of some other
layer alone) they compute them as before.

A failure in the background is raised by the fixture that asks for its result, so the tests that
need it error exactly as they would have.
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.deployments import ROOT, Deployment, deploy_all, make_module_checked
from support.localstack import LocalStack
from support.synth import SynthOutput, synth_app

KEY = pytest.StashKey["Prewarm"]()
# Further slow set-ups test modules hand over when imported (collected): name -> work(dir).
_TASKS: dict[str, Callable[[Path], Any]] = {}


def in_background(name: str, work: Callable[[Path], Any]) -> None:
    """Run `work` (given a directory of its own) in the prewarm, if the session has one."""
    _TASKS[name] = work


def result(config: pytest.Config, name: str, compute: Callable[[], Any]) -> Any:
    """The background result of `name`, or `compute()` when no prewarm ran it."""
    prewarm = config.stash.get(KEY, None)
    if prewarm is not None and name in prewarm.tasks:
        return prewarm.tasks[name].result()
    return compute()


class Prewarm:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="prewarm-"))
        for part in ("synth", "module", "deployments"):
            (self.base / part).mkdir()
        self.pool = ThreadPoolExecutor(max_workers=4 + len(_TASKS), thread_name_prefix="prewarm")
        self.synth: Future[SynthOutput] = self.pool.submit(synth_app, ROOT, self.base / "synth" / "cdktf.out")
        self.localstack: Future[LocalStack] = self.pool.submit(LocalStack(self.base / "localstack").start)
        self.module: Future[Path] = self.pool.submit(make_module_checked, self.base / "module")
        self.deployments: Future[dict[str, Deployment]] = self.pool.submit(self._deploy)
        self.tasks: dict[str, Future[Any]] = {}
        for name, work in _TASKS.items():
            (self.base / name).mkdir()
            self.tasks[name] = self.pool.submit(work, self.base / name)

    def _deploy(self) -> dict[str, Deployment]:
        return deploy_all(self.synth.result(), self.localstack.result(), self.base / "deployments")

    def close(self, *, keep: bool = False) -> None:
        """Stop LocalStack (whatever the tests did); remove the working files unless `keep` (a
        failed session: the LocalStack log and the Terraform working copies stay for a look)."""
        self.pool.shutdown(wait=True)
        if self.localstack.done() and self.localstack.exception() is None:
            self.localstack.result().stop()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)
