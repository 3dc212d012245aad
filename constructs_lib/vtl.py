"""API Gateway mapping templates (Velocity) for the SQS `SendMessage` integration.

Pure functions over plain data; no cdktf.

Why the request template looks the way it does:
- The integration sends an `application/x-www-form-urlencoded` body to the SQS query API, so
  every value is passed through `$util.urlEncode`. The CloudFormation article writes
  `MessageBody=$input.body` raw: a body holding `&`, `+` or `=` is then cut or altered.
- `MessageBody` is the request body and nothing else, so the bytes a provider signed reach the
  verifier unchanged (the CDK article wraps it in JSON and breaks every signature).
- Headers come from the request's headers only. `$input.params('X')` searches the path, then
  the query string, then the headers ("API Gateway mapping template and access logging
  variable reference": "$input.params(x) Returns the value of a method request parameter from
  the path, query string, or header value (searched in that order)"), so `?X-GitHub-Delivery=`
  would set the deduplication id and shadow forwarded attributes. The template reads
  `$input.params().header`, the map of headers alone, and matches names without regard to
  case (HTTP/2 clients send them in lower case): it walks the map's names with `matches('(?i)..')`
  (API Gateway's Velocity runs Java's String methods), then, should that find nothing, asks
  the map by name (LocalStack's map matches names case-insensitively but offers no `keySet`).
- Headers travel as message attributes, each only when the request carries it: SQS refuses an
  attribute with an empty value, and a refused `SendMessage` would turn a missing optional
  header into a failed delivery.
- `webhook.received_at` (a Number attribute) is `$context.requestTimeEpoch`, when API Gateway
  received the request, in epoch milliseconds; the verifier measures the replay window from
  it. No request can set or shadow it: its name holds a '.', which no header name may.
- An empty body is refused, not queued as something else. API Gateway hands a template `{}`
  for it (and validates it as `{}`), and neither the template nor the validator can tell it
  from a body that is exactly `{}`: the request's Content-Length is not among the headers a
  template sees (LocalStack drops it as AWS does). So a body of `{}` is refused too; it
  carries nothing to process, and no provider we know sends it. The template asks SQS for an
  action that does not exist (`EMPTY_BODY_ACTION`), SQS refuses it with `InvalidAction`, and
  the error template answers 400. There is no message SQS could store for an empty body
  (SendMessage refuses one).
- FIFO: `MessageGroupId` comes from a body field and `MessageDeduplicationId` from the
  provider's delivery id header, the first present of `dedup_id_headers`. SQS takes for either
  only 1-128 characters from `!` to `~`, and refuses the whole message otherwise; a field or a
  header may hold anything. So both are URL-encoded first (`$util.urlEncode` yields only
  letters, digits and `.-*_+%~`, and different values stay different). A group id over 128
  characters is cut to 128: two long values that share their first 128 characters then share
  a group, which orders them together and loses nothing. A deduplication id over 128 is never
  cut (two deliveries would merge and one be dropped): the request id is used instead, so a
  retry of that delivery may be queued twice, never lost. A missing or empty group field takes
  `group_id_fallback`. Without a delivery id header the queue's content-based deduplication
  applies. The id is never `$context.requestId` otherwise: every provider retry has a new
  request id, which would defeat deduplication of exactly the duplicates that matter.
- The whole template renders to a single line: Velocity keeps the newlines of a template in
  its output, and a stray newline would become part of the last form value.
- Attribute indexes use the formal reference `${i}`: in `$i.Name` Velocity would look for a
  property `Name` of `$i`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .verifier_schemes import received_at_attribute, url_attribute

__all__ = [
    "SendMessageSpec",
    "send_message_template",
    "success_response_template",
    "failure_response_template",
    "client_error_response_template",
    "json_path",
    "RECEIVED_AT_ATTRIBUTE",
    "EMPTY_BODY_ACTION",
    "SQS_ID_MAX",
]

# The attribute carrying when API Gateway received the request, named where the verifier
# that reads it names it.
RECEIVED_AT_ATTRIBUTE = received_at_attribute()
URL_ATTRIBUTE = url_attribute()
# An SQS action that does not exist: what the template asks for when the body is empty.
EMPTY_BODY_ACTION = "WebhookBodyIsEmpty"
# SQS: MessageGroupId and MessageDeduplicationId are 1-128 characters.
SQS_ID_MAX = 128


@dataclass(frozen=True)
class SendMessageSpec:
    """What the request template needs to know about a source."""

    attribute_headers: tuple[str, ...] = ()
    fifo: bool = False
    group_id_path: str | None = None  # dotted body path, e.g. "data.type"
    group_id_fallback: str = "default"
    # Headers naming the delivery; the first one present deduplicates (FIFO only).
    dedup_id_headers: tuple[str, ...] = ()
    # Add the URL the provider called (URL_ATTRIBUTE), for schemes that sign it.
    url: bool = False
    # A body of a raw media type (form, XML, text): not JSON, so FIFO groups take the fallback.
    raw: bool = False
    # Answer Microsoft Graph's validation (?validationToken=) instead of queueing: see handshakes.
    graph_validation: bool = False


def _vtl_string(value: str) -> str:
    """A Velocity single-quoted string literal, which Velocity does not interpolate."""
    if "'" in value:
        # Velocity 1.7 has no escape for a quote inside a literal; props never allow one.
        raise ValueError(f"{value!r} cannot be a Velocity literal: it holds a quote")
    return "'" + value + "'"


# The request's query parameters alone, as $qs (`$input.params('x')` would also search the path
# and the headers).
QUERY_MAP = "#set($qs = $input.params().querystring)"
# Microsoft Graph's validation request (see handshakes): its query parameter, and the SQS action
# that does not exist which the POST template asks for instead of SendMessage.
GRAPH_QUERY = "validationToken"
HANDSHAKE_ACTION = "WebhookHandshake"


def query_value(name: str) -> str:
    """The query parameter `name` of $qs (set by QUERY_MAP)."""
    return f"$qs.get({_vtl_string(name)})"


def query_present(name: str) -> str:
    """A Velocity condition: the query parameter `name` is present and not empty."""
    return f'"$!qs.get({_vtl_string(name)})" != ""'


def _header_name(name: str) -> str:
    # The name goes into a regular expression and a literal: letters, digits and '-' only.
    if not name or not all(c.isascii() and (c.isalnum() or c == "-") for c in name):
        raise ValueError(f"{name!r} is not a header name this template can match: use letters, digits and '-'")
    return name


def json_path(dotted: str) -> str:
    """JSONPath for `$input.path`: `data.type` becomes `$.data.type`."""
    return "$." + dotted


def _header_lookups(names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Velocity that sets one variable per header name (case-insensitive, headers only; "" when
    absent), and the variable of each name, keyed by the name in lower case."""
    if not names:
        return "", {}
    variables = {name.lower(): f"$h{index}" for index, name in enumerate(dict.fromkeys(n.lower() for n in names))}
    canonical = {name.lower(): name for name in names}
    parts = ["#set($hs = $input.params().header)"]
    parts += [f'#set({var} = "")' for var in variables.values()]
    branches = "#else".join(
        f"if($n.matches({_vtl_string('(?i)' + _header_name(canonical[key]))}))#set({var} = \"$!hs.get($n)\")"
        for key, var in variables.items()
    )
    parts.append("#foreach($n in $hs.keySet())#" + branches + "#end#end")
    parts += [
        f'#if({var} == "")#set({var} = "$!hs.get({_vtl_string(canonical[key])})")#end' for key, var in variables.items()
    ]
    return "".join(parts), variables


