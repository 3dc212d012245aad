"""The committed module's examples (`examples/terraform/*`) as users run them: each is a root
module that validates offline next to the module, `complete` sets every variable and every
attribute of the object variables to values the module's validation blocks accept (planned
with a mocked provider), and every `ref=` users copy names the release the package is."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.module_readme import REPOSITORY, module_version
from support.terraform import init, validate
from support.tfplan_cases import plan_cases

ROOT = Path(__file__).resolve().parents[2]
MODULE_DIR = ROOT / "modules" / "webhook-ingest"
EXAMPLES_DIR = ROOT / "examples" / "terraform"
EXAMPLES = ("minimal", "complete", "for_each")
SOURCE = "../../../modules/webhook-ingest"

# The complete example's module arguments, as a tfvars file would hold them; the test below
# asserts that examples/terraform/complete/main.tf holds exactly these.
COMPLETE: dict[str, Any] = {
    "name_prefix": "acme-webhooks-prod",
    "tags": {"team": "payments", "environment": "production"},
    "throttle_rate_limit": 50,
    "throttle_burst_limit": 100,
    "access_log_retention_days": 365,
    "allowed_source_ips": [
        "192.30.252.0/22",
        "185.199.108.0/22",
        "140.82.112.0/20",
        "143.55.64.0/20",
        "3.18.12.63/32",
        "3.130.192.231/32",
    ],
    "api_key_required": True,
    "manage_account_logging_role": False,
    "tracing": True,
    "web_acl_arn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/hooks/abcd1234",
    "queue_encryption": "kms",
    "queue_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "log_encryption": "kms",
    "log_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/5678abcd-56ef-78ab-90cd-5678901234cd",
    "kms_deletion_window_days": 14,
    "sources": {
        "github": {
            "max_receive_count": 3,
            "retention_seconds": 604800,
            "dlq_retention_seconds": 1036800,
            "visibility_timeout_seconds": 180,
            "throttle_rate_limit": 500,
            "throttle_burst_limit": 1000,
            "rejected_retention_seconds": 604800,
            "batch_size": 5,
            "batch_window_seconds": 30,
            "log_retention_days": 90,
            "secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:github-AbCdEf",
            "secret_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/9abcdef0-9abc-def0-1234-9abcdef01234",
        },
        "stripe": {
            "max_receive_count": 4,
            "retention_seconds": 259200,
            "dlq_retention_seconds": 864000,
            "visibility_timeout_seconds": 120,
            "throttle_rate_limit": 50,
            "throttle_burst_limit": 150,
            "rejected_retention_seconds": 864000,
            "batch_size": 2,
            "batch_window_seconds": 10,
            "log_retention_days": 14,
            "secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stripe-GhIjKl",
            "secret_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/9abcdef0-9abc-def0-1234-9abcdef01234",
        },
    },
    "alarms": {
        "actions": ["arn:aws:sns:eu-west-1:123456789012:ops-alerts"],
        "dlq_messages_threshold": 5,
        "oldest_message_age_seconds": 600,
        "rejections_threshold": 10,
        "failed_executions_threshold": 3,
        "timed_out_executions_threshold": 2,
        "pipe_failures_threshold": 2,
        "api_5xx_threshold": 5,
        "period_seconds": 60,
        "evaluation_periods": 5,
    },
}


# --- a reader for the little HCL the examples' module arguments and the type strings use ----

_TOKEN = re.compile(
    r"""\s*(?:(?P<comment>\#[^\n]*|//[^\n]*)|(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)"""
    r"""|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<punct>\S))""",
    re.S,
)


def tokens(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind and kind != "comment":
            found.append((kind, match.group(kind)))
    return found


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens = tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r} at token {self.at}")
        self.at += 1
        return token

    # Literal values: strings, numbers, bools, null, lists, objects (no expressions).
    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return json.loads(text)
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "name" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if text == "[":
            items = []
            while self.peek()[1] != "]":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take()
            self.take("]")
            return items
        if text == "{":
            return self.body("}")
        raise ValueError(f"not a literal: {text!r} at token {self.at - 1}")

    def body(self, end: str) -> dict[str, Any]:
        """`key = value` pairs up to `end` (consumed), separated by newlines or commas."""
        result: dict[str, Any] = {}
        while self.peek()[1] != end:
            kind, key = self.take()
            if kind == "string":
                key = json.loads(key)
            self.take("=")
            result[key] = self.value()
            if self.peek()[1] == ",":
                self.take()
        self.take(end)
        return result

    # Type constraints: an object type is {attribute: (its type, its default)}, others None.
    def type(self) -> dict[str, tuple[Any, Any]] | None:
        _, name = self.take()
        if name == "object":
            self.take("(")
            self.take("{")
            attributes: dict[str, tuple[Any, Any]] = {}
            while self.peek()[1] != "}":
                _, attribute = self.take()
                self.take("=")
                if self.peek()[1] == "optional":
                    self.take()
                    self.take("(")
                    inner = self.type()
                    default = None
                    if self.peek()[1] == ",":
                        self.take()
                        default = self.value()
                    self.take(")")
                else:
                    inner, default = self.type(), None
                attributes[attribute] = (inner, default)
                if self.peek()[1] == ",":
                    self.take()
            self.take("}")
            self.take(")")
            return attributes
        if self.peek()[1] == "(":  # list(...), map(...), set(...)
            self.take("(")
            self.type()
            self.take(")")
        return None


def module_arguments(main_tf: Path, label: str = "webhooks") -> dict[str, Any]:
    """The arguments of `module "<label>" { ... }` in a file whose arguments are all literals."""
    text = main_tf.read_text()
    start = re.search(r'^module\s+"' + re.escape(label) + r'"\s*\{', text, re.M)
    assert start, f"no module {label!r} block in {main_tf}"
    reader = _Reader(text[start.end() :])
    return reader.body("}")


def module_variables() -> dict[str, Any]:
    return json.loads((MODULE_DIR / "variables.tf.json").read_text())["variable"]


def object_type(type_text: str) -> dict[str, tuple[Any, Any]] | None:
    reader = _Reader(type_text)
    parsed = reader.type()
    assert reader.peek()[0] == "end", type_text
    return parsed


def missing_or_default(
    attributes: dict[str, tuple[Any, Any]], values: dict[str, Any], path: str
) -> tuple[list[str], list[str]]:
    """Attribute paths the values leave out, and those set to the attribute's default."""
    missing: list[str] = []
    defaults: list[str] = []
    for name, (inner, default) in attributes.items():
        where = f"{path}.{name}"
        if name not in values:
            missing.append(where)
        elif inner is not None:
            more_missing, more_defaults = missing_or_default(inner, values[name], where)
            missing += more_missing
            defaults += more_defaults
        elif values[name] == default:
            defaults.append(where)
    return missing, defaults


# --- offline init + validate of each example, next to the module ----------------------------


def layout(tmp_path: Path, example: str) -> Path:
    """The repository's layout around copies: <tmp>/examples/terraform/<x>, <tmp>/modules/..."""
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*")
    shutil.copytree(MODULE_DIR, tmp_path / "modules" / "webhook-ingest", ignore=ignore)
    copy = tmp_path / "examples" / "terraform" / example
    shutil.copytree(EXAMPLES_DIR / example, copy, ignore=ignore)
    return copy


def test_the_examples_are_the_expected_ones() -> None:
    assert sorted(p.name for p in EXAMPLES_DIR.iterdir() if p.is_dir()) == sorted(EXAMPLES)
    for example in EXAMPLES:
        assert (EXAMPLES_DIR / example / "main.tf").is_file(), example
        assert (EXAMPLES_DIR / example / "README.md").is_file(), example
    assert not (ROOT / "examples" / "terraform-consumer").exists()


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_validates_offline(example: str, tmp_path: Path) -> None:
    root = layout(tmp_path, example)
    text = "\n".join(p.read_text() for p in sorted(root.glob("*.tf")))
    assert f'source = "{SOURCE}"' in re.sub(r"\s+=\s+", " = ", text)
    assert 'provider "aws"' in text and "region = var.region" in re.sub(r"\s+=\s+", " = ", text)
    init(root, backend=False)
    assert validate(root) == []


def test_each_example_readme_says_how_to_run_it_and_source_it_from_git() -> None:
    line = f'source = "git::https://{REPOSITORY}.git//modules/webhook-ingest?ref={module_version()}"'
    for example in EXAMPLES:
        readme = (EXAMPLES_DIR / example / "README.md").read_text()
        assert "terraform init && terraform apply" in readme, example
        assert line in re.sub(r"source\s+=", "source =", readme), example


# --- the complete example sets everything, to values the module accepts -------------------


def test_complete_sets_every_variable_and_every_attribute_to_a_non_default() -> None:
    arguments = module_arguments(EXAMPLES_DIR / "complete" / "main.tf")
    assert arguments.pop("source") == SOURCE
    missing: list[str] = []
    defaults: list[str] = []
    for name, variable in module_variables().items():
        if name not in arguments:
            missing.append(name)
            continue
        attributes = object_type(variable["type"])
        if attributes is not None:
            more_missing, more_defaults = missing_or_default(attributes, arguments[name], name)
            missing += more_missing
            defaults += more_defaults
        elif "default" in variable and arguments[name] == variable["default"]:
            defaults.append(name)
    assert missing == [], "the complete example leaves these at their defaults by omission"
    assert defaults == [], "the complete example sets these to their defaults"
    assert set(arguments) <= set(module_variables()), "arguments the module does not declare"


def test_complete_holds_the_values_the_plan_test_checks() -> None:
    arguments = module_arguments(EXAMPLES_DIR / "complete" / "main.tf")
    assert arguments.pop("source") == SOURCE
    assert arguments == COMPLETE


def test_the_object_types_are_read_in_full() -> None:
    """The reader above sees every attribute the type strings declare (guards the guard)."""
    variables = module_variables()
    sources = object_type(variables["sources"]["type"])
    alarms = object_type(variables["alarms"]["type"])
    assert sources is not None and alarms is not None
    assert sorted(sources) == ["github", "stripe"]
    for source in ("github", "stripe"):
        attributes = sources[source][0]
        assert len(attributes) == 12
        assert attributes["max_receive_count"][1] == 5 and attributes["secret_arn"][1] is None
    assert len(alarms) == 10 and alarms["period_seconds"][1] == 300


def test_the_examples_values_pass_the_modules_validations(tmp_path: Path) -> None:
    """Planned by Terraform with a mocked AWS provider: every validation block and condition of
    the module runs; the for_each example's two instances and the minimal one as well."""
    verdicts = plan_cases(
        MODULE_DIR,
        {
            "complete": COMPLETE,
            "minimal": {"name_prefix": "acme-webhooks"},
            "for_each blue": {"name_prefix": "acme-webhooks-blue", "tags": {"colour": "blue"}},
            "for_each green": {
                "name_prefix": "acme-webhooks-green",
                "tags": {"colour": "green"},
                "manage_account_logging_role": False,
            },
        },
        work=tmp_path / "plan",
    )
    assert {case: verdict.messages for case, verdict in verdicts.items() if not verdict.accepted} == {}
    assert all(verdict.accepted for verdict in verdicts.values())


# --- versions: every ref= users copy, and the CHANGELOG, name the package's version ---------


def test_every_ref_names_the_package_version() -> None:
    readmes = [
        ROOT / "README.md",
        *sorted((ROOT / "modules").glob("*/README.md")),
        *sorted(EXAMPLES_DIR.glob("*/README.md")),
    ]
    refs = {
        str(path.relative_to(ROOT)): re.findall(r"[?&]ref=([^\s\"'`)&]+)", path.read_text())
        for path in readmes
        if path.is_file()
    }
    assert all(refs[f"examples/terraform/{example}/README.md"] for example in EXAMPLES)
    wrong = {path: found for path, found in refs.items() if any(ref != module_version() for ref in found)}
    assert wrong == {}, f"ref= other than {module_version()}"


def test_the_changelogs_newest_entry_is_the_package_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    entries = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.M)
    assert entries and entries[0] == version
    assert module_version() == f"v{version}"
