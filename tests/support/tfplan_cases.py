"""Ask Terraform itself whether a module accepts or refuses input values, many cases at once.

    verdicts = plan_cases(module_dir, {"too many": {"max_receive_count": 0},
                                       "default": {}}, work=tmp_path / "plan")
    verdicts["default"].accepted                      # True
    verdicts["too many"].error_messages               # ("max_receive_count=0 is ...",)

Each case is planned by `terraform test` (Terraform >= 1.7) against a copy of the module in
`work`, with `mock_provider "aws"`: no AWS, no LocalStack, no credentials. A case is one
`<case dir>/case_NNNN.tftest.hcl` holding one `run { command = plan; variables {...} }`, so the
module is the root module of each plan and its variables are set exactly as written.

Why one file per case: within a file, a run that errors makes Terraform 1.11 skip every later
run of that file ("skip"); files are independent, and one `terraform test` process runs them
all. Why not one plan of a wrapper root module calling the module once per case (measured with
1.11.4): a validation failure in one module call ended the plan before the other calls'
preconditions and cross-variable rules were evaluated, and a cross-variable rule failing in a
child module is reported with an empty range and no address, so it cannot be told apart from
another case's.

Why it is fast: a `terraform test` run starts the AWS provider twice (schema, then plan), and
the 700 MB provider binary takes ~0.2 s to start: 0.7 s a case, 21 s for 30. Here the provider
is started once, in its debug mode (`terraform-provider-aws -debug`), and Terraform attaches to
it through TF_REATTACH_PROVIDERS, the mechanism Terraform documents for debugging providers. A
call then costs ~2 s (Terraform loading the provider's schema) plus ~10 ms a case: 1 case 2.1 s,
30 cases 2.4 s, 100 cases 3.0 s; the first call in a `work` directory adds ~1 s of `init` (2
CPUs, Terraform 1.11.4, provider 5.100.0). So plan many cases per call. The verdicts are the
same either way (tests/engines/test_tfplan_cases_harness.py compares them); `reuse_provider=False`
turns the attachment off.

What Terraform 1.11 reports, in `terraform test -json` lines, for a run that fails: first the
run's `{"type": "test_run", "@testrun": <run>, "test_run": {"progress": "complete", "status":
"error"}}`, then one `{"type": "diagnostic", "@testrun": <run>, "diagnostic": {...}}` per error:

    validation rule      summary "Invalid value for variable",
                         detail  "<error_message>\\n\\nThis was checked by the validation rule
                                  at main.tf:10,3-13."  (also for a cross-variable rule)
    type constraint      summary "Invalid value for input variable",
                         detail  "The given value is not suitable for var.x declared at ...:
                                  a number is required."
    required variable    summary "No value for required variable"
    precondition         summary "Resource precondition failed", detail "<error_message>"
    postcondition        summary "Resource postcondition failed", detail "<error_message>"
    output precondition  summary "Module output value precondition failed", detail as above
    check block          summary "Check block assertion failed": an error under
                         `terraform test`, only a warning in a real plan (see below)

`error_message` may interpolate the values it checks (and, since Terraform 1.9, a validation
rule may refer to other variables: both are exercised by the test). The JSON detail is not
wrapped; messages are still whitespace-normalized here, so a multi-line `error_message`
compares equal to its one-line Python counterpart.

What counts as refused: the plan of that case failed, i.e. its run completed with status
"error" and error diagnostics attached to that run. Errors of the whole command (the module
does not parse, init is stale, a case file does not parse) are attached to no run: they raise
TerraformError, as does a run that never completed, was skipped or reported "fail". With
`strict=True` (the default) a refusal must come from the rules above; any other plan error
(the provider refusing an argument, e.g. "expected delay_seconds to be in the range (0 - 900)",
a function failing on an input the rules let through) raises, naming the case, so a module bug
is never mistaken for a rule. A case that sets a variable the module does not declare raises
too (Terraform only warns, and would plan the defaults). Check block failures do not refuse,
as in a real plan: the case is accepted and their messages are in `warnings`.

Mocked data sources return generated strings ("r1wop0b0" for a region, and a policy document's
`json` that the provider then refuses as a queue policy); `DEFAULT_MOCKS` gives the common AWS
ones realistic values (region us-east-1, account 123456789012, partition aws, an empty policy
document) so names and ARNs built from them, and JSON-checked arguments, plan. Pass
`mocks=` (the body of the `mock_provider "aws"` block) to add others. Mocked resources'
computed attributes (ARNs, URLs) are unknown during plan, as with the real provider.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.terraform import DEFAULT_TIMEOUT, TerraformError, environment, init, provider_binary, provider_server

CASE_DIR = "tfplan_cases"  # the `-test-directory` of the working copy, holding one file per case
COPY_DIR = "module"  # the working copy of the module, inside `work`

# Error summaries that mean "Terraform refused these input values": a rule of the module or the
# type of one of its variables.
REFUSALS = frozenset(
    {
        "Invalid value for variable",
        "Invalid value for input variable",
        "No value for required variable",
        "Resource precondition failed",
        "Resource postcondition failed",
        "Module output value precondition failed",
    }
)
# Refusals whose detail begins with the module author's error_message.
AUTHORED = REFUSALS - {"Invalid value for input variable", "No value for required variable"}
CHECK_FAILED = "Check block assertion failed"
UNDECLARED = "Value for undeclared variable"
_CHECKED_BY = re.compile(r"\s*This was checked by the validation rule at \S+\.\s*$")

DEFAULT_MOCKS = """\
mock_data "aws_region" {
  defaults = {
    name        = "us-east-1"
    id          = "us-east-1"
    endpoint    = "ec2.us-east-1.amazonaws.com"
    description = "US East (N. Virginia)"
  }
}
mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    id         = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/plan-cases"
    user_id    = "AIDAPLANCASES"
  }
}
mock_data "aws_partition" {
  defaults = {
    partition          = "aws"
    id                 = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
  }
}
mock_data "aws_iam_policy_document" {
  defaults = {
    json          = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}"
    minified_json = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}"
  }
}
"""


@dataclass(frozen=True)
class Verdict:
    """What Terraform made of one case."""

    accepted: bool  # the plan succeeded
    # "<summary>: <detail>" of each error of the failed plan, whitespace-normalized, sorted;
    # empty when accepted.
    messages: tuple[str, ...] = ()
    # Just the author's error_message of each failed validation rule or condition, sorted:
    # what a Python props rule's message should equal.
    error_messages: tuple[str, ...] = ()
    # Warnings of the plan, check block failures included, as "<summary>: <detail>".
    warnings: tuple[str, ...] = ()


# --- HCL literals ------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def normalize(text: str) -> str:
    """Whitespace runs as single spaces, no leading or trailing space."""
    return " ".join(text.split())


def hcl_string(text: str) -> str:
    """A quoted HCL string whose value is exactly `text`: escapes for quotes, backslashes and
    control characters, and `${` / `%{` doubled so they are not template sequences."""
    out = []
    for char in text:
        if char in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_literal(value: Any) -> str:
    """An HCL expression for a Python value: str, int, float, bool, None, a list or tuple, or a
    mapping with string keys (written as an object with quoted keys)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no HCL literal")
        return repr(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hcl_literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {key!r}")
            items.append(f"{hcl_string(key)} = {hcl_literal(item)}")
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"no HCL literal for {type(value).__name__}: {value!r}")


