"""The Lambda zip is the same bytes for the same sources, whatever the file system says.

Oracles besides our own code: `zipfile` reads the archive and writes the stored zip our writer
must equal byte for byte; hashlib recomputes the hash. The oracles that are other programs
(`python -m zipfile -t`, Info-ZIP's `unzip`, `zipimport` in a fresh interpreter, Terraform's
`filebase64sha256` and pip) start processes, so they run in tests/engines/test_assets_tools.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import stat
import zipfile
from pathlib import Path

import pytest

from constructs_lib import assets
from support.lambda_code import EXPECTED_NAMES, LITTER, SOURCES, VERIFIER, entries, write_tree


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "a" / "code", {**SOURCES, **LITTER})


def test_the_same_sources_elsewhere_with_other_times_modes_and_order_give_the_same_bytes(
    source: Path, tmp_path: Path
) -> None:
    first = assets.build_zip(source)
    # Another checkout: other path, files created in the opposite order, other mtimes, a
    # umask-077 mode on one file and an execute bit on another, and litter of its own.
    other = write_tree(tmp_path / "b" / "deeper" / "copy", {**SOURCES, **LITTER}, reverse=True)
    for number, path in enumerate(sorted(other.rglob("*"))):
        os.utime(path, (1_000_000_000 + number * 7919, 1_700_000_000 + number * 104729))
    (other / "pkg" / "mod.py").chmod(0o600)
    (other / "handler.py").chmod(0o755)
    (other / "pkg" / "__pycache__" / "other.cpython-313.pyc").write_bytes(b"\x00other")
    assert assets.build_zip(other) == first
    # Touching the original changes nothing either.
    for path in source.rglob("*"):
        os.utime(path)
    assert assets.build_zip(source) == first


@pytest.mark.parametrize(
    "change",
    ["edit a byte", "rename a file", "add a file", "remove a file"],
)
def test_any_change_of_the_code_changes_the_bytes_and_the_hash(source: Path, change: str) -> None:
    before = assets.build_zip(source)
    if change == "edit a byte":
        (source / "pkg" / "mod.py").write_bytes(SOURCES["pkg/mod.py"].replace(b"42", b"43"))
    elif change == "rename a file":
        (source / "pkg" / "data" / "schema.json").rename(source / "pkg" / "data" / "schema2.json")
    elif change == "add a file":
        (source / "pkg" / "extra.py").write_bytes(b"")
    else:
        (source / "pkg" / "data" / "schema.json").unlink()
    after = assets.build_zip(source)
    assert after != before
    assert assets.source_code_hash(after) != assets.source_code_hash(before)


def test_only_the_code_is_packaged_sorted_and_without_folder_entries(source: Path) -> None:
    assert [info.filename for info in entries(assets.build_zip(source))] == EXPECTED_NAMES


def test_entries_carry_no_time_mode_or_metadata_of_the_machine(source: Path) -> None:
    for info in entries(assets.build_zip(source, executable=("bootstrap",))):
        assert info.date_time == assets.ZIP_EPOCH
        assert info.create_system == 3  # unix: Lambda's unzip reads the mode bits
        expected = 0o755 if info.filename == "bootstrap" else 0o644
        assert info.external_attr >> 16 == stat.S_IFREG | expected, info.filename
        assert info.extra == b"" and info.comment == b""
        # No data descriptor, no deflate option bits; UTF-8 only for names ASCII cannot spell.
        assert info.flag_bits == 0


def test_the_execute_bit_comes_from_the_patterns_not_from_the_file_system(source: Path) -> None:
    (source / "bootstrap").chmod(0o755)
    modes = {info.filename: info.external_attr >> 16 & 0o777 for info in entries(assets.build_zip(source))}
    assert modes["bootstrap"] == 0o644


def zipfile_stored(files: dict[str, tuple[bytes, int]]) -> bytes:
    """What `zipfile` writes for these (content, mode) files with ZIP_STORED, sorted by name,
    with the zip epoch as every time and unix as the creating system."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            content, mode = files[name]
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, content)
    return buffer.getvalue()


def test_a_stored_zip_is_byte_for_byte_what_zipfile_writes(source: Path) -> None:
    # A name ASCII cannot spell: zipfile writes it as UTF-8 and sets flag 0x800.
    (source / "pkg" / "données.txt").write_bytes("é\n".encode())
    expected = {name: (content, 0o755 if name == "bootstrap" else 0o644) for name, content in SOURCES.items()}
    expected["pkg/données.txt"] = ("é\n".encode(), 0o644)
    assert assets.build_zip(source, executable=("bootstrap",), compress=False) == zipfile_stored(expected)


def test_the_stored_verifier_zip_is_byte_for_byte_what_zipfile_writes() -> None:
    files = {path.name: (path.read_bytes(), 0o644) for path in VERIFIER.glob("*.py")}
    assert assets.build_zip(VERIFIER, compress=False) == zipfile_stored(files)


