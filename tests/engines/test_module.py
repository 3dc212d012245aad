"""The committed Terraform module (modules/webhook-ingest), used the way teams with their own
root modules use it: exactly what `make module` writes now, offline init + validate of root
modules that call it (`for_each` included), an apply to LocalStack whose API queues a POST
byte for byte, and plans in which changing one variable changes exactly the resources it
should."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import queue
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from constructs_lib.module_readme import reference
from support.deployments import COMMITTED_MODULE, MODULE, MODULE_ROOT, ROOT
from support.localstack import LocalStack
from support.terraform import TerraformError, init, provider_binary, provider_server, terraform, validate


def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_the_committed_module_is_exactly_what_make_module_writes(modules: tuple[Path, Path]) -> None:
    """The staleness check: a change to the constructs, the Lambda code or the variables that
    is not followed by `make module` fails here, naming the files."""
    committed, fresh = (files(m) for m in modules)
    assert sorted(committed) == sorted(fresh), "run `make module` and commit modules/"
    assert [name for name in committed if committed[name] != fresh[name]] == [], "run `make module` and commit modules/"
    assert {"versions.tf.json", "main.tf.json", "variables.tf.json", "outputs.tf.json", "README.md"} <= set(committed)
    assert any(name.endswith(".zip") for name in committed), "the Lambda code travels inside the module"


def test_the_module_has_no_provider_or_backend_and_admits_provider_5_and_6(modules: tuple[Path, Path]) -> None:
    module = modules[0]
    documents = {p.name: json.loads(p.read_text()) for p in module.glob("*.tf.json")}
    for name, document in documents.items():
        assert "provider" not in document, name
        assert "backend" not in document.get("terraform", {}), name
        assert "module" not in document, name
    constraint = documents["versions.tf.json"]["terraform"]["required_providers"]["aws"]["version"]
    spec = SpecifierSet(constraint.replace(" ", ""))
    assert "5.100.0" in spec and "6.25.0" in spec
    text = "\n".join(p.read_text() for p in module.glob("*.tf.json"))
    assert str(ROOT) not in text and "/tmp/" not in text
    for name, variable in documents["variables.tf.json"]["variable"].items():
        assert variable["description"], name
    for kind, named in documents["main.tf.json"]["resource"].items():
        for body in named.values():
            if kind == "aws_lambda_function":
                assert body["filename"].startswith("${path.module}/assets/"), body["filename"]
                assert (module / body["filename"].removeprefix("${path.module}/")).is_file()
    readme = (module / "README.md").read_text()
    # terraform-docs' layout, made from the module's own files.
    assert reference(documents) in readme
    for section in ("## Requirements", "## Providers", "## Resources", "## Inputs", "## Outputs"):
        assert section in readme


def copy_module(tmp_path: Path) -> Path:
    """A root directory holding only a copy of the committed module, as a consumer's would."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "modules" / MODULE, root / MODULE)
    return root


FOR_EACH_ROOT = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.100" }
  }
}

provider "aws" {
  region = "eu-central-1"
}

module "receivers" {
  source   = "./webhook-ingest"
  for_each = toset(["blue", "green"])