def send_message_template(spec: SendMessageSpec) -> str:
    if spec.fifo and not spec.group_id_path and not spec.raw:
        raise ValueError("a FIFO template needs group_id_path")
    dedup = spec.dedup_id_headers if spec.fifo else ()
    lookups, var = _header_lookups((*spec.attribute_headers, *dedup))
    parts = [lookups]
    message = ["Action=SendMessage&MessageBody=$util.urlEncode($input.body)", "#set($i = 0)"]
    for header in spec.attribute_headers:
        value = var[header.lower()]
        message.append(
            f'#if({value} != "")#set($i = $i + 1)'
            f"&MessageAttribute.${{i}}.Name={header}"
            "&MessageAttribute.${i}.Value.DataType=String"
            f"&MessageAttribute.${{i}}.Value.StringValue=$util.urlEncode({value})"
            "#end"
        )
    message.append(
        "#set($i = $i + 1)"
        f"&MessageAttribute.${{i}}.Name={RECEIVED_AT_ATTRIBUTE}"
        "&MessageAttribute.${i}.Value.DataType=Number"
        "&MessageAttribute.${i}.Value.StringValue=$context.requestTimeEpoch"
    )
    if spec.url:
        # https, the host and the path as called ($context.path: /<stage>/... on the execute-api
        # host, /<base path>/... on a custom domain), then the query string's parameters,
        # re-encoded, in the order the map gives them.
        message.append(
            '#set($u = "https://$context.domainName$context.path")#set($q = "")#set($qs = $input.params().querystring)'
            '#foreach($k in $qs.keySet())#set($q = "$q&$util.urlEncode($k)=$util.urlEncode($qs.get($k))")#end'
            '#if($q != "")#set($u = "$u?$q.substring(1)")#end'
            "#set($i = $i + 1)"
            f"&MessageAttribute.${{i}}.Name={URL_ATTRIBUTE}"
            "&MessageAttribute.${i}.Value.DataType=String"
            "&MessageAttribute.${i}.Value.StringValue=$util.urlEncode($u)"
        )
    if spec.fifo and spec.raw:
        # Only a JSON body has fields: every raw body joins the fallback group.
        message.append(f"&MessageGroupId=$util.urlEncode({_vtl_string(spec.group_id_fallback)})")
    elif spec.fifo:
        assert spec.group_id_path is not None
        # `#set` with a null right-hand side leaves the variable as it was, so $g starts empty.
        message.append(
            '#set($g = "")'
            f"#set($g = $input.path({_vtl_string(json_path(spec.group_id_path))}))"
            '#set($g = "$!g")'
            f'#if($g == "")#set($g = {_vtl_string(spec.group_id_fallback)})'
            f"#{{else}}#set($g = $util.urlEncode($g))#if($g.length() > {SQS_ID_MAX})#set($g = $g.substring(0, {SQS_ID_MAX}))#end#end"
            "&MessageGroupId=$util.urlEncode($g)"
        )
    if dedup:
        first = '#set($d = "")' + "".join(f'#if($d == "")#set($d = {var[h.lower()]})#end' for h in dedup)
        message.append(
            first + '#if($d != "")#set($d = $util.urlEncode($d))'
            f"#if($d.length() > {SQS_ID_MAX})#set($d = $context.requestId)#end"
            "&MessageDeduplicationId=$util.urlEncode($d)#end"
        )
    # A raw body may be handed over as "" or, as for JSON, "{}" (LocalStack does so for every
    # content type): both are refused, so a text body of exactly `{}` is refused too.
    empty = '$input.body == "" || $input.body == "{}"' if spec.raw else '$input.body == "{}"'
    parts.append(
        # `#{else}`: followed by a letter, a bare `#else` would read as a directive `#elseAction`.
        f"#if({empty})Action={EMPTY_BODY_ACTION}#{{else}}" + "".join(message) + "#end"
    )
    if spec.graph_validation:
        return _graph_check("".join(parts))
    return "".join(parts)