def test_compressed_entries_are_deflated_unless_that_would_not_make_them_smaller(source: Path) -> None:
    (source / "noise.bin").write_bytes(random.Random(1).randbytes(2000))
    (source / "pkg" / "repeats.txt").write_bytes(b"the same line, again and again\n" * 50)
    data = assets.build_zip(source)
    kinds = {info.filename: (info.compress_type, info.compress_size, info.file_size) for info in entries(data)}
    assert kinds["pkg/repeats.txt"][0] == zipfile.ZIP_DEFLATED
    assert kinds["pkg/repeats.txt"][1] < kinds["pkg/repeats.txt"][2] / 10
    assert kinds["noise.bin"][0] == zipfile.ZIP_STORED
    assert kinds["pkg/__init__.py"][0] == zipfile.ZIP_STORED  # empty: a deflate stream is 2 bytes
    for kind, packed, size in kinds.values():
        assert packed < size if kind == zipfile.ZIP_DEFLATED else packed == size
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    assert {info.compress_type for info in entries(assets.build_zip(source, compress=False))} == {zipfile.ZIP_STORED}


def test_a_deflated_zip_reads_back_with_its_names_modes_and_times(source: Path) -> None:
    data = assets.build_zip(source, executable=("bootstrap",))
    assert data == assets.build_zip(source, executable=("bootstrap",))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == EXPECTED_NAMES
        assert {name: archive.read(name) for name in archive.namelist()} == SOURCES
        assert zipfile.ZIP_DEFLATED in {info.compress_type for info in archive.infolist()}
        for info in archive.infolist():
            assert info.date_time == assets.ZIP_EPOCH
            assert info.external_attr >> 16 == stat.S_IFREG | (0o755 if info.filename == "bootstrap" else 0o644)


def test_the_verifier_zip_is_under_40_kb_and_holds_only_its_modules() -> None:
    # Small enough to download and import in milliseconds (BENCHMARKS.md measures the cold
    # start); the bound catches a dependency or data file slipping into the code root.
    data = assets.build_zip(VERIFIER)
    assert len(data) < 40_000, len(data)
    assert [info.filename for info in entries(data)] == ["curves.py", "edge.py", "generic.py", "handler.py", "signatures.py"]


@pytest.mark.parametrize(
    ("limit", "refused"),
    [("_MAX_32", "the size of 'bootstrap'"), ("_MAX_32", "the offset of"), ("_MAX_16", "the number of files")],
)
def test_what_would_need_zip64_is_refused(
    source: Path, monkeypatch: pytest.MonkeyPatch, limit: str, refused: str
) -> None:
    """4 GiB files cannot be made here, so the writer's limits are lowered: each is checked
    where it applies, with an error that says why."""
    value = {"the size of 'bootstrap'": 50, "the offset of": 120, "the number of files": 3}[refused]
    monkeypatch.setattr(assets, limit, value)
    with pytest.raises(ValueError, match="zip64") as caught:
        assets.build_zip(source, compress=False)
    assert refused in str(caught.value)


def test_extra_exclusions_extend_the_defaults(source: Path) -> None:
    data = assets.build_zip(source, exclude=assets.DEFAULT_EXCLUDE + ("*.json",))
    assert [info.filename for info in entries(data)] == [n for n in EXPECTED_NAMES if not n.endswith(".json")]


def test_a_linked_file_is_packaged_as_its_content(source: Path, tmp_path: Path) -> None:
    outside = tmp_path / "shared.py"
    outside.write_bytes(b"SHARED = 1\n")
    (source / "shared.py").symlink_to(outside)
    with zipfile.ZipFile(io.BytesIO(assets.build_zip(source))) as archive:
        assert archive.read("shared.py") == b"SHARED = 1\n"
        assert archive.getinfo("shared.py").external_attr >> 16 == stat.S_IFREG | 0o644


def test_a_linked_folder_is_refused_rather_than_followed_or_dropped(source: Path, tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (source / "lib").symlink_to(tmp_path / "lib", target_is_directory=True)
    with pytest.raises(ValueError, match="symbolic link to a folder"):
        assets.build_zip(source)


def test_a_missing_or_empty_code_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a folder"):
        assets.build_zip(tmp_path / "nowhere")
    write_tree(tmp_path / "only-litter", LITTER)
    with pytest.raises(ValueError, match="no file to package"):
        assets.build_zip(tmp_path / "only-litter")


def test_source_code_hash_is_base64_of_sha256(source: Path) -> None:
    data = assets.build_zip(source)
    assert assets.source_code_hash(data) == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert len(base64.b64decode(assets.source_code_hash(data))) == 32


# --- vendored requirements -----------------------------------------------------------------


def test_vendoring_into_a_used_folder_is_refused(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tiny==1.0\n")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "old.py").write_text("")
    with pytest.raises(ValueError, match="not empty"):
        assets.vendor_requirements(requirements, tmp_path / "target")
