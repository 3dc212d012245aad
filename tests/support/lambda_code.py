"""Code folders the Lambda packaging tests zip: a handler's folder, the litter a checkout adds
to it, and the repository's own Lambda sources. Shared by the pure zip and DEFLATE tests
(tests/unit) and the ones whose oracle is another program (tests/engines)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "lambda_src" / "verifier"
LAMBDA_SOURCES = sorted((ROOT / "lambda_src").rglob("*.py"))

SOURCES = {
    "handler.py": b"from pkg.mod import answer\n\ndef handler(event, context):\n    return answer()\n",
    "pkg/__init__.py": b"",
    "pkg/mod.py": b"def answer():\n    return 42\n",
    "pkg/data/schema.json": b'{"type": "object"}\n',
    "bootstrap": b"#!/bin/sh\nexec python3 -m awslambdaric handler.handler\n",
}
# Files every checkout may carry besides the code; none of them may reach the zip.
LITTER = {
    "__pycache__/handler.cpython-311.pyc": b"\x00bytecode",
    "pkg/__pycache__/mod.cpython-312.pyc": b"\x00bytecode",
    "pkg/stale.pyc": b"\x00bytecode",
    "tests/test_handler.py": b"def test(): pass\n",
    "test_handler.py": b"def test(): pass\n",
    "pkg/mod_test.py": b"def test(): pass\n",
    "conftest.py": b"",
    ".DS_Store": b"\x00\x00\x00\x01Bud1",
    "pkg/.DS_Store": b"\x00\x00\x00\x01Bud1",
    ".pytest_cache/v/cache/lastfailed": b"{}",
}
EXPECTED_NAMES = sorted(SOURCES)


def write_tree(root: Path, files: dict[str, bytes], *, reverse: bool = False) -> Path:
    for relative in sorted(files, reverse=reverse):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[relative])
    return root


def entries(data: bytes) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist()
