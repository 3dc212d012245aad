"""Webhook ingest on AWS as CDKTF constructs: API Gateway -> SQS -> Pipes -> Step Functions.

The public API is what `__all__` lists. Names are loaded on first use, so the pure builders
(`constructs_lib.schema`, `.openapi`, `.vtl`, `.policies`) import without loading jsii and the
AWS provider bindings, which take seconds. Type checkers see every name with its real type
(the imports under TYPE_CHECKING below); the package is marked typed (`py.typed`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import testing
    from .alarm_rules import Alarms
    from .function import LambdaAsset, PythonFunction, PythonFunctionProps
    from .pipeline import WebhookPipeline
    from .prop_errors import PropsError
    from .props import Processing, WebhookIngestProps, WebhookSource
    from .schema import (
        ConversionResult,
        EdgeLoosenedWarning,
        Email,
        Loosening,
        UnsupportedModelError,
        api_gateway_schema,
        convert,
        openapi_component,
    )
    from .stack import WebhookStack
    from .webhook import WebhookIngest
    from .workflow import LambdaRetry, webhook_workflow

# name -> the module that defines it; a module name maps to the module itself.
_EXPORTS = {
    "WebhookIngest": "webhook",
    "WebhookIngestProps": "props",
    "WebhookSource": "props",
    "Processing": "props",
    "Alarms": "alarm_rules",
    "WebhookStack": "stack",
    "WebhookPipeline": "pipeline",
    "PropsError": "prop_errors",
    "api_gateway_schema": "schema",
    "convert": "schema",
    "openapi_component": "schema",
    "Email": "schema",
    "UnsupportedModelError": "schema",
    "EdgeLoosenedWarning": "schema",
    "ConversionResult": "schema",
    "Loosening": "schema",
    "PythonFunction": "function",
    "PythonFunctionProps": "function",
    "LambdaAsset": "function",
    "webhook_workflow": "workflow",
    "LambdaRetry": "workflow",
    "testing": "testing",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = importlib.import_module(f"{__name__}.{module}")
    value = loaded if module == name else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
