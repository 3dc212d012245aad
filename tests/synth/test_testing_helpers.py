"""`constructs_lib.testing`, as a user's own test calls it: a stack built in-process on
`Testing.app()` and snapshot, which must equal what `make synth` writes for the same stack.

Run in a fresh interpreter, as a user's test session would be, so jsii starts here and not in
the suite's process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.testing import json_document, normalize, only, ref, resources
from support.synth import SynthOutput, jsii_environment

IN_PROCESS = """
import json, sys
from cdktf import Testing
import main
from constructs_lib import WebhookIngest, WebhookStack
from constructs_lib.testing import snapshot

snapshots = {}
for name in ("users-standard", "github"):
    app = Testing.app()
    WebhookIngest(WebhookStack(app, name), "Webhooks", main.EXAMPLES[name]())
    snapshots[name] = snapshot(app.node.find_child(name))
json.dump(snapshots, sys.stdout)
"""


def test_a_stack_snapshot_in_process_equals_what_make_synth_writes(synth: SynthOutput, repo_root: Path) -> None:
    env = jsii_environment()
    result = subprocess.run([sys.executable, "-c", IN_PROCESS], cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    snapshots = json.loads(result.stdout)
    for name, snapshot in snapshots.items():
        written = normalize(synth.stack(name))
        assert snapshot == written, name
        # Parsed, not strings: a diff of the state machine reads state by state.
        _, machine = only(written, "aws_sfn_state_machine")
        assert machine["definition"]["StartAt"] == "Records"
        assert "//" not in json.dumps(snapshot)


def test_normalize_parses_json_documents_and_keeps_terraform_references() -> None:
    document = {
        "//": {"metadata": {"path": "s/W"}},
        "resource": {
            "aws_iam_role": {
                "R": {
                    "name": "r",
                    # As cdktf writes it: the reference's own quotes stay raw inside the JSON text.
                    "assume_role_policy": '{"Statement": [{"Condition": {"StringEquals": {"aws:SourceAccount": '
                    '"${element(split(":", aws_iam_role.A.arn), 4)}"}}}]}',
                    "//": {"metadata": {"path": "s/W/R"}},
                }
            }
        },
    }
    normalized = normalize(document)
    condition = normalized["resource"]["aws_iam_role"]["R"]["assume_role_policy"]["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"aws:SourceAccount": '${element(split(":", aws_iam_role.A.arn), 4)}'}}
    assert "//" not in normalized and "//" in normalize(document, keep_metadata=True)
    assert json_document('{"a": "$${literal}"}') == {"a": "${literal}"}


def test_finding_resources() -> None:
    document = {"resource": {"aws_sqs_queue": {"Q": {"name": "q"}, "D": {"name": "q-dlq"}}}}
    assert set(resources(document, "aws_sqs_queue")) == {"Q", "D"}
    assert resources(document, "aws_sns_topic") == {}
    assert only(document, "aws_sqs_queue", lambda q: q["name"].endswith("-dlq")) == ("D", {"name": "q-dlq"})
    with pytest.raises(AssertionError, match=r"expected one aws_sqs_queue, found 2: \['Q', 'D'\]"):
        only(document, "aws_sqs_queue")
    assert ref("aws_sqs_queue", "Q", "arn") == "${aws_sqs_queue.Q.arn}"
