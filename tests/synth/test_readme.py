"""What the README promises about the example stacks is what they synthesize."""

from __future__ import annotations

import re
from pathlib import Path

from support.synth import SynthOutput

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_output_names_are_what_each_example_stack_outputs(synth: SynthOutput) -> None:
    section = README.read_text().split("### 2. The examples, with `cdktf deploy`", 1)[1].split("\n### ", 1)[0]
    rows = {
        m.group(1): set(re.findall(r"`([a-z0-9_]+)`", m.group(2)))
        for m in re.finditer(r"^\| `([a-z-]+)` \| (.+) \|$", section, flags=re.M)
    }
    assert set(rows) == set(synth.stack_names)
    for name, documented in rows.items():
        assert documented == set(synth.stack(name)["output"]), name
