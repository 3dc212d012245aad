"""The patterns that stand in for ``format`` mean the same in Python re, ECMA 262 (node) and
java.util.regex, and a final newline is refused at the edge as by the model. These start node and
java; the pure checks of the same patterns are tests/properties/test_schema_patterns.py.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from constructs_lib.portable_regex import portable_pattern
from constructs_lib.schema_formats import (
    DATE_PATTERN,
    DATE_TIME_PATTERN,
    EMAIL_PATTERN,
    UUID_PATTERN,
    Email,
    url_pattern,
    uuid_pattern,
)
from support.format_examples import (
    BAD_DATE_TIMES,
    BAD_DATES,
    BAD_EMAILS,
    BAD_HTTP_URLS,
    BAD_URLS,
    BAD_UUIDS,
    RFC3339_DATE_TIMES,
    RFC3339_DATES,
    RFC3339_LEAP_SECONDS,
    RFC3696_EMAILS,
    RFC3986_URLS,
    RFC_UUIDS,
    RUST_PATTERNS,
    accepts,
    matches,
)

JAVA_CHECK = """
import java.nio.file.*;
import java.util.regex.*;

public class Check {
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] parts = line.split(" ", -1);
            out.append(Pattern.compile(units(parts[0])).matcher(units(parts[1])).find() ? '1' : '0');
        }
        System.out.print(out);
    }

    static String units(String hex) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 4) text.append((char) Integer.parseInt(hex.substring(i, i + 4), 16));
        return text.toString();
    }
}
"""
NODE_CHECK = "const pairs = require(process.argv[1]); " \
    "process.stdout.write(pairs.map(([p, s]) => (new RegExp(p).test(s) ? '1' : '0')).join(''));"


def utf16_hex(text: str) -> str:
    data = text.encode("utf-16-be", "surrogatepass")
    return data.hex() or ""


def corpus() -> tuple[list[str], list[str]]:
    patterns = [DATE_TIME_PATTERN, DATE_PATTERN, UUID_PATTERN, uuid_pattern(4), url_pattern(None),
                url_pattern(["http", "https"]), url_pattern(["ws", "file"])]  # fmt: skip
    patterns += [p for p in (portable_pattern(rust)[0] for rust in [EMAIL_PATTERN, *RUST_PATTERNS]) if p]
    strings = [*RFC3339_DATE_TIMES, *RFC3339_LEAP_SECONDS, *BAD_DATE_TIMES, *RFC3339_DATES, *BAD_DATES,
               *RFC_UUIDS, *BAD_UUIDS, *RFC3696_EMAILS, *BAD_EMAILS, *RFC3986_URLS, *BAD_HTTP_URLS, *BAD_URLS,
               "12", "١٢٣", "𝟘𝟙", "😀😀", "😀", "a😀b", "é", "É", "straße", "STRASSE", "ſ", "K", "abc", "ABBC",
               "a b", "a\u2028b", "x\u0085y", "\u00a0", "a.b@c", "foo123", "a\tb", "a\nb"]  # fmt: skip
    # A final line terminator is where the engines' $ differ (Java and Python accept it, ECMA and
    # Rust do not); those strings are checked separately.
    strings = [s for s in dict.fromkeys(strings) if not s.endswith(("\n", "\r", "\u0085", "\u2028", "\u2029"))]
    return patterns, strings


def test_patterns_mean_the_same_in_python_ecma_and_java(tmp_path: Path) -> None:
    node, java = shutil.which("node"), shutil.which("java")
    if node is None or java is None:
        pytest.skip("needs node (ECMA 262) and java (java.util.regex) on PATH")
    patterns, strings = corpus()
    pairs = [(p, s) for p in patterns for s in strings]
    python = [matches(p, s) for p, s in pairs]
    (tmp_path / "pairs.json").write_text(json.dumps(pairs))
    (tmp_path / "Check.java").write_text(JAVA_CHECK)
    (tmp_path / "pairs.txt").write_text("\n".join(f"{utf16_hex(p)} {utf16_hex(s)}" for p, s in pairs))
    ecma = subprocess.run([node, "-e", NODE_CHECK, str(tmp_path / "pairs.json")], capture_output=True, text=True, check=True)
    javas = subprocess.run([java, str(tmp_path / "Check.java"), str(tmp_path / "pairs.txt")],
                           capture_output=True, text=True, check=True)  # fmt: skip
    for (pattern, string), py, js, jv in zip(pairs, python, ecma.stdout, javas.stdout, strict=True):
        assert (jv == "1") == py, f"Java and Python differ on {pattern!r} / {string!r}"
        astral = any(ord(c) > 0xFFFF for c in string)
        # ECMA without the u flag sees an astral character as two units; it may then match more.
        assert (js == "1") == py or (astral and js == "1"), f"ECMA and Python differ on {pattern!r} / {string!r}"


def test_a_final_newline_is_refused_at_the_edge_and_by_the_model() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node (ECMA 262) on PATH")
    cases = [[DATE_TIME_PATTERN, "2023-01-01T23:00:00Z\n"], [portable_pattern(EMAIL_PATTERN)[0], "a@b.c\n"]]
    script = "process.stdout.write(JSON.parse(process.argv[1]).map(([p, s]) => new RegExp(p).test(s) ? '1' : '0').join(''))"
    result = subprocess.run([node, "-e", script, json.dumps(cases)], capture_output=True, text=True, check=True)
    assert result.stdout == "00"
    assert not accepts(datetime.datetime, "2023-01-01T23:00:00Z\n") and not accepts(Email, "a@b.c\n")
