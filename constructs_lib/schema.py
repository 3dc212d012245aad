"""Pydantic model -> the JSON Schema draft-04 model API Gateway validates webhook bodies with.

Pure: imports pydantic and the standard library only; no cdktf, no I/O.

The contract
------------
The application's view of a body is ``Model.model_validate_json(body, strict=True)``: Pydantic in
strict JSON mode. Strict JSON mode still accepts some strings and numbers one might not expect, and
the edge accepts them too: ints for floats; ISO 8601 strings with ``T``, ``t``, space or ``_`` and
unix timestamps *as strings* for datetimes; simple, braced and ``urn:uuid:`` forms for UUIDs;
``true``/``1``/``1.0`` interchangeably for ``Literal[1]``/``Literal[True]``; duplicates in arrays
for ``set``/``frozenset`` (they are de-duplicated, so neither ``uniqueItems`` nor a ``maxItems``
is sound there).

**Every document that call accepts, the edge schema accepts.** A provider rarely retries a 4xx, so
a false 400 loses a webhook. Where Pydantic checks more than draft-04 can say (validators,
``format``-like rules beyond our patterns, float ``multiple_of``, lengths after whitespace
stripping, ...) the edge is looser, and `convert` reports each such place as a `Loosening` (field
path and reason). `api_gateway_schema` emits each as an `EdgeLoosenedWarning`. Models the edge
cannot represent at all (recursion, types that no JSON value can satisfy) raise
`UnsupportedModelError`, naming the field and the fix.

Out of contract, and said so here rather than hidden: lax validation (without ``strict=True``)
accepts more, e.g. ``"1"`` for an int, so validate with ``strict=True`` or set
``ConfigDict(strict=True)``; non-JSON literals ``NaN``/``Infinity`` (Pydantic's parser takes
them, RFC 8259 and API Gateway's do not); runtime ``by_alias``/``by_name`` overrides.

Representation (what API Gateway accepts, and where that is written down)
-----------------------------------------------------------------------
* Draft-04, no ``$ref``: "API Gateway models are defined using JSON schema draft 4", and "for
  OpenAPI 3.0, you can't have a oneOf, anyOf, or allOf that uses $ref to a definition within the
  same schema" (AWS, *Amazon API Gateway important notes for REST APIs*). Everything is inlined;
  recursion is refused.
* Null: ``type`` arrays, e.g. ``["string", "null"]``, the draft-04 form. The same AWS page says
  "the nullable field is not supported", and import silently drops ``nullable: true`` so null is
  then rejected (Stack Overflow q. 71649459), a false 400. A ``type`` array imported through the
  OpenAPI body has its ``type`` dropped (aws/serverless-application-model#2374): the field then
  accepts any type but keeps its other keywords (``pattern``, ``maximum``, ... apply per type),
  which is looser, never stricter. OpenAPI 3.0 tools that validate Schema Objects flag type
  arrays; API Gateway's model is draft-04, so draft-04 wins.
* ``exclusiveMinimum``/``exclusiveMaximum`` are draft-04 booleans, used only for float bounds
  (integer bounds become inclusive ones, exactly). The AWS page lists ``exclusiveMinimum`` as
  not supported; if it is ignored, the bound becomes inclusive: looser, never stricter.
* ``anyOf``, never ``oneOf``: the edge branches are looser than Pydantic's, so two may match one
  document and ``oneOf`` would then reject it.
* Never emitted: ``format`` (API Gateway's enforcement of it is unclear, and where a Java
  validator checks it, its rules are not Pydantic's: a false-400 risk), ``default``,
  ``example``, ``discriminator``, ``readOnly``, ``nullable`` (all listed as unsupported),
  ``uniqueItems`` (see sets above), ``const`` and every keyword newer than draft-04. Nor is
  ``json_schema_extra``: it documents, Pydantic does not enforce it, so copying it could make
  the edge stricter than the model.
* Formats become ``pattern``s API Gateway enforces, each a tested superset of what Pydantic
  accepts in strict JSON mode (schema_formats: `DATE_TIME_PATTERN`, `DATE_PATTERN`,
  `UUID_PATTERN`, URL scheme prefixes, and `EMAIL_PATTERN` for the `Email` type).
* Patterns use only syntax that means the same in Python ``re``, ECMA 262 and ``java.util.regex``
  (API Gateway's validator is Java-based; the draft-04 spec and the reference Java validator,
  java-json-tools/json-schema-validator, evaluate ``pattern`` as unanchored ECMA 262 and count
  ``minLength``/``maxLength`` in code points, as Pydantic does). A model's own ``pattern`` is
  written for Rust's ``regex`` crate (Pydantic's default engine), whose ``\\d``, ``\\w``, ``.``
  and negated classes are Unicode-aware; it is re-emitted in that common syntax, exact on ASCII
  and widened to "any character" outside ASCII, where the engines disagree (portable_regex).
* `openapi_component` drops ``$schema``: an OpenAPI 3.0 Schema Object has no such field, and
  AWS's own import examples carry models without it.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic.networks import MAX_EMAIL_LENGTH

from .portable_regex import portable_pattern
from .schema_formats import DATE_PATTERN, DATE_TIME_PATTERN, EMAIL_STR_PATTERN, url_pattern, uuid_pattern

__all__ = [
    "DRAFT_04",
    "ConversionResult",
    "EdgeLoosenedWarning",
    "Loosening",
    "UnsupportedModelError",
    "api_gateway_schema",
    "convert",
    "openapi_component",
]


DRAFT_04 = "http://json-schema.org/draft-04/schema#"


# --- Results, warnings, errors -----------------------------------------------------------------


class UnsupportedModelError(ValueError):
    """The model cannot be turned into a self-contained draft-04 schema; the message names the fix."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        super().__init__(f"{path}: {problem}. Fix: {fix}")
        self.path = path
        self.problem = problem
        self.fix = fix


