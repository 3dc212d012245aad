"""The AWS resources of constructs_lib written by constructs_lib, on the engine's own core classes.

Why: the prebuilt provider bindings (`cdktf-cdktf-provider-aws`, `cdktn-provider-aws`) are one
jsii assembly of ~2,200 resource types. The first use of any of them makes the Node process
`require()` the whole package, about 2 s on every synth (measured: `bench/run.py`, "Where synth
time goes"), for two dozen types. What a generated class adds over the engine's
`TerraformResource` is its attribute list: its `synthesizeAttributes()` maps each keyword
argument to its Terraform name (the snake_case name Python already uses) and drops the unset
ones. So each class here is a subclass of the engine's `TerraformResource` (or
`TerraformProvider`, `TerraformDataSource`) that keeps its keyword arguments in Python and
returns them from `synthesize_attributes()`; nested blocks (`aws.PipesPipeSourceParameters(...)`)
are plain dicts. Node loads only the engine's core assembly.

The output is the same bytes as the generated classes write: tests/synth/test_lean_classes.py
synthesizes every example stack and a matrix of props both ways and compares the files.

Where the two differ, and what to do:
- Attribute references: these classes read the attributes in `ATTRIBUTES` (`queue.arn`,
  `queue.url`, ...) as the generated getters do (`${aws_sqs_queue.<id>.arn}`); any other name
  is an AttributeError. The generated classes' setters, `put_*` and `reset_*` methods are not
  here: change a resource with `add_override(...)`, which works on both.
- HCL output (`App(hcl_output=True)`) needs each attribute's schema type, which only the
  generated classes carry: `engine.Engine.aws` hands out the generated classes for such an app.
- `CONSTRUCTS_LIB_AWS_CLASSES=bindings` in the environment makes every app use the generated
  classes (slower, the same output).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ATTRIBUTES", "LeanAws", "terraform_value"]

# Attributes a construct or a user reads back as references. Every one of them is a string
# attribute in the provider's schema for the types that have it.
ATTRIBUTES = frozenset(
    {
        "arn",
        "body",
        "execution_arn",
        "function_name",
        "id",
        "invoke_arn",
        "invoke_url",
        "key_id",
        "name",
        "qualified_arn",
        "root_resource_id",
        "stage_name",
        "url",
    }
)

# The keyword arguments every resource takes that are not attributes (TerraformResourceConfig).
_META = ("connection", "count", "depends_on", "for_each", "lifecycle", "provider", "provisioners")


def terraform_value(value: Any) -> Any:
    """`value` as the generated `*ToTerraform` functions leave it: unset (None) entries of
    blocks and maps dropped, everything else as given (tokens are resolved by the engine)."""
    if isinstance(value, Mapping):
        return {key: terraform_value(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [terraform_value(item) for item in value]
    return value


class _Attributes:
    """Reads of `ATTRIBUTES` as Terraform references, as the generated getters make them; a
    set of any other public name sets that argument, as the generated setters do
    (`key.policy = ...`). The engine's own properties (`count`, `depends_on`, ...) stay its."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or hasattr(type(self), name):
            super().__setattr__(name, value)
        else:
            self._lean_arguments[name] = value

    def __getattr__(self, name: str) -> Any:
        if name in ATTRIBUTES:
            # One reference per attribute, kept: every read of the generated getter makes a new
            # token, and each resolves to the same `${type.id.attribute}`, so one serves them all.
            made = self.get_string_attribute(name)
            object.__setattr__(self, name, made)
            return made
        raise AttributeError(
            f"{type(self).__name__} has no attribute {name!r}: constructs_lib's AWS classes read only "
            f"{', '.join(sorted(ATTRIBUTES))}; change an argument with add_override(), or set "
            "CONSTRUCTS_LIB_AWS_CLASSES=bindings to get the provider's generated classes"
        )


class LeanAws:
    """One engine's AWS classes by name (`aws.SqsQueue`), made on first use.

    `kinds` maps each class name to what it is: ("resource", "aws_sqs_queue"),
    ("data", "aws_region"), ("provider", "aws") or ("block", "").
    """

    def __init__(self, core: Any, provider_source: str, provider_version: str, kinds: Mapping[str, tuple[str, str]]):
        self._core = core
        self._source = provider_source
        self._version = provider_version
        self._kinds = kinds
        # What the generated classes pass as `terraformGeneratorMetadata`, one for all.
        self._metadata = core.TerraformProviderGeneratorMetadata(
            provider_name="aws", provider_version=provider_version, provider_version_constraint="~> 6.0"
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        kind = self._kinds.get(name)
        if kind is None:
            raise AttributeError(f"{name!r} is not among the AWS classes constructs_lib.engine lists (AWS_CLASSES)")
        made: Callable[..., Any] = self._make(name, *kind)
        setattr(self, name, made)
        return made

    def _make(self, name: str, kind: str, tf_type: str) -> Callable[..., Any]:
        if kind == "block":
            # A nested block (`aws.PipesPipeSourceParameters(...)`) is its fields; the unset ones
            # are dropped with the rest at synth (terraform_value).
            return dict
        lean = self
        if kind == "provider":
            provider = self._core.TerraformProvider

            def init_provider(self: Any, scope: Any, id_: str, **arguments: Any) -> None:
                provider.__init__(
                    self,
                    scope,
                    id_,
                    terraform_resource_type=tf_type,
                    terraform_generator_metadata=lean._metadata,
                    terraform_provider_source=lean._source,
                )
                if arguments.get("alias") is not None:
                    self.alias = arguments["alias"]
                self._lean_arguments = arguments

            return _class(name, (provider,), tf_type, init_provider, "The AWS provider")

        base = self._core.TerraformDataSource if kind == "data" else self._core.TerraformResource
        # A data source takes no provisioners or connection.
        meta_names = _META if kind == "resource" else tuple(m for m in _META if m not in ("connection", "provisioners"))

        def init_resource(self: Any, scope: Any, id_: str, **arguments: Any) -> None:
            meta = {key: arguments.pop(key) for key in meta_names if key in arguments}
            base.__init__(
                self,
                scope,
                id_,
                terraform_resource_type=tf_type,
                terraform_generator_metadata=lean._metadata,
                **{key: value for key, value in meta.items() if value is not None},
            )
            self._lean_arguments = arguments

        return _class(name, (_Attributes, base), tf_type, init_resource, f"`{tf_type}`: the provider's {name}")


def _synthesize_attributes(self: Any) -> dict[str, Any]:
    """What the engine writes for this element: its arguments (the jsii override of
    `synthesizeAttributes`, called by Node at synth)."""
    written: dict[str, Any] = terraform_value(self._lean_arguments)
    return written


def _class(name: str, bases: tuple[type, ...], tf_type: str, init: Callable[..., None], what: str) -> type:
    return type(
        name,
        bases,
        {
            "__module__": __name__,
            "__qualname__": name,
            "__doc__": f"{what}, written by constructs_lib (see constructs_lib._lean).",
            "TF_RESOURCE_TYPE": tf_type,
            "__init__": init,
            "_synthesize_attributes": _synthesize_attributes,
        },
    )
