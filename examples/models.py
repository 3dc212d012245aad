"""The bodies of the two source articles as Pydantic models, ready for ``WebhookSource(model=...)``.

Both are strict (``ConfigDict(strict=True)``): the edge schema is derived for Pydantic's strict
JSON mode, so an application that validates with the same model sees exactly the documents the
edge lets through, and never one it would have refused. (Lax mode would also take, e.g., an
epoch number for ``timestamp``, which the edge rejects.)

E-mail fields use `constructs_lib.Email`, a ``str`` constrained by the WHATWG e-mail
pattern, instead of ``pydantic.EmailStr``: EmailStr needs the email-validator package, and its
rules (internationalised addresses, "Name <addr>" forms) cannot be written as a draft-04 pattern,
so the edge could only check them loosely. With `Email` the model and API Gateway check the very
same pattern, so an invalid address is refused at the edge and by the model alike.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from constructs_lib import Email


class MailgunEventType(str, Enum):
    """The event kinds the CloudFormation article's model enumerates."""

    ACCEPTED = "accepted"
    OPENED = "opened"
    CLICKED = "clicked"
    FAILED = "failed"
    REJECTED = "rejected"
    UNSUBSCRIBED = "unsubscribed"
    COMPLAINED = "complained"


class MailgunEvent(BaseModel):
    """A Mailgun event notification, as the CloudFormation article validates it at the edge.

    Other fields Mailgun sends are allowed and ignored, as in the article's schema.
    """

    model_config = ConfigDict(strict=True)

    event: MailgunEventType = Field(description="What happened to the message.")
    recipient: Email = Field(description="The address the message was sent to.")
    timestamp: datetime = Field(description="When it happened (RFC 3339 date-time).")


class MailgunWebhookSignature(BaseModel):
    """What Mailgun signs: HMAC-SHA256 of timestamp + token with the webhook signing key."""

    model_config = ConfigDict(strict=True)

    timestamp: str = Field(description="Unix seconds, as a string of digits.")
    token: str = Field(description="50 random characters; a replay reuses it.")
    signature: str = Field(description="Hex HMAC-SHA256 of timestamp + token.")


class MailgunEventData(BaseModel):
    """The event of a Mailgun webhook (https://documentation.mailgun.com, "Webhooks"): what every
    kind shares. Other fields (message, flags, delivery-status, ...) are allowed."""

    model_config = ConfigDict(strict=True)

    event: str = Field(description="accepted, delivered, failed, opened, clicked, unsubscribed, complained, ...")
    id: str = Field(description="Unique id of the event.")
    timestamp: float = Field(description="When it happened, Unix seconds with a fraction.")
    recipient: str | None = Field(default=None, description="The address the message was sent to.")


class MailgunWebhook(BaseModel):
    """A Mailgun webhook as Mailgun sends it today: the signature beside the event, which sits
    under `event-data`. The article's `MailgunEvent` (the fields at the top level) refuses these."""

    model_config = ConfigDict(strict=True, populate_by_name=True)

    signature: MailgunWebhookSignature
    event_data: MailgunEventData = Field(alias="event-data")


class SlackEnvelope(BaseModel):
    """A Slack Events API request (https://api.slack.com/apis/events-api): the URL verification
    challenge, or an event callback wrapping one event. Other fields are allowed; the
    X-Slack-Signature header is what makes it trustworthy."""

    model_config = ConfigDict(strict=True)

    type: str = Field(description="url_verification, event_callback or app_rate_limited.")
    token: str | None = Field(default=None, description="The deprecated verification token; use the signature.")
    challenge: str | None = Field(default=None, description="url_verification: what to answer.")
    team_id: str | None = None
    api_app_id: str | None = None
    event: dict[str, Any] | None = Field(default=None, description="event_callback: the event itself.")
    event_id: str | None = Field(default=None, description="event_callback: unique id of the event.")
    event_time: int | None = None


class User(BaseModel):
    """The CDK article's Zod ``userSchema``: a name, an integer age of at least 18, an e-mail."""

    model_config = ConfigDict(strict=True)

    name: str
    age: int = Field(ge=18)
    email: Email


class GitHubAccount(BaseModel):
    """The part of a GitHub user or organization object every event carries."""

    login: str
    id: int


class GitHubRepository(BaseModel):
    id: int
    full_name: str


class GitHubEvent(BaseModel):
    """Any GitHub webhook event: the X-GitHub-Event header names its kind, and its fields
    differ per kind, so the edge only checks what all of them share when present. Other fields
    are allowed; the signature, not the schema, is what makes a delivery trustworthy.
    """

    model_config = ConfigDict(strict=True)

    action: str | None = Field(default=None, description="What happened, for events that have sub-kinds.")
    sender: GitHubAccount | None = Field(default=None, description="Who triggered the event.")
    repository: GitHubRepository | None = Field(default=None, description="The repository, for repository events.")


class StripeEventData(BaseModel):
    object: dict[str, Any] = Field(description="The API resource the event is about (a charge, an invoice, ...).")


class StripeEvent(BaseModel):
    """A Stripe event (https://docs.stripe.com/api/events/object): what every event shares.
    Other fields are allowed; the Stripe-Signature header is what makes it trustworthy."""

    model_config = ConfigDict(strict=True)

    id: str = Field(description="Unique id of the event, e.g. evt_1NG8Du2eZvKYlo2CUI79vXWy.")
    object: Literal["event"]
    type: str = Field(description="What happened, e.g. invoice.paid.")
    created: int = Field(description="When the event was created, Unix seconds.")
    livemode: bool
    data: StripeEventData
