"""support.tfplan_cases asks Terraform 1.11 (mocked AWS provider, offline) which inputs a module
accepts and with which messages it refuses the others: on a small module written here with the
kinds of rule our module uses (a range, a cross-variable rule, a regex, a rule over every entry
of a map of objects with optional attributes, a resource precondition using a data source).
Terraform itself is the oracle here: nothing is stubbed but the AWS provider's answers."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from support.terraform import TerraformError
from support.tfplan_cases import Verdict, hcl_literal, plan_cases

MODULE = r"""
terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100.0" }
  }
}

variable "max_receive_count" {
  type    = number
  default = 5
  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 10
    error_message = "max_receive_count=${var.max_receive_count} is out of range: use 1 to 10"
  }
}

variable "fifo" {
  type    = bool
  default = false
}

variable "dedup_header" {
  type    = string
  default = null
  validation {
    condition     = !var.fifo || var.dedup_header != null
    error_message = "queue is FIFO but dedup_header is unset: set it, or fifo=false"
  }
}

variable "name" {
  type    = string
  default = "orders"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,69}$", var.name))
    error_message = "name ${jsonencode(var.name)}: use 1 to 70 lower-case letters, digits and -, starting with a letter"
  }
}

variable "sources" {
  type = map(object({
    path   = string
    weight = optional(number, 1)
  }))
  default = {}
  validation {
    condition     = alltrue([for source in values(var.sources) : startswith(source.path, "/") && source.weight >= 1 && source.weight <= 100])
    error_message = "sources: every path starts with / and every weight is 1 to 100"
  }
}

# No rule of ours: the provider's own argument check (0 to 900) is the only one.
variable "delay_seconds" {
  type    = number
  default = 0
}

# Any value; refused with the value's JSON, base64-encoded, as its message: the test reads back
# what Terraform received.
variable "echo" {
  type    = any
  default = null
  validation {
    condition     = var.echo == null
    error_message = "echo:${base64encode(jsonencode(var.echo))}"
  }
}

data "aws_region" "current" {}

locals {
  queue_name = "${var.name}-${data.aws_region.current.name}${var.fifo ? ".fifo" : ""}"
}

resource "aws_sqs_queue" "queue" {
  name                        = local.queue_name
  fifo_queue                  = var.fifo
  max_message_size            = 262144
  delay_seconds               = var.delay_seconds
  content_based_deduplication = false
  lifecycle {
    precondition {
      condition     = length(local.queue_name) <= 80
      error_message = "queue name ${local.queue_name} has ${length(local.queue_name)} characters: SQS allows 80, shorten name"
    }
  }
}

# The mocked policy document must be JSON, or the provider refuses the queue policy.
data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = ["*"]
  }
}

resource "aws_sqs_queue_policy" "queue" {
  queue_url = aws_sqs_queue.queue.url
  policy    = data.aws_iam_policy_document.queue.json
}

check "receives" {
  assert {
    condition     = var.max_receive_count != 9
    error_message = "9 receives is unusual"
  }
}
"""

LONG = "a" * 70
# case -> (variables, the author's messages when refused, or None when accepted)
CASES: dict[str, tuple[dict[str, Any], tuple[str, ...] | None]] = {
    "defaults": ({}, None),
    "fewest receives": ({"max_receive_count": 1}, None),
    "most receives": ({"max_receive_count": 10}, None),
    "fifo with a dedup header": ({"fifo": True, "dedup_header": "X-Id"}, None),
    "sources, one weight left to its default": ({"sources": {"a": {"path": "/a"}, "b": {"path": "/b", "weight": 100}}}, None),
    "longest name, standard queue": ({"name": LONG}, None),
    "no receives": ({"max_receive_count": 0}, ("max_receive_count=0 is out of range: use 1 to 10",)),
    "too many receives": ({"max_receive_count": 11}, ("max_receive_count=11 is out of range: use 1 to 10",)),
    "fifo without a dedup header": ({"fifo": True}, ("queue is FIFO but dedup_header is unset: set it, or fifo=false",)),
    "upper-case name": (
        {"name": "Orders"},
        ('name "Orders": use 1 to 70 lower-case letters, digits and -, starting with a letter',),
    ),
    "relative source path": ({"sources": {"a": {"path": "a"}}}, ("sources: every path starts with / and every weight is 1 to 100",)),
    "zero source weight": (
        {"sources": {"a": {"path": "/a"}, "b": {"path": "/b", "weight": 0}}},
        ("sources: every path starts with / and every weight is 1 to 100",),
    ),
    "longest name, fifo queue": (
        {"name": LONG, "fifo": True, "dedup_header": "X-Id"},
        (f"queue name {LONG}-us-east-1.fifo has 85 characters: SQS allows 80, shorten name",),
    ),
    "two rules at once": (
        {"max_receive_count": 0, "name": "X"},
        (
            "max_receive_count=0 is out of range: use 1 to 10",
            'name "X": use 1 to 70 lower-case letters, digits and -, starting with a letter',
        ),
    ),
}


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("module")
    (folder / "main.tf").write_text(MODULE)
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One harness directory for the whole file: init once."""
    return tmp_path_factory.mktemp("work")


# Any values, echoed back by the module's `echo` rule.
ECHOED: dict[str, Any] = {
    "template sequences": "${var.name} %{ if true }x%{ endif } $${ %%{",
    "quotes and escapes": 'say "hi"\\n \\ \n\t\r end\x01\x7f',
    "unicode": "naïve – 日本 🚀",
    "numbers": [0, -7, 2**70, 1.5, -0.25, 1e-5],
    "nesting": {"a b": [True, False, None], "${k}": {"x.y": "z"}, "": []},
    "empty": {},
}
# The fixed cost of a call is ~2 s, a case ~10 ms: one call plans every case it can.
OTHERS: dict[str, dict[str, Any]] = {
    "words for a number": {"max_receive_count": "many"},
    "nine receives": {"max_receive_count": 9},
    **{f"echo {name}": {"echo": value} for name, value in ECHOED.items()},
}


