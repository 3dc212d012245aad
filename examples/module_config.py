"""What `make module` builds into modules/webhook-ingest: GitHub and Stripe receivers, each
with signature verification and the example processor. Copy this file and point
`make module MODULE_CONFIG=...` at your own function to make a module for other body models or
signature schemes; what such a module fixes and what stays a variable is listed in its README."""

from __future__ import annotations

from pathlib import Path

from constructs_lib import ProcessCode, Processing, WebhookIngestProps, WebhookSource
from examples.models import GitHubEvent, StripeEvent

PROCESSOR = Path(__file__).resolve().parent.parent / "lambda_src" / "processor"


def props() -> WebhookIngestProps:
    return WebhookIngestProps(
        name="module",  # the module's name_prefix variable
        sources=(
            WebhookSource(
                name="github",
                model=GitHubEvent,
                delivery_id_header="X-GitHub-Delivery",
                forward_headers=("X-GitHub-Event",),
                processing=Processing(scheme="github", process=ProcessCode(code_dir=PROCESSOR)),
            ),
            WebhookSource(
                name="stripe",
                model=StripeEvent,
                processing=Processing(scheme="stripe", process=ProcessCode(code_dir=PROCESSOR)),
            ),
        ),
    )
