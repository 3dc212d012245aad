"""A model's regex pattern, rewritten in the syntax Python `re`, ECMA 262 and `java.util.regex`
read alike, for the `pattern` keyword API Gateway's (Java-based) validator evaluates.

A Pydantic `pattern` is written for Rust's `regex` crate (Pydantic's default engine), whose
`\\d`, `\\w`, `.` and negated classes are Unicode-aware; `portable_pattern` re-emits it exact on
ASCII and widened to "any character" outside ASCII, where the engines disagree, and says what it
dropped. tests/engines/test_regex_engines.py checks the rewrites on all three engines.

Why CPython's private `re._parser`: rewriting needs the parsed structure of a pattern (classes,
groups, repeats, anchors), and the standard library's only reader of regex syntax is that
module. Its public alias `sre_parse` is the same code, deprecated since Python 3.11 (importing
it warns), and neither `re` nor the `regex` package exposes a parse tree; we know of no
maintained library that parses Python's (or Rust's) regex syntax into one. So the names used
are those of Python 3.11+ (`re._parser`, `re._constants`, `re._compiler`), the Python versions
the package declares, and the tests fail loudly if a new Python changes their shape.
Pure: standard library only.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

# CPython's own regex parser and compiler (Python 3.11+ names): see the module docstring.
import re._compiler as _sre_compile
import re._constants as _sre
import re._parser as _sre_parse

__all__ = ["portable_pattern"]


class _Unportable(Exception):
    pass


# Any single code point in all three engines: ECMA (no u flag) sees astral characters as
# surrogate pairs; Python and Java see them as one code point, which the negated class takes.
_PAIR = r"[\uD800-\uDBFF][\uDC00-\uDFFF]"
_NON_ASCII = r"[^\u0000-\u007F]"
_ASCII = frozenset(range(128))
# Rust's \s on ASCII is [\t\n\v\f\r ]; Python's adds \x1c-\x1f. The union keeps \s and \S wide.
_PY_ONLY_SPACE = frozenset(range(0x1C, 0x20))
_UNPORTABLE_TEXT = re.compile(r"\\[<>]|\\b\{|\{,")


def _escape(code: int) -> str:
    """One code point as a literal outside a class, in syntax all three engines read alike."""
    char = chr(code)
    if char.isascii() and (char.isalnum() or char in "_ "):
        return char
    if 0x21 <= code <= 0x7E:
        return "\\" + char  # a backslash before ASCII punctuation is a literal everywhere
    return f"\\u{code:04X}"


def _class_escape(code: int) -> str:
    char = chr(code)
    if 0x20 <= code <= 0x7E and char not in "\\]-[^&":  # & because Java reads && as intersection
        return char
    return _escape(code)


def _category(code: int) -> str:
    char = chr(code)
    if char.isdigit():
        return "digit"
    if char.isalpha():
        return "upper" if char.isupper() else "lower"
    return "punctuation" if 0x21 <= code <= 0x7E else "other"


def _ranges(codes: frozenset[int]) -> str:
    """The inside of a character class: runs of letters, digits or control codes as ranges."""
    ordered = sorted(codes)
    runs: list[list[int]] = []
    for code in ordered:
        if runs and runs[-1][-1] == code - 1 and _category(code) == _category(runs[-1][0]):
            runs[-1].append(code)
        else:
            runs.append([code])
    parts = []
    for run in runs:
        if len(run) >= (6 if _category(run[0]) == "punctuation" else 3):
            parts.append(f"{_class_escape(run[0])}-{_class_escape(run[-1])}")
        else:
            parts.extend(_class_escape(code) for code in run)
    return "".join(parts)


# Items the writer emits as one unit (a literal, a class or one group): quantifiable as they are.
_SINGLE_UNITS = (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN, _sre.SUBPATTERN, _sre.BRANCH)


class _PatternWriter:
    def __init__(self, engine: str) -> None:
        self.python_engine = engine == "python-re"
        self.dropped: list[str] = []

    def write(self, items: Any, flags: int, tail: bool) -> str:
        items = list(items)
        out = []
        for index, (op, av) in enumerate(items):
            out.append(self.item(op, av, flags, tail and index == len(items) - 1))
        return "".join(out)

    def item(self, op: Any, av: Any, flags: int, tail: bool) -> str:
        if op is _sre.LITERAL and not flags & _sre.SRE_FLAG_IGNORECASE and av >= 128:
            return _escape(av) if av <= 0xFFFF else f"(?:{chr(av)})"
        if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN):
            return self.atom(op, av, flags)
        if op is _sre.AT:
            return self.anchor(av, flags, tail)
        if op is _sre.BRANCH:
            return "(?:" + "|".join(self.write(alt, flags, tail) for alt in av[1]) + ")"
        if op is _sre.SUBPATTERN:
            _group, add, remove, body = av
            return "(?:" + self.write(body, (flags | add) & ~remove, tail) + ")"
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, high, body = av
            if op is _sre.POSSESSIVE_REPEAT:
                self.dropped.append("possessive quantifier (treated as greedy)")
            text = self.write(body, flags, False)
            body = list(body)
            single = len(body) == 1 and body[0][0] in _SINGLE_UNITS
            return (text if single else f"(?:{text})") + self.quantifier(low, high)
        if op is _sre.ATOMIC_GROUP:
            self.dropped.append("atomic group (treated as a plain group)")
            return "(?:" + self.write(av, flags, False) + ")"
        if op in (_sre.ASSERT, _sre.ASSERT_NOT):
            self.dropped.append("lookaround assertion")
            return ""
        if op is _sre.GROUPREF:
            self.dropped.append("backreference (any text accepted in its place)")
            return r"(?:[\s\S]*)"
        if op is _sre.GROUPREF_EXISTS:
            _group, yes, no = av
            self.dropped.append("conditional group (both branches accepted)")
            branches = [self.write(yes, flags, tail), self.write(no, flags, tail) if no else ""]
            return "(?:" + "|".join(branches) + ")"
        raise _Unportable(str(op))

    @staticmethod
    def quantifier(low: int, high: int) -> str:
        unbounded = high == _sre.MAXREPEAT
        if (low, unbounded) == (0, True):
            return "*"
        if (low, unbounded) == (1, True):
            return "+"
        if unbounded:
            return f"{{{low},}}"
        if (low, high) == (0, 1):
            return "?"
        return f"{{{low}}}" if low == high else f"{{{low},{high}}}"

    def anchor(self, kind: Any, flags: int, tail: bool) -> str:
        multiline = flags & _sre.SRE_FLAG_MULTILINE
        if kind is _sre.AT_BEGINNING_STRING or (kind is _sre.AT_BEGINNING and not multiline):
            return "^"
        if kind is _sre.AT_END_STRING:
            return "$"
        if kind is _sre.AT_END and not multiline:
            if not self.python_engine:
                return "$"
            # Python's $ also matches before a final newline; ECMA's does not.
            if tail:
                return r"\n?$"
            raise _Unportable("$ before the end of a python-re pattern")
        # Removing an assertion only widens what matches: multiline anchors and word boundaries
        # mean different things in the three engines.
        self.dropped.append("line anchor in multiline mode" if multiline else "word boundary")
        return ""

    def atom(self, op: Any, av: Any, flags: int) -> str:
        members, beyond_ascii = self.charset(op, av, flags)
        if not beyond_ascii:
            if not members:
                return r"[^\s\S]"
            if len(members) == 1:
                return _escape(next(iter(members)))
            return f"[{_ranges(members)}]"
        outside = _ASCII - members
        negated = f"[^{_ranges(outside)}]" if outside else r"[\s\S]"
        listed = f"[{_ranges(members)}]|{_NON_ASCII}" if members else _NON_ASCII
        return f"(?:{_PAIR}|{min(negated, listed, key=len)})"

    @staticmethod
    def charset(op: Any, av: Any, flags: int) -> tuple[frozenset[int], bool]:
        """ASCII members exactly (as Python and Rust agree on ASCII), and whether non-ASCII may match."""
        state = _sre_parse.State()
        state.flags = flags
        compiled = _sre_compile.compile(_sre_parse.SubPattern(state, [(op, av)]), flags)
        members = {code for code in range(128) if compiled.fullmatch(chr(code))}
        folding = flags & _sre.SRE_FLAG_IGNORECASE and any(chr(c).isalpha() for c in members)
        if op is _sre.LITERAL:
            return frozenset(members), bool(folding) or av >= 128
        if op is _sre.NOT_LITERAL or op is _sre.ANY:
            return frozenset(members), True
        items = list(av)
        negated = any(kind is _sre.NEGATE for kind, _ in items)
        categories = {value for kind, value in items if kind is _sre.CATEGORY}
        if categories & {_sre.CATEGORY_NOT_SPACE} or (negated and _sre.CATEGORY_SPACE in categories):
            members |= _PY_ONLY_SPACE
        wide = (
            negated
            or bool(categories)
            or folding
            or any(kind is _sre.LITERAL and value >= 128 for kind, value in items)
            or any(kind is _sre.RANGE and value[1] >= 128 for kind, value in items)
        )
        return frozenset(members), bool(wide)


def portable_pattern(pattern: str, engine: str = "rust-regex") -> tuple[str | None, list[str]]:
    """``pattern`` in syntax that Python re, ECMA 262 and Java read alike, matching at least as much.

    Returns the portable pattern (None if none could be written: the edge then checks no
    pattern) and what was dropped on the way (each only widens what matches).
    """
    if _UNPORTABLE_TEXT.search(pattern):
        return None, ["uses Rust-only syntax"]
    try:
        with warnings.catch_warnings():
            # Python warns where Rust reads nested classes and class set operations.
            warnings.simplefilter("error", FutureWarning)
            parsed = _sre_parse.parse(pattern, 0)
    except (re.error, FutureWarning) as error:
        return None, [f"syntax the portable subset cannot express ({error})"]
    flags = parsed.state.flags
    if flags & _sre.SRE_FLAG_VERBOSE and engine != "python-re":
        return None, ["verbose mode (Rust also ignores spaces inside classes)"]
    writer = _PatternWriter(engine)
    try:
        text = writer.write(parsed, flags, True)
    except _Unportable as error:
        return None, [f"syntax the portable subset cannot express ({error})"]
    return text, writer.dropped
