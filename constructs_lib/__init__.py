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
    # `X as X`: what a type checker may take from the package root (PEP 484 re-exports).
    from . import testing as testing
    from .alarm_props import Alarms as Alarms
    from .function import LambdaAsset as LambdaAsset
    from .function import PythonFunction as PythonFunction
    from .function import PythonFunctionProps as PythonFunctionProps
    from .pipeline import WebhookPipeline as WebhookPipeline
    from .prop_errors import PropsError as PropsError
    from .pipeline_props import HmacSignature as HmacSignature
    from .pipeline_props import ProcessCode as ProcessCode
    from .pipeline_props import Processing as Processing
    from .pipeline_props import ProcessFunction as ProcessFunction
    from .pipeline_props import ProcessStates as ProcessStates
    from .source_props import WebhookSource as WebhookSource
    from .webhook_props import WebhookIngestProps as WebhookIngestProps
    from .schema import ConversionResult as ConversionResult
    from .schema import EdgeLoosenedWarning as EdgeLoosenedWarning
    from .schema_formats import Email as Email
    from .schema import Loosening as Loosening
    from .schema import UnsupportedModelError as UnsupportedModelError
    from .schema import api_gateway_schema as api_gateway_schema
    from .schema import convert as convert
    from .schema import openapi_component as openapi_component
    from .stack import WebhookStack as WebhookStack
    from .webhook import WebhookIngest as WebhookIngest
    from .workflow import LambdaRetry as LambdaRetry
    from .workflow import webhook_workflow as webhook_workflow

# name -> the module that defines it; a module name maps to the module itself.
_EXPORTS = {
    "WebhookIngest": "webhook",
    "WebhookIngestProps": "webhook_props",
    "WebhookSource": "source_props",
    "Processing": "pipeline_props",
    "ProcessCode": "pipeline_props",
    "HmacSignature": "pipeline_props",
    "ProcessFunction": "pipeline_props",
    "ProcessStates": "pipeline_props",
    "Alarms": "alarm_props",
    "WebhookStack": "stack",
    "WebhookPipeline": "pipeline",
    "PropsError": "prop_errors",
    "api_gateway_schema": "schema",
    "convert": "schema",
    "openapi_component": "schema",
    "Email": "schema_formats",
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
