"""Every synthesized stack, exactly as written to cdktf.out/, passes `terraform validate` with
the offline AWS provider 5.100.0 (the lower end of the range the stacks declare)."""

from __future__ import annotations

import json
from pathlib import Path

from support.synth import SynthOutput
from support.terraform import terraform, validate_copies


def test_every_stack_validates_offline(synth: SynthOutput, tmp_path: Path) -> None:
    assert synth.stack_names
    validate_copies({synth.stack_dir(name): tmp_path / name for name in synth.stack_names})
    for name in synth.stack_names:
        workdir = tmp_path / name
        selected = json.loads(terraform(workdir, "version", "-json").output)["provider_selections"]
        assert selected == {"registry.terraform.io/hashicorp/aws": "5.100.0"}
