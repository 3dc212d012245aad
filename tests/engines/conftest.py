"""Engine fixtures shared across modules: the Terraform module built by `make module`'s command,
and every deployment to the session's LocalStack, applied once and in parallel (see
support/deployments.deploy_all), in the background from the session's start when a prewarm
runs (support/prewarm.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.deployments import COMMITTED_MODULE, Deployment, deploy_all, make_module_checked
from support.localstack import LocalStack
from support.prewarm import KEY
from support.synth import SynthOutput
from support.terraform import LOCALSTACK_DESTROY_HANGS, LOCALSTACK_DESTROY_REFUSED, destroy, forget


@pytest.fixture(scope="session")
def modules(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The committed module, and what `make module` writes now (in another directory)."""
    prewarm = request.config.stash.get(KEY, None)
    if prewarm is not None and prewarm.module is not None:
        return COMMITTED_MODULE, prewarm.module.result()
    return COMMITTED_MODULE, make_module_checked(tmp_path_factory.mktemp("module"))


# The richest example (FIFO, processing, customer-managed keys): its destroy is the proof.
DESTROYED = "github"


@pytest.fixture(scope="session")
def deployments(
    request: pytest.FixtureRequest,
    synth: SynthOutput,
    localstack: LocalStack,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Deployment]]:
    """Every deployment applied once, side by side (in the background from the session's start
    when it runs engine tests: support/prewarm.py). At the end only DESTROYED is destroyed, the
    proof that the stacks destroy cleanly; the rest goes with the emulator's state."""
    prewarm = request.config.stash.get(KEY, None)
    applied = (
        prewarm.deployments.result()
        if prewarm is not None and prewarm.deployments is not None
        else deploy_all(synth, localstack, tmp_path_factory.mktemp("deployments"))
    )
    yield applied
    work = applied[DESTROYED].work
    # See LOCALSTACK_DESTROY_HANGS and _REFUSED; queue policies go with their queues.
    forget(work.path, (*LOCALSTACK_DESTROY_HANGS, *LOCALSTACK_DESTROY_REFUSED, "aws_sqs_queue_policy"))
    destroy(work.path, localstack=localstack)
