"""The OpenAPI document: valid OpenAPI 3.0, API Gateway extensions wired as AWS documents them."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from constructs_lib import openapi, vtl
from constructs_lib.terraform_text import terraform_string

TOKEN = "${TfToken[TOKEN.42]}"


def route(path: str = "/events", **extra: object) -> openapi.Route:
    values = dict(
        path=path,
        operation_id="queue_events",
        model_name="EventsBody",
        schema={"type": "object", "properties": {"a": {"type": "string", "pattern": "^a{2}$"}}},
        integration_uri=openapi.sqs_integration_uri("aws", "eu-west-1", "123456789012", "q"),
        credentials_arn=TOKEN,
        request_template=vtl.send_message_template(vtl.SendMessageSpec(attribute_headers=("X-Id",))),
    )
    values.update(extra)
    return openapi.Route(**values)  # type: ignore[arg-type]


def document() -> dict:
    return openapi.build_openapi("hooks", [route(), route("/other", operation_id="queue_other")])


def test_document_is_valid_openapi_3() -> None:
    OpenAPIV30SpecValidator(document()).validate()


def test_every_route_validates_its_body_against_its_model() -> None:
    doc = document()
    validators = doc["x-amazon-apigateway-request-validators"]
    for item in doc["paths"].values():
        post = item["post"]
        assert validators[post["x-amazon-apigateway-request-validator"]] == {
            "validateRequestBody": True,
            "validateRequestParameters": False,
        }
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/EventsBody"
        assert post["requestBody"]["required"] is True


def test_integration_is_a_direct_sqs_send_message() -> None:
    integration = document()["paths"]["/events"]["post"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws" and integration["httpMethod"] == "POST"
    assert integration["uri"] == "arn:aws:apigateway:eu-west-1:sqs:path/123456789012/q"
    assert integration["passthroughBehavior"] == "never"
    assert integration["credentials"] == TOKEN
    assert integration["requestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
    }
    assert "MessageBody=$util.urlEncode($input.body)" in integration["requestTemplates"]["application/json"]


def test_sqs_failures_answer_5xx_and_statuses_never_collide() -> None:
    responses = document()["paths"]["/events"]["post"]["x-amazon-apigateway-integration"]["responses"]
    statuses = [r["statusCode"] for r in responses.values()]
    # API Gateway keys integration responses by status code: a duplicate silently drops one.
    assert len(statuses) == len(set(statuses))
    assert responses["default"]["statusCode"].startswith("5")
    success = [p for p, r in responses.items() if r["statusCode"] == "200"]
    assert success == [openapi.SUCCESS_PATTERN]
    # AWS integrations select the response by matching the pattern to the backend's status.
    for status in ("200", "201", "299"):
        assert re.fullmatch(openapi.SUCCESS_PATTERN, status)
    for status in ("400", "403", "404", "413", "500", "503", "2000", "20"):
        assert not re.fullmatch(openapi.SUCCESS_PATTERN, status)
    assert "MessageId" in responses[openapi.SUCCESS_PATTERN]["responseTemplates"]["application/json"]
    # SQS 4xx: retryable by default (5xx); only SQS's refusals of the body itself become 413.
    client = responses[openapi.CLIENT_ERROR_PATTERN]
    assert client["statusCode"] == "502"
    for status in ("400", "403", "404", "499"):
        assert re.fullmatch(openapi.CLIENT_ERROR_PATTERN, status)
    for status in ("200", "500", "503"):
        assert not re.fullmatch(openapi.CLIENT_ERROR_PATTERN, status)
    template = client["responseTemplates"]["application/json"]
    assert "#set($context.responseOverride.status = 413)" in template
    assert '"InvalidParameterValue"' in template and '"InvalidMessageContents"' in template


def test_gateway_errors_answer_json_and_a_bad_body_gets_the_reasons() -> None:
    responses = document()["x-amazon-apigateway-gateway-responses"]
    bad_body = responses["BAD_REQUEST_BODY"]
    assert bad_body["statusCode"] == 400
    assert "$context.error.validationErrorString" in bad_body["responseTemplates"]["application/json"]
    for key in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert "$context.error.messageString" in responses[key]["responseTemplates"]["application/json"]
    # With placeholder values substituted, every template is a JSON object.
    for response in responses.values():
        text = response["responseTemplates"]["application/json"]
        text = text.replace("$context.error.messageString", '"m"').replace("$context", "c")
        assert isinstance(json.loads(text), dict)


def test_duplicate_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="share the path"):
        openapi.build_openapi("x", [route(), route()])


def test_terraform_string_escapes_template_syntax_but_keeps_tokens() -> None:
    doc = {"a": "#set($i = 1)${i}", "b": "%{ if x }", "c": TOKEN, "d": "$input.body", "e": "^a{2}$"}
    text = terraform_string(doc)
    assert "$${i}" in text and "%%{ if x }" in text
    assert TOKEN in text and "$$input" not in text and '"^a{2}$"' in text
    # Terraform turns `$${` back into `${` and `%%{` into `%{`: the document survives intact.
    assert json.loads(text.replace("$${", "${").replace("%%{", "%{")) == doc


def test_terraform_string_is_compact_utf8_json() -> None:
    text = terraform_string({"k": "é😀"})
    assert text == '{"k":"é😀"}'


def test_an_api_key_is_required_on_every_route_when_asked() -> None:
    operation = document()["paths"]["/events"]["post"]
    assert "security" not in operation
    keyed = openapi.build_openapi("acme", [route()], api_key=True)
    assert keyed["paths"]["/events"]["post"]["security"] == [{"api_key": []}]
    assert keyed["components"]["securitySchemes"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert keyed["x-amazon-apigateway-api-key-source"] == "HEADER"


def test_a_source_ip_allow_list_denies_every_other_address() -> None:
    assert "x-amazon-apigateway-policy" not in document()
    policy = openapi.build_openapi("acme", [route()], allowed_source_ips=["192.30.252.0/22", "2606:50c0::/32"])["x-amazon-apigateway-policy"]
    allow, deny = policy["Statement"]
    assert allow == {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    assert deny["Effect"] == "Deny" and deny["Resource"] == "execute-api:/*"
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": ["192.30.252.0/22", "2606:50c0::/32"]}}


def test_documents_with_api_key_and_allow_list_are_valid_openapi_3() -> None:
    OpenAPIV30SpecValidator(
        openapi.build_openapi("acme", [route()], api_key=True, allowed_source_ips=["10.0.0.0/8"])
    ).validate()


def test_json_with_a_charset_gets_the_same_model_and_template() -> None:
    post = document()["paths"]["/events"]["post"]
    content = post["requestBody"]["content"]
    templates = post["x-amazon-apigateway-integration"]["requestTemplates"]
    assert set(content) == set(templates) == set(openapi.JSON_REQUEST_TYPES)
    assert "application/json; charset=utf-8" in content
    assert len({json.dumps(c, sort_keys=True) for c in content.values()}) == 1
    assert len(set(templates.values())) == 1


FORM = "application/x-www-form-urlencoded"


def test_raw_types_get_their_template_in_each_charset_form_and_no_model() -> None:
    """A raw type is listed only among the templates: a requestBody entry without a schema is
    imported with the `Empty` model, which would parse a form body as JSON."""
    raw = vtl.send_message_template(vtl.SendMessageSpec(raw=True))
    post = openapi.build_openapi("hooks", [route(raw_types=(FORM, "text/plain"), raw_template=raw)])["paths"]["/events"]["post"]
    templates = post["x-amazon-apigateway-integration"]["requestTemplates"]
    assert set(post["requestBody"]["content"]) == set(openapi.JSON_REQUEST_TYPES)
    assert {media for media, template in templates.items() if template == raw} == {
        *openapi.media_variants(FORM),
        *openapi.media_variants("text/plain"),
    }
    assert post["x-amazon-apigateway-request-validator"] == openapi.VALIDATOR


def test_a_route_without_a_model_has_no_request_body_and_no_validator() -> None:
    raw = vtl.send_message_template(vtl.SendMessageSpec(raw=True))
    doc = openapi.build_openapi("hooks", [route(model_name=None, schema=None, request_template="", raw_types=(FORM,), raw_template=raw)])
    OpenAPIV30SpecValidator(doc).validate()
    post = doc["paths"]["/events"]["post"]
    assert "requestBody" not in post and "x-amazon-apigateway-request-validator" not in post
    assert set(post["x-amazon-apigateway-integration"]["requestTemplates"]) == set(openapi.media_variants(FORM))
    assert doc["components"]["schemas"] == {}


def test_a_route_that_accepts_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="accepts no content type"):
        openapi.build_openapi("hooks", [route(model_name=None, schema=None)])
