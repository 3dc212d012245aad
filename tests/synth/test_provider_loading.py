"""constructs_lib._provider: the AWS provider bindings loaded one submodule at a time still
behave as the package does for everything a user or the jsii runtime asks of it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from constructs_lib._provider import ASSEMBLY, PACKAGE, _camel, _submodules

JSII_TYPE = re.compile(r'jsii_type="@cdktf/provider-aws\.([A-Za-z0-9]+)\.')


def package_folder() -> Path:
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    return Path(list(spec.submodule_search_locations)[0])


def test_every_submodule_is_mapped_to_the_jsii_name_its_types_carry() -> None:
    """The map the jsii runtime uses to import a submodule for a type it has not seen."""
    folder = package_folder()
    names = _submodules(str(folder))
    assert len(names) > 2000
    wrong = {}
    for name in names:
        match = JSII_TYPE.search((folder / name / "__init__.py").read_text())
        if match is None or match.group(1) != _camel(name):
            wrong[name] = match and match.group(1)
    assert wrong == {}


LAZY_USE = f"""
import sys
from constructs_lib import _provider
import {PACKAGE} as aws
import jsii._reference_map as reference_map
assert getattr(aws, "__lazy_submodules__", None), "the lazy package was not installed"
assert "sqs_queue" in dir(aws) and "sqs_queue" in aws.__all__
queue = aws.sqs_queue.SqsQueue
from {PACKAGE}.provider import AwsProvider
assert reference_map._submodule_fqn_map["{ASSEMBLY}.sqsQueue"] == "{PACKAGE}.sqs_queue"
try:
    aws.no_such_resource
except AttributeError:
    pass
else:
    raise AssertionError("unknown names must raise AttributeError")
loaded = sorted({{m.split(".")[1] for m in sys.modules if m.startswith("{PACKAGE}.")}})
print(" ".join(loaded))
"""


def test_submodules_load_on_first_use_as_attributes_or_imports(repo_root: Path) -> None:
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    result = subprocess.run([sys.executable, "-c", LAZY_USE], cwd=repo_root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["_jsii", "provider", "sqs_queue"]


# An ordinary import made before ours is left alone: checked by the plain synth in
# test_determinism.py, which imports the whole package first (one eager import, ~20 s, not two).
