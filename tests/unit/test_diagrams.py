"""The diagram builders on plain data (the README's staleness check is tests/synth/test_diagrams_readme.py)."""

from __future__ import annotations

import re

import pytest

from constructs_lib import WebhookIngestProps, WebhookSource, Processing, ProcessFunction
from constructs_lib.diagrams import architecture, example_workflow, render_readme, state_diagram
from examples.models import GitHubEvent

PROCESS = ProcessFunction(function_arn="arn:aws:lambda:us-east-1:1:function:p")
ASL = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Check",
                "States": {
                    "Check": {"Type": "Task", "Next": "Ok?", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]},
                    "Ok?": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.valid", "BooleanEquals": True, "Next": "Done"}],
                        "Default": "Broken",
                    },
                    "Done": {"Type": "Succeed"},
                    "Broken": {"Type": "Fail"},
                },
            },
            "Next": "Both",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
            ],
            "End": True,
        },
    },
}


def edges(diagram: str) -> set[str]:
    return {line.strip() for line in diagram.splitlines() if "-->" in line}


def test_every_state_and_transition_of_the_definition_is_drawn() -> None:
    diagram = state_diagram(ASL)
    assert diagram.startswith("stateDiagram-v2\n")
    assert edges(diagram) == {
        "[*] --> Each",
        "[*] --> Each_Check",
        "Each_Check --> Each_Ok_",
        "Each_Check --> Each_Broken: error: States.ALL",
        "Each_Ok_ --> Each_Done: valid boolean equals true",
        "Each_Ok_ --> Each_Broken: otherwise",
        "Each_Done --> [*]",
        "Each_Broken --> [*]",
        "Each --> Both",
        "[*] --> Both_0_A",
        "Both_0_A --> [*]",
        "[*] --> Both_1_B",
        "Both_1_B --> [*]",
        "Both --> [*]",
    }
    assert 'state "Ok? (Choice)" as Each_Ok_' in diagram
    assert re.search(r"state Both \{\n.*\n        --\n", diagram, re.S)


def test_the_workflow_of_a_source_is_the_builders() -> None:
    props = WebhookIngestProps(
        name="acme", sources=(WebhookSource(name="github", model=GitHubEvent, processing=Processing(scheme="github", process=PROCESS)),)
    )
    definition = example_workflow(props, "github")
    drawn = state_diagram(definition)
    names = set(definition["States"]) | set(definition["States"]["Records"]["ItemProcessor"]["States"])
    for name in names:
        assert f'state "{name} (' in drawn, name


def test_the_architecture_shows_each_sources_path_and_checks() -> None:
    props = WebhookIngestProps(
        name="acme",
        sources=(
            WebhookSource(name="github", model=GitHubEvent, fifo=True, group_id_field="action", fifo_high_throughput=True, processing=Processing(scheme="github", process=PROCESS)),
            WebhookSource(name="dropbox", content_types=("application/json",), handshake="dropbox"),
        ),
    )
    drawn = architecture(props)
    assert 'p_github(["github"]) -->|"POST /webhooks/github"| api' in drawn
    assert 'q_github[("github FIFO queue, high throughput")]' in drawn
    assert 'verify_github -->|"invalid: kept with its reason"| rejected_github' in drawn
    assert 'p_dropbox -.->|"GET check (dropbox): mock integration"| api' in drawn
    assert "pipe_dropbox" not in drawn  # ingest only


def test_readme_blocks_are_replaced_and_unknown_ones_refused() -> None:
    text = "a\n<!-- BEGIN DIAGRAM x (python -m constructs_lib.diagrams) -->\nold\n<!-- END DIAGRAM x -->\nb"
    assert render_readme(text, {"x": "flowchart LR"}) == (
        "a\n<!-- BEGIN DIAGRAM x (python -m constructs_lib.diagrams) -->\n```mermaid\nflowchart LR\n```\n<!-- END DIAGRAM x -->\nb"
    )
    with pytest.raises(ValueError, match="'x'"):
        render_readme(text, {})
