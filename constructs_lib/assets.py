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
- Entries are stored, not deflated, unless `deflate_level` asks for it: deflate output
  depends on the zlib build (zlib-ng, which Fedora ships as zlib and CPython 3.14 bundles on
  Windows, compresses the same bytes differently), so only stored entries are the same
  everywhere. A handler is kilobytes; Lambda's limits (50 MB zipped for a direct upload,
  250 MB unzipped) only make compression worth its drift for large vendored dependencies.
- Bytecode, caches, tests and OS litter are excluded (`DEFAULT_EXCLUDE`): the runtime compiles
  what it imports, and those files differ between machines or are never run.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

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
    deflate_level: int | None = None,
) -> bytes:
    """A Lambda zip of the files below `source_dir`, the same bytes for the same sources.

    `exclude`: glob patterns of files and folders to leave out; `DEFAULT_EXCLUDE` unless
    given (extend it, e.g. `DEFAULT_EXCLUDE + ("*.md",)`).
    `executable`: glob patterns of files that get mode 0o755 (a custom runtime's
    `bootstrap`); every other file gets 0o644.
    `deflate_level`: None stores entries (reproducible everywhere); 0-9 deflates them at that
    level, reproducible only between machines with the same zlib build.
    """
    if deflate_level is not None and not 0 <= deflate_level <= 9:
        raise ValueError(f"deflate_level={deflate_level!r} is not a zlib level: use 0-9, or None to store")
    executables = tuple(executable)
    files = package_files(source_dir, exclude=exclude)
    if not files:
        raise ValueError(
            f"source_dir {str(source_dir)!r} holds no file to package after excluding {tuple(exclude)!r}: "
            "point it at the function's code root"
        )
    compression = zipfile.ZIP_STORED if deflate_level is None else zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for relative, path in files:
            info = zipfile.ZipInfo(relative, date_time=ZIP_EPOCH)
            info.create_system = _UNIX
            mode = EXECUTABLE_MODE if _matches(relative, executables) else FILE_MODE
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = compression
            archive.writestr(info, path.read_bytes(), compresslevel=deflate_level)
    return buffer.getvalue()


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
