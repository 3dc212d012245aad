"""Shape of the handshake methods and templates. Their answers, run by API Gateway's engine, are
in tests/engines/test_handshakes_e2e.py."""

from __future__ import annotations

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from constructs_lib import handshakes, openapi, vtl

FORM = "application/x-www-form-urlencoded"


def route(**extra: object) -> openapi.Route:
    values: dict[str, object] = dict(
        path="/webhooks/x",
        operation_id="queue_x",
        model_name="XBody",
        schema={"type": "object"},
        integration_uri=openapi.sqs_integration_uri("aws", "eu-west-1", "123456789012", "q"),
        credentials_arn="arn:aws:iam::123456789012:role/r",
        request_template=vtl.send_message_template(vtl.SendMessageSpec()),
    )
    values.update(extra)
    return openapi.Route(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind, token", [("meta", "tok"), ("dropbox", None)])
def test_get_checks_are_mock_methods_beside_the_post(kind: str, token: str | None) -> None:
    document = openapi.build_openapi("a", [route(handshake=kind, verify_token=token)])
    OpenAPIV30SpecValidator(document).validate()
    methods = document["paths"]["/webhooks/x"]
    assert set(methods) == {"get", "post"}
    integration = methods["get"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock" and "credentials" not in integration
    ok = integration["responses"]["default"]
    assert ok["statusCode"] == "200" and ok["responseParameters"] == handshakes.TEXT_HEADERS
    refused = "403" if kind == "meta" else "400"
    assert set(integration["responses"]) == {"default", refused}
    assert set(methods["get"]["responses"]) == {"200", refused}
    assert "security" not in methods["get"]  # a provider's check carries no API key


def test_the_meta_check_compares_mode_and_token_and_echoes_the_challenge() -> None:
    operation = handshakes.get_operation("meta", "m", verify_token="s3cret")
    request = operation["x-amazon-apigateway-integration"]["requestTemplates"]["application/json"]
    assert "$qs.get('hub.mode') == 'subscribe'" in request and "$qs.get('hub.verify_token') == 's3cret'" in request
    answer = operation["x-amazon-apigateway-integration"]["responses"]["default"]["responseTemplates"]["application/json"]
    assert answer.endswith("$qs.get('hub.challenge')")


def test_a_meta_check_needs_its_token_and_only_get_kinds_are_get_methods() -> None:
    with pytest.raises(ValueError, match="verify token"):
        handshakes.get_operation("meta", "m")
    with pytest.raises(ValueError, match="not a handshake API Gateway answers on GET"):
        handshakes.get_operation("graph", "g")


def test_graph_routes_answer_text_plain_and_turn_the_refused_action_into_the_token() -> None:
    spec = vtl.SendMessageSpec(graph_validation=True)
    document = openapi.build_openapi("a", [route(handshake="graph", request_template=vtl.send_message_template(spec))])
    post = document["paths"]["/webhooks/x"]["post"]
    assert set(document["paths"]["/webhooks/x"]) == {"post"}
    templates = post["x-amazon-apigateway-integration"]["requestTemplates"]
    assert {media for media, t in templates.items() if t == vtl.graph_text_template()} == set(openapi.media_variants("text/plain"))
    assert templates["application/json"].startswith(handshakes.QUERY_MAP + "#if(\"$!qs.get('validationToken')\" != \"\")Action=WebhookHandshake#{else}")
    errors = post["x-amazon-apigateway-integration"]["responses"][openapi.CLIENT_ERROR_PATTERN]["responseTemplates"]["application/json"]
    assert "#set($context.responseOverride.header.Content-Type = 'text/plain')" in errors
    assert "#set($context.responseOverride.header.X-Content-Type-Options = 'nosniff')$qs.get('validationToken')" in errors
    plain = openapi.build_openapi("a", [route()])["paths"]["/webhooks/x"]["post"]
    assert "validationToken" not in str(plain)


def test_graph_keeps_a_listed_text_type_as_the_sources() -> None:
    raw = vtl.send_message_template(vtl.SendMessageSpec(raw=True, graph_validation=True))
    post = openapi.build_openapi("a", [route(handshake="graph", raw_types=("text/plain",), raw_template=raw)])["paths"]["/webhooks/x"]["post"]
    assert post["x-amazon-apigateway-integration"]["requestTemplates"]["text/plain"] == raw
