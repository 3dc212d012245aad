"""Deployments of our Terraform to LocalStack that several engine test modules share (the
fixtures themselves are in tests/engines/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.localstack import REGION
from support.smoke_stack import smoke_stack
from support.synth import node_major
from support.terraform import LOCALSTACK_UNSUPPORTED, Workdir, prepare_workdir, prune

ROOT = Path(__file__).resolve().parents[2]
MODULE = "webhook-ingest"
# The module teams source from git (modules/README.md), exactly as committed.
COMMITTED_MODULE = ROOT / "modules" / MODULE
# The synthesized stacks the engine tests drive (names as in main.py).
APPLIED_STACKS = ("mailgun-fifo", "users-standard", "github")
# The root module that calls `make module`'s module in the apply (see `module_root`).
MODULE_ROOT = "module-root"
# The engine harness's own hand-written stack (support/smoke_stack.py), applied beside ours.
SMOKE = "smoke"


def make_module(out: Path) -> subprocess.Popen[bytes]:
    """`make module`'s command, into another directory."""
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": node_major(),
        "CHECKPOINT_DISABLE": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "constructs_lib.module_command", "--config", "examples.module_config:props", "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def pruned_module(module: Path, dest: Path) -> tuple[str, ...]:
    """A copy of the module without what LocalStack cannot create (and what depends on it)."""
    shutil.copytree(module, dest)
    main = json.loads((dest / "main.tf.json").read_text())
    outputs = json.loads((dest / "outputs.tf.json").read_text())
    result = prune({**main, **outputs}, LOCALSTACK_UNSUPPORTED)
    (dest / "main.tf.json").write_text(json.dumps({k: v for k, v in result.config.items() if k != "output"}, indent=2))
    (dest / "outputs.tf.json").write_text(json.dumps({"output": result.config.get("output", {})}, indent=2))
    return result.excluded


def module_root(module: Path, dest: Path) -> tuple[Workdir, tuple[str, ...]]:
    """A root module of our own that calls the (pruned) module, as a consumer would."""
    config = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 5.100.0, < 7.0.0"}}},
        "provider": {"aws": [{"region": REGION}]},
        "module": {
            "webhooks": {
                "source": f"./{MODULE}",
                "name_prefix": "modtest",
                "tags": {"suite": "engines"},
                "sources": {"github": {"max_receive_count": 3}},
                # The keys' Terraform-decided branch (created keys, conditional grants) applied.
                "queue_encryption": "kms",
                "log_encryption": "kms",
            }
        },
        "output": {
            "endpoint": {"value": "${module.webhooks.github_endpoint}"},
            "queue_url": {"value": "${module.webhooks.github_queue_url}"},
            "dlq_url": {"value": "${module.webhooks.github_dlq_url}"},
            "queue_key": {"value": "${module.webhooks.queue_kms_key_arn}"},
            "log_key": {"value": "${module.webhooks.log_kms_key_arn}"},
        },
    }
    work = prepare_workdir(config, dest)
    return work, pruned_module(module, work.path / MODULE)


@dataclass(frozen=True)
class Deployment:
    """One applied configuration: its working copy, what was pruned, and its outputs."""

    work: Workdir
    excluded: tuple[str, ...]
    outputs: dict[str, Any]


def make_module_checked(out_parent: Path) -> Path:
    """`make module`'s output in `out_parent`/MODULE, or an AssertionError with its log."""
    fresh = out_parent / MODULE
    run = make_module(fresh)
    log, _ = run.communicate(timeout=300)
    assert run.returncode == 0, log.decode()[-3000:]
    return fresh


def deploy_all(synth: Any, localstack: Any, base: Path) -> dict[str, Deployment]:
    """Every applied stack and the module root, prepared, initialized and applied side by side:
    Terraform spends most of an apply waiting on the provider, so the slowest apply, not their
    sum, is what this takes."""
    from concurrent.futures import ThreadPoolExecutor

    from support.terraform import apply, init, output

    prepared: dict[str, tuple[Workdir, tuple[str, ...]]] = {}
    for name in APPLIED_STACKS:
        work = prepare_workdir(synth.stack_dir(name), base / name, exclude=LOCALSTACK_UNSUPPORTED)
        prepared[name] = (work, work.pruned.excluded)
    prepared[MODULE_ROOT] = module_root(COMMITTED_MODULE, base / MODULE_ROOT)
    smoke = prepare_workdir(smoke_stack(), base / SMOKE, exclude=LOCALSTACK_UNSUPPORTED)
    prepared[SMOKE] = (smoke, smoke.pruned.excluded)

    def deploy(name: str) -> Deployment:
        work, excluded = prepared[name]
        init(work.path)
        apply(work.path, localstack=localstack)
        return Deployment(work, excluded, output(work.path))

    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        futures = {name: pool.submit(deploy, name) for name in prepared}
        return {name: future.result() for name, future in futures.items()}
