"""checkov (pinned in tools/checkov/requirements.txt, its own venv) finds no failed check in
any synthesized stack or in the module `make module` writes. What does not fit this pattern
is skipped in `.checkov.yaml`, one reviewed list, each skip with its reason."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from support.synth import SynthOutput

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".checkov.yaml"


def checkov_bin() -> Path:
    venv = Path(os.environ.get("CHECKOV_VENV") or ROOT / ".checkov-venv")
    binary = venv / "bin" / "checkov"
    assert binary.exists(), f"checkov is not installed in {venv}: run `make test` (or `bash tools/checkov/install.sh`)"
    return binary


def scan(directory: Path, *extra: str, reviewed_skips: bool = True) -> dict[str, Any]:
    """checkov's terraform_json report on `directory`; with `reviewed_skips=False` it runs in
    `directory`, away from the project's .checkov.yaml, which it would otherwise read itself."""
    config = ("--config-file", str(CONFIG)) if reviewed_skips else ()
    result = subprocess.run(
        [str(checkov_bin()), *config, "-d", str(directory), "-o", "json", *extra],
        cwd=None if reviewed_skips else directory,
        capture_output=True,
        text=True,
        timeout=300,
        # checkov would otherwise try to download guidelines from its vendor's API.
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    assert result.stdout.strip(), result.stderr[-3000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    (terraform,) = [r for r in reports if r.get("check_type") == "terraform_json"]
    return terraform


def failures(report: dict[str, Any]) -> list[str]:
    return [f"{f['check_id']} {f['resource']} ({f['file_path']})" for f in report["results"]["failed_checks"]]


def test_every_synthesized_stack_passes_checkov(synth: SynthOutput) -> None:
    report = scan(synth.outdir)
    assert failures(report) == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] >= 150, report["summary"]


def test_the_exported_module_passes_checkov(modules: tuple[Path, Path]) -> None:
    # versions.tf.json holds no resource; checkov 3.3.30's JSON parser cannot read its
    # `required_version` string (it expects every terraform-block value to be an object).
    report = scan(modules[0], "--skip-path", "versions.tf.json")
    assert failures(report) == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] >= 50, report["summary"]


def test_checkov_reports_a_real_weakness(synth: SynthOutput, tmp_path: Path) -> None:
    """The control: the same scan fails a copy of a stack whose queue lost its encryption."""
    stack = copy.deepcopy(synth.stack("mailgun-fifo"))
    for queue in stack["resource"]["aws_sqs_queue"].values():
        queue["sqs_managed_sse_enabled"] = False
    (tmp_path / "cdk.tf.json").write_text(json.dumps(stack))
    assert any(line.startswith("CKV_AWS_27 ") for line in failures(scan(tmp_path))), "unencrypted queues must fail"


def test_customer_managed_keys_pass_the_checks_the_default_skips(synth: SynthOutput, tmp_path: Path) -> None:
    """Without the reviewed skips: the github stack (queue and log keys) passes the log-group
    KMS check and the KMS key checks; users-standard (AWS-held keys) fails the first, which is
    why it is skipped for the default."""
    checks = "CKV_AWS_158,CKV_AWS_7,CKV_AWS_33,CKV2_AWS_64"
    for name in ("github", "users-standard"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cdk.tf.json").write_text(json.dumps(synth.stack(name)))
    terraform = scan(tmp_path, "--check", checks, reviewed_skips=False)
    by_stack: dict[str, dict[str, set[str]]] = {}
    for outcome in ("passed_checks", "failed_checks"):
        for check in terraform["results"][outcome]:
            stack = Path(check["file_path"]).parent.name
            by_stack.setdefault(stack, {}).setdefault(outcome, set()).add(f"{check['check_id']} {check['resource']}")
    github, users = by_stack["github"], by_stack["users-standard"]
    assert "failed_checks" not in github, github
    # Six log groups: API access and execution, verifier, processor, workflow, pipe.
    assert sum(c.startswith("CKV_AWS_158 ") for c in github["passed_checks"]) == 6
    assert sum(c.startswith("CKV_AWS_7 ") for c in github["passed_checks"]) == 2
    assert sum(c.startswith("CKV2_AWS_64 ") for c in github["passed_checks"]) == 2
    assert sum(c.startswith("CKV_AWS_158 ") for c in users["failed_checks"]) == 6
