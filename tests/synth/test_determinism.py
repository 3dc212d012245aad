"""Two synths of the same sources, in different directories, write identical bytes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.synth import SynthOutput, jsii_environment, synth_app

COPIED = ("main.py", "cdktf.json", "constructs_lib", "examples", "lambda_src")


def test_synth_in_another_directory_is_byte_identical(
    synth: SynthOutput, repo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "a" / "different" / "checkout"
    elsewhere.mkdir(parents=True)
    for name in COPIED:
        source = repo_root / name
        if source.is_dir():
            shutil.copytree(source, elsewhere / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, elsewhere / name)
    second = synth_app(elsewhere, elsewhere / "cdktf.out")
    first_files = sorted(p.relative_to(synth.outdir) for p in synth.outdir.rglob("*") if p.is_file())
    second_files = sorted(p.relative_to(second.outdir) for p in second.outdir.rglob("*") if p.is_file())
    assert first_files == second_files
    for relative in first_files:
        assert (synth.outdir / relative).read_bytes() == (second.outdir / relative).read_bytes(), relative


# `python main.py` builds its resources with constructs_lib's own AWS classes
# (constructs_lib._lean), never loading the provider bindings, and ends with a fast exit
# (main.exit_after_synth). This is the app as it was before all that: the provider's generated
# classes (CONSTRUCTS_LIB_AWS_CLASSES=bindings), their package imported the ordinary way
# first, so every submodule is loaded, and a normal exit.
PLAIN_SYNTH = """
import os
import sys
os.environ["CONSTRUCTS_LIB_AWS_CLASSES"] = "bindings"
import cdktf_cdktf_provider_aws
assert len([m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")]) > 2000
from cdktf import App
import main
main.build(App()).synth()
from constructs_lib import _provider
# An ordinary import made first is left alone: the app ran on the eager package.
print(_provider.install())
"""


def test_fast_synth_writes_the_same_bytes_as_a_plain_one(synth: SynthOutput, repo_root: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "plain.out"
    env = jsii_environment(CDKTF_OUTDIR=str(outdir))
    result = subprocess.run([sys.executable, "-c", PLAIN_SYNTH], cwd=repo_root, env=env, capture_output=True, text=True)
    assert (result.returncode, result.stdout.split()[-1:]) == (0, ["False"]), result.stderr[-3000:]
    fast_files = sorted(p.relative_to(synth.outdir) for p in synth.outdir.rglob("*") if p.is_file())
    plain_files = sorted(p.relative_to(outdir) for p in outdir.rglob("*") if p.is_file())
    assert fast_files == plain_files
    for relative in fast_files:
        assert (synth.outdir / relative).read_bytes() == (outdir / relative).read_bytes(), relative
