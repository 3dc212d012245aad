"""The CDKTF CLI (cdktf-cli 0.21.0 from npm, pinned in package-lock.json) accepts our
cdktf.json and synthesizes exactly what `make synth` writes.

Users run `cdktf synth` / `cdktf deploy`; the CLI runs the `app` command of cdktf.json
(`pipenv run python main.py`) with its own environment. Any difference from a plain
`python main.py` (another output directory layout, a stray absolute path, a manifest the
CLI rewrites) would show up here as a changed byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from support.synth import SynthOutput, cdktf_cli, node_major

ROOT = Path(__file__).resolve().parents[2]


def pipenv_dir() -> str:
    local = ROOT / ".tools" / "bin"
    if (local / "pipenv").exists():
        return str(local)
    found = shutil.which("pipenv")
    assert found, "pipenv is not installed: run `make install`, which puts it in .tools/bin"
    return str(Path(found).parent)


def test_cdktf_synth_writes_what_make_synth_writes(synth: SynthOutput, tmp_path: Path) -> None:
    out = tmp_path / "cli.out"
    env = {
        **os.environ,
        "PATH": f"{pipenv_dir()}{os.pathsep}{os.environ['PATH']}",
        "PIPENV_VENV_IN_PROJECT": "1",
        "PIPENV_IGNORE_VIRTUALENVS": "1",
        "PIPENV_VERBOSITY": "-1",
        "CHECKPOINT_DISABLE": "1",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": node_major(),
        "CI": "1",
    }
    env.pop("CDKTF_OUTDIR", None)
    result = subprocess.run(
        [str(cdktf_cli()), "synth", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"cdktf synth failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    cli_files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    app_files = sorted(p.relative_to(synth.outdir) for p in synth.outdir.rglob("*") if p.is_file())
    assert cli_files == app_files
    for relative in cli_files:
        assert (out / relative).read_bytes() == (synth.outdir / relative).read_bytes(), relative
