"""A verdict must reach Step Functions intact, whatever body a sender chose.

The verdict is the Lambda's return value; the Lambda runtime serializes it as JSON and Step
Functions parses that with its own JSON library. Python writes what it cannot represent in
strict JSON anyway (`float("inf")` as `Infinity`, which no JSON parser accepts) or fails on it
(a lone surrogate cannot be UTF-8), so the verifier must never put such values in a verdict.
The oracle for "another JSON library reads it" is Node's `JSON.parse`, run once over every
verdict these tests make; Python's own strict parser is checked too.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier_modules import handler, load_event

SECRET = "hooks:s3cr3t-pässword"  # the basic fixture's credentials: basic does not sign the body
VERDICTS: list[str] = []

# JSON texts Python parses into values strict JSON cannot carry back, and ordinary ones.
HOSTILE = [
    '{"x": 1e400}',
    '{"x": -1e400}',
    "[1E309, 2]",
    '{"x": 1' + "0" * 400 + "}",
    '{"n": ' + "9" * 101 + "}",
    '{"s": "\\ud800"}',
    '{"s": "\\udfff tail"}',
    "[" * 120 + "]" * 120,
    "[" + ",".join(["1e15"] * 500) + "]",
    '{"a": NaN}',
    '{"a": -Infinity}',
]
ORDINARY = ['{"x": 1e5}', '{"id": 18446744073709551615}', '{"s": "caf\\u00e9 \\ud83d\\ude00"}', "[" * 40 + "]" * 40, "{}"]


def verdict_for(body: str, *, valid: bool) -> dict[str, object]:
    record = load_event("basic")
    record["body"] = body
    if not valid:
        record["messageAttributes"]["Authorization"]["stringValue"] = "Basic bm90OnRoaXM="
    cache = handler.SecretCache(lambda: SECRET)
    result = handler.verdict(handler.parse_record(record), handler.Config("basic", "arn:aws:secretsmanager:x"), cache)
    assert result["valid"] is valid
    text = json.dumps(result, ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # raises on a lone surrogate

    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} in a verdict")

    assert json.loads(text, parse_constant=refuse) == result
    VERDICTS.append(text)
    return result


@pytest.mark.parametrize("body", HOSTILE)
def test_a_body_json_cannot_carry_back_travels_as_text(body: str) -> None:
    for valid in (True, False):
        result = verdict_for(body, valid=valid)
        assert result["event"] is None and result["body"] == body


@pytest.mark.parametrize("body", ORDINARY)
def test_ordinary_json_travels_parsed_when_valid_and_as_text_when_not(body: str) -> None:
    valid = verdict_for(body, valid=True)
    assert valid["event"] == json.loads(body) and valid["body"] is None
    invalid = verdict_for(body, valid=False)
    assert invalid["event"] is None and invalid["body"] == body
    assert invalid["rejected"]["MessageAttributes"]["webhook.rejected_reason"]["StringValue"] == "bad_signature"


token = st.sampled_from(["1e400", "-1e999", "1E309", "1e15", "NaN", "Infinity", "0.1", "-0", "9" * 120, "1e-400"])
strings = st.text(max_size=8).map(json.dumps) | st.sampled_from(['"\\ud800"', '"\\ude00x"', '"\\u00e9"'])
values = st.recursive(
    token | strings | st.sampled_from(["true", "null", "12"]),
    lambda inner: st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
    | st.lists(st.tuples(strings, inner), max_size=4).map(lambda kv: "{" + ",".join(f"{k}:{v}" for k, v in kv) + "}"),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(values, st.booleans())
def test_no_body_makes_an_unreadable_verdict(body: str, valid: bool) -> None:
    result = verdict_for(body, valid=valid)
    # The body travels exactly once: parsed, or as the text it came as.
    assert (result["event"] is None) != (result["body"] is None) or (result["event"] is None and body == "null")
    if result["body"] is not None:
        assert result["body"] == body
    if not valid:
        assert result["event"] is None


def test_node_parses_every_verdict_made_above() -> None:
    """Runs last in this module: every verdict the tests above produced, read by another
    JSON implementation (V8's), must parse."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH (the Makefile's environment needs it for cdktf)")
    assert len(VERDICTS) > 150
    script = (
        "const lines = require('fs').readFileSync(0, 'utf8').split('\\n').filter(Boolean);"
        "let n = 0; for (const l of lines) { JSON.parse(l); n++; } process.stdout.write(String(n));"
    )
    out = subprocess.run([node, "-e", script], input="\n".join(VERDICTS), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(VERDICTS)
