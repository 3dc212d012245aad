"""How wrong props are reported: one `PropsError` naming the prop, the value and the fix,
whether the props came as a dict or were built directly.

`FrozenProps` is the base of every props model: frozen, unknown props refused (a typo is an
error, not a silent no-op), and a failed construction (`WebhookSource(fifo=True)`) raising the
same `PropsError` as `parse_props` gives for a dict. Validation from a dict keeps Pydantic's
own errors until `parse_props` describes them, so a nested mistake is reported with its whole
path (`WebhookIngestProps.sources.0.group_id_field`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Tag, ValidationError

__all__ = ["PropsError", "FrozenProps", "parse_props"]

M = TypeVar("M", bound=BaseModel)


class PropsError(ValueError):
    """Wrong props: the message names the prop, the value and how to fix it."""


class _RaisesPropsError(type(BaseModel)):  # type: ignore[misc]  # Pydantic's own metaclass
    """Pydantic's model metaclass, calling the class (`Model(...)`) re-raised as PropsError.

    A metaclass rather than `__init__`: Pydantic also runs a model's own `__init__` while it
    validates a dict, where a PropsError would lose the error's path. Hidden from type
    checkers, which then keep the constructor they derive from the fields (and so report a
    misspelled prop)."""

    if not TYPE_CHECKING:

        def __call__(cls, *args, **kwargs):
            try:
                return super().__call__(*args, **kwargs)
            except ValidationError as error:
                raise PropsError(describe(cls, error)) from None


if TYPE_CHECKING:
    # What type checkers see: an ordinary Pydantic model, whose constructor they derive from
    # the fields.

    class FrozenProps(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

else:

    class FrozenProps(BaseModel, metaclass=_RaisesPropsError):
        """Base of the props models: frozen, no unknown props, errors as PropsError."""

        model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


def parse_props(model: type[M], props: M | dict[str, Any]) -> M:
    """Accept a props instance or a dict; re-raise validation errors as one `PropsError`."""
    if isinstance(props, model):
        return props
    try:
        return model.model_validate(props)
    except ValidationError as error:
        raise PropsError(describe(model, error)) from None


def describe(model: type[BaseModel], error: ValidationError) -> str:
    """One message for all of a validation's errors, each as `Model.path: problem (got value)`."""
    items = error.errors()
    # A tuple whose element fails also reports "too short" for itself; the element's own error
    # is the one that says what to fix.
    items = [
        item
        for item in items
        if not (
            item["type"] == "too_short"
            and any(len(other["loc"]) > len(item["loc"]) and other["loc"][: len(item["loc"])] == item["loc"] for other in items)
        )
    ]
    lines = []
    for item in items:
        where = ".".join(str(part) for part in item["loc"]) or model.__name__
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            known = ", ".join(_fields_at(model, item["loc"][:-1]))
            message = f"unknown prop (a typo?); known props: {known}"
        # Model-level checks already name the values; echoing the whole input would bury them.
        quiet = item["type"] in ("missing", "extra_forbidden") or isinstance(item["input"], dict)
        value = "" if quiet else f" (got {item['input']!r})"
        lines.append(f"{model.__name__}.{where}: {message}{value}")
    return "invalid props:\n  " + "\n  ".join(lines)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The props of the model at `loc`: through nested models, tuples of them, and tagged
    unions (whose tag, e.g. `process.function`, is the next part of the path)."""
    current: type[BaseModel] = model
    tagged: dict[str, type[BaseModel]] = {}
    for part in loc:
        if isinstance(part, str) and part in tagged:
            current, tagged = tagged[part], {}
        elif isinstance(part, str) and part in current.model_fields:
            found = _models_in(current.model_fields[part].annotation)
            if len(found) == 1:
                current = next(iter(found.values()))
            tagged = {tag: m for tag, m in found.items() if tag is not None}
    return sorted(current.model_fields)


def _models_in(annotation: Any) -> dict[str | None, type[BaseModel]]:
    """The models an annotation holds (itself, or members of a union or tuple), by union tag."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {None: annotation}
    found: dict[str | None, type[BaseModel]] = {}
    for arg in get_args(annotation):
        tag = None
        if get_origin(arg) is Annotated:
            arg, *metadata = get_args(arg)
            tag = next((m.tag for m in metadata if isinstance(m, Tag)), None)
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            found[tag] = arg
    return found
