"""Paths into a source's body model: `WebhookSource.group_id_field` names a scalar field of the
Pydantic model, reached through nested models by the names the field has on the wire (aliases).

Pure: reads Pydantic's public model_fields and typing's get_origin/get_args, no cdktf.
"""

from __future__ import annotations

import re
import types
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["check_group_field"]

_FIELD_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")

_SCALARS = (str, int, float, bool)


def check_group_field(model: type[BaseModel], dotted: str) -> None:
    """The group field must be a scalar field of the model, reached through nested models."""
    current: type[BaseModel] = model
    segments = dotted.split(".")
    for position, segment in enumerate(segments):
        if not _FIELD_SEGMENT.match(segment):
            raise ValueError(
                f"group_id_field {dotted!r}: segment {segment!r} may hold only letters, digits, "
                "'_' and '-'"
            )
        wire_names = {
            (info.validation_alias if isinstance(info.validation_alias, str) else None)
            or info.alias
            or name: info
            for name, info in current.model_fields.items()
        }
        if segment not in wire_names:
            raise ValueError(
                f"group_id_field {dotted!r}: {current.__name__} has no field {segment!r} on the "
                f"wire; its fields are {sorted(wire_names)}"
            )
        annotation = _strip_optional(wire_names[segment].annotation)
        last = position == len(segments) - 1
        if last:
            if not _is_scalar(annotation):
                raise ValueError(
                    f"group_id_field {dotted!r} is a {annotation!r}, not a string, number or "
                    "enum: point it at a scalar field"
                )
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        else:
            raise ValueError(
                f"group_id_field {dotted!r}: {segment!r} is not a nested model, so "
                f"{'.'.join(segments[position + 1:])!r} cannot be read from it"
            )


def _strip_optional(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _strip_optional(members[0])
    return annotation


def _is_scalar(annotation: Any) -> bool:
    if get_origin(annotation) is Literal:
        return True
    if isinstance(annotation, type):
        return issubclass(annotation, _SCALARS) or issubclass(annotation, Enum)
    return False
