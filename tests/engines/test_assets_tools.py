"""The Lambda zip as other programs read it, and pip vendoring for it: each test starts a process.

Oracles besides our own code: `python -m zipfile -t` and Info-ZIP's `unzip` test the archive
(`unzip` also extracts the deflated one, files and modes); the verifier zip imports and runs
through `zipimport` in a fresh interpreter; Terraform's own `filebase64sha256` must agree with
`source_code_hash`; real pip vendors a wheel (offline, from a wheel this test builds). The pure
checks of the same zips are tests/unit/test_assets.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from constructs_lib import assets
from support.lambda_code import LITTER, SOURCES, VERIFIER, entries, write_tree


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "a" / "code", {**SOURCES, **LITTER})


def test_the_zip_opens_and_holds_the_sources_byte_for_byte(source: Path, tmp_path: Path) -> None:
    data = assets.build_zip(source)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {name: archive.read(name) for name in archive.namelist()} == SOURCES
    path = tmp_path / "function.zip"
    path.write_bytes(data)
    checked = subprocess.run([sys.executable, "-m", "zipfile", "-t", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "Done testing" in checked.stdout


def test_unzip_tests_and_extracts_the_deflated_zip_with_its_modes(source: Path, tmp_path: Path) -> None:
    unzip = shutil.which("unzip")
    if unzip is None:
        pytest.skip("Info-ZIP unzip is not on PATH; zipfile's reading is checked in the other tests")
    path = tmp_path / "function.zip"
    path.write_bytes(assets.build_zip(source, executable=("bootstrap",)))
    tested = subprocess.run([unzip, "-t", str(path)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "No errors detected" in tested.stdout
    out = tmp_path / "out"
    extracted = subprocess.run([unzip, "-q", str(path), "-d", str(out)], capture_output=True, text=True)
    assert extracted.returncode == 0, extracted.stdout + extracted.stderr
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == SOURCES
    assert (out / "bootstrap").stat().st_mode & 0o777 == 0o755
    assert (out / "pkg" / "mod.py").stat().st_mode & 0o777 == 0o644


def test_the_verifier_zip_imports_and_verifies_through_zipimport(tmp_path: Path) -> None:
    """The package runs as zipped: `signatures` and `handler` import from the zip alone, in
    a fresh interpreter, and `verify` accepts a GitHub signature computed here with hmac
    and refuses a forged one."""
    path = tmp_path / "verifier.zip"
    path.write_bytes(assets.build_zip(VERIFIER))
    body = b'{"zen": "Keep it logically awesome."}'
    signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    script = f"""
import sys, zipimport
import handler, signatures
for module in (handler, signatures):
    assert isinstance(module.__loader__, zipimport.zipimporter), module.__loader__
    assert module.__file__.startswith(sys.argv[1]), module.__file__
signatures.verify("github", "s3cret", {{"X-Hub-Signature-256": {signature!r}}}, {body!r})
try:
    signatures.verify("github", "s3cret", {{"X-Hub-Signature-256": {signature!r}}}, {body!r} + b" ")
except signatures.SignatureError:
    print("verified")
"""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(path)
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "verified"


def test_source_code_hash_is_what_terraform_computes_for_the_file(source: Path, tmp_path: Path) -> None:
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not on PATH: install Terraform >= 1.5 (the engine tests need it too)"
    data = assets.build_zip(source)
    path = tmp_path / "function.zip"
    path.write_bytes(data)
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    result = subprocess.run(
        [terraform, "console"],
        input=f'filebase64sha256("{path.as_posix()}")\n',
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'"{assets.source_code_hash(data)}"'



# --- vendored requirements -----------------------------------------------------------------


def _wheel_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(folder: Path) -> Path:
    """A pure-Python wheel with a console script: pip writes the script with this machine's
    interpreter path, the kind of file that must not reach a reproducible package."""
    files = {
        "tiny/__init__.py": b"def main():\n    return 'tiny'\n",
        "tiny-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n",
        "tiny-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "tiny-1.0.dist-info/entry_points.txt": b"[console_scripts]\ntiny = tiny:main\n",
    }
    record = "".join(f"{name},{_wheel_hash(data)},{len(data)}\n" for name, data in files.items())
    files["tiny-1.0.dist-info/RECORD"] = (record + "tiny-1.0.dist-info/RECORD,,\n").encode()
    folder.mkdir(parents=True)
    wheel = folder / "tiny-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


@pytest.fixture(scope="module")
def vendored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same requirements vendored twice, into two differently named folders, offline."""
    root = tmp_path_factory.mktemp("vendor")
    wheels = build_wheel(root / "wheels").parent
    requirements = root / "requirements.txt"
    requirements.write_text(f"--no-index\n--find-links {wheels.as_posix()}\ntiny==1.0\n")
    first, second = root / "one" / "package", root / "two" / "elsewhere"
    assets.vendor_requirements(requirements, first)
    assets.vendor_requirements(requirements, second)
    return first, second


def test_vendored_requirements_zip_to_the_same_bytes(vendored: tuple[Path, Path]) -> None:
    first, second = vendored
    assert assets.build_zip(first) == assets.build_zip(second)


def test_vendoring_keeps_the_package_and_its_metadata_but_not_what_names_this_machine(
    vendored: tuple[Path, Path],
) -> None:
    names = [info.filename for info in entries(assets.build_zip(vendored[0]))]
    assert "tiny/__init__.py" in names
    assert "tiny-1.0.dist-info/METADATA" in names and "tiny-1.0.dist-info/entry_points.txt" in names
    assert not [n for n in names if n.startswith("bin/") or n.endswith("/RECORD")], names


def test_a_requirement_without_a_wheel_names_the_platform(tmp_path: Path) -> None:
    build_wheel(tmp_path / "wheels")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--no-index\n--find-links {(tmp_path / 'wheels').as_posix()}\nnot-there==1.0\n")
    with pytest.raises(RuntimeError, match="manylinux2014_aarch64"):
        assets.vendor_requirements(requirements, tmp_path / "target")

