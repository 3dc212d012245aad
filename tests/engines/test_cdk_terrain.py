"""The example stacks on CDK Terrain (cdktn 0.24 with cdktn-provider-aws 25.x), CDKTF's community
continuation: the same app with `from cdktn import App` synthesizes documents identical to
CDKTF's but for what names the engine, and they validate with the offline AWS provider.

Nothing in constructs_lib is told which engine runs: constructs_lib.engine reads it from the
app (see test_engine_seam.py for a tree that mixes them)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from support.synth import SynthOutput, jsii_environment
from support.terraform import terraform, validate_copies

ROOT = Path(__file__).resolve().parents[2]
# What differs, and why: each engine stamps its version into the metadata and the manifest, and
# writes the provider source its way (`aws` is short for `hashicorp/aws`: the same provider).
PROVIDER_SOURCE = {"cdktf": "aws", "cdktn": "hashicorp/aws"}


@pytest.fixture(scope="session")
def terrain(tmp_path_factory: pytest.TempPathFactory) -> SynthOutput:
    outdir = tmp_path_factory.mktemp("cdktn") / "cdktf.out"
    env = jsii_environment()
    # main.py's build() with CDK Terrain's App: what a user of the examples changes to move.
    program = f"import cdktn, main; main.build(cdktn.App(outdir={str(outdir)!r})).synth()"
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return SynthOutput(outdir)


def without_engine_names(document: dict[str, Any], engine: str) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    assert document["//"]["metadata"].pop("version") == version(engine)
    assert document["terraform"]["required_providers"]["aws"].pop("source") == PROVIDER_SOURCE[engine]
    return document


def test_every_example_stack_is_the_same_on_both_engines(synth: SynthOutput, terrain: SynthOutput) -> None:
    assert terrain.stack_names == synth.stack_names == ["github", "mailgun", "mailgun-fifo", "slack", "users-standard"]
    for name in synth.stack_names:
        assert without_engine_names(terrain.stack(name), "cdktn") == without_engine_names(synth.stack(name), "cdktf")
    files = {
        engine: {str(p.relative_to(out.outdir)): p.read_bytes() for p in out.outdir.rglob("*") if p.is_file()}
        for engine, out in (("cdktf", synth), ("cdktn", terrain))
    }
    assert set(files["cdktf"]) == set(files["cdktn"])
    zips = [name for name in files["cdktf"] if name.endswith(".zip")]
    # One zip per function (each carries its own copy of its code).
    assert len(zips) == sum(len(synth.stack(name)["resource"].get("aws_lambda_function", {})) for name in synth.stack_names)
    for name in zips:
        assert files["cdktf"][name] == files["cdktn"][name], name
    manifests = {engine: json.loads(files[engine]["manifest.json"]) for engine in files}
    assert manifests["cdktn"].pop("version") == version("cdktn")
    assert manifests["cdktf"].pop("version") == version("cdktf")
    assert manifests["cdktn"] == manifests["cdktf"]


def test_every_example_stack_on_cdk_terrain_validates_offline(terrain: SynthOutput, tmp_path: Path) -> None:
    assert terrain.stack_names
    validate_copies({terrain.stack_dir(name): tmp_path / name for name in terrain.stack_names})
    for name in terrain.stack_names:
        selected = json.loads(terraform(tmp_path / name, "version", "-json").output)["provider_selections"]
        assert selected == {"registry.terraform.io/hashicorp/aws": "5.100.0"}
