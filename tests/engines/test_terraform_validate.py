"""Every synthesized stack, exactly as written to cdktf.out/, passes `terraform validate` with
the offline AWS provider 5.100.0 (the lower end of the range the stacks declare)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.synth import SynthOutput
from support.terraform import init, terraform, validate


def test_every_stack_validates_offline(synth: SynthOutput, tmp_path: Path) -> None:
    assert synth.stack_names
    for name in synth.stack_names:
        # A copy, so .terraform/ never lands in the shared synth output; the backend block stays
        # (init -backend=false): validate sees the stack as users get it.
        workdir = tmp_path / name
        shutil.copytree(synth.stack_dir(name), workdir)
        init(workdir, backend=False)
        warnings = validate(workdir)
        assert not [w for w in warnings if "deprecated" in w.get("summary", "").lower()], warnings
        selected = json.loads(terraform(workdir, "version", "-json").output)["provider_selections"]
        assert selected == {"registry.terraform.io/hashicorp/aws": "5.100.0"}
