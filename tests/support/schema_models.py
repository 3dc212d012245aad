"""A corpus of model shapes for the edge-schema tests, each with seed documents Pydantic accepts.

Each model isolates a few features of the converter. The seeds are written by hand to reach the
forms a generator from Pydantic's own JSON Schema would not produce (second alias choices,
timestamps written as strings, braced UUIDs, ``true`` for ``Literal[1]`` ...): exactly where an
edge schema risks refusing what the application accepts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union
from uuid import UUID

from pydantic import (
    UUID4,
    AfterValidator,
    AliasChoices,
    AliasPath,
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    RootModel,
    StringConstraints,
    conint,
    conlist,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from typing_extensions import TypedDict

from constructs_lib.schema_formats import Email
from examples.models import MailgunEvent, User


class Scalars(BaseModel):
    text: Annotated[str, StringConstraints(min_length=2, max_length=5)]
    count: Annotated[int, Field(gt=0, le=100, multiple_of=5)]
    below: Annotated[int, Field(ge=-3, lt=3)]
    ratio: Annotated[float, Field(gt=0, lt=1)]
    weight: Annotated[float, Field(ge=18, le=120.5)]
    flag: bool


class Optionals(BaseModel):
    required_nullable: Optional[str]
    maybe_count: Optional[Annotated[int, Field(ge=0)]] = None
    either: Union[int, str, None] = None
    nested: Optional[Scalars] = None


class Address(BaseModel):
    street: str
    postcode: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]


class LineItem(BaseModel):
    sku: Annotated[str, StringConstraints(min_length=1)]
    quantity: conint(ge=1)


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID
    billing: Address
    shipping: Optional[Address] = None
    items: conlist(LineItem, min_length=1, max_length=3)


class Colour(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    ONE = 1
    NAME = "name"


class Choices(BaseModel):
    colour: Colour
    level: Level
    mixed: Mixed
    kind: Literal["a", "b"]
    one: Literal[1]
    off: Literal[False]
    nothing: Literal["x", None]


class Collections(BaseModel):
    numbers: Annotated[list[int], Field(min_length=1, max_length=3)]
    tags: set[str]
    codes: Annotated[frozenset[int], Field(min_length=2, max_length=2)]
    pair: tuple[int, str]
    many: tuple[int, ...]
    grid: tuple[tuple[int, int], ...]
    scores: Annotated[dict[str, float], Field(min_length=1, max_length=2)]


class Cat(BaseModel):
    pet: Literal["cat"]
    meows: bool


class Dog(BaseModel):
    pet: Literal["dog"]
    barks: int


class Unions(BaseModel):
    animal: Union[Cat, Dog] = Field(discriminator="pet")
    any_animal: Union[Cat, Dog]
    scalar: Union[int, bool, str]
    animals: list[Annotated[Union[Cat, Dog], Field(discriminator="pet")]] = []
    overlap: Union[Annotated[int, Field(ge=0)], Annotated[int, Field(le=10)]] = 5


class Aliases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int = Field(alias="userId")
    out_only: str = Field(serialization_alias="outOnly")
    in_only: str = Field(validation_alias="inOnly", serialization_alias="out")
    choice: int = Field(validation_alias=AliasChoices("first", "second"))
    optional_choice: Optional[str] = Field(default=None, validation_alias=AliasChoices("a1", "a2", "a3"))
    deep: int = Field(default=0, validation_alias=AliasPath("meta", "deep"))


class ByName(BaseModel):
    model_config = ConfigDict(validate_by_name=True, extra="forbid")

    created_at: datetime = Field(alias="createdAt")
    note: str = Field(default="", alias="Note")


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: int


class Forbidding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inner: Inner
    inners: list[Inner] = []


class Allowing(BaseModel):
    model_config = ConfigDict(extra="allow")

    __pydantic_extra__: dict[str, int]
    name: str


class Defaults(BaseModel):
    with_default: int = 5
    with_factory: list[str] = Field(default_factory=list)
    nullable_default: Optional[str] = "x"
    required: str


class Formats(BaseModel):
    when: datetime
    day: date
    ident: UUID
    ident4: UUID4
    site: HttpUrl
    link: AnyUrl
    mail: Email


def _even(value: int) -> int:
    if value % 2:
        raise ValueError("must be even")
    return value


class Validated(BaseModel):
    """Rules draft-04 cannot express: the edge is looser, and must still never be stricter."""

    start: int
    end: int
    even: Annotated[int, AfterValidator(_even)]
    loose: Annotated[int, BeforeValidator(lambda value: int(value) if isinstance(value, str) else value)]
    name: str

    @field_validator("name")
    @classmethod
    def _no_admin(cls, value: str) -> str:
        if value == "admin":
            raise ValueError("reserved")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Validated:
        if self.end < self.start:
            raise ValueError("end before start")
        return self


class Patterns(BaseModel):
    """Patterns in Rust regex syntax, including Unicode-aware classes that ECMA reads as ASCII."""

    digits: Annotated[str, StringConstraints(pattern=r"^\d{2,4}$")]
    word: Annotated[str, StringConstraints(pattern=r"^\w+$")]
    anything: Annotated[str, StringConstraints(pattern=r"^.{1,3}$")]
    not_space: Annotated[str, StringConstraints(pattern=r"^[^\s]+$")]
    insensitive: Annotated[str, StringConstraints(pattern=r"(?i)^ab+c$")]
    bounded: Annotated[str, StringConstraints(pattern=r"^a\b")]
    stripped: Annotated[str, StringConstraints(strip_whitespace=True, max_length=3, pattern=r"^x")]
    lowered: Annotated[str, StringConstraints(to_lower=True, pattern=r"^[a-z]+$")]


class Unicode(BaseModel):
    short: Annotated[str, StringConstraints(max_length=3)]
    long: Annotated[str, StringConstraints(min_length=2)]


class Floats(BaseModel):
    adult: Annotated[float, Field(ge=18)]
    tenth: Annotated[float, Field(le=0.1)]
    step: Annotated[float, Field(multiple_of=0.1)]
    open_range: Annotated[float, Field(gt=-1.5, lt=1.5)]


class Point(TypedDict, total=False):
    x: int
    y: int


@pydantic_dataclass
class Tag:
    label: str
    weight: int = 1


class Structures(BaseModel):
    point: Point
    tag: Tag
    raw: dict[str, Any]
    anything: Any = None


class Batch(RootModel[list[MailgunEvent]]):
    pass


@dataclass(frozen=True)
class Case:
    model: type[BaseModel]
    seeds: list[Any] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.model.__name__


T = "2023-01-01T23:00:00Z"
U = "12345678-1234-5678-1234-567812345678"
U4 = "4f2c1f1e-8a3b-4c5d-9e6f-1a2b3c4d5e6f"

CASES = [
    Case(
        MailgunEvent,
        [
            {"event": "opened", "recipient": "john@example.com", "timestamp": T},
            {"event": "clicked", "recipient": "a.b+c@mail.example.org", "timestamp": "2023-01-01 23:00", "id": 1},
            {"event": "failed", "recipient": "x@y", "timestamp": "1700000000.5"},
        ],
    ),
    Case(User, [{"name": "Ada", "age": 18, "email": "ada@example.com"}, {"name": "", "age": 99, "email": "a@b.co"}]),
    Case(
        Scalars,
        [
            {"text": "ab", "count": 5, "below": -3, "ratio": 0.5, "weight": 18, "flag": True},
            {"text": "abcde", "count": 100, "below": 2, "ratio": 1e-9, "weight": 120.5, "flag": False},
            {"text": "😀😀😀", "count": 55, "below": 0, "ratio": 0.999, "weight": Decimal("17.9999999999999999"), "flag": True},
        ],
    ),
    Case(
        Optionals,
        [
            {"required_nullable": None},
            {"required_nullable": "x", "maybe_count": None, "either": "s", "nested": None},
            {"required_nullable": "", "maybe_count": 0, "either": 1},
            {"required_nullable": "", "either": None},
        ],
    ),
    Case(
        Order,
        [
            {"id": U, "billing": {"street": "Main", "postcode": "12345"}, "items": [{"sku": "a", "quantity": 1}]},
            {
                "id": "{" + U + "}",
                "billing": {"street": "", "postcode": "00000"},
                "shipping": None,
                "items": [{"sku": "a", "quantity": 2}] * 3,
            },
            {
                "id": U.replace("-", ""),
                "billing": {"street": "x", "postcode": "99999", "extra": 1},
                "items": [{"sku": "b", "quantity": 9, "note": "ignored"}],
            },
        ],
    ),
    Case(
        Choices,
        [
            {"colour": "red", "level": 1, "mixed": 1, "kind": "a", "one": 1, "off": False, "nothing": None},
            {"colour": "green", "level": 2, "mixed": "name", "kind": "b", "one": True, "off": 0, "nothing": "x"},
            {"colour": "red", "level": 1, "mixed": True, "kind": "a", "one": 1.0, "off": 0.0, "nothing": "x"},
        ],
    ),
    Case(
        Collections,
        [
            {
                "numbers": [1],
                "tags": [],
                "codes": [1, 2],
                "pair": [1, "a"],
                "many": [],
                "grid": [],
                "scores": {"a": 1},
            },
            {
                "numbers": [1, 2, 3],
                "tags": ["a", "a", "b"],
                "codes": [1, 2, 2, 1],
                "pair": [0, ""],
                "many": [1, 2, 3],
                "grid": [[1, 2], [3, 4]],
                "scores": {"a": 1.5, "b": 2},
            },
        ],
    ),
    Case(
        Unions,
        [
            {"animal": {"pet": "cat", "meows": True}, "any_animal": {"pet": "dog", "barks": 3}, "scalar": 1},
            {
                "animal": {"pet": "dog", "barks": 0},
                "any_animal": {"pet": "cat", "meows": False},
                "scalar": "x",
                "animals": [{"pet": "cat", "meows": True}, {"pet": "dog", "barks": 1}],
            },
            {"animal": {"pet": "cat", "meows": False}, "any_animal": {"pet": "cat", "meows": True}, "scalar": False},
            {"animal": {"pet": "cat", "meows": True}, "any_animal": {"pet": "dog", "barks": 1}, "scalar": 0, "overlap": 7},
        ],
    ),
    Case(
        Aliases,
        [
            {"userId": 1, "out_only": "a", "inOnly": "b", "first": 1},
            {"userId": 2, "out_only": "", "inOnly": "", "second": 2, "a3": None, "meta": {"deep": 4}},
            {"userId": 3, "out_only": "x", "inOnly": "y", "first": 1, "second": "ignored", "a1": "s", "a2": 7},
            {"userId": 4, "out_only": "x", "inOnly": "y", "second": 5, "a2": "s", "a3": 7, "meta": {"deep": 9, "other": None}},
        ],
    ),
    Case(
        ByName,
        [
            {"createdAt": T},
            {"created_at": "2023-01-01t23:00:00z", "note": "by name"},
            {"createdAt": T, "created_at": "not checked: the alias wins", "Note": "n"},
        ],
    ),
    Case(
        Forbidding,
        [{"inner": {"value": 1}}, {"inner": {"value": -1}, "inners": [{"value": 2}, {"value": 3}]}],
    ),
    Case(Allowing, [{"name": "n"}, {"name": "n", "extra": 1, "more": -5}]),
    Case(Defaults, [{"required": "r"}, {"required": "", "with_default": 1, "with_factory": ["a"], "nullable_default": None}]),
    Case(
        Formats,
        [
            {
                "when": T,
                "day": "2024-02-29",
                "ident": U,
                "ident4": U4,
                "site": "https://example.com/path?q=1#f",
                "link": "mailto:ops@example.com",
                "mail": "ops@example.com",
            },
            {
                "when": "1700000000",
                "day": "86400",
                "ident": "urn:uuid:" + U,
                "ident4": "{" + U4.upper() + "}",
                "site": "HTTP://EXAMPLE.COM",
                "link": "urn:isbn:0451450523",
                "mail": "x@y",
            },
            {
                "when": "2023-01-01_23:59:59,123456789-0130",
                "day": "0001-01-01",
                "ident": U.upper(),
                "ident4": U4.replace("-", ""),
                "site": "https://[::1]:8443/",
                "link": "x:y",
                "mail": "first.last+tag@sub.example.co.uk",
            },
        ],
    ),
    Case(
        Validated,
        [
            {"start": 1, "end": 2, "even": 2, "loose": 1, "name": "n"},
            {"start": 1, "end": 1, "even": 0, "loose": "7", "name": ""},
        ],
    ),
    Case(
        Patterns,
        [
            {
                "digits": "12",
                "word": "a_b1",
                "anything": "abc",
                "not_space": "x",
                "insensitive": "ABBC",
                "bounded": "a b",
                "stripped": "  xyz  ",
                "lowered": "abc",
            },
            {
                "digits": "١٢٣",
                "word": "héllo",
                "anything": "😀😀😀",
                "not_space": "é😀",
                "insensitive": "abc",
                "bounded": "a",
                "stripped": "x",
                "lowered": "z",
            },
        ],
    ),
    Case(Unicode, [{"short": "😀😀😀", "long": "😀😀"}, {"short": "", "long": "ab"}]),
    Case(
        Floats,
        [
            {"adult": 18, "tenth": 0.1, "step": 0.3, "open_range": 0},
            {"adult": Decimal("17.9999999999999999"), "tenth": Decimal("0.10000000000000000001"), "step": 1, "open_range": -1.4999},
        ],
    ),
    Case(
        Structures,
        [
            {"point": {}, "tag": {"label": "l"}, "raw": {}},
            {"point": {"x": 1, "y": 2, "z": 3}, "tag": {"label": "", "weight": 2}, "raw": {"a": [1]}, "anything": [None]},
        ],
    ),
    Case(
        Batch,
        [
            [],
            [{"event": "opened", "recipient": "a@b.c", "timestamp": T}] * 2,
        ],
    ),
]
