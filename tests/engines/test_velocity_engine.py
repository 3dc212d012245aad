"""Our mapping templates, rendered by Apache Velocity 1.7 with API Gateway's variables.

First the harness is held to what AWS says API Gateway does: the examples of the developer
guide ("API Gateway mapping template and access logging variable reference", "Working with
models and mapping templates", "quotas and important notes"; awsdocs/amazon-api-gateway-
developer-guide at 781597d, and the current pages where they add an example), and, where the
guide is silent, responses LocalStack recorded from AWS (tests/aws/services/apigateway/
test_apigateway_common.snapshot.json, test_input_body_formatting). Then it proves what the
library relies on: `MessageBody=$util.urlEncode($input.body)` delivers any body byte for byte,
the CloudFormation article's `MessageBody=$input.body` does not, header forwarding adds an
attribute only when the header is there, and how Velocity 1.7 treats line ends.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, quote_plus

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from support import velocity
from support.velocity import RenderRequest, render, render_many

# The standard-queue template our library generates (constructs_lib/vtl.py builds the real one).
SEND_MESSAGE = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
# The template of the CloudFormation article in shared/seeds/, without its FIFO parameters.
RAW_SEND_MESSAGE = "Action=SendMessage&MessageBody=$input.body"
FORWARD_SIGNATURE = (
    "#set($h = \"$!input.params('X-Hub-Signature-256')\")#if($h != \"\")"
    "&MessageAttribute.1.Name=X-Hub-Signature-256&MessageAttribute.1.Value.DataType=String"
    "&MessageAttribute.1.Value.StringValue=$util.urlEncode($h)#end"
)

PETS = [
    {"id": 1, "type": "dog", "price": 249.99},
    {"id": 2, "type": "cat", "price": 124.99},
    {"id": 3, "type": "fish", "price": 0.99},
]

PROPERTY = settings(
    max_examples=8,
    deadline=None,
    database=None,
    # The same corpus on every run, so a red build is reproducible.
    derandomize=True,
    # No shrinking: each assertion names the value that failed, and shrinking a list of a hundred
    # bodies takes minutes.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# What breaks naive templates: form syntax, percent escapes, VTL syntax, JSON escapes, characters
# outside ASCII and the BMP, and the line separators JavaScript (not JSON) treats as line ends.
HARD_FRAGMENTS = [
    "&", "+", "=", "%", "%25", "%2B", "a=b&c=d", "+1 555 0100", "'", '"', "\\", "\\n", "${x}",
    "$input.body", "$!h", "#", "##", "#set($a = 1)", "#end", "é", "日本語", "😀", "\U0001f1fa\U0001f1f8",
    "\u2028", "\u2029", "\n", "\r\n", "\t", " ", "*", "~", "\x7f",
]
# SQS refuses these in a message body (its allowed set ends at U+FFFD), so no delivery holds them.
NOT_DELIVERABLE = "\ufffe\uffff"
characters = st.characters(exclude_categories=("Cs",), exclude_characters=NOT_DELIVERABLE)
texts = st.lists(
    st.sampled_from(HARD_FRAGMENTS) | st.text(characters, min_size=1, max_size=4), min_size=1, max_size=3
).map("".join)


def webhook_body(words: list[str], number: int, ratio: float, indent: int | str | None) -> str:
    """Raw text as a provider sends it: nested JSON, compact or indented, non-ASCII unescaped."""
    document = {
        "event": words[0],
        "data": {"items": words[1:], "count": number, "ratio": ratio, "ok": number % 2 == 0, "none": None},
        "labels": {word: index for index, word in enumerate(words)},
    }
    return json.dumps(document, ensure_ascii=False, indent=indent)


# Small bodies let one example hold over a hundred of them (hypothesis caps what one example
# draws); the
# characters, not the nesting, are what an encoder gets wrong.
json_bodies = st.builds(
    webhook_body,
    st.lists(texts, min_size=1, max_size=3),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([None, 2, "\t"]),
)
# Every fragment appears in at least one body, whatever hypothesis draws.
FIXED_BODIES = [
    *(json.dumps({"text": fragment, "n": 1}, ensure_ascii=False, indent=2) for fragment in HARD_FRAGMENTS),
    '{\r\n  "crlf": "line ends as Windows writes them"\r\n}',
]


def form(rendered: str) -> dict[str, list[str]]:
    """The form SQS reads from the integration request body."""
    return parse_qs(rendered, keep_blank_values=True, strict_parsing=True)


def delivers(rendered: str, body: str) -> bool:
    """The form is a SendMessage of exactly this body and nothing else."""
    try:
        return form(rendered) == {"Action": ["SendMessage"], "MessageBody": [body]}
    except ValueError:  # not a well-formed form at all
        return False


# --- documented behaviour of $input ---------------------------------------------------------


def test_input_json_returns_the_pets_structure_as_json() -> None:
    # Reference: "$input.json('$.pets') returns a JSON string representing the pets structure".
    body = json.dumps({"pets": PETS})
    pets, first_type, price = render_many(
        [
            RenderRequest("$input.json('$.pets')", body),
            RenderRequest("$input.json('$.pets[0].type')", body),
            RenderRequest("$input.json(\"$['pets'][-1]['price']\")", body),
        ]
    )
    assert json.loads(pets) == PETS
    assert first_type == '"dog"'  # a JSON string, quotes included: not usable bare in a form field
    assert json.loads(price) == 0.99


def test_input_path_returns_objects_a_template_navigates() -> None:
    # Reference, $input.path: "$input.path('$.pets')" returns the array, `.size()` counts it. (The
    # current page writes `.count()`, which no Java list has; the 2023 page and the
    # request/response example below use `.size()`.)
    body = json.dumps({"pets": PETS})
    assert render("$input.path('$.pets').size()", body=body) == "3"
    assert render("$input.path('$.pets')[1].type $input.path('$.pets').get(2).price", body=body) == "cat 0.99"


def test_things_request_example_gives_the_documented_id_and_count() -> None:
    # Reference, "Example request and response using $input": POST /things/abc.
    template = '{\n    "id" : "$input.params(\'id\')",\n    "count" : "$input.path(\'$.things\').size()"\n}'
    body = '{\n    "things" : {\n        "1" : {},\n        "2" : {},\n        "3" : {}\n    }\n}'
    assert json.loads(render(template, body=body, path={"id": "abc"})) == {"id": "abc", "count": "3"}


def test_grocery_output_template_gives_the_documented_choices() -> None:
    # "Working with models and mapping templates": the produce inventory and its output template.
    inventory = {
        "department": "produce",
        "categories": ["fruit", "vegetables"],
        "bins": [
            {"category": "fruit", "type": "apples", "price": 1.99, "unit": "pound", "quantity": 232},
            {"category": "fruit", "type": "bananas", "price": 0.19, "unit": "each", "quantity": 112},
            {"category": "vegetables", "type": "carrots", "price": 1.29, "unit": "bag", "quantity": 57},
        ],
    }
    template = (
        "#set($inputRoot = $input.path('$'))\n"
        "{\n"
        '  "choices": [\n'
        "#foreach($elem in $inputRoot.bins)\n"
        "    {\n"
        '      "kind": "$elem.type",\n'
        '      "suggestedPrice": "$elem.price per $elem.unit",\n'
        '      "available": $elem.quantity\n'
        "    }#if($foreach.hasNext),#end\n"
        "            \n"
        "#end\n"
        "  ]\n"
        "}"
    )
    assert json.loads(render(template, body=json.dumps(inventory, indent=2))) == {
        "choices": [
            {"kind": "apples", "suggestedPrice": "1.99 per pound", "available": 232},
            {"kind": "bananas", "suggestedPrice": "0.19 per each", "available": 112},
            {"kind": "carrots", "suggestedPrice": "1.29 per bag", "available": 57},
        ]
    }


def test_json_mapping_example_embeds_the_whole_body() -> None:
    # Reference, "Example JSON mapping template using $input".
    template = '{\n    "name" : "$input.params(\'name\')",\n    "body" : $input.json(\'$\') \n}'
    document = {"say": 'it\'s "quoted" & 100% é 😀\u2028', "n": [1, 2.5, None, True]}
    rendered = render(template, body=json.dumps(document, ensure_ascii=False), query={"name": "Ana"})
    assert json.loads(rendered) == {"name": "Ana", "body": document}


def test_params_searches_path_then_query_string_then_header() -> None:
    # Reference: $input.params(x) "from the path, query string, or header value (searched in that order)".
    everywhere = {"path": {"k": "from-path"}, "query": {"k": "from-query"}, "headers": {"k": "from-header"}}
    cases = [
        everywhere,
        {**everywhere, "path": {}},
        {**everywhere, "path": {}, "query": {}},
        {},
    ]
    assert render_many([{"template": "[$input.params('k')]", "body": "{}", **case} for case in cases]) == [
        "[from-path]",
        "[from-query]",
        "[from-header]",
        "[]",
    ]


def test_header_names_are_case_sensitive() -> None:
    # Important notes for REST APIs: "Header names and query parameters are processed in a
    # case-sensitive way." The guide lists this for Lambda and HTTP integrations and says nothing
    # for AWS integrations; the harness takes the stricter reading, so a template that works here
    # works either way. A client speaking HTTP/2 sends lowercase names.
    template = "[$input.params('X-Hub-Signature-256')][$input.params().header.get('X-Hub-Signature-256')]"
    assert render(template, body="{}", headers={"X-Hub-Signature-256": "sha256=1"}) == "[sha256=1][sha256=1]"
    assert render(template, body="{}", headers={"x-hub-signature-256": "sha256=1"}) == "[][]"


def test_a_query_parameter_shadows_the_header_of_the_same_name() -> None:
    # The documented search order has a consequence for forwarding headers: anyone can add
    # ?X-Hub-Signature-256=... and $input.params(x) returns that instead of the header.
    # $input.params().header.get(x) reads the header alone.
    request = {"body": "{}", "headers": {"X-Hub-Signature-256": "real"}, "query": {"X-Hub-Signature-256": "forged"}}
    assert render("$input.params('X-Hub-Signature-256')", **request) == "forged"
    assert render("$input.params().header.get('X-Hub-Signature-256')", **request) == "real"


def test_parameter_mapping_example_passes_every_parameter() -> None:
    # Reference, "Parameter mapping template example": $input.params() is path, querystring, header.
    template = (
        "#set($allParams = $input.params())\n"
        "{\n"
        '  "params" : {\n'
        "    #foreach($type in $allParams.keySet())\n"
        "    #set($params = $allParams.get($type))\n"
        '    "$type" : {\n'
        "      #foreach($paramName in $params.keySet())\n"
        '      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"\n'
        "      #if($foreach.hasNext),#end\n"
        "      #end\n"
        "    }\n"
        "    #if($foreach.hasNext),#end\n"
        "    #end\n"
        "  }\n"
        "}"
    )
    rendered = render(
        template,
        body="{}",
        path={"source": "github"},
        query={"tenant": "acme", "v": "2"},
        headers={"X-GitHub-Event": "push", "User-Agent": "GitHub-Hookshot/1a2b3c4"},
    )
    assert json.loads(rendered) == {
        "params": {
            "path": {"source": "github"},
            "querystring": {"tenant": "acme", "v": "2"},
            "header": {"X-GitHub-Event": "push", "User-Agent": "GitHub-Hookshot/1a2b3c4"},
        }
    }


# --- documented behaviour of $context, $stageVariables and $util ----------------------------


def test_context_variables_example() -> None:
    # "Examples using variables for mapping template transformations", example 1, with its values.
    template = """{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "api_id" : "$context.apiId",
    "resource_path" : "$context.resourcePath",
    "resource_id" : "$context.resourceId",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "account_id" : "$context.identity.accountId",
    "api_key" : "$context.identity.apiKey",
    "caller" : "$context.identity.caller",
    "user" : "$context.identity.user",
    "user_arn" : "$context.identity.userArn"
}"""
    expected = {
        "stage": "prod",
        "request_id": "abcdefg-000-000-0000-abcdefg",
        "api_id": "abcd1234",
        "resource_path": "/",
        "resource_id": "efg567",
        "http_method": "GET",
        "source_ip": "192.0.2.1",
        "user-agent": "curl/7.84.0",
        "account_id": "111122223333",
        "api_key": "MyTestKey",
        "caller": "ABCD-0000-12345",
        "user": "ABCD-0000-12345",
        "user_arn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar",
    }
    context = {
        "stage": "prod",
        "requestId": "abcdefg-000-000-0000-abcdefg",
        "apiId": "abcd1234",
        "resourcePath": "/",
        "resourceId": "efg567",
        "httpMethod": "GET",
        "identity": {
            "sourceIp": "192.0.2.1",
            "userAgent": "curl/7.84.0",
            "accountId": "111122223333",
            "apiKey": "MyTestKey",
            "caller": "ABCD-0000-12345",
            "user": "ABCD-0000-12345",
            "userArn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar",
        },
    }
    assert json.loads(render(template, body="{}", context=context)) == expected


def test_stage_variables_in_each_documented_syntax() -> None:
    # Reference, $stageVariables: .name, ['name'] and ${stageVariables['name']}.
    template = "$stageVariables.queue|$stageVariables['queue']|${stageVariables['queue']}"
    assert render(template, body="{}", stage_variables={"queue": "ingest"}) == "ingest|ingest|ingest"


def test_parse_json_example_gives_the_documented_output() -> None:
    # Reference, $util.parseJson: the errorMessage payload and template, output verbatim.
    body = r'{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}'
    template = (
        "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n"
        "{\n"
        '   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]\n'
        "}\n"
    )
    assert render(template, body=body) == '{\n   "errorMessageObjKey2ArrVal" : 1\n}\n'


def test_escape_javascript_escapes_single_quotes() -> None:
    # Reference: escapeJavaScript "will turn any regular single quotes (') into escaped ones (\')".
    assert render("$util.escapeJavaScript($input.path('$.s'))", body='{"s": "it\'s"}') == "it\\'s"


@PROPERTY
@given(st.lists(texts, min_size=50, max_size=50))
def test_escape_javascript_with_the_documented_fix_makes_a_json_string(values: list[str]) -> None:
    # Reference: escaped single quotes are not valid JSON, so a template turns them back with
    # .replaceAll("\\'","'"); the result must read back as the original string.
    template = r'''"$util.escapeJavaScript($input.path('$.s')).replaceAll("\\'","'")"'''
    rendered = render_many(RenderRequest(template, json.dumps({"s": value})) for value in values)
    assert [json.loads(text) for text in rendered] == values


def test_url_encode_matches_quote_plus_on_reserved_characters() -> None:
    # Reference: urlEncode "converts a string into application/x-www-form-urlencoded format".
    # urllib's quote_plus is an independent encoder of the same format.
    reserved = list(":/?#[]@!$&'()+,;=% \"<>\\^`{|}\n\r\t") + ["é", "日", "😀", "\u2028", "\x00"]
    rendered = render_many(RenderRequest("$util.urlEncode($input.body)", char) for char in reserved)
    assert rendered == [quote_plus(char) for char in reserved]


def test_url_encode_follows_the_whatwg_form_set_where_quote_plus_differs() -> None:
    # The two encoders disagree on two characters: `*` is left as is and `~` is escaped, as the
    # WHATWG application/x-www-form-urlencoded serializer (and java.net.URLEncoder) does; Python
    # does the reverse. Either way a form decoder gets the character back.
    assert render("$util.urlEncode($input.body)", body="*~") == "*%7E"
    assert form("v=*%7E") == form("v=%2A~") == {"v": ["*~"]}


@PROPERTY
@given(st.lists(texts, min_size=50, max_size=50))
def test_url_encode_equals_the_oracle_on_any_text(values: list[str]) -> None:
    rendered = render_many(RenderRequest("$util.urlEncode($input.body)", value) for value in values if value)
    assert rendered == [quote_plus(value, safe="*").replace("~", "%7E") for value in values if value]


def test_url_decode_and_base64_against_python() -> None:
    text = "a b&c=d+e%f é 😀\u2028"
    template = (
        "$util.urlDecode($util.urlEncode($input.body))|$util.urlDecode('a+b%26c')|"
        "$util.base64Encode($input.body)|$util.base64Decode($util.base64Encode($input.body))"
    )
    decoded, literal, encoded, round_trip = render(template, body=text).split("|")
    assert decoded == text
    assert literal == "a b&c"
    assert encoded == base64.b64encode(text.encode()).decode()
    assert round_trip == text


def test_foreach_stops_at_the_quota_of_1000_iterations() -> None:
    # Quotas: "Number of iterations in a #foreach ... #end loop in mapping templates: 1000".
    assert render("#foreach($i in [1..1500])x#end", body="{}") == "x" * 1000


# --- behaviour AWS was recorded to have (LocalStack test_input_body_formatting) --------------


@pytest.mark.parametrize(
    ("body", "recorded"),
    [
        ("", "EncodedBody=%7B%7D&EncodedBodyAccess="),
        (json.dumps({"some": "value"}), "EncodedBody=%7B%22some%22%3A+%22value%22%7D&EncodedBodyAccess="),
        ("some raw data", "EncodedBody=some+raw+data&EncodedBodyAccess="),
    ],
    ids=["empty body reads as {}", "json body", "text body"],
)
def test_recorded_url_encode_responses(body: str, recorded: str) -> None:
    # $input.body.testAccess names a property a string does not have: AWS renders it empty.
    template = "EncodedBody=$util.urlEncode($input.body)&EncodedBodyAccess=$util.urlEncode($input.body.testAccess)"
    assert render(template, body=body, strict=False) == recorded


def test_json_objects_print_as_java_maps_and_arrays_as_json() -> None:
    # Jayway JsonPath (which the reference links) reads objects into Java maps and arrays into
    # json-smart arrays; LocalStack reproduces AWS printing them so (template_mapping.py, VTLJsonDict).
    # A template that writes $input.path(...) into a message gets this, not JSON.
    assert render("$input.path('$')", body='{"a": 1, "b": [{"c": 5}]}') == '{a=1, b=[{"c":5}]}'


def test_strict_rendering_names_what_aws_would_blank() -> None:
    with pytest.raises(velocity.UnresolvedReferences) as error:
        render("MessageBody=$util.urlEncod($input.body)&Stage=$contxt.stage", body="{}")
    assert error.value.references == ["$util.urlEncod()", "$contxt"]
    assert error.value.output == "MessageBody=&Stage="


def test_absent_data_is_not_an_unresolved_reference() -> None:
    # A missing body field, header or context key is the request's business, not a template bug.
    template = "[$input.path('$.missing')][$input.params('X-Absent')][$context.authorizer.principalId]"
    assert render(template, body='{"present": 1}') == "[][][]"


def test_a_template_velocity_cannot_parse_is_an_error() -> None:
    with pytest.raises(velocity.TemplateError, match="ParseErrorException"):
        render("#if($input.body", body="{}")


def test_missing_engine_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(velocity.CLASSPATH_ENV, "/nonexistent/velocity-1.7.jar")
    with pytest.raises(velocity.VelocityMissing, match=r"make test.*apt-get install -y velocity"):
        velocity.classpath()


# --- what the library relies on ---------------------------------------------------------------


@PROPERTY
@given(st.lists(json_bodies, min_size=120, max_size=120))
def test_send_message_template_delivers_every_body_byte_for_byte(generated: list[str]) -> None:
    corpus = FIXED_BODIES + generated
    for needle in ["&", "+", "=", "%", "'", '"', "\\", "${", "#", "é", "😀", "\u2028", "\u2029", "\n", "\r"]:
        assert any(needle in body for body in corpus), f"the corpus lost {needle!r}"

    rendered = render_many(RenderRequest(SEND_MESSAGE, body) for body in corpus)

    # parse_qs decodes percent escapes as UTF-8, as SQS does: equal text is equal bytes.
    changed = [(body, text) for body, text in zip(corpus, rendered, strict=True) if not delivers(text, body)]
    assert not changed, f"{len(changed)} of {len(corpus)} bodies did not arrive intact, first: {changed[0]!r}"


@pytest.mark.parametrize(
    ("body", "what_sqs_gets"),
    [
        (
            '{"note": "fish&chips=yes"}',
            {"Action": ["SendMessage"], "MessageBody": ['{"note": "fish'], "chips": ['yes"}']},
        ),
        ('{"sum": "1+1=2"}', {"Action": ["SendMessage"], "MessageBody": ['{"sum": "1 1=2"}']}),
        ('{"code": "%41%42"}', {"Action": ["SendMessage"], "MessageBody": ['{"code": "AB"}']}),
        (
            '{"x": "&DelaySeconds=900"}',
            {"Action": ["SendMessage"], "MessageBody": ['{"x": "'], "DelaySeconds": ['900"}']},
        ),
    ],
    ids=["& splits the body", "+ becomes a space", "%XX is decoded", "a body injects a parameter"],
)
def test_raw_body_template_corrupts_form_syntax(body: str, what_sqs_gets: dict[str, list[str]]) -> None:
    raw, encoded = render_many([RenderRequest(RAW_SEND_MESSAGE, body), RenderRequest(SEND_MESSAGE, body)])
    assert form(raw) == what_sqs_gets
    assert form(encoded) == {"Action": ["SendMessage"], "MessageBody": [body]}


@pytest.mark.parametrize(
    ("headers", "attribute"),
    [
        ({}, None),
        ({"X-Hub-Signature-256": ""}, None),
        ({"X-GitHub-Event": "push"}, None),
        ({"X-Hub-Signature-256": "sha256=" + "ab" * 32}, "sha256=" + "ab" * 32),
        ({"X-Hub-Signature-256": "v1,a+b/c==&x=%2B é"}, "v1,a+b/c==&x=%2B é"),
    ],
    ids=["absent", "empty", "other header only", "present", "present, form syntax in the value"],
)
def test_header_is_forwarded_only_when_present(headers: dict[str, str], attribute: str | None) -> None:
    body = '{"zen": "Keep it logically awesome."}'
    fields = form(render(SEND_MESSAGE + FORWARD_SIGNATURE, body=body, headers=headers))
    expected: dict[str, Any] = {"Action": ["SendMessage"], "MessageBody": [body]}
    if attribute is not None:
        expected |= {
            "MessageAttribute.1.Name": ["X-Hub-Signature-256"],
            "MessageAttribute.1.Value.DataType": ["String"],
            "MessageAttribute.1.Value.StringValue": [attribute],
        }
    assert fields == expected


# --- line ends: what Velocity 1.7 leaves in the output -----------------------------------------


@pytest.mark.parametrize(
    ("template", "output"),
    [
        ("#set($a = 1)\nX", "X"),
        ("#set($a = 1)  \r\nX", "X"),
        ("A #set($a = 1) \nX", "A X"),
        ("#set($a = 1)\n\nX", "\nX"),
        ("  #set($a = 1)\nX", "X"),
        ("X\n  #set($a = 1)\nY", "X\n  Y"),
        ("#if(true)\nA\n#end\nB", "A\nB"),
        ("#if(true)A#end\nB", "AB"),
        ("X\n  #if(true)\nA\n  #end\nB", "X\n  A\n  B"),
        ("#foreach($i in [1, 2])\n$i\n#end\nZ", "1\n2\nZ"),
        ("X## comment\nY", "XY"),
        ("X ## comment\nY", "X Y"),
        ("  ## comment\nY", "  Y"),
        ("X#* comment *#\nY", "X\nY"),
        ("X\n", "X\n"),
        ("X\r\n", "X\r\n"),
    ],
    ids=[
        "a #set line leaves nothing",
        "so does one with trailing blanks and CRLF",
        "#set after text: the newline goes, text and spaces before stay",
        "a blank line after #set stays",
        "indentation before #set goes on the first line",
        "indentation before #set stays on later lines",
        "#if and #end lines leave nothing",
        "the newline after an inline #end goes",
        "indentation before #if and #end stays",
        "#foreach lines leave nothing",
        "## takes the newline with it",
        "## keeps the blank before it",
        "a ## line keeps its indentation",
        "#* *# keeps the newline",
        "a final newline stays",
        "a final CRLF stays",
    ],
)
def test_line_ends(template: str, output: str) -> None:
    assert render(template, body="{}") == output


def test_multi_line_template_with_line_end_comments_renders_one_line() -> None:
    template = (
        "#set($sig = \"$!input.params('X-Hub-Signature-256')\")\n"
        "#set($delivery = \"$!input.params('X-GitHub-Delivery')\")\n"
        "Action=SendMessage##\n"
        "&MessageBody=$util.urlEncode($input.body)##\n"
        "#if($sig != \"\")\n"
        "&MessageAttribute.1.Name=X-Hub-Signature-256##\n"
        "&MessageAttribute.1.Value.DataType=String##\n"
        "&MessageAttribute.1.Value.StringValue=$util.urlEncode($sig)##\n"
        "#end\n"
        "#if($delivery != \"\")\n"
        "&MessageAttribute.2.Name=X-GitHub-Delivery##\n"
        "&MessageAttribute.2.Value.DataType=String##\n"
        "&MessageAttribute.2.Value.StringValue=$util.urlEncode($delivery)##\n"
        "#end\n"
    )
    body = '{\n  "action": "opened"\n}'
    headers = {"X-Hub-Signature-256": "sha256=00ff", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}
    rendered = render(template, body=body, headers=headers)
    assert rendered == (
        "Action=SendMessage&MessageBody=%7B%0A++%22action%22%3A+%22opened%22%0A%7D"
        "&MessageAttribute.1.Name=X-Hub-Signature-256&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.1.Value.StringValue=sha256%3D00ff"
        "&MessageAttribute.2.Name=X-GitHub-Delivery&MessageAttribute.2.Value.DataType=String"
        "&MessageAttribute.2.Value.StringValue=72d3162e-cc78-11e3-81ab-4c9367dc0958"
    )
    assert render(template, body=body) == "Action=SendMessage&MessageBody=%7B%0A++%22action%22%3A+%22opened%22%0A%7D"


def test_a_line_without_a_comment_puts_its_newline_into_the_last_value() -> None:
    # The article's template is a YAML block scalar: its text ends with a newline, and so does the
    # form, so SQS stores the body with one more byte than the provider sent.
    body = '{"a": 1}'
    fields = form(render(SEND_MESSAGE + "\n", body=body))
    assert fields["MessageBody"] == [body + "\n"]
