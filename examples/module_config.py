"""What `make module` builds by default: a GitHub receiver with verification and the example
processor. Copy this file and point `make module MODULE_CONFIG=...` at your own function to
make a module for another body model or signature scheme."""

from __future__ import annotations

from pathlib import Path

from constructs_lib import ProcessCode, Processing, WebhookIngestProps, WebhookSource
from examples.models import GitHubEvent

PROCESSOR = Path(__file__).resolve().parent.parent / "lambda_src" / "processor"


def props() -> WebhookIngestProps:
    return WebhookIngestProps(
        name="module",  # replaced by the module's name_prefix variable
        sources=(
            WebhookSource(
                name="github",
                model=GitHubEvent,
                delivery_id_header="X-GitHub-Delivery",
                forward_headers=("X-GitHub-Event",),
                processing=Processing(scheme="github", process=ProcessCode(code_dir=PROCESSOR)),
            ),
        ),
    )