def case_file(run: str, variables: Mapping[str, Any], mocks: str) -> str:
    """The .tftest.hcl text of one case: the mocked provider and one plan with `variables`."""
    lines = []
    for name, value in variables.items():
        if not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a Terraform variable name")
        lines.append(f"    {name} = {hcl_literal(value)}\n")
    body = "".join("  " + line if line.strip() else line for line in mocks.splitlines(keepends=True))
    return (
        f'mock_provider "aws" {{\n{body}}}\n\n'
        f'run "{run}" {{\n  command = plan\n\n  variables {{\n{"".join(lines)}  }}\n}}\n'
    )


# --- the working copy, the provider, the run ----------------------------------------------


def _prepare(module_dir: Path, root: Path) -> None:
    """`root` as a fresh copy of the module, keeping a previous init (.terraform, lock file).
    The module's own tests, tfvars (terraform test would read them) and state are left out."""
    keep = {".terraform", ".terraform.lock.hcl"}
    if root.exists():
        for entry in root.iterdir():
            if entry.name in keep:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    ignore = shutil.ignore_patterns(
        *keep, "*.tftest.hcl", "*.tftest.json", "*.tfvars", "*.tfvars.json", "*.tfstate", "*.tfstate.*"
    )
    shutil.copytree(module_dir, root, ignore=ignore, dirs_exist_ok=True)


