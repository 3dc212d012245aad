"""Lambda deployment packages that are byte-identical for identical sources, on any machine.

Pure functions over files; standard library only, no cdktf.

Terraform redeploys a function whenever `source_code_hash` changes, so a zip that carries
anything besides the code (file times, the umask's modes, the order a file system lists a
folder in, bytecode caches, the zlib build) makes every machine and every checkout see a
change that is not there. What `build_zip` fixes, and why:

- Entries are the regular files below the source folder, sorted by their posix relative
  path, without directory entries: Lambda extracts a file's folders by itself, and an empty
  folder carries nothing a handler could use.
- Every entry has the zip epoch as its time (1980-01-01 00:00:00; DOS time cannot say
  earlier), no extra fields (no extended timestamps, no uid/gid) and no comment.
- Modes are 0o644, or 0o755 for the files named by `executable` patterns. Modes are not read
  from the file system: git keeps only the execute bit, Windows keeps none, and a checkout
  under umask 077 would otherwise package 0o600 files that Lambda's sandbox user cannot read.
- Entries are deflated by our own encoder (`constructs_lib.deflate`), never by zlib: zlib's
  output depends on its build (zlib-ng, which Fedora ships as zlib and CPython 3.14 bundles
  on Windows, compresses the same bytes differently), ours only on the input. An entry that
  deflate would not make smaller (an image, a compiled extension, an empty file) is stored.
  The encoder is pure Python, about 1 MB/s: for tens of MB of vendored dependencies,
  `compress=False` stores every entry instead, in a fraction of a second.
- The container is written here as well, not by `zipfile`, which can only deflate with zlib:
  a local header per entry, the central directory and the end record, with no extra fields,
  no comments and no data descriptors (sizes and CRC are known before each header). A stored
  zip is byte for byte what `zipfile` writes for the same entries. There is no zip64, so an
  entry or archive of 4 GiB or more is refused; Lambda takes 250 MB unzipped at most.
- Bytecode, caches, tests and OS litter are excluded (`DEFAULT_EXCLUDE`): the runtime compiles
  what it imports, and those files differ between machines or are never run.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import shutil
import stat
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .deflate import deflate

__all__ = [
    "DEFAULT_EXCLUDE",
    "ZIP_EPOCH",
    "build_zip",
    "package_files",
    "source_code_hash",
    "vendor_requirements",
]

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# Matched against each file's and folder's name and against its posix path relative to the
# source folder; a matching folder excludes everything below it.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "tests",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    ".DS_Store",
    "Thumbs.db",
    "*.swp",
    "*~",
)

FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755
# "Unix" as the creating system: unzip and Lambda read the mode from external_attr only then.
_UNIX = 3

# The zip format (PKWARE APPNOTE 4.3), as far as a reproducible package needs it.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
# Version 2.0 to make and to extract: what deflate needs, and what zipfile writes for stored
# entries too, so a stored zip matches zipfile's byte for byte.
_VERSION = 20
_STORED = 0
_DEFLATED = 8
_UTF8_NAME = 0x800
_DOS_TIME = (ZIP_EPOCH[3] << 11) | (ZIP_EPOCH[4] << 5) | (ZIP_EPOCH[5] // 2)
_DOS_DATE = ((ZIP_EPOCH[0] - 1980) << 9) | (ZIP_EPOCH[1] << 5) | ZIP_EPOCH[2]
# All ones in a 32-bit size or offset, or in the 16-bit entry count, tells a reader to look
# for zip64 records, which this writer does not write: such values are refused, not written.
_MAX_32 = 0xFFFFFFFF
_MAX_16 = 0xFFFF


def _matches(relative: str, patterns: Iterable[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(relative, p) for p in patterns)


def package_files(source_dir: Path, *, exclude: Iterable[str] = DEFAULT_EXCLUDE) -> list[tuple[str, Path]]:
    """The (posix relative path, file) pairs `build_zip` packages, in archive order.

    Symbolic links to files are packaged as the file they point to. A symbolic link to a
    folder is refused: following it could leave the source tree or loop, and skipping it
    would silently drop code.
    """
    root = Path(source_dir)
    if not root.is_dir():
        raise ValueError(f"source_dir {str(root)!r} is not a folder: point it at the code root of the function")
    patterns = tuple(exclude)
    found: list[tuple[str, Path]] = []
    for folder, subfolders, files in os.walk(root, followlinks=False):
        here = Path(folder)
        prefix = here.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        kept = []
        for sub in subfolders:
            relative = prefix + sub
            if _matches(relative, patterns):
                continue
            if (here / sub).is_symlink():
                raise ValueError(
                    f"{relative!r} in {str(root)!r} is a symbolic link to a folder: copy the folder "
                    "in, or exclude it with exclude=DEFAULT_EXCLUDE + ('" + relative + "',)"
                )
            kept.append(sub)
        subfolders[:] = kept
        for name in files:
            relative = prefix + name
            path = here / name
            if _matches(relative, patterns):
                continue
            if not path.is_file():
                # A dangling link or a socket: nothing Lambda could load.
                raise ValueError(f"{relative!r} in {str(root)!r} is not a regular file: remove or exclude it")
            found.append((relative, path))
    # Sorted by the path string, not by walk order: file systems list folders differently.
    found.sort(key=lambda item: item[0])
    return found


def build_zip(
    source_dir: Path,
    *,
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    executable: Iterable[str] = (),
    compress: bool = True,
) -> bytes:
    """A Lambda zip of the files below `source_dir`, the same bytes for the same sources.

    `exclude`: glob patterns of files and folders to leave out; `DEFAULT_EXCLUDE` unless
    given (extend it, e.g. `DEFAULT_EXCLUDE + ("*.md",)`).
    `executable`: glob patterns of files that get mode 0o755 (a custom runtime's
    `bootstrap`); every other file gets 0o644.
    `compress`: True deflates each entry with `constructs_lib.deflate` (the same bytes on
    every machine, about 1 MB/s) unless that would not make it smaller; False stores every
    entry (a larger zip, built at once: for tens of MB of vendored dependencies).
    """
    executables = tuple(executable)
    files = package_files(source_dir, exclude=exclude)
    if not files:
        raise ValueError(
            f"source_dir {str(source_dir)!r} holds no file to package after excluding {tuple(exclude)!r}: "
            "point it at the function's code root"
        )
    entries = [
        (relative, path.read_bytes(), EXECUTABLE_MODE if _matches(relative, executables) else FILE_MODE)
        for relative, path in files
    ]
    return _write_zip(entries, compress=compress)


def _refuse_zip64(what: str, value: int, sentinel: int) -> None:
    if value >= sentinel:
        raise ValueError(
            f"{what} is {value:,}, over the {sentinel - 1:,} a zip without zip64 can hold, and build_zip "
            "writes no zip64: leave files out with exclude (Lambda takes 250 MB unzipped at most)"
        )


# Deflated files by the SHA-256 of their content, for this process. `deflate` is a pure
# function that runs at about 1 MB/s, and an app packages the same code many times (the
# verifier of every source of every stack, 35 files in the example app): each file is
# deflated once. Files over _CACHED_SIZE are not kept (vendored dependencies, which
# compress=False stores anyway).
_DEFLATE_CACHE: dict[bytes, bytes] = {}
_CACHED_SIZE = 1 << 20


def _deflated(content: bytes) -> bytes:
    if len(content) > _CACHED_SIZE:
        return deflate(content)
    digest = hashlib.sha256(content).digest()
    found = _DEFLATE_CACHE.get(digest)
    if found is None:
        found = _DEFLATE_CACHE[digest] = deflate(content)
    return found


def _write_zip(entries: Sequence[tuple[str, bytes, int]], *, compress: bool) -> bytes:
    """The zip of (posix path, content, mode) entries, in the order given."""
    _refuse_zip64("the number of files", len(entries), _MAX_16)
    archive = bytearray()
    directory = bytearray()
    for name, content, mode in entries:
        # Flagged UTF-8 only when ASCII cannot say it, as zipfile does: readers that predate
        # the flag read ASCII names the same either way.
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), _UTF8_NAME
        if len(encoded) > _MAX_16:
            raise ValueError(
                f"the path {name[:100]!r}... is {len(encoded):,} bytes; a zip entry's name is at most 65,535"
            )
        # The stored or deflated data is never longer than the content: one check covers both sizes.
        _refuse_zip64(f"the size of {name!r}", len(content), _MAX_32)
        offset = len(archive)
        _refuse_zip64(f"the offset of {name!r}", offset, _MAX_32)
        method, data = _STORED, content
        if compress:
            deflated = _deflated(content)
            if len(deflated) < len(content):
                method, data = _DEFLATED, deflated
        crc = zlib.crc32(content)
        archive += _LOCAL_HEADER.pack(
            b"PK\x03\x04", _VERSION, 0, flags, method, _DOS_TIME, _DOS_DATE,
            crc, len(data), len(content), len(encoded), 0,
        )
        archive += encoded
        archive += data
        directory += _CENTRAL_HEADER.pack(
            b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, flags, method, _DOS_TIME, _DOS_DATE,
            crc, len(data), len(content), len(encoded), 0, 0, 0, 0, (stat.S_IFREG | mode) << 16, offset,
        )
        directory += encoded
    _refuse_zip64("the offset of the central directory", len(archive), _MAX_32)
    _refuse_zip64("the size of the central directory", len(directory), _MAX_32)
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(archive), 0)
    return bytes(archive + directory + end)


def source_code_hash(zip_bytes: bytes) -> str:
    """Base64 of the SHA-256 of the zip: what Terraform's `filebase64sha256(file)` returns."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode("ascii")


