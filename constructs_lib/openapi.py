"""The REST API as one OpenAPI 3 document with API Gateway's extensions.

Pure functions over plain data; no cdktf. Values that only Terraform knows (the role ARN, the
queue's integration URI) arrive as strings and are placed as they are; api.py writes the
document with `terraform_text.terraform_string`, which protects everything else from
Terraform's template syntax. The resource policy of `allowed_source_ips` comes from policies.

The document is the whole API: routes, the request validator, the body models, the SQS
integrations and the gateway responses. Keeping it in `body` of `aws_api_gateway_rest_api`
means one resource, one deployment trigger (a hash of the body), and no ordering problems
between methods, integrations and responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import handshakes, policies, vtl
from .terraform_text import RawJson

__all__ = ["Route", "build_openapi", "gateway_responses", "lambda_integration_uri", "media_variants", "sqs_integration_uri"]

VALIDATOR = "body-only"
JSON = "application/json"
# The request content types a body is validated and queued for. Providers send JSON with a
# charset parameter too (Stripe: "application/json; charset=utf-8"); API Gateway selects the
# model and the mapping template by the Content-Type, and an engine that matches it exactly
# would answer 415 to those providers. Each form gets the same model and the same template.


def media_variants(media: str) -> tuple[str, ...]:
    """A media type as providers send it: bare, and with the charset parameter in either case."""
    return (media, f"{media}; charset=utf-8", f"{media}; charset=UTF-8")


JSON_REQUEST_TYPES = media_variants(JSON)
# API Gateway matches the integration response by the backend's HTTP status code for `aws`
# integrations. Two patterns mapped to one status code collide (one is dropped), so success
# has its own pattern and every other outcome falls to the default, which answers 500.
SUCCESS_PATTERN = r"2\d{2}"
# SQS answers 4xx both when it refuses the message itself (a body over the queue's maximum
# size, characters it does not store) and for faults a retry can cure (a missing queue, KMS
# throttling). That response answers 502 (the backend failed: retry), and its template turns
# only the refusals of the body into 413 (see vtl.client_error_response_template). Its own
# status code, because API Gateway keys integration responses by status code.
CLIENT_ERROR_PATTERN = r"4\d{2}"
CLIENT_ERROR_STATUS = "502"
REFUSED_STATUS = "413"
API_KEY_SCHEME = "api_key"


@dataclass(frozen=True)
class Route:
    """One POST route that queues its body: JSON validated against a model, and bodies of the
    listed raw media types as they are (no model: API Gateway validates a body only against
    the model of its content type, and skips bodies of a type that has none)."""

    path: str
    operation_id: str
    model_name: str | None  # None: no JSON body is accepted
    schema: dict[str, Any] | None  # an OpenAPI components.schemas entry (draft-04 JSON Schema)
    integration_uri: str
    credentials_arn: str
    request_template: str
    description: str = ""
    raw_types: tuple[str, ...] = ()  # bare media types, each accepted with its charset forms
    raw_template: str = ""  # the request template of the raw types
    handshake: str | None = None  # the provider check the route answers (see handshakes)
    # The edge function's invocation URI, for checks it answers (see lambda_src/verifier/edge.py).
    edge_uri: str | None = None
    verify_token: str | None = None  # the meta handshake's


def sqs_integration_uri(partition: str, region: str, account_id: str, queue_name: str) -> str:
    """Path-style URI of an SQS queue for an `aws` integration."""
    return f"arn:{partition}:apigateway:{region}:sqs:path/{account_id}/{queue_name}"


def _operation(route: Route, api_key: bool | RawJson) -> dict[str, Any]:
    content: dict[str, Any] = {}
    templates: dict[str, str] = {}
    if route.model_name is not None:
        for media in JSON_REQUEST_TYPES:
            content[media] = {"schema": {"$ref": f"#/components/schemas/{route.model_name}"}}
            templates[media] = route.request_template
    # Raw types have a template and no entry in requestBody: an entry without a schema is
    # imported with the `Empty` model (LocalStack does so, and AWS creates `Empty` in every
    # API), against which API Gateway would parse a form body as JSON and refuse it.
    for raw in route.raw_types:
        for media in media_variants(raw):
            templates[media] = route.raw_template
    graph = route.handshake == "graph"
    if graph:
        # Graph's validation request is text/plain, whatever the source accepts.
        for media in media_variants("text/plain"):
            templates.setdefault(media, vtl.graph_text_template())
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "description": route.description or f"Queue a webhook delivery ({route.model_name or ', '.join(route.raw_types)}).",
        **({"requestBody": {"required": True, "content": content}} if content else {}),
        # Only a route with a model validates: LocalStack's validator without one looks for a
        # model named `Empty` and refuses every body (AWS validates nothing then).
        **({"x-amazon-apigateway-request-validator": VALIDATOR} if content else {}),
        "responses": {
            "200": {"description": "Queued; the body holds the SQS MessageId."},
            "400": {"description": "The body is not JSON or does not match the model."},
            REFUSED_STATUS: {"description": "Not queued: SQS refused this body (too large, or characters it does not store)."},
            "500": {"description": "Not queued (SQS failed or throttled); retry."},
            CLIENT_ERROR_STATUS: {"description": "Not queued (SQS refused the request, e.g. its queue is missing); retry."},
        },
        "x-amazon-apigateway-integration": _edge_integration(route.edge_uri, templates)
        if route.edge_uri is not None and route.handshake in handshakes.EDGE_POST_HANDSHAKES
        else {
            "type": "aws",
            "httpMethod": "POST",
            "uri": route.integration_uri,
            "credentials": route.credentials_arn,
            # `never`: a content type without a template is refused (415), never passed raw.
            "passthroughBehavior": "never",
            "requestParameters": {
                "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
            },
            "requestTemplates": templates,
            "responses": {
                SUCCESS_PATTERN: {
                    "statusCode": "200",
                    "responseTemplates": {JSON: vtl.success_response_template()},
                },
                CLIENT_ERROR_PATTERN: {
                    "statusCode": CLIENT_ERROR_STATUS,
                    "responseTemplates": {JSON: vtl.client_error_response_template(graph_validation=graph)},
                },
                "default": {
                    "statusCode": "500",
                    "responseTemplates": {JSON: vtl.failure_response_template()},
                },
            },
        },
    }
    if isinstance(api_key, RawJson):
        operation["security"] = api_key
    elif api_key:
        operation["security"] = [{API_KEY_SCHEME: []}]
    return operation


def lambda_integration_uri(partition: str, region: str, account_id: str, function_name: str) -> str:
    """The invocation URI of a Lambda function for an `aws` integration. Built from the name,
    so the API need not wait for the function (API Gateway calls it only when a request comes)."""
    function_arn = f"arn:{partition}:lambda:{region}:{account_id}:function:{function_name}"
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _edge_integration(uri: str, templates: dict[str, str], *, crc: bool = False) -> dict[str, Any]:
    """The edge function as a route's integration: it gets what the route would send to SQS
    (or X's token) and writes the answer; its errors (a retry can cure them) answer 500."""
    return {
        "type": "aws",
        "httpMethod": "POST",
        "uri": uri,
        "passthroughBehavior": "never",
        "requestTemplates": {JSON: vtl.crc_request_template()}
        if crc
        else {media: vtl.edge_request_template(template) for media, template in templates.items()},
        "responses": {
            # A Lambda integration selects by the error message: a result has none.
            "default": {"statusCode": "200", "responseTemplates": {JSON: vtl.edge_response_template()}},
            ".+": {"statusCode": "500", "responseTemplates": {JSON: vtl.failure_response_template()}},
        },
    }


def _crc_operation(route: Route) -> dict[str, Any]:
    assert route.edge_uri is not None
    return {
        "operationId": f"{route.operation_id}_check",
        "description": "Answer X's CRC (GET ?crc_token=) with the HMAC of the token; nothing is queued.",
        "responses": {
            "200": {"description": "The response token."},
            "400": {"description": "No crc_token."},
            "500": {"description": "The function failed; X checks again."},
        },
        "x-amazon-apigateway-integration": _edge_integration(route.edge_uri, {}, crc=True),
    }


def gateway_responses() -> dict[str, Any]:
    """JSON answers for errors API Gateway raises before the integration runs."""
    request_id = '"requestId": "$context.requestId"'
    return {
        "BAD_REQUEST_BODY": {
            "statusCode": 400,
            "responseTemplates": {
                JSON: '{"message": "Invalid request body", '
                '"errors": "$context.error.validationErrorString", ' + request_id + "}"
            },
        },
        "DEFAULT_4XX": {
            "responseTemplates": {JSON: '{"message": $context.error.messageString, ' + request_id + "}"}
        },
        "DEFAULT_5XX": {
            "responseTemplates": {JSON: '{"message": $context.error.messageString, ' + request_id + "}"}
        },
    }


def build_openapi(
    title: str,
    routes: list[Route],
    *,
    description: str = "",
    api_key: bool | RawJson = False,
    allowed_source_ips: list[str] | RawJson | None = None,
) -> dict[str, Any]:
    """The whole REST API. api_key: every route needs an `x-api-key` header of a usage plan's
    key. allowed_source_ips: CIDR ranges allowed to call; None = any address.

    Either may be a `RawJson` that Terraform computes: api_key as each operation's `security`
    list (the scheme is then declared either way), allowed_source_ips as the whole resource
    policy."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for route in routes:
        if route.path in paths:
            raise ValueError(f"two routes share the path {route.path!r}")
        if route.model_name is None or route.schema is None:
            if not route.raw_types:
                raise ValueError(f"route {route.path!r} accepts no content type: give it a model or raw types")
        elif route.model_name in schemas and schemas[route.model_name] != route.schema:
            raise ValueError(f"two different schemas share the model name {route.model_name!r}")
        else:
            schemas[route.model_name] = route.schema
        paths[route.path] = {"post": _operation(route, api_key)}
        if route.handshake == "x" and route.edge_uri is not None:
            paths[route.path]["get"] = _crc_operation(route)
        if route.handshake in handshakes.GET_HANDSHAKES:
            paths[route.path]["get"] = handshakes.get_operation(
                route.handshake, f"{route.operation_id}_check", verify_token=route.verify_token
            )
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": title, "version": "1.0", "description": description or title},
        "paths": paths,
        "components": {"schemas": schemas},
        "x-amazon-apigateway-request-validators": {
            VALIDATOR: {"validateRequestBody": True, "validateRequestParameters": False}
        },
        "x-amazon-apigateway-gateway-responses": gateway_responses(),
    }
    if api_key:
        document["components"]["securitySchemes"] = {
            API_KEY_SCHEME: {"type": "apiKey", "name": "x-api-key", "in": "header"}
        }
        document["x-amazon-apigateway-api-key-source"] = "HEADER"
    if isinstance(allowed_source_ips, RawJson):
        document["x-amazon-apigateway-policy"] = allowed_source_ips
    elif allowed_source_ips:
        document["x-amazon-apigateway-policy"] = policies.source_ip_policy(allowed_source_ips)
    return document
