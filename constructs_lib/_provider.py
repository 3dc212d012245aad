"""Load the AWS provider bindings one submodule at a time, not all ~2,200 at once.

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
available. The jsii runtime imports a submodule on demand when JavaScript hands Python an
object of a type no imported module has registered (jsii >= 1.121, `_submodule_fqn_map`);
the bindings were generated before that map existed, so `install()` gives the runtime one.

Anything unexpected (the package already imported, not found, laid out differently) leaves
the ordinary import in place: slower, never different. Synthesized output is the same bytes
either way (tests/synth/test_determinism.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType
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
    if "provider" not in names:
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
    _register_fqns(names)
    return True


def _register_fqns(names: list[str]) -> None:
    """Tell the jsii runtime which module holds each jsii submodule, e.g.
    `@cdktf/provider-aws.sqsQueue` -> `cdktf_cdktf_provider_aws.sqs_queue`."""
    reference_map: ModuleType | None = sys.modules.get("jsii._reference_map")
    if reference_map is None:
        import jsii._reference_map as reference_map
    fqn_map = getattr(reference_map, "_submodule_fqn_map", None)
    if isinstance(fqn_map, dict):
        for name in names:
            fqn_map.setdefault(f"{ASSEMBLY}.{_camel(name)}", f"{PACKAGE}.{name}")


# On import, so that `from constructs_lib import _provider` placed before a module's provider
# imports is all a module needs.
install()