def vendor_requirements(
    requirements_txt: Path,
    target: Path,
    *,
    platform: str = "manylinux2014_aarch64",
    python_version: str = "3.12",
) -> None:
    """Install the pinned requirements for the Lambda runtime into `target`, reproducibly.

    Wheels only, for the runtime's platform and Python, never built here: a source build would
    compile for this machine and embed its paths. `--isolated` ignores the machine's pip
    configuration (extra indexes, constraints), so every machine resolves the same files; pin
    every requirement (with hashes, which pip then enforces) for the same versions. Afterwards
    the parts that differ between machines go: console scripts in `bin/` (their first line is
    this machine's interpreter path, and Lambda never runs them) and each `RECORD`, which lists
    those scripts' hashes and is only read by pip to uninstall. `target` must not exist yet or
    be empty, so nothing from an earlier install is packaged. Zip `target` with `build_zip`.
    """
    requirements = Path(requirements_txt)
    if not requirements.is_file():
        raise ValueError(f"requirements_txt {str(requirements)!r} is not a file: point it at a pinned requirements file")
    destination = Path(target)
    if destination.exists() and any(destination.iterdir()):
        raise ValueError(
            f"target {str(destination)!r} is not empty: vendor into a new folder, so no file of an "
            "earlier install ends up in the package"
        )
    command = [
        sys.executable, "-m", "pip", "install", "--isolated", "--disable-pip-version-check",
        "--no-input", "--quiet", "--requirement", str(requirements), "--target", str(destination),
        "--platform", platform, "--python-version", python_version, "--implementation", "cp",
        "--only-binary=:all:", "--no-compile",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"pip could not vendor {str(requirements)!r} for {platform} / Python {python_version} "
            f"(exit {result.returncode}); every requirement needs a wheel for that platform:\n"
            f"{result.stderr[-3000:]}"
        )
    shutil.rmtree(destination / "bin", ignore_errors=True)
    for record in destination.glob("*.dist-info/RECORD"):
        record.unlink()
