"""Endpoint checks ("handshakes") that providers make before they deliver, answered by API Gateway
itself: no function runs and nothing is queued.

Pure functions over plain data; no cdktf. What each provider requires (sources in the README's
"Handshakes" table):

- dropbox: `GET <url>?challenge=<random>`; the answer echoes the challenge as the whole body,
  with `Content-Type: text/plain` and `X-Content-Type-Options: nosniff` "to avoid introducing a
  reflected XSS vulnerability", within ten seconds (Dropbox, "Webhooks" developer reference).
- meta: `GET <url>?hub.mode=subscribe&hub.challenge=<int>&hub.verify_token=<yours>`; "Verify that
  the hub.verify_token value matches the string you set in the Verify Token field ... Respond with
  the hub.challenge value" (Meta, Graph API "Getting started" with webhooks). A mismatch is
  answered 403, as Meta's WhatsApp sample server does.
- graph: `POST <url>?validationToken=<opaque>` with `Content-Type: text/plain; charset=utf-8`;
  the answer is "HTTP 200 OK", "a content type of text/plain", "a body that includes the URL
  decoded plain text validation token", within 10 seconds (Microsoft Graph, "Receive change
  notifications through webhooks"). It shares the POST route with deliveries, so the route's SQS
  template asks SQS for an action that does not exist (HANDSHAKE_ACTION) instead of SendMessage,
  and the error template turns that refusal into the answer: see vtl.

GET checks are `mock` integrations: the request template picks the status code, the response
template writes the challenge. A method request's parameters are what `$input.params()` reads in
both templates.
"""

from __future__ import annotations

from typing import Any

from .vtl import GRAPH_QUERY, HANDSHAKE_ACTION, QUERY_MAP, _vtl_string, query_present, query_value

__all__ = ["EDGE_GET_HANDSHAKES", "EDGE_POST_HANDSHAKES", "GET_HANDSHAKES", "GRAPH_QUERY", "HANDSHAKE_ACTION", "get_operation"]

GET_HANDSHAKES = ("meta", "dropbox")
# Checks the edge function answers on the POST route (every request of the route passes it),
# and on a GET of its own (X's CRC; deliveries stay API -> SQS).
EDGE_POST_HANDSHAKES = ("slack", "zoom", "discord")
EDGE_GET_HANDSHAKES = ("x",)
JSON = "application/json"
# The headers of an echoed challenge: plain text that no browser sniffs as HTML.
TEXT_HEADERS = {
    "method.response.header.Content-Type": "'text/plain'",
    "method.response.header.X-Content-Type-Options": "'nosniff'",
}
def _condition(kind: str, verify_token: str | None) -> tuple[str, str]:
    """(the Velocity condition of a genuine check, the parameter echoed)."""
    if kind == "dropbox":
        return query_present("challenge"), "challenge"
    if kind == "meta":
        if verify_token is None:
            raise ValueError("the meta handshake needs its verify token")
        return (
            "$qs.get('hub.mode') == 'subscribe' && "
            f"$qs.get('hub.verify_token') == {_vtl_string(verify_token)} && " + query_present("hub.challenge"),
            "hub.challenge",
        )
    raise ValueError(f"{kind!r} is not a handshake API Gateway answers on GET: use one of {GET_HANDSHAKES}")


def get_operation(kind: str, operation_id: str, *, verify_token: str | None = None) -> dict[str, Any]:
    """The GET method answering `kind`'s check: 200 with the challenge, or 403 (meta: wrong mode
    or token) / 400 (dropbox: no challenge) with a JSON message."""
    genuine, echoed = _condition(kind, verify_token)
    refused = "403" if kind == "meta" else "400"
    reason = "the verify token or mode does not match" if kind == "meta" else "the challenge parameter is missing"
    text_header = {"schema": {"type": "string"}}
    return {
        "operationId": operation_id,
        "description": f"Answer the {kind} endpoint check; nothing is queued.",
        "responses": {
            "200": {
                "description": "The challenge, as plain text.",
                "headers": {"Content-Type": text_header, "X-Content-Type-Options": text_header},
            },
            refused: {"description": f"Not a genuine check: {reason}."},
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "passthroughBehavior": "never",
            "requestTemplates": {
                JSON: QUERY_MAP + f'#if({genuine}){{"statusCode": 200}}#{{else}}{{"statusCode": {refused}}}#end'
            },
            "responses": {
                refused: {
                    "statusCode": refused,
                    "responseTemplates": {
                        JSON: f'{{"message": "Not a {kind} endpoint check: {reason}.", "requestId": "$context.requestId"}}'
                    },
                },
                "default": {
                    "statusCode": "200",
                    "responseParameters": TEXT_HEADERS,
                    "responseTemplates": {JSON: QUERY_MAP + query_value(echoed)},
                },
            },
        },
    }
