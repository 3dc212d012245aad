"""Snapshots of every synthesized stack, normalized so a diff reads as a change of meaning.

They catch what unit tests do not name: a renamed construct ID (which replaces a live
resource), a dropped attribute, a template edit. Update deliberately with
`.venv/bin/python -m pytest tests/synth --snapshot-update` and review the diff.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from support.synth import SynthOutput, json_document

# Attributes that hold JSON documents as strings; parsed so the snapshot shows their structure.
JSON_STRINGS = {"body", "policy", "assume_role_policy", "redrive_policy", "redrive_allow_policy", "definition"}


def normalize(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: normalize(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, str) and key in JSON_STRINGS:
        try:
            return normalize(json_document(value))
        except json.JSONDecodeError:
            return value
    return value


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_stack_snapshots(synth: SynthOutput, snapshot_json: SnapshotAssertion) -> None:
    for name in synth.stack_names:
        assert normalize(synth.stack(name)) == snapshot_json(name=name)
