"""A billing team's webhook app, written as a user writes one: the library installed from its
wheel, nothing taken from the library's repository. The `App` import is the only line that
names the engine (CDKTF here; `from cdktn import App` on CDK Terrain)."""

from __future__ import annotations

from pathlib import Path

from cdktf import App
from pydantic import BaseModel, Field

from constructs_lib import Alarms, ProcessCode, Processing, WebhookIngest, WebhookIngestProps, WebhookSource, WebhookStack

# The tests build the stack on this module's App: they name no engine either.
__all__ = ["App", "build"]

HERE = Path(__file__).resolve().parent


class Invoice(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    amount_cents: int = Field(ge=0)
    currency: str = Field(pattern="^[A-Z]{3}$")


class Ping(BaseModel):
    zen: str


def build(app: App) -> WebhookStack:
    stack = WebhookStack(app, "billing-hooks", default_region="eu-west-1")
    WebhookIngest(
        stack,
        "Webhooks",
        WebhookIngestProps(
            name="billing",
            sources=(
                WebhookSource(
                    name="invoices",
                    model=Invoice,
                    max_receive_count=4,
                    processing=Processing(scheme="stripe", process=ProcessCode(code_dir=HERE / "processor")),
                ),
                WebhookSource(name="pings", model=Ping),
            ),
            alarms=Alarms(actions=("arn:aws:sns:eu-west-1:123456789012:billing-oncall",)),
            tags={"team": "billing"},
        ),
    )
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    app.synth()
