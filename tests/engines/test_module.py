"""`make module`'s Terraform module, used the way teams with their own root modules use it:
offline init + validate of the repository's consumer example and of root modules written
here, `for_each` over two instances, and an apply to LocalStack whose API queues a POST."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from support.localstack import LocalStack
from support.terraform import init, validate

from support.deployments import MODULE, MODULE_ROOT, ROOT


def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_two_runs_write_identical_bytes(modules: tuple[Path, Path]) -> None:
    first, second = (files(m) for m in modules)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert {"versions.tf.json", "main.tf.json", "variables.tf.json", "outputs.tf.json", "README.md"} <= set(first)
    assert any(name.endswith(".zip") for name in first), "the Lambda code travels inside the module"


def test_the_module_has_no_provider_or_backend_and_admits_provider_5_100(modules: tuple[Path, Path]) -> None:
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
    for variable in documents["variables.tf.json"]["variable"].values():
        assert variable["description"]
    readme = (module / "README.md").read_text()
    assert "```hcl" in readme and "## Inputs" in readme and "## Outputs" in readme
    for name in documents["variables.tf.json"]["variable"]:
        assert f"`{name}`" in readme


def layout(tmp_path: Path, module: Path) -> Path:
    """The repository's layout around a copy: <root>/dist/<module> and <root>/examples/..."""
    root = tmp_path / "repo"
    shutil.copytree(module, root / "dist" / MODULE)
    return root


def test_the_repository_consumer_example_validates_offline(modules: tuple[Path, Path], tmp_path: Path) -> None:
    root = layout(tmp_path, modules[0])
    consumer = root / "examples" / "terraform-consumer"
    shutil.copytree(ROOT / "examples" / "terraform-consumer", consumer)
    init(consumer, backend=False)
    assert validate(consumer) == []


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
  source   = "./dist/terraform-aws-webhook-ingest"
  for_each = toset(["blue", "green"])

  name_prefix        = "team-${each.key}"
  tags               = { colour = each.key }
  max_receive_count  = 4
  log_retention_days = 14
  # One API Gateway account setting per region: only one instance manages it.
  manage_account_logging_role = each.key == "blue"
  secret_arns        = each.key == "blue" ? { github = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:gh-AbCdEf" } : {}
}

output "endpoints" {
  value = { for k, m in module.receivers : k => m.github_endpoint }
}
"""


def test_two_instances_with_for_each_validate(modules: tuple[Path, Path], tmp_path: Path) -> None:
    """Terraform refuses for_each on a module that configures a provider itself."""
    root = layout(tmp_path, modules[0])
    (root / "main.tf").write_text(FOR_EACH_ROOT)
    init(root, backend=False)
    assert validate(root) == []


def test_a_bad_prefix_is_refused_by_the_variables_validation(modules: tuple[Path, Path], tmp_path: Path) -> None:
    from support.terraform import TerraformError, terraform

    root = layout(tmp_path, modules[0])
    (root / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-central-1"\n}\n'
        'module "w" {\n  source = "./dist/terraform-aws-webhook-ingest"\n  name_prefix = "Bad_Prefix"\n}\n'
    )
    init(root, backend=False)
    with pytest.raises(TerraformError) as refused:
        terraform(root, "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false")
    assert "name_prefix: use 1-" in str(refused.value), str(refused.value)[-2000:]


# --- apply to LocalStack -------------------------------------------------------------------


@pytest.fixture(scope="module")
def applied(deployments: dict[str, Any]) -> dict[str, Any]:
    """Our own root module calling the module, applied by the session (engines/conftest.py)."""
    deployment = deployments[MODULE_ROOT]
    kinds = {address.split(".")[0] for address in deployment.excluded}
    assert {"aws_lambda_function", "aws_pipes_pipe"} <= kinds, deployment.excluded
    return deployment.outputs


def test_a_post_through_the_applied_module_lands_in_sqs(applied: dict[str, Any], localstack: LocalStack) -> None:
    body = json.dumps({"action": "opened", "sender": {"login": "octocat", "id": 1}}).encode()
    request = urllib.request.Request(
        localstack.local_url(applied["endpoint"]),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        message_id = json.loads(response.read())["id"]
    sqs = localstack.client("sqs")
    received = sqs.receive_message(
        QueueUrl=applied["queue_url"], WaitTimeSeconds=5, MessageAttributeNames=["All"]
    ).get("Messages", [])
    assert [(m["MessageId"], m["Body"].encode()) for m in received] == [(message_id, body)]
    assert received[0]["MessageAttributes"]["X-GitHub-Delivery"]["StringValue"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert "modtest-github" in applied["queue_url"]