def _terraform_test(root: Path, reattach: str | None, timeout: float) -> tuple[int, str]:
    """`terraform test` over the case files, in support.terraform's environment (plus the
    provider to attach to); returns its exit code and its output (JSON lines)."""
    env = environment()
    if reattach:
        env["TF_REATTACH_PROVIDERS"] = reattach
    command = ("terraform", "test", f"-test-directory={CASE_DIR}", "-json", "-no-color")
    try:
        result = subprocess.run(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise TerraformError(f"`{' '.join(command)}` in {root} did not finish in {timeout:.0f}s") from None
    return result.returncode, result.stdout


# --- reading the JSON stream --------------------------------------------------------------


def _message(diagnostic: Mapping[str, Any]) -> str:
    summary, detail = diagnostic.get("summary", ""), diagnostic.get("detail", "")
    return normalize(f"{summary}: {detail}" if detail else summary)


def _authored(diagnostic: Mapping[str, Any]) -> str:
    return normalize(_CHECKED_BY.sub("", diagnostic.get("detail", "")))


def _describe(diagnostics: Iterable[Mapping[str, Any]]) -> str:
    lines = []
    for diagnostic in diagnostics:
        span = diagnostic.get("range") or {}
        where = diagnostic.get("address") or f"{span.get('filename', '')}:{span.get('start', {}).get('line', '')}"
        lines.append(f"  {diagnostic.get('severity')}: {_message(diagnostic)} ({where})")
    return "\n".join(lines)


def read_stream(output: str, runs: Mapping[str, str], *, strict: bool = True) -> dict[str, Verdict]:
    """The verdict of each run in a `terraform test -json` output; `runs` maps run names to
    case names. Raises TerraformError when the output does not answer for every run."""
    statuses: dict[str, str] = {}
    attached: dict[str, list[dict[str, Any]]] = {run: [] for run in runs}
    unattached: list[dict[str, Any]] = []
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        run = event.get("@testrun")
        if event.get("type") == "test_run":
            progress = event.get("test_run", {})
            if progress.get("progress") == "complete" and run in attached:
                statuses[run] = progress.get("status", "")
        elif event.get("type") == "diagnostic":
            if run in attached:
                attached[run].append(event["diagnostic"])
            else:
                unattached.append(event["diagnostic"])

    def fail(why: str) -> TerraformError:
        return TerraformError(f"terraform test: {why}\n{_describe(unattached)}\n{output[-3000:]}")

    if any(d.get("severity") == "error" for d in unattached):
        raise fail("errors outside the cases' plans (the module or a case file is invalid):")
    missing = sorted(runs[run] for run in runs if run not in statuses)
    if missing:
        raise fail(f"no verdict for {missing}:")

    verdicts: dict[str, Verdict] = {}
    problems: list[str] = []
    for run, case in runs.items():
        status, diagnostics = statuses[run], attached[run]
        errors = [d for d in diagnostics if d.get("severity") == "error" and d.get("summary") != CHECK_FAILED]
        warnings = [d for d in diagnostics if d not in errors]
        checks = [d for d in warnings if d.get("summary") == CHECK_FAILED]
        # "error" is the status of a failed plan, and of failed check blocks (only warnings in
        # a real plan); "fail" (assertions) and "skip" cannot happen with one plain run a file.
        explained = bool(errors or checks) if status == "error" else status == "pass" and not errors
        if any(d.get("summary") == UNDECLARED for d in diagnostics):
            problems.append(f"{case!r} sets a variable the module does not declare:\n{_describe(warnings)}")
        elif not explained:
            problems.append(f"{case!r}: run status {status!r} with\n{_describe(diagnostics)}")
        elif strict and any(d.get("summary") not in REFUSALS for d in errors):
            problems.append(f"{case!r}: the plan failed, and not by a rule of the module:\n{_describe(errors)}")
        verdicts[case] = Verdict(
            accepted=not errors,
            messages=tuple(sorted(_message(d) for d in errors)),
            error_messages=tuple(sorted(_authored(d) for d in errors if d.get("summary") in AUTHORED)),
            warnings=tuple(sorted(_message(d) for d in warnings)),
        )
    if problems:
        raise TerraformError("terraform test:\n" + "\n".join(problems))
    return verdicts


# --- the entry point ----------------------------------------------------------------------


def plan_cases(
    module_dir: Path,
    cases: Mapping[str, Mapping[str, Any]],
    *,
    work: Path,
    base: Mapping[str, Any] | None = None,
    strict: bool = True,
    mocks: str = DEFAULT_MOCKS,
    reuse_provider: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Verdict]:
    """Plan the module at `module_dir` once per case (case name -> input variables, set over
    `base`, key by key) with a mocked AWS provider, in one `terraform test`; each case's
    verdict, in the order of `cases`. `work` is the harness's own directory (created; its
    `module/` is replaced on each call and its init reused). See the module docstring for what
    counts as refused and what raises."""
    if not cases:
        return {}
    root = Path(work) / COPY_DIR
    _prepare(Path(module_dir), root)
    if not (root / ".terraform.lock.hcl").is_file():
        init(root, backend=False)
    case_dir = root / CASE_DIR
    case_dir.mkdir()
    runs: dict[str, str] = {}
    for number, (case, variables) in enumerate(cases.items(), start=1):
        run = f"case_{number:04d}"
        runs[run] = case
        (case_dir / f"{run}.tftest.hcl").write_text(case_file(run, {**(base or {}), **variables}, mocks))
    with contextlib.ExitStack() as stack:
        reattach = stack.enter_context(provider_server(provider_binary(root))) if reuse_provider else None
        _, output = _terraform_test(root, reattach, timeout)
    return read_stream(output, runs, strict=strict)
