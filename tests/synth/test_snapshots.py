"""Snapshots of every synthesized stack, normalized so a diff reads as a change of meaning.

They catch what unit tests do not name: a renamed construct ID (which replaces a live
resource), a dropped attribute, a template edit. Update deliberately with
`.venv/bin/python -m pytest tests/synth --snapshot-update` and review the diff.
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.testing import normalize
from support.synth import SynthOutput


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_stack_snapshots(synth: SynthOutput, snapshot_json: SnapshotAssertion) -> None:
    for name in synth.stack_names:
        # The helper users get (constructs_lib.testing); the construct paths kept, so a moved
        # construct shows in the diff with its path.
        assert normalize(synth.stack(name), keep_metadata=True) == snapshot_json(name=name)
