"""The edge schema: the draft-04 form API Gateway accepts, and the choices that keep it from
rejecting what the model accepts. The differential proof is in tests/properties/test_schema_differential.py."""

from __future__ import annotations

import copy
import json
import math
import warnings
from decimal import Decimal
from typing import Any, Optional, Union

import jsonschema
import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from typing_extensions import Annotated

from constructs_lib.portable_regex import portable_pattern
from constructs_lib.schema import (
    DRAFT_04,
    EdgeLoosenedWarning,
    UnsupportedModelError,
    api_gateway_schema,
    convert,
    openapi_component,
)
from constructs_lib.schema_formats import DATE_TIME_PATTERN, EMAIL_PATTERN
from examples.models import MailgunEvent, User
from support.schema_models import CASES, Aliases, Choices, Collections, Defaults, Forbidding, Scalars, Validated

DRAFT_04_KEYWORDS = {
    "$schema", "title", "description", "type", "enum", "properties", "required", "additionalProperties",
    "minProperties", "maxProperties", "items", "additionalItems", "minItems", "maxItems", "minLength",
    "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "anyOf", "allOf", "not",
}  # fmt: skip


def subschemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [schema]
    children: list[Any] = [*schema.get("properties", {}).values(), *schema.get("anyOf", []), *schema.get("allOf", [])]
    for key in ("items", "additionalItems", "additionalProperties", "not"):
        value = schema.get(key)
        children.extend(value if isinstance(value, list) else [value] if isinstance(value, dict) else [])
    for child in children:
        found += subschemas(child)
    return found


def edge_accepts(schema: dict[str, Any], text: str) -> bool:
    return jsonschema.Draft4Validator(schema).is_valid(json.loads(text, parse_float=Decimal))


def model_accepts(model: type[BaseModel], text: str) -> bool:
    try:
        model.model_validate_json(text, strict=True)
    except ValidationError:
        return False
    return True


ALL_MODELS = [case.model for case in CASES]


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_every_schema_is_self_contained_draft_04(model: type[BaseModel]) -> None:
    schema = convert(model).schema
    jsonschema.Draft4Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT_04
    for node in subschemas(schema):
        # No $ref/$defs/$id/const/format/default/nullable/discriminator or newer keywords.
        assert set(node) <= DRAFT_04_KEYWORDS, set(node) - DRAFT_04_KEYWORDS
    component = openapi_component(schema)
    assert "$schema" not in component and component["title"] == model.__name__
    jsonschema.Draft4Validator.check_schema(component)
    assert json.loads(json.dumps(component)) == component


def test_mailgun_event_is_the_articles_model_with_checks_api_gateway_enforces() -> None:
    result = convert(MailgunEvent)
    schema = result.schema
    assert result.warnings == ()
    assert schema["required"] == ["event", "recipient", "timestamp"]
    assert schema["properties"]["event"] == {
        "type": "string",
        "enum": ["accepted", "opened", "clicked", "failed", "rejected", "unsubscribed", "complained"],
    }
    # The article's `format: date-time` is ignored by API Gateway; a pattern is enforced.
    assert schema["properties"]["timestamp"] == {"type": "string", "pattern": DATE_TIME_PATTERN}
    assert schema["properties"]["recipient"] == {"type": "string", "pattern": portable_pattern(EMAIL_PATTERN)[0]}
    article_example = '{"event": "opened", "recipient": "john@example.com", "timestamp": "2023-01-01T23:00:00Z"}'
    assert edge_accepts(schema, article_example) and model_accepts(MailgunEvent, article_example)
    for bad in (
        '{"event": "opened", "recipient": "john@", "timestamp": "2023-01-01T23:00:00Z"}',
        '{"event": "opened", "recipient": "john@example.com", "timestamp": "2023-13-01T23:00:00Z"}',
        '{"event": "bounced", "recipient": "john@example.com", "timestamp": "2023-01-01T23:00:00Z"}',
        '{"event": "opened", "timestamp": "2023-01-01T23:00:00Z"}',
    ):
        assert not edge_accepts(schema, bad) and not model_accepts(MailgunEvent, bad), bad


def test_user_is_the_cdk_articles_zod_schema_with_its_email_rule_enforced() -> None:
    schema = convert(User).schema
    assert schema["properties"]["age"] == {"type": "integer", "minimum": 18}
    assert schema["required"] == ["name", "age", "email"]
    for text, valid in [
        ('{"name": "Ada", "age": 18, "email": "ada@example.com"}', True),
        ('{"name": "Ada", "age": 17, "email": "ada@example.com"}', False),
        ('{"name": "Ada", "age": 18.5, "email": "ada@example.com"}', False),
        # zod-to-json-schema's `format: email` is not enforced by API Gateway; this pattern is.
        ('{"name": "Ada", "age": 30, "email": "ada.example.com"}', False),
        ('{"name": "Ada", "age": 30, "email": "ada@@example.com"}', False),
    ]:
        assert edge_accepts(schema, text) is valid and model_accepts(User, text) is valid, text


