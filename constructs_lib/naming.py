"""Names of the resources a webhook stack creates: derived from `WebhookIngestProps.name` (the
prefix) and the source names, and checked against the services' name limits.

Pure: no cdktf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .limits import IAM_ROLE_NAME_MAX, LAMBDA_NAME_MAX, PIPE_NAME_MAX, STATE_MACHINE_NAME_MAX


class QueueSource(Protocol):
    """What a queue's name is derived from (a `WebhookSource`): its name, and FIFO or not."""

    @property
    def name(self) -> str: ...

    @property
    def fifo(self) -> bool: ...

__all__ = ["LAMBDA_ROLE_SUFFIX", "PipelineNames", "QueueSource", "check_name", "pipeline_names", "queue_names", "rejected_queue_name"]

# A Lambda function's role is named after it: "<function>-lambda".
LAMBDA_ROLE_SUFFIX = "-lambda"

# fullmatch, not match: `$` also matches before a trailing newline, which Terraform's RE2 refuses.
_NAME = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]|[a-z]")


def check_name(value: str, longest: int, problem: str, example: str) -> str:
    """Names end up in queue, role and API names: lower-case, digits, single '-'."""
    if not _NAME.fullmatch(value) or "--" in value or len(value) > longest:
        raise ValueError(
            f"{problem}: use 1-{longest} lower-case letters, digits and single '-', starting "
            f"with a letter (e.g. {example!r})"
        )
    return value


def queue_names(prefix: str, source: QueueSource) -> tuple[str, str]:
    """Names of a source's queue and DLQ (a FIFO queue's name must end in .fifo)."""
    suffix = ".fifo" if source.fifo else ""
    return f"{prefix}-{source.name}{suffix}", f"{prefix}-{source.name}-dlq{suffix}"


def rejected_queue_name(prefix: str, source: QueueSource) -> str:
    """Name of a source's rejected queue: FIFO when the source is, so a kept delivery keeps
    its group and goes back to its queue in order."""
    return f"{prefix}-{source.name}-rejected{'.fifo' if source.fifo else ''}"


@dataclass(frozen=True)
class PipelineNames:
    """Names of a source's processing resources, derived from the prefix and the source name."""

    base: str

    @property
    def verifier(self) -> str:
        return f"{self.base}-verify"

    @property
    def processor(self) -> str:
        return f"{self.base}-process"

    @property
    def edge(self) -> str:
        """The function answering endpoint checks the API cannot (see handshakes)."""
        return f"{self.base}-edge"

    @property
    def state_machine(self) -> str:
        return self.base

    @property
    def workflow_role(self) -> str:
        return f"{self.base}-workflow"

    @property
    def pipe(self) -> str:
        return self.base

    @property
    def pipe_role(self) -> str:
        return f"{self.base}-pipe"

    @property
    def secret(self) -> str:
        return f"{self.base}/signing-secret"

    @property
    def function_roles(self) -> tuple[str, str]:
        return f"{self.verifier}{LAMBDA_ROLE_SUFFIX}", f"{self.processor}{LAMBDA_ROLE_SUFFIX}"

    def check(self) -> None:
        limits = [
            (self.verifier, LAMBDA_NAME_MAX),
            (self.processor, LAMBDA_NAME_MAX),
            (self.state_machine, STATE_MACHINE_NAME_MAX),
            (self.pipe, PIPE_NAME_MAX),
            (self.workflow_role, IAM_ROLE_NAME_MAX),
            (self.pipe_role, IAM_ROLE_NAME_MAX),
            *((role, IAM_ROLE_NAME_MAX) for role in self.function_roles),
        ]
        # Report the tightest limit, so one fix satisfies them all.
        value, longest = min(limits, key=lambda item: item[1] - len(item[0]))
        if len(value) > longest:
            allowed = longest - (len(value) - len(self.base))
            raise ValueError(
                f"resource name {value!r} is {len(value)} characters, {longest} allowed: shorten "
                f"name or the source name ('<name>-<source>' may have at most {allowed} characters)"
            )


def pipeline_names(prefix: str, source_name: str) -> PipelineNames:
    return PipelineNames(f"{prefix}-{source_name}")
