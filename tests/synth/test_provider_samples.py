"""Each example stack takes its provider's real traffic: the published sample payloads under
tests/events/providers/ (each with its source in SOURCES.md) pass the model API Gateway enforces
on the route, as the stack is synthesized, judged by `jsonschema`'s Draft-4 validator (API
Gateway's draft), and the Pydantic model the processor would use.

The CloudFormation article's Mailgun model (`mailgun-fifo`) is kept as what it is, the article's
schema: it refuses every real Mailgun webhook, whose fields sit under `event-data`; the `mailgun`
stack takes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from pydantic import BaseModel

from examples.models import GitHubEvent, MailgunEvent, MailgunWebhook, SlackEnvelope
from support.synth import SynthOutput, json_document, resources

SAMPLES = Path(__file__).resolve().parents[1] / "events" / "providers"

# (stack, route, the model the route is derived from, the samples it must take)
ACCEPTING = [
    ("github", "/webhooks/github", GitHubEvent, "github-*.json"),
    ("mailgun", "/webhooks/mailgun", MailgunWebhook, "mailgun-*.json"),
    ("slack", "/slack/events", SlackEnvelope, "slack-*.json"),
]


def samples(pattern: str) -> list[Path]:
    found = sorted(SAMPLES.glob(pattern))
    assert found, pattern
    return found


def edge_schema(synth: SynthOutput, stack: str, route: str) -> dict[str, Any]:
    """The schema of the route's JSON model, resolved from the synthesized OpenAPI document."""
    (api,) = resources(synth.stack(stack), "aws_api_gateway_rest_api").values()
    document = json_document(api["body"])
    reference = document["paths"][route]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize(("stack", "route", "model", "pattern"), ACCEPTING, ids=[a[0] for a in ACCEPTING])
def test_every_example_takes_its_providers_published_samples(
    synth: SynthOutput, stack: str, route: str, model: type[BaseModel], pattern: str
) -> None:
    validator = Draft4Validator(edge_schema(synth, stack, route))
    for sample in samples(pattern):
        body = sample.read_bytes()
        errors = [error.message for error in validator.iter_errors(json.loads(body))]
        assert not errors, (sample.name, errors)
        model.model_validate_json(body, strict=True)


def test_the_articles_mailgun_model_refuses_todays_mailgun_webhooks(synth: SynthOutput) -> None:
    validator = Draft4Validator(edge_schema(synth, "mailgun-fifo", "/events"))
    for sample in samples("mailgun-*.json"):
        assert not validator.is_valid(json.loads(sample.read_bytes())), sample.name
        with pytest.raises(ValueError):
            MailgunEvent.model_validate_json(sample.read_bytes(), strict=True)


def test_the_slack_stack_takes_slash_commands_as_form_bodies(synth: SynthOutput) -> None:
    (api,) = resources(synth.stack("slack"), "aws_api_gateway_rest_api").values()
    post = json_document(api["body"])["paths"]["/slack/commands"]["post"]
    templates = post["x-amazon-apigateway-integration"]["requestTemplates"]
    assert "application/x-www-form-urlencoded" in templates and "application/json" not in templates
    assert "requestBody" not in post  # no model: the form is queued as sent


def test_every_sample_names_its_source() -> None:
    listed = (SAMPLES / "SOURCES.md").read_text()
    for sample in SAMPLES.iterdir():
        if sample.name != "SOURCES.md":
            assert f"`{sample.name}`" in listed or sample.name in listed, sample.name
