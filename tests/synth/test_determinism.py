"""Two synths of the same sources, in different directories, write identical bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.synth import SynthOutput, synth_app

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
