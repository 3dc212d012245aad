"""The verifier Lambda's modules, loaded as the Lambda runtime loads them.

The code root `lambda_src/verifier` goes on sys.path, so `handler.py`'s own `import
signatures` finds its sibling; `handler.py` itself is loaded as `verifier_handler`, because
`lambda_src/processor/handler.py` is a `handler` too and the two must not share a module.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from collections.abc import Mapping
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CODE_ROOT = ROOT / "lambda_src" / "verifier"
EVENTS = ROOT / "tests" / "events"


def _load() -> tuple[ModuleType, ModuleType]:
    if str(CODE_ROOT) not in sys.path:
        sys.path.insert(0, str(CODE_ROOT))
    import signatures as signatures_module

    if Path(signatures_module.__file__).resolve().parent != CODE_ROOT:
        raise ImportError(f"`signatures` resolved to {signatures_module.__file__}, not the verifier's")
    handler_module = sys.modules.get("verifier_handler")
    if handler_module is None:
        spec = importlib.util.spec_from_file_location("verifier_handler", CODE_ROOT / "handler.py")
        assert spec and spec.loader
        handler_module = importlib.util.module_from_spec(spec)
        sys.modules["verifier_handler"] = handler_module
        spec.loader.exec_module(handler_module)
    return signatures_module, handler_module


signatures, handler = _load()


def _load_edge() -> ModuleType:
    """edge.py, whose `import handler` means the verifier's handler (as in the Lambda)."""
    module = sys.modules.get("verifier_edge")
    if module is not None:
        return module
    saved = sys.modules.get("handler")
    sys.modules["handler"] = handler
    try:
        spec = importlib.util.spec_from_file_location("verifier_edge", CODE_ROOT / "edge.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["verifier_edge"] = module
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules["handler"]
        else:
            sys.modules["handler"] = saved
    return module


edge = _load_edge()


def load_event(name: str) -> dict[str, Any]:
    """A recorded Pipes SQS record from tests/events (`pipes_sqs_<name>.json`)."""
    return json.loads((EVENTS / f"pipes_sqs_{name}.json").read_text(encoding="utf-8"))


def headers_of(record: dict[str, Any]) -> dict[str, str]:
    """The forwarded headers: the String attributes (the API's own attributes hold a '.')."""
    return {
        name: value["stringValue"]
        for name, value in record["messageAttributes"].items()
        if value["dataType"] == "String" and "." not in name
    }


def sent_at(record: dict[str, Any]) -> float:
    return int(record["attributes"]["SentTimestamp"]) / 1000


def use_aws(monkeypatch: Any, aws_environment: Mapping[str, str], environment: Mapping[str, str] | None = None) -> None:
    """The verifier's environment (`environment`: WEBHOOK_*) with its boto3 pointed where
    `aws_environment` says, and a fresh Secrets Manager client and secret cache."""
    for name, value in {**(environment or {}), **aws_environment}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setattr(handler, "_client", None)
    monkeypatch.setattr(handler, "_state", None)


def received_at(record: dict[str, Any]) -> float:
    """When API Gateway received the request (the `webhook.received_at` attribute)."""
    return int(record["messageAttributes"][signatures.RECEIVED_AT_ATTRIBUTE]["stringValue"]) / 1000
