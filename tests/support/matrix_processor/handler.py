"""The processing Lambda of the branch matrix's `process_code_dir` cases (tests/support/
branch_matrix.py): its own code, so the matrix's zips change only when the library's packaging
or the verifier does, not when the example processor is edited."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"messageId": event["messageId"]}
