"""Run the app as `make synth` does and read what it wrote."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The same helpers users get for their own stacks.
from constructs_lib.testing import json_document, ref, resources, terraform_unescape

JSII_ENV = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "CHECKPOINT_DISABLE": "1",
}


@functools.cache
def node_major() -> str:
    out = subprocess.run(["node", "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True)
    return out.stdout.strip()


def jsii_environment(**extra: str) -> dict[str, str]:
    """This process's environment with what `make` sets for jsii (its Node banners silenced,
    no checkpoint calls), plus `extra`."""
    return {**os.environ, **JSII_ENV, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": node_major(), **extra}


def cdktf_cli() -> Path:
    """The pinned CDKTF CLI (package-lock.json), as `npm ci` installs it."""
    cli = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "cdktf"
    assert cli.exists(), "cdktf-cli is not installed: run `make test` (or `npm ci`) in the project root"
    return cli


@dataclass(frozen=True)
class SynthOutput:
    outdir: Path

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text())

    @property
    def stack_names(self) -> list[str]:
        return sorted(self.manifest["stacks"])

    def stack_dir(self, name: str) -> Path:
        return self.outdir / self.manifest["stacks"][name]["workingDirectory"]

    def stack(self, name: str) -> dict[str, Any]:
        return json.loads((self.stack_dir(name) / "cdk.tf.json").read_text())


def synth_app(project: Path, outdir: Path, *, python: str = sys.executable) -> SynthOutput:
    result = subprocess.run(
        [python, "main.py"], cwd=project, env=jsii_environment(CDKTF_OUTDIR=str(outdir)), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"synth failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return SynthOutput(outdir)


__all__ = ["JSII_ENV", "SynthOutput", "cdktf_cli", "jsii_environment", "json_document", "node_major", "ref", "resources", "synth_app", "terraform_unescape"]
