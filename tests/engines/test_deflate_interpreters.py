"""Our DEFLATE encoder depends on nothing but its input: the same bytes from interpreters with
other string hashing. Starts two interpreters; the encoder's pure checks are
tests/unit/test_deflate.py.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from constructs_lib.deflate import deflate
from support.lambda_code import LAMBDA_SOURCES, ROOT


def test_the_output_depends_on_nothing_but_the_input() -> None:
    """The same bytes in two interpreters with different string hashing (the encoder keys
    a dict by bytes), and on a second call in this one."""
    data = b"".join(path.read_bytes() for path in LAMBDA_SOURCES)
    here = deflate(data)
    assert deflate(data) == here
    script = (
        "import hashlib, pathlib, sys; from constructs_lib.deflate import deflate; "
        "print(hashlib.sha256(deflate(b''.join(pathlib.Path(p).read_bytes() for p in sys.argv[1:]))).hexdigest())"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", script, *map(str, LAMBDA_SOURCES)], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == hashlib.sha256(here).hexdigest()

