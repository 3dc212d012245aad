"""Engine fixtures shared across modules: the Terraform module built by `make module`'s command,
and every deployment to the session's LocalStack, applied once and in parallel.

Terraform spends most of an apply waiting for the provider's consistency checks, not
computing, so the stacks apply side by side: the slowest apply, not their sum, is what the
session pays. At the end only one deployment is destroyed (DESTROYED), proving that the stacks
destroy cleanly; the others go with the emulator, whose state is discarded when it stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support.deployments import (
    APPLIED_STACKS,
    COMMITTED_MODULE,
    MODULE,
    MODULE_ROOT,
    Deployment,
    make_module,
    module_root,
)
from support.localstack import LocalStack
from support.synth import SynthOutput
from support.terraform import (
    LOCALSTACK_DESTROY_HANGS,
    LOCALSTACK_DESTROY_REFUSED,
    LOCALSTACK_UNSUPPORTED,
    Workdir,
    apply,
    destroy,
    forget,
    init,
    output,
    prepare_workdir,
)


@pytest.fixture(scope="session")
def modules(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The committed module, and what `make module` writes now (in another directory)."""
    fresh = tmp_path_factory.mktemp("module") / MODULE
    run = make_module(fresh)
    log, _ = run.communicate(timeout=300)
    assert run.returncode == 0, log.decode()[-3000:]
    return COMMITTED_MODULE, fresh


# The richest example (FIFO, processing, customer-managed keys): its destroy is the proof.
DESTROYED = "github"


@pytest.fixture(scope="session")
def deployments(
    synth: SynthOutput, localstack: LocalStack, modules: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Deployment]]:
    """Every deployment applied side by side once; destroyed side by side at the end."""
    base = tmp_path_factory.mktemp("deployments")
    prepared: dict[str, tuple[Workdir, tuple[str, ...]]] = {}
    for name in APPLIED_STACKS:
        work = prepare_workdir(synth.stack_dir(name), base / name, exclude=LOCALSTACK_UNSUPPORTED)
        prepared[name] = (work, work.pruned.excluded)
    prepared[MODULE_ROOT] = module_root(modules[0], base / MODULE_ROOT)
    for work, _ in prepared.values():
        init(work.path)

    def deploy(name: str) -> Deployment:
        work, excluded = prepared[name]
        apply(work.path, localstack=localstack)
        return Deployment(work, excluded, output(work.path))

    def teardown(name: str) -> None:
        if name != DESTROYED:
            return
        work, _ = prepared[name]
        # See LOCALSTACK_DESTROY_HANGS and _REFUSED; queue policies go with their queues.
        forget(work.path, (*LOCALSTACK_DESTROY_HANGS, *LOCALSTACK_DESTROY_REFUSED, "aws_sqs_queue_policy"))
        destroy(work.path, localstack=localstack)

    try:
        with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
            futures = {name: pool.submit(deploy, name) for name in prepared}
            yield {name: future.result() for name, future in futures.items()}
    finally:
        with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
            for future in [pool.submit(teardown, name) for name in prepared]:
                future.result()