class EdgeLoosenedWarning(UserWarning):
    """API Gateway accepts more than the model here; the application's own validation decides."""


@dataclass(frozen=True)
class Loosening:
    """One place where the edge checks less than Pydantic does."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class ConversionResult:
    schema: dict[str, Any]
    warnings: tuple[Loosening, ...]


def convert(model: type[BaseModel]) -> ConversionResult:
    """The draft-04 edge schema of ``model`` and every place where it is looser than the model."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"convert() takes a pydantic BaseModel subclass, got {model!r}")
    if not model.__pydantic_complete__:
        model.model_rebuild(raise_errors=True)
    converter = _Converter(model.__pydantic_core_schema__)
    body = converter.node(model.__pydantic_core_schema__, model.__name__, _Config())
    if body is None:
        raise UnsupportedModelError(
            model.__name__,
            "no JSON document can satisfy this model",
            "use JSON-compatible field types (str, int, float, bool, lists, dicts, models)",
        )
    schema = {"$schema": DRAFT_04, "title": model.__name__, **body}
    return ConversionResult(schema=schema, warnings=tuple(converter.loosenings))


def api_gateway_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`convert`, emitting an `EdgeLoosenedWarning` for each place the edge checks less."""
    result = convert(model)
    for loosening in result.warnings:
        warnings.warn(str(loosening), EdgeLoosenedWarning, stacklevel=2)
    return result.schema


def openapi_component(schema: dict[str, Any]) -> dict[str, Any]:
    """The form of an edge schema to place under ``components.schemas`` of the OpenAPI document."""
    component = json.loads(json.dumps(schema))
    component.pop("$schema", None)
    return component


# --- The converter -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Config:
    """The Pydantic config settings that change what JSON a validator accepts."""

    strip: bool = False
    str_min: int | None = None
    str_max: int | None = None
    regex_engine: str = "rust-regex"
    extra: str = "ignore"
    by_name: bool = False
    by_alias: bool = True
    json_bytes: str = "utf8"

    @classmethod
    def of(cls, config: dict[str, Any] | None, parent: _Config) -> _Config:
        # pydantic-core builds a model's validators with the model's own config, not the parent's.
        if config is None:
            return parent
        return cls(
            strip=bool(config.get("str_strip_whitespace", False)),
            str_min=config.get("str_min_length"),
            str_max=config.get("str_max_length"),
            regex_engine=config.get("regex_engine", "rust-regex"),
            extra=config.get("extra_fields_behavior", "ignore"),
            by_name=bool(config.get("validate_by_name", False)),
            by_alias=bool(config.get("validate_by_alias", True)),
            json_bytes=config.get("val_json_bytes", "utf8"),
        )


@dataclass(frozen=True)
class _Field:
    name: str
    choices: list[list[str | int]]  # wire names or alias paths, in Pydantic's lookup order
    schema: dict[str, Any]
    required: bool


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    # "number", not "integer": Literal[1] accepts 1.0, which draft-04 does not call an integer.
    return "string" if isinstance(value, str) else "number"


def _json_value(value: Any) -> tuple[bool, Any]:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bytes):
        try:
            value = value.decode()
        except UnicodeDecodeError:
            return False, None
    if value is None or isinstance(value, (str, bool, int)):
        return True, value
    if isinstance(value, float) and math.isfinite(value):
        return True, value
    return False, None


def _enum_schema(values: list[Any], loose_numbers: bool) -> dict[str, Any] | None:
    """``enum`` of the JSON values; with ``loose_numbers``, 1/0 and true/false stand for each other.

    Pydantic's literal lookup (also used by plain Enums) accepts ``true`` and ``1.0`` for
    ``Literal[1]`` and ``1`` for ``Literal[True]``; draft-04 ``enum`` compares JSON values, where
    ``true`` and ``1`` differ (``1`` and ``1.0`` are equal numbers).
    """
    found: dict[tuple[str, Any], Any] = {}
    for raw in values:
        ok, value = _json_value(raw)
        if not ok:
            continue
        candidates = [value]
        if loose_numbers and isinstance(value, bool):
            candidates.append(int(value))
        elif loose_numbers and isinstance(value, int) and value in (0, 1):
            candidates.append(bool(value))
        for candidate in candidates:
            found.setdefault((_json_type(candidate), candidate), candidate)
    if not found:
        return None
    types = sorted({json_type for json_type, _ in found})
    return {"type": types[0] if len(types) == 1 else types, "enum": list(found.values())}


def _add_null(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema
    if "anyOf" in schema and "type" not in schema:
        return {**schema, "anyOf": [_add_null(branch) for branch in schema["anyOf"]]}
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    result = dict(schema)
    if "null" not in types:
        result["type"] = [*types, "null"]
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result


def _key(schema: dict[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, default=str)


def _any_of(branches: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for branch in branches:
        if set(branch) == {"anyOf"}:
            flat.extend(branch["anyOf"])
        else:
            flat.append(branch)
    if any(not branch for branch in flat):
        return {}
    nullable = any(branch == {"type": "null"} for branch in flat)
    unique: dict[str, dict[str, Any]] = {}
    for branch in flat:
        if branch != {"type": "null"}:
            unique.setdefault(_key(branch), branch)
    kept = list(unique.values())
    if not kept:
        return {"type": "null"}
    result = kept[0] if len(kept) == 1 else {"anyOf": kept}
    return _add_null(result) if nullable else result


def _present(keys: list[str]) -> dict[str, Any]:
    if len(keys) == 1:
        return {"required": keys}
    return {"anyOf": [{"required": [key]} for key in keys]}


def _function_name(schema: dict[str, Any]) -> str:
    function = schema.get("function", {}).get("function")
    return getattr(function, "__qualname__", None) or repr(function)


def _is_url_wrapper(schema: dict[str, Any]) -> bool:
    # HttpUrl and friends wrap the core url validator only to return their own class.
    function = schema.get("function", {}).get("function")
    return (
        getattr(function, "__module__", "") == "pydantic.networks"
        and getattr(function, "__qualname__", "").endswith("wrap_val")
        and schema.get("schema", {}).get("type") in ("url", "multi-host-url")
    )


_NEVER_REJECTS = (SecretStr, SecretBytes)  # after-validators that only wrap the value


def _float_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """Bounds for a JSON number that Pydantic first rounds to a float.

    ``17.9999999999999999`` rounds to ``18.0`` and passes ``ge=18``; the edge compares exact
    decimals, so inclusive bounds move out by one float step. Exclusive bounds need no widening:
    a value whose float is above ``gt`` is above ``gt`` itself.
    """
    result: dict[str, Any] = {}
    lows = []
    if schema.get("ge") is not None and math.isfinite(float(schema["ge"])):
        lows.append((math.nextafter(float(schema["ge"]), -math.inf), False))
    if schema.get("gt") is not None and math.isfinite(float(schema["gt"])):
        lows.append((float(schema["gt"]), True))
    if lows:
        value, exclusive = max(lows)
        result["minimum"] = value
        if exclusive:
            result["exclusiveMinimum"] = True
    highs = []
    if schema.get("le") is not None and math.isfinite(float(schema["le"])):
        highs.append((math.nextafter(float(schema["le"]), math.inf), False))
    if schema.get("lt") is not None and math.isfinite(float(schema["lt"])):
        highs.append((float(schema["lt"]), True))
    if highs:
        value, exclusive = min(highs, key=lambda bound: (bound[0], not bound[1]))
        result["maximum"] = value
        if exclusive:
            result["exclusiveMaximum"] = True
    return result


def _integer_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    lows, highs = [], []
    if schema.get("ge") is not None:
        lows.append(math.ceil(schema["ge"]))
    if schema.get("gt") is not None:
        lows.append(math.floor(schema["gt"]) + 1)
    if schema.get("le") is not None:
        highs.append(math.floor(schema["le"]))
    if schema.get("lt") is not None:
        highs.append(math.ceil(schema["lt"]) - 1)
    result: dict[str, Any] = {}
    if lows:
        result["minimum"] = max(lows)
    if highs:
        result["maximum"] = min(highs)
    return result


class _Converter:
    def __init__(self, root: dict[str, Any]) -> None:
        self.loosenings: list[Loosening] = []
        self.definitions: dict[str, dict[str, Any]] = {}
        self.expanding: list[tuple[str, str]] = []  # (ref, path) of the schemas being expanded
        self._collect(root)

    def _collect(self, value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("ref"), str) and "type" in value:
                self.definitions[value["ref"]] = value
            for item in value.values():
                self._collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self._collect(item)

    def loosen(self, path: str, reason: str) -> None:
        loosening = Loosening(path, reason)
        if loosening not in self.loosenings:
            self.loosenings.append(loosening)

    def node(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        """The edge schema for a core schema; None when no JSON value can satisfy it."""
        kind = schema["type"]
        if kind == "definition-ref":
            target = self.definitions.get(schema["schema_ref"])
            if target is None:
                raise UnsupportedModelError(path, f"unresolved reference {schema['schema_ref']}", "call model_rebuild()")
            return self.node(target, path, cfg)
        ref = schema.get("ref")
        if ref is not None:
            for seen_ref, seen_path in self.expanding:
                if seen_ref == ref:
                    name = getattr(schema.get("cls"), "__name__", ref.split(":")[0])
                    raise UnsupportedModelError(
                        path,
                        f"{name} contains itself (first at {seen_path}); a self-contained draft-04 "
                        "model cannot be recursive",
                        f"type the field at {path} as dict[str, Any] or list[Any] (the edge then "
                        "accepts any value there and the application validates it), or bound the "
                        "depth with a separate non-recursive model",
                    )
            self.expanding.append((ref, path))
            try:
                return self._dispatch(kind, schema, path, cfg)
            finally:
                self.expanding.pop()
        return self._dispatch(kind, schema, path, cfg)

    def _dispatch(self, kind: str, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise UnsupportedModelError(
                path,
                f"Pydantic validates this field with a {kind!r} schema, which the converter does not know",
                "type it as a model, TypedDict, dataclass, list, tuple or dict (a NamedTuple, for "
                "one, becomes tuple[...] or a model), or teach constructs_lib.schema the type",
            )
        return handler(self, schema, path, cfg)

    def required_node(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        result = self.node(schema, path, cfg)
        if result is None:
            raise UnsupportedModelError(
                path,
                "no JSON value can satisfy this type (it is checked with isinstance or is not "
                "data at all)",
                "use a JSON-compatible type (str, int, float, bool, list, dict, a model), or a "
                "str with a validator that builds the object",
            )
        return result

    # -- scalars --------------------------------------------------------------------------------

    def _any(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        return {}

    def _none(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        return {"type": "null"}

    def _bool(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        return {"type": "boolean"}

    def _int(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "integer", **_integer_bounds(schema)}
        multiple = schema.get("multiple_of")
        if multiple is not None:
            if isinstance(multiple, int) and not isinstance(multiple, bool) and multiple > 0:
                result["multipleOf"] = multiple
            else:
                self.loosen(path, f"multiple_of={multiple!r} is not checked (not a positive integer)")
        return result

    def _float(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        if schema.get("multiple_of") is not None:
            # Pydantic allows a relative tolerance on floats; the edge would divide exact decimals.
            self.loosen(path, f"multiple_of={schema['multiple_of']!r} is not checked for floats")
        return {"type": "number", **_float_bounds(schema)}

    def _decimal(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self.loosen(path, "Decimal: numbers in strings are accepted unchecked")
        for key in ("max_digits", "decimal_places", "multiple_of"):
            if schema.get(key) is not None:
                self.loosen(path, f"{key}={schema[key]!r} is not checked")
        return {"type": ["number", "string"], **_float_bounds(schema)}

    def _complex(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self.loosen(path, "complex numbers are not checked beyond their JSON type")
        return {"type": ["number", "string"]}

    def _str(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "string"}
        strip = schema.get("strip_whitespace", cfg.strip)
        low = schema.get("min_length", cfg.str_min)
        high = schema.get("max_length", cfg.str_max)
        if low:
            result["minLength"] = low  # stripping only shortens: the raw string is as long
        if high is not None:
            if strip:
                self.loosen(path, f"max_length={high} is not checked: Pydantic strips whitespace first")
            else:
                result["maxLength"] = high
        pattern = schema.get("pattern")
        if pattern:
            if strip:
                self.loosen(path, f"pattern {pattern!r} is not checked: Pydantic strips whitespace first")
            else:
                engine = schema.get("regex_engine", cfg.regex_engine)
                text, dropped = portable_pattern(pattern, engine)
                if text is None:
                    self.loosen(path, f"pattern {pattern!r} is not checked: {'; '.join(dropped)}")
                else:
                    if text:
                        result["pattern"] = text
                    for what in dropped:
                        self.loosen(path, f"pattern {pattern!r} is checked without its {what}")
        if schema.get("ascii_only"):
            ascii_rule = {"pattern": r"^[\u0000-\u007F]*$"}
            result = {**result, "allOf": [ascii_rule]} if "pattern" in result else {**result, **ascii_rule}
        return result

    def _bytes(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "string"}
        if schema.get("min_length"):
            self.loosen(path, "bytes min_length is not checked (it counts encoded bytes)")
        if schema.get("max_length") is not None:
            if cfg.json_bytes == "utf8":
                result["maxLength"] = schema["max_length"]  # a code point is at least one byte
            else:
                self.loosen(path, "bytes max_length is not checked for encoded input")
        if cfg.json_bytes != "utf8":
            self.loosen(path, f"{cfg.json_bytes} encoding of bytes is not checked")
        return result

    def _literal(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        return _enum_schema(list(schema["expected"]), loose_numbers=True)

    def _enum(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        sub_type = schema.get("sub_type")
        if schema.get("missing") is not None:
            name = getattr(schema.get("cls"), "__name__", "enum")
            self.loosen(path, f"{name} defines _missing_, so values outside the enum are not checked")
            return {"str": {"type": "string"}, "int": {"type": "integer"}, "float": {"type": "number"}}.get(
                sub_type, {}
            )
        return _enum_schema([member.value for member in schema["members"]], loose_numbers=sub_type is None)

    def _datetime(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self._temporal_constraints(schema, path)
        if schema.get("tz_constraint") is not None:
            self.loosen(path, f"time zone constraint {schema['tz_constraint']!r} is not checked")
        return {"type": "string", "pattern": DATE_TIME_PATTERN}

    def _date(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self._temporal_constraints(schema, path)
        return {"type": "string", "pattern": DATE_PATTERN}

    def _time(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self._temporal_constraints(schema, path)
        self.loosen(path, "time-of-day syntax is not checked")
        return {"type": "string"}

    def _timedelta(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self._temporal_constraints(schema, path)
        self.loosen(path, "duration syntax is not checked")
        return {"type": "string"}

    def _temporal_constraints(self, schema: dict[str, Any], path: str) -> None:
        for key in ("le", "ge", "lt", "gt", "now_op"):
            if schema.get(key) is not None:
                self.loosen(path, f"{key}={schema[key]!r} is not checked")
        if schema.get("microseconds_precision") == "error":
            self.loosen(path, "more than 6 fractional digits are not rejected")

    def _uuid(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        return {"type": "string", "pattern": uuid_pattern(schema.get("version"))}

    def _url(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "string", "pattern": url_pattern(schema.get("allowed_schemes"))}
        if schema.get("max_length") is not None:
            result["maxLength"] = schema["max_length"]  # Pydantic checks the raw input's length too
        self.loosen(path, "URL syntax beyond the scheme (and '//' and a host for web schemes) is not checked")
        return result

    # -- wrappers -------------------------------------------------------------------------------

    def _inner(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        return self.node(schema["schema"], path, cfg)

    def _default(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        return self.node(schema["schema"], path, cfg)

    def _nullable(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        inner = self.node(schema["schema"], path, cfg)
        return {"type": "null"} if inner is None else _add_null(inner)

    def _lax_or_strict(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        return self.node(schema["strict_schema"], path, cfg)

    def _json_or_python(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        return self.node(schema["json_schema"], path, cfg)

    def _function_after(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        inner = self.node(schema["schema"], path, cfg)
        function = schema["function"]["function"]
        name = _function_name(schema)
        if name in ("EmailStr._validate", "NameEmail._validate") and inner == {"type": "string"}:
            self.loosen(path, "e-mail address checked loosely (text around an '@'); email-validator decides")
            return {"type": "string", "maxLength": MAX_EMAIL_LENGTH, "pattern": EMAIL_STR_PATTERN}
        if function not in _NEVER_REJECTS:
            self.loosen(path, f"after-validator {name} is not checked")
        return inner

    def _function_before_or_wrap(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        if _is_url_wrapper(schema):
            return self.node(schema["schema"], path, cfg)
        self.loosen(path, f"{schema['type'].split('-')[1]}-validator {_function_name(schema)} may accept any input; not checked")
        return {}

    def _function_plain(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self.loosen(path, f"plain validator {_function_name(schema)} decides alone; not checked")
        return {}

    def _chain(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        self.loosen(path, "only the first step of a validator chain is checked")
        return self.node(schema["steps"][0], path, cfg)

    def _json(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self.loosen(path, "the JSON document inside the string is not checked")
        return {"type": "string"}

    def _never(self, schema: dict[str, Any], path: str, cfg: _Config) -> None:
        return None

    def _definitions(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        return self.node(schema["schema"], path, cfg)

    # -- unions ---------------------------------------------------------------------------------

    def _union(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        choices = [choice[0] if isinstance(choice, tuple) else choice for choice in schema["choices"]]
        return self._branches(choices, path, cfg)

    def _tagged_union(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        # Each branch already pins its own tag, so anyOf of the branches is exact enough and
        # never rejects what the discriminator would route correctly.
        return self._branches(list(schema["choices"].values()), path, cfg)

    def _branches(self, choices: list[dict[str, Any]], path: str, cfg: _Config) -> dict[str, Any] | None:
        branches = [branch for branch in (self.node(choice, path, cfg) for choice in choices) if branch is not None]
        return _any_of(branches) if branches else None

    # -- collections ----------------------------------------------------------------------------

    def _items(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        items = schema.get("items_schema")
        return {} if items is None else self.required_node(items, f"{path}[]", cfg)

    def _list(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        return self._array(schema, path, cfg, distinct=False)

    def _set(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        return self._array(schema, path, cfg, distinct=True)

    def _array(self, schema: dict[str, Any], path: str, cfg: _Config, *, distinct: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "array"}
        items = self._items(schema, path, cfg)
        if items:
            result["items"] = items
        if schema.get("min_length"):
            result["minItems"] = schema["min_length"]
        if schema.get("max_length") is not None:
            if distinct:
                # Pydantic accepts duplicates in a set and de-duplicates them: uniqueItems would
                # reject [1, 1], and max_length counts distinct items, so only the lower bound is
                # sound on the raw array.
                self.loosen(path, f"max_length={schema['max_length']} counts distinct items; not checked")
            else:
                result["maxItems"] = schema["max_length"]
        return result

    def _generator(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        self.loosen(path, "items of an iterable are validated lazily by Pydantic; not checked")
        return {"type": "array"}

    def _tuple(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        positions = list(schema.get("items_schema", []))
        variadic = schema.get("variadic_item_index")
        result: dict[str, Any] = {"type": "array"}
        if variadic is None:
            result["items"] = [self.required_node(item, f"{path}[{i}]", cfg) for i, item in enumerate(positions)]
            result["additionalItems"] = False
            low, high = len(positions), len(positions)
        else:
            prefix = [self.required_node(item, f"{path}[{i}]", cfg) for i, item in enumerate(positions[:variadic])]
            repeated = [self.required_node(item, f"{path}[{variadic}:]", cfg) for item in positions[variadic:]]
            if len(repeated) > 1:
                # draft-04 cannot pin positions counted from the end of an array.
                self.loosen(path, "positions after the variadic part of the tuple are not pinned")
            rest = _any_of(repeated)
            if prefix:
                result["items"] = prefix
                if rest:
                    result["additionalItems"] = rest
            elif rest:
                result["items"] = rest
            low, high = len(positions) - 1, None
        low = max(low, schema.get("min_length") or 0)
        if schema.get("max_length") is not None:
            high = schema["max_length"] if high is None else min(high, schema["max_length"])
        if low:
            result["minItems"] = low
        if high is not None:
            result["maxItems"] = high
        return result

    def _dict(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "object"}
        keys = schema.get("keys_schema")
        if keys is not None and keys != {"type": "str"} and keys != {"type": "any"}:
            self.loosen(path, "dictionary keys are not checked (draft-04 has no propertyNames)")
        values = schema.get("values_schema")
        if values is not None:
            value_schema = self.required_node(values, f"{path}[*]", cfg)
            if value_schema:
                result["additionalProperties"] = value_schema
        if schema.get("min_length"):
            result["minProperties"] = schema["min_length"]
        if schema.get("max_length") is not None:
            result["maxProperties"] = schema["max_length"]
        return result

    # -- objects --------------------------------------------------------------------------------

    def _model(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        cfg = _Config.of(schema.get("config"), cfg)
        name = schema["cls"].__name__
        if schema.get("custom_init"):
            self.loosen(path, f"{name} defines __init__, which may reshape any input; only 'object' is checked")
            return {"type": "object"}
        if schema.get("post_init"):
            self.loosen(path, f"{name}.model_post_init is not checked")
        return self.node(schema["schema"], path, cfg)

    def _model_fields(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        fields = [
            self._field(name, spec, spec["schema"]["type"] != "default", path, cfg)
            for name, spec in schema["fields"].items()
        ]
        extra = schema.get("extra_behavior") or cfg.extra
        return self._object(fields, extra, schema.get("extras_schema"), path, cfg)

    def _typed_dict(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        cfg = _Config.of(schema.get("config"), cfg)
        fields = [
            self._field(name, spec, spec.get("required", True), path, cfg) for name, spec in schema["fields"].items()
        ]
        extra = schema.get("extra_behavior") or cfg.extra
        return self._object(fields, extra, schema.get("extras_schema"), path, cfg)

    def _dataclass(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any] | None:
        cfg = _Config.of(schema.get("config"), cfg)
        if schema.get("post_init"):
            self.loosen(path, f"{schema['cls'].__name__}.__post_init__ is not checked")
        return self.node(schema["schema"], path, cfg)

    def _dataclass_args(self, schema: dict[str, Any], path: str, cfg: _Config) -> dict[str, Any]:
        fields = []
        for spec in schema["fields"]:
            if spec.get("init") is False:
                # Not read from the input; an object key of that name is allowed, unchecked.
                fields.append(_Field(spec["name"], [[spec["name"]]], {}, False))
                continue
            fields.append(self._field(spec["name"], spec, spec["schema"]["type"] != "default", path, cfg))
        extra = schema.get("extra_behavior") or cfg.extra
        return self._object(fields, extra, None, path, cfg)

    def _field(self, name: str, spec: dict[str, Any], required: bool, path: str, cfg: _Config) -> _Field:
        alias = spec.get("validation_alias")
        choices: list[list[str | int]] = []
        if alias is not None and cfg.by_alias:
            if isinstance(alias, str):
                choices.append([alias])
            elif alias and isinstance(alias[0], list):
                choices.extend(list(choice) for choice in alias)  # AliasChoices
            else:
                choices.append(list(alias))  # one AliasPath
        if alias is None or cfg.by_name or not cfg.by_alias:
            choices.append([name])
        unique: list[list[str | int]] = []
        for choice in choices:
            if choice not in unique:
                unique.append(choice)
        field_path = f"{path}.{name}"
        if any(len(choice) > 1 for choice in unique):
            self.loosen(field_path, "values reached through an AliasPath are not checked")
        return _Field(name, unique, self.required_node(spec["schema"], field_path, cfg), required)

    def _object(
        self,
        fields: list[_Field],
        extra: str,
        extras_schema: dict[str, Any] | None,
        path: str,
        cfg: _Config,
    ) -> dict[str, Any]:
        claims: dict[str, int] = defaultdict(int)
        for field in fields:
            for key in {str(choice[0]) for choice in field.choices}:
                claims[key] += 1
        properties: dict[str, dict[str, Any]] = {}
        required: list[str] = []
        groups: list[dict[str, Any]] = []

        def value_schema(field: _Field, choice: list[str | int]) -> dict[str, Any]:
            # An AliasPath names a nested value, and a key two fields read is checked by neither:
            # both are left open rather than guessed.
            return field.schema if len(choice) == 1 and claims[str(choice[0])] == 1 else {}

        for field in fields:
            keys = [str(choice[0]) for choice in field.choices]
            for key in keys:
                if claims[key] > 1:
                    self.loosen(f"{path}.{field.name}", f"the key {key!r} is read by several fields; not checked")
            if len(field.choices) == 1:
                properties.setdefault(keys[0], value_schema(field, field.choices[0]))
                if field.required and keys[0] not in required:
                    required.append(keys[0])
                continue
            # Pydantic takes the first name present and ignores the others, so each name is
            # checked only when no earlier name is present.
            branches = []
            for index, (key, choice) in enumerate(zip(keys, field.choices)):
                properties.setdefault(key, {})
                branch: dict[str, Any] = {"required": [key]}
                checked = value_schema(field, choice)
                if checked:
                    branch["properties"] = {key: checked}
                if index:
                    branch["not"] = _present(keys[:index])
                branches.append(branch)
            if not field.required:
                branches.append({"not": _present(keys)})
            if field.required or any("properties" in branch for branch in branches):
                groups.append({"anyOf": branches})
        if extra != "ignore":
            # pydantic-core never counts a field's own name as an extra key, even when an alias
            # is what it reads (the value under the name is then ignored).
            for field in fields:
                properties.setdefault(field.name, {})
        result: dict[str, Any] = {"type": "object"}
        if properties:
            result["properties"] = properties
        if required:
            result["required"] = required
        if extra == "forbid":
            result["additionalProperties"] = False
        elif extra == "allow" and extras_schema is not None:
            extras = self.required_node(extras_schema, f"{path}[*]", cfg)
            if extras:
                result["additionalProperties"] = extras
        if groups:
            result["allOf"] = groups
        return result


_HANDLERS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "any": _Converter._any,
    "none": _Converter._none,
    "bool": _Converter._bool,
    "int": _Converter._int,
    "float": _Converter._float,
    "decimal": _Converter._decimal,
    "complex": _Converter._complex,
    "str": _Converter._str,
    "bytes": _Converter._bytes,
    "literal": _Converter._literal,
    "enum": _Converter._enum,
    "date": _Converter._date,
    "datetime": _Converter._datetime,
    "time": _Converter._time,
    "timedelta": _Converter._timedelta,
    "uuid": _Converter._uuid,
    "url": _Converter._url,
    "multi-host-url": _Converter._url,
    "default": _Converter._default,
    "nullable": _Converter._nullable,
    "custom-error": _Converter._inner,
    "lax-or-strict": _Converter._lax_or_strict,
    "json-or-python": _Converter._json_or_python,
    "function-after": _Converter._function_after,
    "function-before": _Converter._function_before_or_wrap,
    "function-wrap": _Converter._function_before_or_wrap,
    "function-plain": _Converter._function_plain,
    "chain": _Converter._chain,
    "json": _Converter._json,
    "definitions": _Converter._definitions,
    "union": _Converter._union,
    "tagged-union": _Converter._tagged_union,
    "list": _Converter._list,
    "set": _Converter._set,
    "frozenset": _Converter._set,
    "generator": _Converter._generator,
    "tuple": _Converter._tuple,
    "dict": _Converter._dict,
    "model": _Converter._model,
    "model-fields": _Converter._model_fields,
    "typed-dict": _Converter._typed_dict,
    "dataclass": _Converter._dataclass,
    "dataclass-args": _Converter._dataclass_args,
    "is-instance": _Converter._never,
    "is-subclass": _Converter._never,
    "callable": _Converter._never,
    "invalid": _Converter._never,
}
