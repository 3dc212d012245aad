"""The app: the example stacks, synthesized into cdktf.out/ by `make synth` or `cdktf synth`.

Stack names are part of the contract: they name the directories under cdktf.out/stacks/ and
the state files, so renaming one orphans a deployed stack.
"""

from __future__ import annotations

from cdktf import App

from constructs_lib import WebhookIngest, WebhookIngestProps, WebhookSource
from constructs_lib.stack import WebhookStack
from examples.models import MailgunEvent


def mailgun_fifo(app: App) -> None:
    """The CloudFormation article's pattern: POST /events -> FIFO queue grouped by event type,
    DLQ after 5 receives; the body must be a Mailgun event (enum, e-mail, date-time)."""
    stack = WebhookStack(app, "mailgun-fifo")
    WebhookIngest(
        stack,
        "Webhooks",
        WebhookIngestProps(
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
        ),
    )


def build(app: App) -> App:
    mailgun_fifo(app)
    return app


if __name__ == "__main__":
    build(App()).synth()
