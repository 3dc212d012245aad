"""API Gateway mapping templates (Velocity) for the SQS `SendMessage` integration.

Pure functions over plain data; no cdktf.

Why the request template looks the way it does:
- The integration sends an `application/x-www-form-urlencoded` body to the SQS query API, so
  every value is passed through `$util.urlEncode`. The CloudFormation article writes
  `MessageBody=$input.body` raw: a body holding `&`, `+` or `=` is then cut or altered.
- `MessageBody` is the request body and nothing else, so the bytes a provider signed reach the
  verifier unchanged (the CDK article wraps it in JSON and breaks every signature).
- Headers travel as message attributes, each only when the request carries it: SQS refuses an
  attribute with an empty value, and a refused `SendMessage` would turn a missing optional
  header into a failed delivery.
- FIFO: `MessageGroupId` comes from a body field with a constant fallback (SQS refuses an empty
  group id); `MessageDeduplicationId` is the provider's delivery id when the header is present.
  It is never `$context.requestId`: every provider retry has a new request id, which would
  defeat deduplication of exactly the duplicates that matter. Without the header the queue's
  content-based deduplication applies.
- The whole template renders to a single line: Velocity keeps the newlines of a template in
  its output, and a stray newline would become part of the last form value.
- Attribute indexes use the formal reference `${i}`: in `$i.Name` Velocity would look for a
  property `Name` of `$i`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SendMessageSpec",
    "send_message_template",
    "success_response_template",
    "failure_response_template",
    "client_error_response_template",
    "json_path",
]


@dataclass(frozen=True)
class SendMessageSpec:
    """What the request template needs to know about a source."""

    attribute_headers: tuple[str, ...] = ()
    fifo: bool = False
    group_id_path: str | None = None  # dotted body path, e.g. "data.type"
    group_id_fallback: str = "default"
    dedup_id_header: str | None = None


def _vtl_string(value: str) -> str:
    """A Velocity single-quoted string literal, which Velocity does not interpolate."""
    if "'" in value:
        # Velocity 1.7 has no escape for a quote inside a literal; props never allow one.
        raise ValueError(f"{value!r} cannot be a Velocity literal: it holds a quote")
    return "'" + value + "'"


def json_path(dotted: str) -> str:
    """JSONPath for `$input.path`: `data.type` becomes `$.data.type`."""
    return "$." + dotted


def send_message_template(spec: SendMessageSpec) -> str:
    parts = ["Action=SendMessage&MessageBody=$util.urlEncode($input.body)"]
    if spec.attribute_headers:
        parts.append("#set($i = 0)")
    for header in spec.attribute_headers:
        parts.append(
            f"#set($h = \"$!input.params({_vtl_string(header)})\")"
            '#if($h != "")#set($i = $i + 1)'
            f"&MessageAttribute.${{i}}.Name={header}"
            "&MessageAttribute.${i}.Value.DataType=String"
            "&MessageAttribute.${i}.Value.StringValue=$util.urlEncode($h)"
            "#end"
        )
    if spec.fifo:
        if not spec.group_id_path:
            raise ValueError("a FIFO template needs group_id_path")
        # `#set` with a null right-hand side leaves the variable as it was, so $g starts empty.
        parts.append(
            '#set($g = "")'
            f"#set($g = $input.path({_vtl_string(json_path(spec.group_id_path))}))"
            f'#if("$!g" == "")#set($g = {_vtl_string(spec.group_id_fallback)})#end'
            '&MessageGroupId=$util.urlEncode("$g")'
        )
        if spec.dedup_id_header:
            parts.append(
                f"#set($d = \"$!input.params({_vtl_string(spec.dedup_id_header)})\")"
                '#if($d != "")&MessageDeduplicationId=$util.urlEncode($d)#end'
            )
    return "".join(parts)


def success_response_template() -> str:
    """200 body: the SQS MessageId, which a provider's delivery log can show."""
    return '{"id": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}'


# SQS error codes that refuse the message itself: sending it again cannot succeed.
# InvalidParameterValue: larger than the queue's MaximumMessageSize; InvalidMessageContents:
# characters SQS does not store (SQS API reference, SendMessage errors).
REFUSED_BODY_ERRORS = ("InvalidParameterValue", "InvalidMessageContents")


def client_error_response_template() -> str:
    """SQS answered 4xx: 413 when it refused this very body, else the failure answer (with the
    integration response's own status, 502). An engine that ignored the override would still
    tell the provider to retry rather than to give up.
    """
    condition = " || ".join(f'$code == "{code}"' for code in REFUSED_BODY_ERRORS)
    return (
        # SQS's JSON errors wrap the error in ErrorResponse (as its answers wrap results in
        # SendMessageResponse); the bare form is read too. Only one of them is ever present.
        "#set($code = \"$!input.path('$.ErrorResponse.Error.Code')$!input.path('$.Error.Code')\")"
        f"#if({condition})"
        "#set($context.responseOverride.status = 413)"
        '{"message": "The webhook was not queued: the queue refused its body (larger than the '
        'queue accepts, or holding characters SQS does not store). Sending it again will not help.", '
        '"requestId": "$context.requestId"}'
        "#else" + failure_response_template() + "#end"
    )


def failure_response_template() -> str:
    """5xx body: SendMessage failed, so nothing was queued and the provider should retry."""
    return (
        '{"message": "The webhook could not be queued; retry later.", '
        '"requestId": "$context.requestId"}'
    )
