"""The README's diagrams are what the builders draw now from main.py's examples."""

from __future__ import annotations

from pathlib import Path

import main
from constructs_lib.diagrams import readme_blocks, render_readme

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_diagrams_are_current() -> None:
    blocks = readme_blocks({name: factory() for name, factory in main.EXAMPLES.items()})
    text = README.read_text(encoding="utf-8")
    for name in blocks:
        assert f"<!-- BEGIN DIAGRAM {name} " in text, f"the README does not show {name}"
    assert render_readme(text, blocks) == text, "a diagram is stale: run `make diagrams`"