@pytest.mark.parametrize("model", [MailgunEvent, User, Scalars, Forbidding, Collections])
def test_components_without_nulls_or_tuples_are_valid_openapi_30_too(model: type[BaseModel]) -> None:
    components = {"Body": openapi_component(convert(model).schema)}
    if model is Collections:  # tuples are draft-04 `items` arrays, which OpenAPI 3.0 lacks
        for name in ("pair", "grid"):
            components["Body"]["properties"].pop(name)
    document = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": components},
    }
    OpenAPIV30SpecValidator(document).validate()


def test_null_is_a_draft_04_type_array_never_openapi_nullable() -> None:
    class Body(BaseModel):
        name: Optional[Annotated[str, StringConstraints(max_length=3)]]
        count: Optional[int] = None
        either: Union[int, str, None] = None

    schema = convert(Body).schema
    properties = schema["properties"]
    assert properties["name"] == {"type": ["string", "null"], "maxLength": 3}
    assert properties["count"] == {"type": ["integer", "null"]}
    assert properties["either"] == {"anyOf": [{"type": ["integer", "null"]}, {"type": ["string", "null"]}]}
    assert schema["required"] == ["name"]  # present, possibly null
    assert all("nullable" not in node for node in subschemas(schema))
    assert edge_accepts(schema, '{"name": null}') and not edge_accepts(schema, '{"name": "abcd"}')


def test_integer_bounds_are_exact_and_inclusive() -> None:
    properties = convert(Scalars).schema["properties"]
    assert properties["count"] == {"type": "integer", "minimum": 1, "maximum": 100, "multipleOf": 5}
    assert properties["below"] == {"type": "integer", "minimum": -3, "maximum": 2}


def test_float_bounds_use_draft_04_booleans_and_widen_inclusive_ones_by_one_float_step() -> None:
    schema = convert(Scalars).schema
    properties = schema["properties"]
    assert properties["ratio"] == {
        "type": "number",
        "minimum": 0.0,
        "exclusiveMinimum": True,
        "maximum": 1.0,
        "exclusiveMaximum": True,
    }
    assert properties["weight"] == {
        "type": "number",
        "minimum": math.nextafter(18.0, -math.inf),
        "maximum": math.nextafter(120.5, math.inf),
    }
    # Pydantic rounds the decimal to the float 18.0 before comparing; a validator comparing the
    # exact decimal against 18 would refuse it. One float step below 18 does not.
    text = '{"text": "ab", "count": 5, "below": 0, "ratio": 0.5, "weight": 17.9999999999999999, "flag": true}'
    assert model_accepts(Scalars, text) and edge_accepts(schema, text)
    exact_bound = copy.deepcopy(schema)
    exact_bound["properties"]["weight"]["minimum"] = 18
    assert not edge_accepts(exact_bound, text)


def test_sets_accept_duplicates_because_pydantic_does() -> None:
    text = '{"numbers": [1], "tags": ["a", "a"], "codes": [1, 2, 2, 1], "pair": [1, "a"], "many": [], "grid": [], "scores": {"a": 1}}'
    assert model_accepts(Collections, text)
    schema = convert(Collections).schema
    codes = schema["properties"]["codes"]
    assert codes == {"type": "array", "items": {"type": "integer"}, "minItems": 2}
    assert all("uniqueItems" not in node for node in subschemas(schema))
    assert edge_accepts(schema, text)


def test_literal_and_plain_enum_values_accept_the_booleans_pydantic_equates_with_them() -> None:
    properties = convert(Choices).schema["properties"]
    assert properties["one"] == {"type": ["boolean", "number"], "enum": [1, True]}
    assert properties["off"] == {"type": ["boolean", "number"], "enum": [False, 0]}
    assert properties["mixed"]["enum"] == [1, True, "name"]
    assert properties["level"] == {"type": "number", "enum": [1, 2]}  # IntEnum refuses true
    assert properties["nothing"] == {"type": ["null", "string"], "enum": ["x", None]}


def test_the_wire_name_is_what_pydantic_reads_in_json_validation() -> None:
    schema = convert(Aliases).schema
    properties = schema["properties"]
    assert properties["userId"] == {"type": "integer"}
    assert properties["inOnly"] == {"type": "string"}  # validation alias, not the serialization one
    assert properties["out_only"] == {"type": "string"}  # only a serialization alias: the name
    assert "out" not in properties and "outOnly" not in properties
    assert {"userId", "inOnly", "out_only"} <= set(schema["required"])
    assert "in_only" not in schema["required"] and properties["in_only"] == {}  # read by nobody
    base = '"userId": 1, "out_only": "a", "inOnly": "b"'
    for body, accepted in [
        ('"first": 1, "second": "ignored by Pydantic"', True),
        ('"second": 2', True),
        ('"second": 2, "first": "checked: it is the first present"', False),
        ('"third": 3', False),
        ('"first": 1, "a2": 2, "a1": "s"', True),
        ('"first": 1, "a2": 2', False),
    ]:
        text = "{" + base + ", " + body + "}"
        assert model_accepts(Aliases, text) is accepted, text
        assert edge_accepts(schema, text) is accepted, text