def _graph_check(otherwise: str) -> str:
    """Graph's validation request is answered, never queued: SQS is asked for HANDSHAKE_ACTION,
    which it refuses, and client_error_response_template(graph_validation=True) writes the token."""
    return (
        f"{QUERY_MAP}#if({query_present(GRAPH_QUERY)})Action={HANDSHAKE_ACTION}#{{else}}{otherwise}#end"
    )


def graph_text_template() -> str:
    """The template of text/plain on a Graph route whose source does not accept text bodies:
    Graph's validation request is answered; any other text body is refused with 415, by a
    SendMessage without a body, which SQS refuses with MissingParameter."""
    return _graph_check("Action=SendMessage")


def edge_request_template(send_template: str) -> str:
    """The edge function's input on a POST route (lambda_src/verifier/edge.py): the SendMessage
    parameters the route would send to SQS, so a delivery is queued exactly as without the
    function. They are form-encoded (letters, digits, `.-*_+%~=&`): a JSON string as they are."""
    return '{"requestId": "$context.requestId", "form": "' + send_template + '"}'


def crc_request_template() -> str:
    """The edge function's input for X's CRC (GET ?crc_token=): the token, URL-encoded so that
    any value is a JSON string as it is."""
    return (
        f"{QUERY_MAP}#set($t = \"$!qs.get('crc_token')\")"
        '{"requestId": "$context.requestId", "crc_token": "$util.urlEncode($t)"}'
    )


