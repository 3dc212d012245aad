"""Fixtures shared by every test layer. The slow jsii synth runs once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.synth import SynthOutput, synth_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> SynthOutput:
    """`main.py` synthesized once, exactly as `make synth` runs it, into a temporary outdir."""
    return synth_app(ROOT, tmp_path_factory.mktemp("synth") / "cdktf.out")