def test_extra_forbid_is_additional_properties_false_at_every_level() -> None:
    schema = convert(Forbidding).schema
    assert schema["additionalProperties"] is False
    assert schema["properties"]["inner"]["additionalProperties"] is False
    assert schema["properties"]["inners"]["items"]["additionalProperties"] is False


def test_defaults_make_fields_optional_and_are_never_emitted() -> None:
    schema = convert(Defaults).schema
    assert schema["required"] == ["required"]
    assert schema["properties"]["nullable_default"] == {"type": ["string", "null"]}


def test_what_draft_04_cannot_check_is_reported_with_its_path() -> None:
    result = convert(Validated)
    paths = {loosening.path for loosening in result.warnings}
    assert paths == {"Validated", "Validated.even", "Validated.loose", "Validated.name"}
    with pytest.warns(EdgeLoosenedWarning) as caught:
        schema = api_gateway_schema(Validated)
    assert sorted(str(w.message) for w in caught) == sorted(str(loosening) for loosening in result.warnings)
    assert schema == result.schema
    # The before-validator turns "7" into 7: the edge must let any value through there.
    assert schema["properties"]["loose"] == {}


@pytest.mark.parametrize("model", [MailgunEvent, User])
def test_fully_expressible_models_warn_nothing(model: type[BaseModel]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", EdgeLoosenedWarning)
        api_gateway_schema(model)


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Ping(BaseModel):
    pong: Optional[Pong] = None


class Pong(BaseModel):
    ping: Ping


Ping.model_rebuild()


@pytest.mark.parametrize(("model", "field"), [(Node, "Node.children[]"), (Ping, "Ping.pong.ping")])
def test_recursive_models_are_refused_with_the_field_and_the_fix(model: type[BaseModel], field: str) -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        convert(model)
    assert isinstance(caught.value, ValueError)
    assert caught.value.path == field
    assert "recursive" in str(caught.value) and "dict[str, Any]" in str(caught.value)


class Opaque:
    pass


def test_a_field_no_json_value_can_fill_is_refused_naming_it() -> None:
    class Body(BaseModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        thing: Opaque

    with pytest.raises(UnsupportedModelError, match=r"^Body\.thing: no JSON value .* Fix: use a JSON-compatible"):
        convert(Body)


def test_a_union_branch_no_json_value_can_fill_is_dropped() -> None:
    class Body(BaseModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        thing: Union[Opaque, int]

    assert convert(Body).schema["properties"]["thing"] == {"type": "integer"}


def test_a_pattern_in_rust_only_syntax_is_dropped_and_reported() -> None:
    class Body(BaseModel):
        name: Annotated[str, StringConstraints(pattern=r"^\p{L}+$")]
        code: Annotated[str, StringConstraints(pattern=r"^[[:alpha:]]+$")]

    result = convert(Body)
    assert result.schema["properties"] == {"name": {"type": "string"}, "code": {"type": "string"}}
    assert {loosening.path for loosening in result.warnings} == {"Body.name", "Body.code"}
    assert model_accepts(Body, '{"name": "Zoë", "code": "abc"}')


def test_portable_patterns_are_exact_on_ascii_and_widen_beyond_it() -> None:
    email, dropped = portable_pattern(EMAIL_PATTERN)
    assert dropped == [] and "\\u007F" not in email  # ASCII classes stay as they are
    digits, _ = portable_pattern(r"^\d+$")
    assert digits == r"^(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|[0-9]|[^\u0000-\u007F])+$"
    assert portable_pattern(r"(?i)^ok$")[0] == r"^(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|[Oo]|[^\u0000-\u007F])" \
        r"(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|[Kk]|[^\u0000-\u007F])$"
    assert portable_pattern(r"^a\b") == ("^a", ["word boundary"])
    assert portable_pattern(r"^a(?=b)") == ("^a", ["lookaround assertion"])
    # Python's $ also matches before a final newline; with the python-re engine the edge must too.
    assert portable_pattern(r"^a$", "python-re") == (r"^a\n?$", [])
    assert portable_pattern(r"^a$")[0] == "^a$"
    assert portable_pattern(r"a{,3}") == (None, ["uses Rust-only syntax"])


def test_convert_refuses_what_is_not_a_model() -> None:
    with pytest.raises(TypeError, match="BaseModel subclass"):
        convert(dict)  # type: ignore[arg-type]


def test_openapi_component_leaves_its_input_alone() -> None:
    schema = convert(User).schema
    before = copy.deepcopy(schema)
    component = openapi_component(schema)
    component["properties"]["age"]["minimum"] = 0
    assert schema == before and schema["$schema"] == DRAFT_04


def test_a_type_the_converter_does_not_know_is_refused_naming_the_field() -> None:
    from typing import NamedTuple

    class Point(NamedTuple):
        x: int

    class Body(BaseModel):
        point: Point

    with pytest.raises(UnsupportedModelError, match=r"^Body\.point: .*'call' schema.* Fix: type it as a model"):
        convert(Body)
