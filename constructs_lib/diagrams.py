"""Mermaid diagrams drawn from the same data the stacks are built from: the props (the data
flow of an ingest: routes, queues, pipes, workflows, functions) and the state machine
definition the workflow builder makes (a state diagram).

Pure functions over plain data; no cdktf. `python -m constructs_lib.diagrams` rewrites the
README's diagram blocks from main.py's examples; tests/unit/test_diagrams.py fails when a
committed block is stale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .handshakes import EDGE_GET_HANDSHAKES, EDGE_POST_HANDSHAKES, GET_HANDSHAKES
from .pipeline_props import ProcessCode, ProcessFunction
from .webhook_props import WebhookIngestProps
from .workflow import webhook_workflow

__all__ = ["architecture", "state_diagram", "example_workflow"]



def _id(name: str, prefix: str = "") -> str:
    """A Mermaid id for a state or node name (letters, digits, '_')."""
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _text(label: str) -> str:
    """Label text Mermaid reads literally inside quotes."""
    return label.replace('"', "#quot;")


def _condition(rule: Mapping[str, Any]) -> str:
    """A Choice rule in a few words: `valid is true`, `$.count > 0`, or its combinator."""
    for combinator in ("And", "Or"):
        if combinator in rule:
            return f" {combinator.lower()} ".join(_condition(inner) for inner in rule[combinator])
    if "Not" in rule:
        return "not " + _condition(rule["Not"])
    if "Condition" in rule:  # JSONata
        return str(rule["Condition"]).strip("{% }")
    variable = str(rule.get("Variable", "")).removeprefix("$.")
    for key, value in rule.items():
        if key in ("Variable", "Next"):
            continue
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", key.removesuffix("Path")).lower()
        shown = str(value).lower() if isinstance(value, bool) else value
        return f"{variable} {words} {shown}"
    return variable


def _transitions(state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(target, label) of every way out of a state, in the order ASL lists them."""
    out: list[tuple[str, str]] = []
    if state.get("Type") == "Choice":
        out += [(rule["Next"], _condition(rule)) for rule in state.get("Choices", [])]
        if "Default" in state:
            out.append((state["Default"], "otherwise"))
    if "Next" in state:
        out.append((state["Next"], ""))
    for catcher in state.get("Catch", []):
        out.append((catcher["Next"], "error: " + ", ".join(catcher.get("ErrorEquals", []))))
    return out


def _machine(machine: Mapping[str, Any], lines: list[str], indent: str, scope: str) -> None:
    states: Mapping[str, Mapping[str, Any]] = machine["States"]
    lines.append(f"{indent}[*] --> {_id(machine['StartAt'], scope)}")
    for name, state in states.items():
        node = _id(name, scope)
        kind = state.get("Type", "")
        lines.append(f'{indent}state "{_text(name)} ({kind})" as {node}')
        inner = state.get("ItemProcessor") or state.get("Iterator")
        if kind == "Map" and inner:
            lines.append(f"{indent}state {node} {{")
            _machine(inner, lines, indent + "    ", node + "_")
            lines.append(f"{indent}}}")
        elif kind == "Parallel":
            lines.append(f"{indent}state {node} {{")
            for number, branch in enumerate(state.get("Branches", [])):
                if number:
                    lines.append(f"{indent}    --")
                _machine(branch, lines, indent + "    ", f"{node}_{number}_")
            lines.append(f"{indent}}}")
        for target, label in _transitions(state):
            lines.append(f"{indent}{node} --> {_id(target, scope)}" + (f": {label}" if label else ""))
        if state.get("End") or kind in ("Succeed", "Fail"):
            lines.append(f"{indent}{node} --> [*]")


def state_diagram(definition: Mapping[str, Any]) -> str:
    """An ASL state machine as a Mermaid state diagram: every state with its type, every
    transition (Next, Choice rules with their condition, Default, Catch), Map and Parallel
    states drawn with their inner states."""
    lines = ["stateDiagram-v2"]
    _machine(definition, lines, "    ", "")
    return "\n".join(lines)


def example_workflow(props: WebhookIngestProps, source_name: str) -> dict[str, Any]:
    """The workflow definition the source's pipeline builds, with its functions named by role
    (the ARNs are only known to Terraform)."""
    source = next(s for s in props.sources if s.name == source_name)
    processing = source.processing
    if processing is None:
        raise ValueError(f"source {source_name!r} has no processing, so no workflow")
    step = processing.process
    process: str | dict[str, Any]
    if isinstance(step, (ProcessCode, ProcessFunction)):
        process = f"arn:aws:lambda:region:account:function:{props.name}-{source.name}-process"
    else:
        process = dict(step.states)
    return webhook_workflow(
        f"arn:aws:lambda:region:account:function:{props.name}-{source.name}-verify",
        process,
        rejected_queue_url=f"https://sqs.region.amazonaws.com/account/{props.name}-{source.name}-rejected",
        ordered=source.fifo,
        max_concurrency=processing.max_concurrency,
        timeout_seconds=processing.workflow_timeout_seconds,
    )