def edge_response_template() -> str:
    """The edge function's answer `{"status", "body"}` as the response: its status, and its body
    as JSON (none for 204)."""
    return (
        "#set($status = $input.path('$.status'))#set($context.responseOverride.status = $status)"
        "#if($status != 204)$input.json('$.body')#end"
    )


def success_response_template() -> str:
    """200 body: the SQS MessageId, which a provider's delivery log can show."""
    return '{"id": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}'


# SQS error codes that refuse the message itself: sending it again cannot succeed.
# InvalidParameterValue: larger than the queue's MaximumMessageSize; InvalidMessageContents:
# characters SQS does not store (SQS API reference, SendMessage errors).
REFUSED_BODY_ERRORS = ("InvalidParameterValue", "InvalidMessageContents")
# What SQS answers to EMPTY_BODY_ACTION (SQS API reference, common errors: "InvalidAction: The
# action or operation requested is invalid").
EMPTY_BODY_ERROR = "InvalidAction"
# What SQS answers to a SendMessage without MessageBody (SQS API reference, common errors:
# "MissingParameter: A required parameter for the specified action is not supplied").
MISSING_BODY_ERROR = "MissingParameter"


def client_error_response_template(*, graph_validation: bool = False) -> str:
    """SQS answered 4xx: 413 when it refused this very body, 400 when the template refused an
    empty body (see EMPTY_BODY_ACTION), else the failure answer (with the integration
    response's own status, 502). An engine that ignored the override would still tell the
    provider to retry rather than to give up.

    graph_validation: the route answers Microsoft Graph's validation request. Its refused
    HANDSHAKE_ACTION becomes 200 with the URL-decoded token as plain text, and a text body the
    source does not accept (MissingParameter, see graph_text_template) becomes 415.
    """
    condition = " || ".join(f'$code == "{code}"' for code in REFUSED_BODY_ERRORS)
    graph = ""
    if graph_validation:
        graph = (
            f"#if($code == \"{EMPTY_BODY_ERROR}\" && {query_present(GRAPH_QUERY)})"
            "#set($context.responseOverride.status = 200)"
            "#set($context.responseOverride.header.Content-Type = 'text/plain')"
            "#set($context.responseOverride.header.X-Content-Type-Options = 'nosniff')"
            + query_value(GRAPH_QUERY)
            + f'#elseif($code == "{MISSING_BODY_ERROR}")'
            "#set($context.responseOverride.status = 415)"
            '{"message": "Unsupported Media Type", "requestId": "$context.requestId"}'
            "#{else}"
        )
    return (
        # SQS's JSON errors wrap the error in ErrorResponse (as its answers wrap results in
        # SendMessageResponse); the bare form is read too. Only one of them is ever present.
        "#set($code = \"$!input.path('$.ErrorResponse.Error.Code')$!input.path('$.Error.Code')\")"
        + (QUERY_MAP if graph_validation else "")
        + graph
        + f"#if({condition})"
        "#set($context.responseOverride.status = 413)"
        '{"message": "The webhook was not queued: the queue refused its body (larger than the '
        'queue accepts, or holding characters SQS does not store). Sending it again will not help.", '
        '"requestId": "$context.requestId"}'
        f'#elseif($code == "{EMPTY_BODY_ERROR}")'
        "#set($context.responseOverride.status = 400)"
        '{"message": "Invalid request body", "errors": "the body is empty", "requestId": "$context.requestId"}'
        "#else" + failure_response_template() + "#end" + ("#end" if graph_validation else "")
    )


def failure_response_template() -> str:
    """5xx body: SendMessage failed, so nothing was queued and the provider should retry."""
    return (
        '{"message": "The webhook could not be queued; retry later.", '
        '"requestId": "$context.requestId"}'
    )
