"""The wheel, installed outside the repository, serves a user's own app on CDKTF and CDK Terrain.

What `make dist` builds is built here twice (same bytes, accepted by `twine check`), installed
into a fresh virtualenv in a temporary folder, and used by `user_app/`: an app written as a
user writes one (its own cdktf.json, a Pydantic model, two sources, one with processing, its
own snapshot tests), which imports nothing but the package's public names. On each engine the
app is synthesized by the pinned CDKTF CLI (node_modules/.bin/cdktf, package-lock.json),
validated by Terraform with the offline AWS provider, snapshot-tested with
constructs_lib.testing and syrupy, and type-checked by `mypy --strict`, which must name a
misspelled prop. The same app synthesized from the repository's sources writes the same bytes,
Lambda zips included.

The fresh virtualenv gets the wheel, with pip, from nothing but the wheel file. Its
dependencies (cdktf, cdktn and their AWS providers, ~1 GB) are the dev environment's, made
visible through a `.pth` file rather than installed again, and `pip check` holds them against
the wheel's declared ranges. PACKAGING_FULL_INSTALL=1 installs them from PyPI instead (about
two minutes more).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.testing import normalize
from support.synth import cdktf_cli, jsii_environment, synth_app
from support.terraform import validate_copy

ROOT = Path(__file__).resolve().parents[2]
USER_APP = Path(__file__).resolve().parent / "user_app"
ENGINES = ("cdktf", "cdktn")
STACK = "billing-hooks"
DIST_NAME = "cdktf_aws_webhook_ingest"
# pip's configuration on our machines adds local indexes; the user's machine has none.
ISOLATED_PIP = {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_CONSTRAINT": "", "PIP_NO_INPUT": "1"}


def run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path
    again: tuple[Path, Path]


def build_dist(outdir: Path) -> tuple[Path, Path]:
    # `make dist`'s command: the pinned hatchling of the dev environment, no build isolation.
    # `build` makes the sdist, then the wheel from the unpacked sdist: the sdist is complete.
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", outdir, ROOT], cwd=ROOT)
    (wheel,) = outdir.glob("*.whl")
    (sdist,) = outdir.glob("*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    wheel, sdist = build_dist(tmp_path_factory.mktemp("dist"))
    return Dist(wheel, sdist, build_dist(tmp_path_factory.mktemp("dist-again")))


@dataclass(frozen=True)
class Venv:
    path: Path

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def env(self) -> dict[str, str]:
        """What a user's shell has with the virtualenv activated, plus the jsii settings."""
        env = {k: v for k, v in jsii_environment().items() if k not in ("PYTHONPATH", "CDKTF_OUTDIR")}
        env["VIRTUAL_ENV"] = str(self.path)
        env["PATH"] = f"{self.bin}{os.pathsep}{env['PATH']}"
        env["CI"] = "1"
        return env


@pytest.fixture(scope="session")
def venv(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    fresh = Venv(tmp_path_factory.mktemp("user") / "venv")
    run([sys.executable, "-m", "venv", fresh.path], cwd=fresh.path.parent)
    pip_env = {**fresh.env(), **ISOLATED_PIP}
    if os.environ.get("PACKAGING_FULL_INSTALL", "") not in ("", "0"):
        run([fresh.python, "-m", "pip", "install", "--quiet", f"{dist.wheel}[cdktn]", "pytest", "syrupy", "mypy"], cwd=fresh.path, env=pip_env, timeout=1800)
    else:
        site = run([fresh.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=fresh.path).stdout.strip()
        # Appended after the fresh site-packages: the wheel's constructs_lib comes first, and
        # the dev environment's editable install (a .pth of its own) is not processed from here.
        Path(site, "zz_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        run([fresh.python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", dist.wheel], cwd=fresh.path, env=pip_env)
    run([fresh.python, "-m", "pip", "check"], cwd=fresh.path, env=pip_env)
    return fresh


@dataclass(frozen=True)
class UserApp:
    folder: Path
    outdir: Path

    def stack(self) -> dict[str, Any]:
        return json.loads((self.outdir / "stacks" / STACK / "cdk.tf.json").read_text())

    def files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.outdir)): p.read_bytes() for p in sorted(self.outdir.rglob("*")) if p.is_file()}