def architecture(props: WebhookIngestProps) -> str:
    """The data flow of one ingest as a Mermaid flowchart: per source its route, the checks it
    answers, its queue, DLQ and, with processing, the pipe, workflow, functions and rejected
    queue."""
    lines = ["flowchart LR", '    api["API Gateway REST API"]']
    for source in props.sources:
        n = _id(source.name)
        provider = f"p_{n}"
        queue_kind = "FIFO queue" + (", high throughput" if source.fifo_high_throughput else "") if source.fifo else "queue"
        body = []
        if source.model is not None:
            body.append(f"{source.model.__name__} (JSON, validated)")
        body += [f"{media} (as sent)" for media in source.content_types]
        lines.append(f'    {provider}(["{_text(source.name)}"]) -->|"POST {source.route}"| api')
        entry = "api"
        if source.handshake in EDGE_POST_HANDSHAKES:
            lines.append(f'    edge_{n}["{_text(source.handshake or "")} check: edge function"]')
            lines.append(f'    api -->|"every POST"| edge_{n}')
            entry = f"edge_{n}"
        if source.handshake in GET_HANDSHAKES or source.handshake in EDGE_GET_HANDSHAKES:
            how = "mock integration" if source.handshake in GET_HANDSHAKES else "edge function"
            lines.append(f'    {provider} -.->|"GET check ({source.handshake}): {how}"| api')
        if source.handshake == "graph":
            lines.append(f'    {provider} -.->|"POST ?validationToken: answered, not queued"| api')
        lines.append(f'    q_{n}[("{_text(source.name)} {queue_kind}")]')
        lines.append(f'    {entry} -->|"SendMessage: {_text("; ".join(body))}"| q_{n}')
        lines.append(f'    dlq_{n}[("{_text(source.name)} DLQ")]')
        lines.append(f'    q_{n} -->|"after {source.max_receive_count} receives"| dlq_{n}')
        if source.processing is not None:
            processing = source.processing
            lines.append(f'    pipe_{n}["EventBridge pipe"]')
            lines.append(f'    sfn_{n}[["Express workflow: Map over the batch"]]')
            lines.append(f'    verify_{n}("verify: {_text(processing.scheme)}")')
            lines.append(f'    process_{n}("process")')
            lines.append(f'    rejected_{n}[("{_text(source.name)} rejected queue")]')
            lines.append(f"    q_{n} --> pipe_{n} --> sfn_{n}")
            lines.append(f"    sfn_{n} --> verify_{n}")
            lines.append(f'    verify_{n} -->|"valid"| process_{n}')
            lines.append(f'    verify_{n} -->|"invalid: kept with its reason"| rejected_{n}')
            lines.append(f'    sfn_{n} -.->|"failed records return"| q_{n}')
    return "\n".join(lines)


def readme_blocks(examples: Mapping[str, WebhookIngestProps]) -> dict[str, str]:
    """Each diagram the README shows, by its block name."""
    blocks: dict[str, str] = {}
    for stack, props in examples.items():
        blocks[f"{stack}-architecture"] = architecture(props)
        for source in props.sources:
            if source.processing is not None:
                blocks[f"{stack}-{source.name}-workflow"] = state_diagram(example_workflow(props, source.name))
    return blocks


BEGIN = "<!-- BEGIN DIAGRAM {} (python -m constructs_lib.diagrams) -->"
END = "<!-- END DIAGRAM {} -->"


def render_readme(text: str, blocks: Mapping[str, str]) -> str:
    """`text` with every diagram block replaced by its current drawing; a block the README
    names but `blocks` lacks is an error (a renamed stack)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in blocks:
            raise ValueError(f"the README names a diagram {name!r} that no example draws")
        return f"{BEGIN.format(name)}\n```mermaid\n{blocks[name]}\n```\n{END.format(name)}"

    pattern = re.compile(re.escape(BEGIN).replace(r"\{\}", r"([\w-]+)") + r".*?" + re.escape(END).replace(r"\{\}", r"\1"), re.S)
    return pattern.sub(replace, text)


def main() -> None:  # pragma: no cover - run by `make diagrams`
    import importlib
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    examples = {name: factory() for name, factory in importlib.import_module("main").EXAMPLES.items()}
    readme = root / "README.md"
    readme.write_text(render_readme(readme.read_text(encoding="utf-8"), readme_blocks(examples)), encoding="utf-8")


if __name__ == "__main__":
    main()
