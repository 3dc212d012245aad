"""Load the AWS provider bindings one submodule at a time, not all ~2,200 at once.

Used where the generated classes are (`engine.Engine.bindings`: an app that writes HCL, or
CONSTRUCTS_LIB_AWS_CLASSES=bindings); the constructs otherwise use their own classes
(constructs_lib._lean) and never import the bindings.

Why: `cdktf_cdktf_provider_aws/__init__.py` does nothing but `from . import <x>` for every
resource and data source of the provider (plus a `check_type` helper and `__all__`). Python
spends ~6 s importing them, and ~3 s more tearing them down at exit, on every synth, while
our constructs use about a dozen. Each submodule needs from its package only `_jsii` (the jsii
assembly and `check_type`), which it imports itself with `from .._jsii import *`.

So `install()` puts the package into `sys.modules` without running its `__init__`: a module
made from the package's own import spec, so `__path__`, `__file__` and `__spec__` are what
Python would set, and `import cdktf_cdktf_provider_aws.sqs_queue` finds its files as usual.
`cdktf_cdktf_provider_aws.<name>` still works: the module's `__getattr__` imports the
submodule on first use (PEP 562), as the package's own import lines would have made it
available. When JavaScript hands Python an object of a type that no imported module has
registered, the jsii runtime imports the submodule that holds it, found through its
`_submodule_fqn_map`; these bindings were generated before that map existed, so `install()`
fills it in.

Anything unexpected (the package already imported, not found, laid out differently, a jsii
runtime without that map) leaves the ordinary import in place: slower, never different.
Synthesized output is the same bytes either way (tests/synth/test_determinism.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

PACKAGE = "cdktf_cdktf_provider_aws"
ASSEMBLY = "@cdktf/provider-aws"


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _submodules(folder: str) -> list[str]:
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("_"))


def install() -> bool:
    """Register the provider package lazily; True if this call did, False if the ordinary
    import is (or will be) used. Idempotent."""
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        return getattr(existing, "__lazy_submodules__", None) is not None
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return False
    folders = list(spec.submodule_search_locations or []) if spec else []
    if spec is None or spec.origin is None or len(folders) != 1:
        return False
    folder = folders[0]
    if not os.path.isfile(os.path.join(folder, "_jsii", "__init__.py")):
        return False
    names = _submodules(folder)
    fqn_map = _jsii_submodule_map()
    if "provider" not in names or fqn_map is None:
        return False

    package = importlib.util.module_from_spec(spec)
    available = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name in available:
            return importlib.import_module(f"{PACKAGE}.{name}")
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(available)

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    package.__dir__ = __dir__  # type: ignore[method-assign]
    package.__all__ = sorted(available)
    package.__lazy_submodules__ = available
    sys.modules[PACKAGE] = package
    for name in names:
        fqn_map.setdefault(f"{ASSEMBLY}.{_camel(name)}", f"{PACKAGE}.{name}")
    return True


def _jsii_submodule_map() -> dict[str, str] | None:
    """The jsii runtime's map from a jsii submodule to the Python module that registers its
    types, e.g. `@cdktf/provider-aws.sqsQueue` -> `cdktf_cdktf_provider_aws.sqs_queue`. None
    when this jsii has none: it could not import a submodule on demand, so the package must
    be imported whole."""
    try:
        from jsii import _reference_map
    except ImportError:
        return None
    fqn_map = getattr(_reference_map, "_submodule_fqn_map", None)
    return fqn_map if isinstance(fqn_map, dict) else None


# On import, so that importing this module before the bindings is all it takes (constructs_lib.engine
# does, before it imports a submodule of cdktf's provider).
install()