def user_app_on(engine: str, folder: Path) -> Path:
    """A copy of user_app/ whose one engine-specific line names `engine`."""
    shutil.copytree(USER_APP, folder, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", "__snapshots__", "cdktf.out"))
    main = folder / "main.py"
    text = main.read_text()
    assert text.count("from cdktf import App\n") == 1
    main.write_text(text.replace("from cdktf import App\n", f"from {engine} import App\n"))
    return folder


@pytest.fixture(scope="session")
def user_apps(venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, UserApp]:
    apps = {}
    for engine in ENGINES:
        folder = user_app_on(engine, tmp_path_factory.mktemp(f"app-{engine}") / "billing-hooks")
        outdir = folder / "cdktf.out"
        # The user's command: `cdktf synth`, which runs cdktf.json's `python main.py` with the
        # virtualenv's python first on PATH.
        run([cdktf_cli(), "synth", "--output", outdir], cwd=folder, env=venv.env())
        apps[engine] = UserApp(folder, outdir)
    return apps


def test_two_builds_are_the_same_bytes_and_twine_accepts_them(dist: Dist) -> None:
    assert dist.wheel.name == f"{DIST_NAME}-{version()}-py3-none-any.whl"
    assert dist.sdist.name == f"{DIST_NAME}-{version()}.tar.gz"
    assert dist.wheel.read_bytes() == dist.again[0].read_bytes()
    assert dist.sdist.read_bytes() == dist.again[1].read_bytes()
    result = run([sys.executable, "-m", "twine", "check", "--strict", dist.wheel, dist.sdist], cwd=ROOT)
    assert result.stdout.count("PASSED") == 2, result.stdout


def version() -> str:
    match = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert match
    return match.group(1)


def test_the_wheel_carries_the_lambda_code_the_typed_marker_and_ranges(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"{DIST_NAME}-{version()}.dist-info/METADATA").decode()
        for source in sorted((ROOT / "lambda_src").rglob("*.py")):
            inside = f"constructs_lib/lambda_src/{source.relative_to(ROOT / 'lambda_src')}"
            assert wheel.read(inside) == source.read_bytes(), inside
    assert "constructs_lib/py.typed" in names
    assert {n.split("/")[0] for n in names} == {"constructs_lib", f"{DIST_NAME}-{version()}.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    requires = [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    assert {re.split(r"[<>=!~ ;\[]", r)[0] for r in requires} >= {"cdktf", "cdktf-cdktf-provider-aws", "pydantic", "cdktn", "cdktn-provider-aws"}
    # Ranges, never pins: a user's app resolves them against its own dependencies.
    assert not [r for r in requires if "==" in r.split(";")[0]], requires
    assert "Requires-Python: >=3.11" in metadata
    assert "Provides-Extra: cdktn" in metadata


def test_the_fresh_virtualenv_imports_the_wheels_package_and_code(venv: Venv) -> None:
    probe = (
        "import json, constructs_lib, constructs_lib.verifier_schemes as s;"
        "print(json.dumps([constructs_lib.__file__, str(s.VERIFIER_DIR), sorted(constructs_lib.__all__)]))"
    )
    package, verifier, exported = json.loads(run([venv.python, "-c", probe], cwd=venv.path, env=venv.env()).stdout)
    assert Path(package).is_relative_to(venv.path), package
    assert Path(verifier).is_relative_to(venv.path) and (Path(verifier) / "handler.py").is_file(), verifier
    assert {"WebhookIngest", "WebhookIngestProps", "WebhookSource", "Processing", "WebhookStack", "Alarms", "PropsError", "testing"} <= set(exported)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_users_app_synthesizes_and_validates_offline(user_apps: dict[str, UserApp], engine: str, tmp_path: Path) -> None:
    app = user_apps[engine]
    document = app.stack()
    assert document["terraform"]["required_providers"]["aws"]["version"] == ">= 5.100.0, < 7.0.0"
    functions = document["resource"]["aws_lambda_function"]
    assert len(functions) == 2  # the verifier, and the user's processor
    validate_copy(app.outdir / "stacks" / STACK, tmp_path / STACK)
    # No path of this machine in anything the user commits or ships.
    for name, data in app.files().items():
        assert str(app.folder).encode() not in data and str(ROOT).encode() not in data, name


def test_the_engines_write_the_same_stack_but_for_their_names(user_apps: dict[str, UserApp]) -> None:
    documents = {engine: user_apps[engine].stack() for engine in ENGINES}
    for engine, document in documents.items():
        metadata = document["//"]["metadata"]
        assert metadata.pop("version") == run_version(engine)
        provider = document["terraform"]["required_providers"]["aws"]
        assert provider.pop("source") == {"cdktf": "aws", "cdktn": "hashicorp/aws"}[engine]
    assert documents["cdktf"] == documents["cdktn"]
    assets = {engine: {k: v for k, v in user_apps[engine].files().items() if "/assets/" in k} for engine in ENGINES}
    assert assets["cdktf"] and assets["cdktf"] == assets["cdktn"]


def run_version(engine: str) -> str:
    from importlib.metadata import version as installed

    return installed(engine)


def test_the_wheels_output_equals_the_repositorys(user_apps: dict[str, UserApp], tmp_path: Path) -> None:
    """The same app run against the repository's sources (the dev environment's editable
    install): every file the same bytes, so the Lambda zips and their hashes too."""
    outdir = tmp_path / "repo.out"
    synth_app(user_app_on("cdktf", tmp_path / "billing-hooks"), outdir)
    from_repo = {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}
    from_wheel = {k: v for k, v in user_apps["cdktf"].files().items() if k.startswith("stacks/")}
    assert {k for k in from_repo if k.startswith("stacks/")} == set(from_wheel)
    for name, data in from_wheel.items():
        assert from_repo[name] == data, name
    zips = [name for name in from_wheel if name.endswith(".zip")]
    assert len(zips) == 2
    hashes = {f["source_code_hash"] for f in user_apps["cdktf"].stack()["resource"]["aws_lambda_function"].values()}
    assert hashes == {base64_sha256(from_wheel[name]) for name in zips}


def base64_sha256(data: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_users_snapshot_tests_pass_and_match_the_cli_output(user_apps: dict[str, UserApp], venv: Venv, engine: str) -> None:
    folder = user_apps[engine].folder
    # First run writes the snapshot (as a user's first `pytest --snapshot-update`), the second
    # compares a fresh synth with it.
    run([venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--snapshot-update", "test_stack.py"], cwd=folder, env=venv.env())
    run([venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_stack.py"], cwd=folder, env=venv.env())
    (stored,) = (folder / "__snapshots__").rglob("*.json")
    # The helper's snapshot is the CLI's document, normalized: nothing the snapshot holds was
    # made up by the helper.
    assert json.loads(stored.read_text()) == normalize(user_apps[engine].stack())


@pytest.mark.parametrize("engine", ENGINES)
def test_mypy_strict_accepts_the_app_and_names_a_misspelled_prop(user_apps: dict[str, UserApp], venv: Venv, engine: str) -> None:
    folder = user_apps[engine].folder
    text = (folder / "main.py").read_text()
    (folder / "typo.py").write_text(text.replace("max_receive_count=4", "max_recieve_count=4"))
    (folder / "wrong_type.py").write_text(text.replace("max_receive_count=4", 'max_receive_count="4"'))
    # One run over the app and the two broken copies (one analysis of the packages they import):
    # exactly two errors, one in each copy, none in the app or its tests.
    mypy = [venv.python, "-m", "mypy", "--strict", "--no-incremental", "main.py", "test_stack.py", "typo.py", "wrong_type.py"]
    result = subprocess.run([*map(str, mypy)], cwd=folder, env=venv.env(), capture_output=True, text=True)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 1, result.stdout + result.stderr
    by_file = {line.split(":", 1)[0]: line for line in errors}
    assert len(errors) == 2 and set(by_file) == {"typo.py", "wrong_type.py"}, errors
    assert 'Unexpected keyword argument "max_recieve_count" for "WebhookSource"' in by_file["typo.py"], errors
    assert '"max_receive_count"' in by_file["wrong_type.py"] and 'type "str"; expected "int"' in by_file["wrong_type.py"], errors
