"""What the verifier Lambda knows about signature schemes, read from its own code.

The verifier (`lambda_src/verifier/signatures.py`) is the one place that says which request
headers each scheme signs with and which header names a delivery. The API must forward
exactly those headers to SQS, so the library reads the tables from that file instead of
keeping a copy that could drift. The module is standard library only and has no side
effects on import, so loading it at synth time is cheap and safe.

Pure: no cdktf.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

__all__ = [
    "VERIFIER_DIR",
    "PROCESSOR_DIR",
    "schemes",
    "GENERIC_SCHEME",
    "check_hmac",
    "check_public_key",
    "scheme_headers",
    "default_delivery_id_headers",
    "received_at_attribute",
    "url_attribute",
    "url_schemes",
    "rejected_reason_attribute",
]



def _lambda_src() -> Path:
    """The Lambda code roots the package carries (`constructs_lib/lambda_src/` in the wheel; in
    the repository a link to the top-level `lambda_src/`). pip installs packages as files, so
    the resource is a directory the zip builder can read."""
    root = importlib.resources.files(__package__ or "constructs_lib") / "lambda_src"
    if not isinstance(root, Path) or not root.is_dir():
        raise ImportError(
            f"constructs_lib carries no lambda_src/ directory at {root}: install the package from "
            "its wheel or sdist (or, in the repository, restore the link constructs_lib/lambda_src "
            "-> ../lambda_src)"
        )
    return root


LAMBDA_SRC = _lambda_src()
VERIFIER_DIR = LAMBDA_SRC / "verifier"
PROCESSOR_DIR = LAMBDA_SRC / "processor"


@functools.cache
def _signatures() -> ModuleType:
    path = VERIFIER_DIR / "signatures.py"
    spec = importlib.util.spec_from_file_location("_webhook_verifier_signatures", path)
    if spec is None or spec.loader is None:  # pragma: no cover - only if the file is missing
        raise ImportError(f"cannot load the verifier's scheme table from {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered as Python registers an import: the module loads its generic.py (the generic
    # HMAC scheme) on first use and hands it itself through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def schemes() -> tuple[str, ...]:
    """The signature schemes the verifier implements."""
    return tuple(_signatures().SCHEMES)


def scheme_headers(scheme: str) -> tuple[str, ...]:
    """The request headers `scheme` needs, to be forwarded as SQS message attributes."""
    table: Mapping[str, tuple[str, ...]] = _signatures().SCHEME_HEADERS
    return tuple(table[scheme])


def default_delivery_id_headers(scheme: str) -> tuple[str, ...]:
    """The headers in which the provider names each delivery (first present wins), if any."""
    table: Mapping[str, tuple[str, ...]] = _signatures().DELIVERY_ID_HEADERS
    return tuple(table.get(scheme, ()))


def received_at_attribute() -> str:
    """The message attribute carrying when API Gateway received the request."""
    return str(_signatures().RECEIVED_AT_ATTRIBUTE)


def url_attribute() -> str:
    """The message attribute carrying the URL the provider called."""
    return str(_signatures().URL_ATTRIBUTE)


def url_schemes() -> tuple[str, ...]:
    """The named schemes that sign the URL."""
    return tuple(_signatures().URL_SCHEMES)


def rejected_reason_attribute() -> str:
    """The message attribute carrying why a kept delivery was rejected."""
    return str(_signatures().REJECTED_REASON_ATTRIBUTE)


# The generic scheme's name, as the verifier knows it.
GENERIC_SCHEME: str = _signatures().GENERIC


def check_hmac(settings: Mapping[str, object]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(headers to forward, delivery-id headers, whether the URL is signed) of the generic
    scheme with these settings; ValueError naming the setting and the fix when the verifier
    would refuse them."""
    scheme = _signatures().HmacScheme(settings)
    return tuple(scheme.headers), tuple(scheme.id_headers), bool(scheme.signs_url)


def check_public_key(scheme: str, key: str) -> None:
    """ValueError unless `key` is a public key the verifier of `scheme` takes."""
    _signatures().check_public_key(scheme, key)
