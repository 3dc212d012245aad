"""Webhook ingest on AWS as CDKTF constructs: API Gateway -> SQS -> Pipes -> Step Functions.

The public API is what `__all__` lists. Names are loaded on first use, so the pure builders
(`constructs_lib.schema`, `.openapi`, `.vtl`, `.policies`) import without loading jsii and the
AWS provider bindings, which take seconds.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "WebhookIngest": "webhook",
    "WebhookIngestProps": "props",
    "WebhookSource": "props",
    "Processing": "props",
    "WebhookPipeline": "pipeline",
    "PropsError": "props",
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
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
