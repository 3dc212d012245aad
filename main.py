"""The app: the example stacks, synthesized into cdktf.out/ by `make synth` or `cdktf synth`.

Stack names are part of the contract: they name the directories under cdktf.out/stacks/ and
the state files, so renaming one orphans a deployed stack.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable
from pathlib import Path

from cdktf import App

from constructs_lib import ProcessCode, Processing, WebhookIngest, WebhookIngestProps, WebhookSource, WebhookStack
from examples.models import GitHubEvent, MailgunEvent, MailgunWebhook, SlackEnvelope, User

# The example processing Lambda; replace it with your own code root.
PROCESSOR = Path(__file__).resolve().parent / "lambda_src" / "processor"


def mailgun_fifo() -> WebhookIngestProps:
    """The CloudFormation article's pattern: POST /events -> FIFO queue grouped by event type,
    DLQ after 5 receives; the body must be a Mailgun event (enum, e-mail, date-time)."""
    return WebhookIngestProps(
        name="mailgun-events",
        sources=(
            WebhookSource(
                name="mailgun",
                path="/events",
                model=MailgunEvent,
                fifo=True,
                group_id_field="event",
                max_receive_count=5,
            ),
        ),
    )


def users_standard() -> WebhookIngestProps:
    """The CDK article's pattern: POST /webhook -> standard queue (7 days), DLQ after 3
    receives (14 days) -> pipe -> Express workflow: verify (HMAC, Standard Webhooks) -> process.
    The body must be a `User`; anything else gets 400 with the validator's reasons."""
    return WebhookIngestProps(
        name="webhook",
        sources=(
            WebhookSource(
                name="users",
                path="/webhook",
                model=User,
                max_receive_count=3,
                retention_seconds=7 * 86400,
                dlq_retention_seconds=14 * 86400,
                processing=Processing(scheme="standard-webhooks", process=ProcessCode(code_dir=PROCESSOR)),
            ),
        ),
    )


def github() -> WebhookIngestProps:
    """GitHub webhooks: POST /webhooks/github, X-Hub-Signature-256 checked by the verifier.
    FIFO: one repository's events are processed in order (group = repository.full_name, or
    "default" for events without a repository), and X-GitHub-Delivery deduplicates: GitHub's
    redelivery of a delivery carries the same id. The event kind (X-GitHub-Event) is forwarded.
    Queues and log groups are encrypted with customer-managed KMS keys created for them: only
    the API role, the pipe role and the account can read a delivery."""
    return WebhookIngestProps(
        name="github-hooks",
        sources=(
            WebhookSource(
                name="github",
                model=GitHubEvent,
                fifo=True,
                group_id_field="repository.full_name",
                delivery_id_header="X-GitHub-Delivery",
                forward_headers=("X-GitHub-Event",),
                processing=Processing(scheme="github", process=ProcessCode(code_dir=PROCESSOR)),
            ),
        ),
        queue_encryption="kms",
        log_encryption="kms",
    )


def mailgun() -> WebhookIngestProps:
    """Mailgun webhooks as Mailgun sends them today: POST /webhooks/mailgun, the event under
    `event-data` and the signature beside it, checked by the verifier (HMAC of timestamp +
    token, replay window on the timestamp)."""
    return WebhookIngestProps(
        name="mailgun-hooks",
        sources=(
            WebhookSource(
                name="mailgun",
                model=MailgunWebhook,
                processing=Processing(scheme="mailgun", process=ProcessCode(code_dir=PROCESSOR)),
            ),
        ),
    )


def slack() -> WebhookIngestProps:
    """A Slack app: Events API deliveries (JSON) on POST /slack/events, where a small function
    answers Slack's url_verification (signed, so it reads the signing secret) and queues every
    other request as the route would; and slash commands (form-encoded) on POST /slack/commands,
    straight to their queue. Both are signed with the app's signing secret (X-Slack-Signature)
    and verified after the queue. Set the same signing secret in both sources' secrets."""
    return WebhookIngestProps(
        name="slack-app",
        sources=(
            WebhookSource(
                name="events",
                path="/slack/events",
                model=SlackEnvelope,
                handshake="slack",
                processing=Processing(scheme="slack", process=ProcessCode(code_dir=PROCESSOR)),
            ),
            WebhookSource(
                name="commands",
                path="/slack/commands",
                content_types=("application/x-www-form-urlencoded",),
                processing=Processing(scheme="slack", process=ProcessCode(code_dir=PROCESSOR)),
            ),
        ),
    )


EXAMPLES: dict[str, Callable[[], WebhookIngestProps]] = {
    "mailgun-fifo": mailgun_fifo,
    "users-standard": users_standard,
    "github": github,
    "mailgun": mailgun,
    "slack": slack,
}
"""Stack name -> the props of its one WebhookIngest (construct id "Webhooks")."""


def build(app: App) -> App:
    for stack_name, props in EXAMPLES.items():
        WebhookIngest(WebhookStack(app, stack_name), "Webhooks", props())
    return app


def exit_after_synth() -> None:
    """End `python main.py` as soon as the app has been written.

    A normal exit then spends about half a second (seconds, with the provider package's
    eager import) freeing every module and object one by one, which nothing needs. The exit
    handlers still run first, because they do matter: jsii's stops its Node process and
    removes its temporary folder, constructs_lib's removes the staged Lambda zips. Then our
    streams are flushed and the process ends. Where the interpreter does not expose its exit
    handlers this returns, and the exit is a normal one."""
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:
        return
    run_exit_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    # Only when run as the app, and only after synth() returned: a failed synth raises here
    # and exits normally with its traceback; tests import this module and exit normally.
    build(App()).synth()
    exit_after_synth()
