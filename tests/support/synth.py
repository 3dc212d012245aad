"""Run the app as `make synth` does and read what it wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSII_ENV = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "CHECKPOINT_DISABLE": "1",
}


def node_major() -> str:
    out = subprocess.run(["node", "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True)
    return out.stdout.strip()


@dataclass(frozen=True)
class SynthOutput:
    outdir: Path

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text())

    @property
    def stack_names(self) -> list[str]:
        return sorted(self.manifest["stacks"])

    def stack_dir(self, name: str) -> Path:
        return self.outdir / self.manifest["stacks"][name]["workingDirectory"]

    def stack(self, name: str) -> dict[str, Any]:
        return json.loads((self.stack_dir(name) / "cdk.tf.json").read_text())


def synth_app(project: Path, outdir: Path, *, python: str = sys.executable) -> SynthOutput:
    env = {**os.environ, **JSII_ENV, "CDKTF_OUTDIR": str(outdir)}
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = node_major()
    result = subprocess.run([python, "main.py"], cwd=project, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"synth failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return SynthOutput(outdir)


# A live interpolation (not the escaped `$${`), whose expression may hold quoted strings.
_INTERPOLATION = re.compile(r'(?<!\$)\$\{(?:[^{}"]|"[^"]*")*\}')


def json_document(text: str) -> Any:
    """Parse a JSON document held in a Terraform string before Terraform evaluates it.

    An interpolation like `${element(split(":", x.arn), 1)}` holds raw quotes, which Terraform
    removes by evaluating it; here it is kept as text, its quotes escaped, so the rest parses.
    """
    kept = _INTERPOLATION.sub(lambda m: m.group(0).replace('"', '\\"'), text)
    return json.loads(terraform_unescape(kept))


def terraform_unescape(text: str) -> str:
    """What Terraform makes of a literal string: `$${` is `${`, `%%{` is `%{`."""
    return text.replace("$${", "${").replace("%%{", "%{")


def resources(stack: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(kind, {})


def ref(kind: str, name: str, attribute: str) -> str:
    """The interpolation cdktf writes for a resource attribute."""
    return "${" + f"{kind}.{name}.{attribute}" + "}"
