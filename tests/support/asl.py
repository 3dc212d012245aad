"""The Amazon States Language validator from npm (`asl-validator`), run on our definitions.

The version is pinned in package.json / package-lock.json; `make test` installs it into
node_modules/ with `npm ci`. A missing validator is an error, never a skip: a suite that
silently stops validating state machines would pass on anything.

Definitions go to one node process together, through the package's own API with the
options its command line uses by default (ARN and JSONPath checks on): loading the
validator takes about a second, checking a definition a few milliseconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
VALIDATOR = NODE_MODULES / ".bin" / "asl-validator"

# Reads {name: definition} on stdin, writes {name: {"valid": bool, "errors": str}}.
_SCRIPT = """
const validator = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = {};
  for (const [name, definition] of Object.entries(JSON.parse(input))) {
    const result = validator(definition, { checkArn: true, checkPaths: true });
    results[name] = { valid: result.isValid, errors: result.errorsText("\\n") };
  }
  process.stdout.write(JSON.stringify(results));
});
"""


class AslValidatorMissing(RuntimeError):
    """node_modules/.bin/asl-validator (or node) is not there."""


@dataclass(frozen=True)
class AslResult:
    valid: bool
    errors: str  # the validator's messages, one per line; empty when valid


def validator_package() -> Path:
    if not VALIDATOR.is_file():
        raise AslValidatorMissing(
            f"{VALIDATOR.relative_to(ROOT)} is missing: `make test` installs it "
            "(`npm ci --no-audit --no-fund` from package-lock.json in the repository root)"
        )
    if shutil.which("node") is None:
        raise AslValidatorMissing("node is not on PATH: install Node.js 18 or later to run asl-validator")
    return NODE_MODULES / "asl-validator"


def validate_many(definitions: Mapping[str, dict[str, Any]]) -> dict[str, AslResult]:
    """Validate each named definition; one node process for all of them."""
    package = validator_package()
    result = subprocess.run(
        ["node", "-e", _SCRIPT, str(package)],
        input=json.dumps(dict(definitions)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"asl-validator failed to run (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return {name: AslResult(item["valid"], item["errors"]) for name, item in json.loads(result.stdout).items()}


def validate(definition: dict[str, Any]) -> AslResult:
    return validate_many({"definition": definition})["definition"]