  name_prefix = "team-${each.key}"
  tags        = { colour = each.key }
  sources = {
    github = { max_receive_count = 4, log_retention_days = 14 }
    stripe = each.key == "blue" ? { secret_arn = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:st-AbCdEf" } : {}
  }
  # One API Gateway account setting per region: only one instance manages it.
  manage_account_logging_role = each.key == "blue"
}

output "endpoints" {
  value = { for k, m in module.receivers : k => m.github_endpoint }
}
"""


def test_two_instances_with_for_each_validate(tmp_path: Path) -> None:
    """Terraform refuses for_each on a module that configures a provider itself."""
    root = copy_module(tmp_path)
    (root / "main.tf").write_text(FOR_EACH_ROOT)
    init(root, backend=False)
    assert validate(root) == []


def test_a_bad_prefix_is_refused_by_plan_with_the_props_message(tmp_path: Path) -> None:
    root = copy_module(tmp_path)
    (root / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-central-1"\n}\n'
        'module "w" {\n  source = "./webhook-ingest"\n  name_prefix = "Bad_Prefix"\n}\n'
    )
    init(root, backend=False)
    with pytest.raises(TerraformError) as refused:
        terraform(root, "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false")
    assert "name 'Bad_Prefix' is not a valid resource name prefix" in str(refused.value), str(refused.value)[-2000:]


# --- apply to LocalStack -------------------------------------------------------------------


@pytest.fixture(scope="module")
def applied(deployments: dict[str, Any]) -> Any:
    """Our own root module calling the committed module, applied by the session
    (engines/conftest.py)."""
    deployment = deployments[MODULE_ROOT]
    kinds = {address.split(".")[0] for address in deployment.excluded}
    assert {"aws_lambda_function", "aws_pipes_pipe"} <= kinds, deployment.excluded
    return deployment


def test_a_post_through_the_applied_module_lands_in_sqs_byte_for_byte(applied: Any, localstack: LocalStack) -> None:
    outputs = applied.outputs
    body = '{"action": "opened", "sender": {"login": "octo\\u00e7at", "id": 1},  "x": [1.0e2, "\\ud83d\\ude00"]}'.encode()
    request = urllib.request.Request(
        localstack.local_url(outputs["endpoint"]),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        message_id = json.loads(response.read())["id"]
    sqs = localstack.client("sqs")
    received = sqs.receive_message(
        QueueUrl=outputs["queue_url"], WaitTimeSeconds=5, MessageAttributeNames=["All"]
    ).get("Messages", [])
    assert [(m["MessageId"], m["Body"].encode()) for m in received] == [(message_id, body)]
    assert received[0]["MessageAttributes"]["X-GitHub-Delivery"]["StringValue"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert "modtest-github" in outputs["queue_url"]
    # The variables reached the queue: the root module sets max_receive_count 3 for github.
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["queue_url"], AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 3


def test_with_kms_the_module_creates_both_keys_and_uses_them(applied: Any, localstack: LocalStack) -> None:
    """The root module sets queue_encryption and log_encryption to 'kms' without keys: the
    module creates one of each, and its queues and log groups use them (read back from
    LocalStack; the grants' documents are checked by plan below and in the synth tests)."""
    outputs = applied.outputs
    kms, sqs, logs, iam = (localstack.client(name) for name in ("kms", "sqs", "logs", "iam"))
    queue_key, log_key = outputs["queue_key"], outputs["log_key"]
    assert queue_key != log_key
    for arn in (queue_key, log_key):
        key_id = arn.rsplit("/", 1)[1]
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
        assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    for output in ("queue_url", "dlq_url"):
        attributes = sqs.get_queue_attributes(QueueUrl=outputs[output], AttributeNames=["KmsMasterKeyId"])["Attributes"]
        assert attributes["KmsMasterKeyId"] == queue_key, output
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/apigateway/modtest/")["logGroups"]
    assert groups and {g.get("kmsKeyId") for g in groups} == {log_key}
    # The grant the API role needs to send to a KMS-encrypted queue, present only with a key.
    policy = iam.get_role_policy(RoleName="modtest-apigw-sqs", PolicyName="send-message")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    grants = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert grants["UseQueueKey"]["Resource"] == queue_key
    assert set(grants) == {"SendToWebhookQueues", "UseQueueKey"}


def changed(workdir: Path, override: dict[str, Any] | None, *, reattach: str | None = None) -> set[str]:
    """Addresses a plan would change, with the module block's arguments overridden (Terraform's
    own override files), against the applied state. `reattach`: a provider_server's."""
    path = workdir / "zz_variables_override.tf.json"
    if override is not None:
        path.write_text(json.dumps({"module": {"webhooks": override}}))
    try:
        # Terraform's machine-readable UI: one `planned_change` message per resource the plan
        # would act on (no-ops send none). One run instead of `plan -out` and `show -json`,
        # each of which loads the provider's schema.
        run = terraform(
            workdir, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-json", timeout=300, reattach=reattach
        )
    finally:
        path.unlink(missing_ok=True)
    messages = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
    summaries = [m["changes"] for m in messages if m.get("type") == "change_summary"]
    assert len(summaries) == 1, run.output[-2000:]
    changes = [m["change"] for m in messages if m.get("type") == "planned_change" and m["change"]["action"] != "noop"]
    # The summary counts what the messages list (a replacement is an add and a remove): a
    # message format misread here fails this, rather than passing with too few addresses.
    counted = {"add": 0, "change": 0, "remove": 0}
    for change in changes:
        for kind in {"create": ("add",), "update": ("change",), "delete": ("remove",), "replace": ("add", "remove")}[change["action"]]:
            counted[kind] += 1
    assert counted == {kind: summaries[0][kind] for kind in counted}, (summaries[0], changes)
    return {change["resource"]["addr"] for change in changes}


def _logical_id(*names: str) -> str:
    """The module's one resource whose logical ID holds every one of `names`."""
    resources = json.loads((COMMITTED_MODULE / "main.tf.json").read_text())["resource"]
    (found,) = [n for kind in resources.values() for n in kind if all(part in n for part in names)]
    return found


def state(workdir: Path) -> set[str]:
    return set(terraform(workdir, "state", "list").output.split())


def test_changing_one_variable_changes_exactly_its_resources(applied: Any) -> None:
    workdir = applied.work.path
    addresses = state(workdir)
    baseline = changed(workdir, None)
    assert baseline == set(), f"the applied module plans changes without any: {sorted(baseline)}"

    def of(kind: str, *names: str) -> set[str]:
        return {a for a in addresses if a.split(".")[2] == kind and all(n in a for n in names)}

    github_queue = {a for a in of("aws_sqs_queue", "Source-github_Queue")}
    assert len(github_queue) == 1, sorted(addresses)
    cases = {
        "github retention": ({"sources": {"github": {"max_receive_count": 3, "retention_seconds": 86400}}}, github_queue),
        "github receive count": ({"sources": {"github": {"max_receive_count": 7}}}, github_queue),
        "alarm actions": (
            {"alarms": {"actions": ["arn:aws:sns:us-east-1:000000000000:ops-alerts"]}},
            of("aws_cloudwatch_metric_alarm"),
        ),
        "API log retention": (
            {"access_log_retention_days": 30},
            of("aws_cloudwatch_log_group", "Webhooks_Api_"),
        ),
        # Back to SSE-SQS: the created key goes, every queue and every grant on the key changes.
        "queue encryption": (
            {"queue_encryption": "sqs-managed"},
            of("aws_sqs_queue") | of("aws_kms_key", "QueueKey") | of("aws_iam_role_policy", "SendMessage")
            | of("aws_iam_role_policy", "PipePolicy") | of("aws_iam_role_policy", "WorkflowPolicy"),
        ),
        # A given key replaces the created one on every log group.
        "log key given": (
            {"log_kms_key_arn": "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            of("aws_cloudwatch_log_group") | of("aws_kms_key", "LogKey"),
        ),
        # A customer key on github's created secret: the secret, and the verifier's grant to use it.
        "secret key": (
            {"sources": {"github": {"max_receive_count": 3, "secret_kms_key_arn": "arn:aws:kms:us-east-1:000000000000:key/k"}}},
            of("aws_secretsmanager_secret", "github") | {"module.webhooks.aws_iam_role_policy." + _logical_id("VerifierSecretKeyPolicy", "github") + "[0]"},
        ),
    }
    assert all(expected for _, expected in cases.values()), {k: sorted(v) for k, (_, v) in cases.items()}
    # Two plans at a time (one per core), each in its own copy of the applied root: a plan
    # neither refreshes nor locks, so the copies read the same state. Each copy has an AWS
    # provider process of its own that serves its plans one after the other (provider_server):
    # a plan then neither starts the provider nor checks its 700 MB binary against the lock.
    copies: queue.Queue[tuple[Path, str]] = queue.Queue()
    with contextlib.ExitStack() as servers:
        for i in range(2):
            copy = plan_copy(workdir, i)
            copies.put((copy, servers.enter_context(provider_server(provider_binary(copy)))))

        def plan(case: tuple[str, tuple[dict[str, Any], set[str]]]) -> tuple[str, set[str], set[str]]:
            label, (override, expected) = case
            copy, reattach = copies.get()
            try:
                overrides = {"sources": {"github": {"max_receive_count": 3}}, **override}
                return label, changed(copy, overrides, reattach=reattach), expected
            finally:
                copies.put((copy, reattach))

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for label, found, expected in pool.map(plan, cases.items()):
                assert found == expected, label


def plan_copy(workdir: Path, index: int) -> Path:
    """A sibling of the applied root with its files and state, sharing its `.terraform`
    (providers and modules), so a plan there sees what a plan in `workdir` sees."""
    copy = workdir.with_name(f"{workdir.name}-plan{index}")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(workdir, copy, symlinks=True, ignore=shutil.ignore_patterns(".terraform", "*.plan"))
    (copy / ".terraform").symlink_to(workdir / ".terraform", target_is_directory=True)
    return copy