@pytest.fixture(scope="module")
def verdicts(module: Path, work: Path) -> dict[str, Verdict]:
    return plan_cases(module, {**{name: variables for name, (variables, _) in CASES.items()}, **OTHERS}, work=work)


def test_good_values_are_accepted(verdicts: dict[str, Verdict]) -> None:
    accepted = [name for name, (_, expected) in CASES.items() if expected is None]
    assert {name: verdicts[name] for name in accepted} == {name: Verdict(accepted=True) for name in accepted}


@pytest.mark.parametrize("name", [name for name, (_, expected) in CASES.items() if expected is not None])
def test_each_bad_value_is_refused_with_exactly_its_message(verdicts: dict[str, Verdict], name: str) -> None:
    verdict = verdicts[name]
    assert not verdict.accepted
    assert verdict.error_messages == CASES[name][1]
    # The full messages keep Terraform's summary (and where a validation rule is).
    assert len(verdict.messages) == len(verdict.error_messages)
    for message, authored in zip(verdict.messages, verdict.error_messages, strict=True):
        assert message.startswith(("Invalid value for variable: ", "Resource precondition failed: "))
        assert authored in message


def test_verdicts_do_not_depend_on_the_order_or_company_of_cases(
    module: Path, work: Path, verdicts: dict[str, Verdict]
) -> None:
    names = ["fifo without a dedup header", "defaults", "longest name, fifo queue", "fewest receives", "upper-case name"]
    again = plan_cases(module, {name: CASES[name][0] for name in reversed(names)}, work=work)
    assert list(again) == list(reversed(names))
    assert again == {name: verdicts[name] for name in names}


def test_base_is_under_every_case(module: Path, work: Path) -> None:
    found = plan_cases(
        module,
        {"base alone": {}, "case overrides base": {"dedup_header": "X-Id"}},
        work=work,
        base={"fifo": True},
    )
    assert found["base alone"].error_messages == ("queue is FIFO but dedup_header is unset: set it, or fifo=false",)
    assert found["case overrides base"].accepted


def test_a_type_error_is_a_refusal_without_an_author_message(verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts["words for a number"]
    assert not verdict.accepted
    assert verdict.error_messages == ()
    (message,) = verdict.messages
    assert message.startswith("Invalid value for input variable: ") and "a number is required" in message


def test_values_reach_terraform_exactly_as_written(verdicts: dict[str, Verdict]) -> None:
    for name, value in ECHOED.items():
        (message,) = verdicts[f"echo {name}"].error_messages
        assert message.startswith("echo:")
        assert json.loads(base64.b64decode(message.removeprefix("echo:"))) == value, name


def test_hcl_literals() -> None:
    assert hcl_literal({"a": [1, True, None], "b c": "x"}) == '{"a" = [1, true, null], "b c" = "x"}'
    assert hcl_literal('${a} %{b} "c"\\') == r'"$${a} %%{b} \"c\"\\"'
    assert hcl_literal("\n\x00") == r'"\n\u0000"'
    with pytest.raises(ValueError):
        hcl_literal(float("nan"))
    with pytest.raises(TypeError):
        hcl_literal({1: "x"})
    with pytest.raises(TypeError):
        hcl_literal({"x"})


def test_a_failed_check_block_does_not_refuse_the_plan(verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts["nine receives"]
    assert verdict.accepted and verdict.messages == ()
    assert verdict.warnings == ("Check block assertion failed: 9 receives is unusual",)


def test_a_plan_error_that_is_not_a_rule_raises_unless_allowed(module: Path, work: Path) -> None:
    cases = {"long delay": {"delay_seconds": 1000}, "fine": {}}
    with pytest.raises(TerraformError, match=r"(?s)'long delay': the plan failed, and not by a rule.*delay_seconds"):
        plan_cases(module, cases, work=work)
    found = plan_cases(module, cases, work=work, strict=False)
    assert found["fine"].accepted
    assert not found["long delay"].accepted and found["long delay"].error_messages == ()
    assert found["long delay"].messages == ("expected delay_seconds to be in the range (0 - 900), got 1000",)


def test_an_undeclared_variable_raises(module: Path, work: Path) -> None:
    with pytest.raises(TerraformError, match="'typo' sets a variable the module does not declare"):
        plan_cases(module, {"typo": {"max_recieve_count": 0}}, work=work)


def test_a_module_that_does_not_parse_raises(module: Path, work: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text(MODULE + '\nresource "aws_sqs_queue" "unclosed" {\n')
    # `work` is initialized already: the error comes from `terraform test` itself.
    with pytest.raises(TerraformError, match="errors outside the cases' plans(.|\n)*Unclosed configuration block"):
        plan_cases(broken, {"defaults": {}}, work=work)
    # and from init, in a fresh directory
    with pytest.raises(TerraformError, match="Unclosed configuration block"):
        plan_cases(broken, {"defaults": {}}, work=tmp_path / "fresh")


def test_the_shared_provider_changes_no_verdict(module: Path, work: Path, verdicts: dict[str, Verdict]) -> None:
    names = ["defaults", "fifo without a dedup header", "longest name, fifo queue", "two rules at once"]
    own = plan_cases(module, {name: CASES[name][0] for name in names}, work=work, reuse_provider=False)
    assert own == {name: verdicts[name] for name in names}
