"""Every optional branch of the constructs, synthesized: the cases of tests/support/branch_matrix.py.

Each case is one `WebhookIngest` in a shared stack (one synth, one `terraform init`). A case's
test asserts what its props promise (README tables and docstrings), against the `defaults` or
`processing-defaults` case where that shows the branch was taken; a snapshot keeps each case's
part of the stack, so a refactor that changes what any branch synthesizes shows as a diff.
Update them deliberately with `.venv/bin/python -m pytest tests/synth/test_branch_matrix.py
--snapshot-update` and review the diff. Only public names are used, so moving the library's
modules needs no edit here.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib import (
    Alarms,
    ProcessCode,
    Processing,
    ProcessFunction,
    ProcessStates,
    PropsError,
    WebhookIngest,
    WebhookIngestProps,
    WebhookSource,
    WebhookStack,
)
from constructs_lib.testing import json_document, normalize, only, ref, resources, synthesize
from support import branch_matrix as bm
from support.terraform import init, terraform, validate_copy

CASES = bm.cases_by_name()

# The props models a user configures a WebhookIngest with (each processing step its own).
MODELS = (WebhookIngestProps, WebhookSource, Processing, ProcessCode, ProcessFunction, ProcessStates, Alarms)
# Props no case sets to a value other than its default, each with the reason. Empty: every
# prop of every model is exercised.
EXEMPT: dict[str, str] = {}


@dataclass
class Matrix:
    """The matrix synthesized once, as `cdktf synth` writes it (`app.synth()` to an outdir)."""

    outdir: Path
    _cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def stack_dir(self, stack: str) -> Path:
        manifest = json.loads((self.outdir / "manifest.json").read_text())
        return self.outdir / str(manifest["stacks"][stack]["workingDirectory"])

    @functools.cached_property
    def documents(self) -> dict[str, dict[str, Any]]:
        """Each stack's `cdk.tf.json`, by stack name."""
        return {stack: json.loads((self.stack_dir(stack) / "cdk.tf.json").read_text()) for stack in bm.stack_names()}

    def case(self, name: str) -> dict[str, Any]:
        """The case's part of its stack: its resources, data sources and outputs."""
        if name not in self._cases:
            case = CASES[name]
            self._cases[name] = bm.case_document(self.documents[case.stack], case.stack, name)
        return self._cases[name]

    def asset(self, name: str, function: dict[str, Any]) -> Path:
        """The zip a Lambda function of case `name` deploys (`filename` is relative to the stack)."""
        return self.stack_dir(CASES[name].stack) / str(function["filename"])


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    from cdktf import App

    outdir = tmp_path_factory.mktemp("branch-matrix") / "cdktf.out"
    app = App(outdir=str(outdir))
    bm.build(app)
    app.synth()
    return Matrix(outdir)


@pytest.fixture(scope="session")
def taggable(tmp_path_factory: pytest.TempPathFactory) -> frozenset[str]:
    """Resource types whose schema in the offline AWS provider has a `tags` argument."""
    work = tmp_path_factory.mktemp("provider-schema")
    (work / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}}}))
    init(work, backend=False)
    schema = json.loads(terraform(work, "providers", "schema", "-json", timeout=120).output)
    (aws,) = schema["provider_schemas"].values()
    return frozenset(kind for kind, body in aws["resource_schemas"].items() if "tags" in body["block"].get("attributes", {}))


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


# --- reading a case ---------------------------------------------------------------------------


def api_document(doc: dict[str, Any]) -> dict[str, Any]:
    _, api = only(doc, "aws_api_gateway_rest_api")
    document: dict[str, Any] = json_document(api["body"])
    return document


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {path: item["post"] for path, item in api_document(doc)["paths"].items()}


def request_template(doc: dict[str, Any]) -> str:
    (operation,) = operations(doc).values()
    template: str = operation["x-amazon-apigateway-integration"]["requestTemplates"]["application/json"]
    return template


def role_statements(doc: dict[str, Any], role_arn: str) -> list[dict[str, Any]]:
    """Statements of the inline policies of the role `role_arn` (a reference) refers to."""
    role_id = role_arn.removeprefix("${aws_iam_role.").removesuffix(".arn}")
    assert role_id in resources(doc, "aws_iam_role"), role_arn
    return [
        statement
        for policy in resources(doc, "aws_iam_role_policy").values()
        if policy["role"] == ref("aws_iam_role", role_id, "id")
        for statement in json_document(policy["policy"])["Statement"]
    ]


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def allows(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    return any(
        s["Effect"] == "Allow" and action in _listed(s["Action"]) and resource in _listed(s["Resource"]) for s in statements
    )


def role_of_service(doc: dict[str, Any], service: str) -> str:
    """The ARN reference of the case's one role that `service` may assume."""
    (role_id,) = [
        k
        for k, role in resources(doc, "aws_iam_role").items()
        if json_document(role["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": service}
        and not role["name"].endswith("-apigw-logs")
    ]
    return ref("aws_iam_role", role_id, "arn")


def function(doc: dict[str, Any], suffix: str) -> tuple[str, dict[str, Any]]:
    """The case's Lambda function named `<name>-<source>-<suffix>` (verify, process)."""
    return only(doc, "aws_lambda_function", lambda f: f["function_name"].endswith(f"-{suffix}"))


def functions(doc: dict[str, Any]) -> list[str]:
    return sorted(f["function_name"] for f in resources(doc, "aws_lambda_function").values())


def record_states(doc: dict[str, Any]) -> dict[str, Any]:
    """The states one record goes through in the case's workflow (the Map's iteration)."""
    _, machine = only(doc, "aws_sfn_state_machine")
    states: dict[str, Any] = json_document(machine["definition"])["States"]["Records"]["ItemProcessor"]["States"]
    return states


def definition(doc: dict[str, Any]) -> dict[str, Any]:
    _, machine = only(doc, "aws_sfn_state_machine")
    document: dict[str, Any] = json_document(machine["definition"])
    return document


def log_group(doc: dict[str, Any], arn: str) -> dict[str, Any]:
    """The case's log group whose ARN reference is `arn` (with or without the `:*` suffix)."""
    (group,) = [
        g for k, g in resources(doc, "aws_cloudwatch_log_group").items() if ref("aws_cloudwatch_log_group", k, "arn") == arn.removesuffix(":*")
    ]
    return group


def queue(doc: dict[str, Any], kind: str = "queue") -> tuple[str, dict[str, Any]]:
    """The case's source queue, "dlq" or "rejected" queue (one source)."""

    def is_kind(q: dict[str, Any]) -> bool:
        base = q["name"].removesuffix(".fifo")
        found = "dlq" if base.endswith("-dlq") else "rejected" if base.endswith("-rejected") else "queue"
        return found == kind

    return only(doc, "aws_sqs_queue", is_kind)


def method_settings(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["method_path"]: s for s in resources(doc, "aws_api_gateway_method_settings").values()}


def verifier_config(zip_path: Path, environments: list[dict[str, str]], workdir: Path) -> list[dict[str, Any]]:
    """What the deployed verifier makes of each environment: its own `Config.from_env`, run
    from the code root of the zip the stack deploys, as Lambda runs it."""
    code = workdir / "verifier"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(code)
    script = (
        "import json, sys\nimport handler\n"
        "for env in json.loads(sys.argv[1]):\n"
        "    config = handler.Config.from_env(env)\n"
        "    print(json.dumps({name: getattr(config, name) for name in config.__slots__}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, '.')\n{script}", json.dumps(environments)],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def zip_hash(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


# --- the matrix as a whole ----------------------------------------------------------------------


def _instances(case: bm.Case) -> Iterator[BaseModel]:
    yield case.props
    yield case.props.alarms
    for source in case.props.sources:
        yield source
        if source.processing is not None:
            yield source.processing
            yield source.processing.process


def test_every_prop_is_set_to_a_value_other_than_its_default_by_some_case() -> None:
    seen: set[str] = set()
    for model in MODELS:
        instances = [i for case in CASES.values() for i in _instances(case) if isinstance(i, model)]
        assert instances, model.__name__
        for name, info in model.model_fields.items():
            prop = f"{model.__name__}.{name}"
            # A required prop has no default: every case sets it.
            if info.is_required() or any(getattr(i, name) != info.get_default(call_default_factory=True) for i in instances):
                seen.add(prop)
    every = {f"{m.__name__}.{n}" for m in MODELS for n in m.model_fields}
    assert sorted(every - seen - set(EXEMPT)) == [], "set these in a case, or exempt them with the reason"
    assert sorted(set(EXEMPT) & seen) == [], "exempt but exercised: drop the exemption"


def test_every_resource_output_and_data_source_belongs_to_one_case(matrix: Matrix) -> None:
    for stack in bm.stack_names():
        cases = [case.name for case in CASES.values() if case.stack == stack]
        shell = bm.shell_document(matrix.documents[stack], stack, cases)
        # What is left is the stack's own: provider, `region` variable, backend.
        assert sorted(shell) == ["//", "provider", "terraform", "variable"]
    for name in CASES:
        assert resources(matrix.case(name), "aws_api_gateway_rest_api"), name


@pytest.mark.parametrize("stack", bm.stack_names())
def test_the_stack_validates_with_terraform(matrix: Matrix, stack: str, tmp_path: Path) -> None:
    assert validate_copy(matrix.stack_dir(stack), tmp_path / stack) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_snapshot(matrix: Matrix, name: str, snapshot_json: SnapshotAssertion) -> None:
    # As tests/synth/test_snapshots.py: construct paths kept, so a moved construct shows.
    assert normalize(matrix.case(name), keep_metadata=True) == snapshot_json


@pytest.mark.parametrize("stack", bm.stack_names())
def test_stack_shell_snapshot(matrix: Matrix, stack: str, snapshot_json: SnapshotAssertion) -> None:
    cases = [case.name for case in CASES.values() if case.stack == stack]
    assert normalize(bm.shell_document(matrix.documents[stack], stack, cases), keep_metadata=True) == snapshot_json


# --- the API ------------------------------------------------------------------------------------


def test_the_account_logging_role_is_managed_by_default(matrix: Matrix) -> None:
    doc = matrix.case("defaults")
    account_id, account = only(doc, "aws_api_gateway_account")
    role_id, _ = only(doc, "aws_iam_role", lambda r: r["name"] == "bm-defaults-apigw-logs")
    _, attachment = only(doc, "aws_iam_role_policy_attachment")
    assert account["cloudwatch_role_arn"] == ref("aws_iam_role", role_id, "arn")
    assert attachment["role"] == ref("aws_iam_role", role_id, "name")
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    _, stage = only(doc, "aws_api_gateway_stage")
    assert stage["depends_on"] == [f"aws_api_gateway_account.{account_id}"]
    # One setting per account and region: one stack of the account manages it.
    for stack, document in matrix.documents.items():
        assert len(resources(document, "aws_api_gateway_account")) == 1, stack


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if not c.props.manage_account_logging_role))
def test_an_account_logging_role_set_up_elsewhere_is_left_alone(matrix: Matrix, name: str) -> None:
    doc = matrix.case(name)
    prefix = CASES[name].props.name
    assert not resources(doc, "aws_api_gateway_account")
    assert not resources(doc, "aws_iam_role_policy_attachment")
    assert [r["name"] for r in resources(doc, "aws_iam_role").values() if r["name"].startswith(f"{prefix}-apigw")] == [
        f"{prefix}-apigw-sqs"
    ]
    _, stage = only(doc, "aws_api_gateway_stage")
    assert "depends_on" not in stage
    # The stage still logs, with the role the account already has.
    assert log_group(doc, stage["access_log_settings"]["destination_arn"])


def test_api_key_required_adds_a_key_a_usage_plan_and_requires_the_key(matrix: Matrix) -> None:
    doc = matrix.case("api-key")
    key_id, key = only(doc, "aws_api_gateway_api_key")
    plan_id, plan = only(doc, "aws_api_gateway_usage_plan")
    _, plan_key = only(doc, "aws_api_gateway_usage_plan_key")
    assert key.get("enabled", True) is True
    assert plan_key == {
        **plan_key,
        "key_id": ref("aws_api_gateway_api_key", key_id, "id"),
        "key_type": "API_KEY",
        "usage_plan_id": ref("aws_api_gateway_usage_plan", plan_id, "id"),
    }
    api_id, _ = only(doc, "aws_api_gateway_rest_api")
    stage_id, _ = only(doc, "aws_api_gateway_stage")
    (api_stage,) = plan["api_stages"]
    assert api_stage["api_id"] == ref("aws_api_gateway_rest_api", api_id, "id")
    assert api_stage["stage"] == ref("aws_api_gateway_stage", stage_id, "stage_name")
    # The plan holds each route to its own limits: the source's, or its provider's default
    # (an ingest-only source's sender is unknown: 1000/s, burst 2000).
    assert {t["path"]: (t["rate_limit"], t["burst_limit"]) for t in api_stage["throttle"]} == {
        "/webhooks/limited/POST": (50, 60),
        "/webhooks/open/POST": (1000, 2000),
    }
    # Every route requires an `x-api-key` header, and API Gateway reads the key from it.
    document = api_document(doc)
    schemes = document["components"]["securitySchemes"]
    assert document["x-amazon-apigateway-api-key-source"] == "HEADER"
    for path, operation in operations(doc).items():
        (requirement,) = operation["security"]
        assert [schemes[name] for name in requirement] == [{"type": "apiKey", "name": "x-api-key", "in": "header"}], path
    # Without the prop: no key, no plan, nothing required.
    baseline = matrix.case("defaults")
    assert not resources(baseline, "aws_api_gateway_api_key") and not resources(baseline, "aws_api_gateway_usage_plan")
    assert all("security" not in op for op in operations(baseline).values())


def test_a_sources_own_throttle_sets_its_routes_method_settings(matrix: Matrix) -> None:
    settings = method_settings(matrix.case("api-key"))
    limits = {path: (s["settings"]["throttling_rate_limit"], s["settings"]["throttling_burst_limit"]) for path, s in settings.items()}
    assert limits == {"*/*": (100, 200), "~1webhooks~1limited/POST": (50, 60), "~1webhooks~1open/POST": (1000, 2000)}


def test_stage_props_name_throttle_log_and_trace_the_stage(matrix: Matrix) -> None:
    doc = matrix.case("stage")
    api_id, _ = only(doc, "aws_api_gateway_rest_api")
    stage_id, stage = only(doc, "aws_api_gateway_stage")
    assert stage["stage_name"] == "live"
    assert stage["xray_tracing_enabled"] is True
    assert only(matrix.case("defaults"), "aws_api_gateway_stage")[1]["xray_tracing_enabled"] is False
    settings = method_settings(doc)
    for setting in settings.values():
        assert setting["stage_name"] == ref("aws_api_gateway_stage", stage_id, "stage_name")
        assert setting["settings"]["logging_level"] == "INFO"
        assert setting["settings"]["data_trace_enabled"] is False, "bodies are never logged"
    assert (settings["*/*"]["settings"]["throttling_rate_limit"], settings["*/*"]["settings"]["throttling_burst_limit"]) == (20, 40)
    # Both logs kept 14 days; the execution log group is the one API Gateway writes this
    # stage's execution logs to, so it must carry the stage's name.
    access = log_group(doc, stage["access_log_settings"]["destination_arn"])
    _, execution = only(doc, "aws_cloudwatch_log_group", lambda g: g["name"].startswith("API-Gateway-Execution-Logs_"))
    assert execution["name"] == f"API-Gateway-Execution-Logs_{ref('aws_api_gateway_rest_api', api_id, 'id')}/live"
    assert (access["retention_in_days"], execution["retention_in_days"]) == (14, 14)
    assert "/live/" in access["name"]
    endpoints = [o["value"] for k, o in doc["output"].items() if k.endswith("_endpoint")]
    assert endpoints == [ref("aws_api_gateway_stage", stage_id, "invoke_url") + "/webhooks/hooks"]


def test_execution_logging_off_creates_no_execution_log_group(matrix: Matrix) -> None:
    doc = matrix.case("execution-logs-off")
    _, stage = only(doc, "aws_api_gateway_stage")
    # Only the access log remains.
    assert list(resources(doc, "aws_cloudwatch_log_group").values()) == [log_group(doc, stage["access_log_settings"]["destination_arn"])]
    assert {s["settings"]["logging_level"] for s in method_settings(doc).values()} == {"OFF"}
    baseline = matrix.case("defaults")
    assert len(resources(baseline, "aws_cloudwatch_log_group")) == 2
    assert {s["settings"]["logging_level"] for s in method_settings(baseline).values()} == {"ERROR"}


def test_allowed_source_ips_deny_every_other_address(matrix: Matrix) -> None:
    policy = api_document(matrix.case("source-ips"))["x-amazon-apigateway-policy"]
    allow = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert allow and all(s["Action"] == "execute-api:Invoke" for s in allow)
    assert (deny["Principal"], deny["Action"], deny["Resource"]) == ("*", "execute-api:Invoke", "execute-api:/*")
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": list(bm.ALLOWED_CIDRS)}}
    assert "x-amazon-apigateway-policy" not in api_document(matrix.case("defaults"))


def test_a_web_acl_is_associated_with_the_stage(matrix: Matrix) -> None:
    doc = matrix.case("web-acl")
    stage_id, _ = only(doc, "aws_api_gateway_stage")
    _, association = only(doc, "aws_wafv2_web_acl_association")
    assert association["resource_arn"] == ref("aws_api_gateway_stage", stage_id, "arn")
    assert association["web_acl_arn"] == bm.WEB_ACL_ARN
    assert not resources(matrix.case("defaults"), "aws_wafv2_web_acl_association")


# --- queues -------------------------------------------------------------------------------------


def test_a_fifo_source_orders_by_its_group_field_and_deduplicates_by_its_delivery_id(matrix: Matrix) -> None:
    doc = matrix.case("fifo")
    _, source_queue = queue(doc)
    _, dlq = queue(doc, "dlq")
    assert (source_queue["name"], dlq["name"]) == ("bm-fifo-ordered.fifo", "bm-fifo-ordered-dlq.fifo")
    assert source_queue["fifo_queue"] is True and dlq["fifo_queue"] is True
    assert source_queue["content_based_deduplication"] is True
    template = request_template(doc)
    assert "&MessageGroupId=" in template
    assert "$input.path('$.repository.full_name')" in template
    assert "'no-repository'" in template, "the group of a body without the field"
    assert "&MessageDeduplicationId=" in template
    assert "(?i)X-Delivery-Id" in template, "the delivery id header is read (any case)"
    for header in ("X-Delivery-Id", "X-Event-Kind"):
        assert f".Name={header}&" in template, f"{header} is forwarded as a message attribute"
    baseline = request_template(matrix.case("defaults"))
    assert "MessageGroupId" not in baseline and "MessageDeduplicationId" not in baseline
    assert "fifo_queue" not in queue(matrix.case("defaults"))[1]
    # The route is the path given, everywhere a route appears.
    assert list(operations(doc)) == ["/hooks/ordered"]
    assert "~1hooks~1ordered/POST" in method_settings(doc)
    (endpoint,) = [o["value"] for k, o in doc["output"].items() if k.endswith("_endpoint")]
    assert endpoint.endswith("}/hooks/ordered")
    assert "/webhooks/ordered" not in json.dumps(doc)


def test_queue_props_set_redrive_retention_visibility_and_size(matrix: Matrix) -> None:
    doc = matrix.case("queue-limits")
    _, source_queue = queue(doc)
    dlq_id, dlq = queue(doc, "dlq")
    assert json_document(source_queue["redrive_policy"]) == {
        "deadLetterTargetArn": ref("aws_sqs_queue", dlq_id, "arn"),
        "maxReceiveCount": 2,
    }
    assert source_queue["message_retention_seconds"] == 3600
    assert dlq["message_retention_seconds"] == 7200
    assert source_queue["visibility_timeout_seconds"] == 120
    assert source_queue["max_message_size"] == 65536
    _, baseline = queue(matrix.case("defaults"))
    assert (baseline["message_retention_seconds"], baseline["visibility_timeout_seconds"], baseline["max_message_size"]) == (
        345600,
        30,
        262144,
    )


def test_existing_keys_encrypt_every_queue_and_log_group_and_no_key_is_created(matrix: Matrix) -> None:
    doc = matrix.case("existing-keys")
    assert not resources(doc, "aws_kms_key")
    queues = resources(doc, "aws_sqs_queue").values()
    assert len(queues) == 3
    for q in queues:
        assert q["kms_master_key_id"] == bm.QUEUE_KEY_ARN and "sqs_managed_sse_enabled" not in q, q["name"]
    groups = resources(doc, "aws_cloudwatch_log_group").values()
    # Access and execution logs, verifier, workflow, pipe.
    assert len(groups) == 5
    assert {g.get("kms_key_id") for g in groups} == {bm.LOG_KEY_ARN}
    # The roles that use the queues may use the key, through SQS.
    api_statements = role_statements(doc, role_of_service(doc, "apigateway.amazonaws.com"))
    pipe_statements = role_statements(doc, role_of_service(doc, "pipes.amazonaws.com"))
    workflow_statements = role_statements(doc, role_of_service(doc, "states.amazonaws.com"))
    # Senders need both actions, receivers Decrypt (README, "Encryption").
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert allows(api_statements, action, bm.QUEUE_KEY_ARN), action
        # The workflow sends rejected deliveries to the (encrypted) rejected queue.
        assert allows(workflow_statements, action, bm.QUEUE_KEY_ARN), action
    assert allows(pipe_statements, "kms:Decrypt", bm.QUEUE_KEY_ARN)
    assert not [k for k in doc["output"] if "kms_key" in k], "only created keys are outputs"


def test_tags_are_on_every_taggable_resource(matrix: Matrix, taggable: frozenset[str]) -> None:
    doc = matrix.case("tags")
    kinds = {kind for kind in doc["resource"] if kind in taggable}
    # The case makes one of each kind a stack can make, but the WAF association.
    assert kinds >= {
        "aws_api_gateway_api_key",
        "aws_api_gateway_rest_api",
        "aws_api_gateway_stage",
        "aws_api_gateway_usage_plan",
        "aws_cloudwatch_log_group",
        "aws_cloudwatch_metric_alarm",
        "aws_iam_role",
        "aws_kms_key",
        "aws_lambda_function",
        "aws_pipes_pipe",
        "aws_secretsmanager_secret",
        "aws_sfn_state_machine",
        "aws_sqs_queue",
    }
    untagged = [f"{kind}.{k}" for kind in kinds for k, body in resources(doc, kind).items() if body.get("tags") != bm.TAGS]
    assert untagged == []
    baseline = matrix.case("processing-defaults")
    assert [k for kind in baseline["resource"] for k, body in resources(baseline, kind).items() if "tags" in body] == []


def test_created_keys_wait_the_deletion_window_given(matrix: Matrix) -> None:
    doc = matrix.case("tags")
    keys = resources(doc, "aws_kms_key")
    assert len(keys) == 2
    assert {k["deletion_window_in_days"] for k in keys.values()} == {7}
    key_refs = {ref("aws_kms_key", k, "arn") for k in keys}
    assert {q["kms_master_key_id"] for q in resources(doc, "aws_sqs_queue").values()} < key_refs
    assert {g["kms_key_id"] for g in resources(doc, "aws_cloudwatch_log_group").values()} < key_refs
    assert {o["value"] for k, o in doc["output"].items() if k.endswith("_kms_key_arn")} == key_refs


# --- processing ---------------------------------------------------------------------------------


def test_the_processing_baseline_builds_both_functions_and_a_secret(matrix: Matrix) -> None:
    doc = matrix.case("processing-defaults")
    assert functions(doc) == ["bm-processing-defaults-hooks-process", "bm-processing-defaults-hooks-verify"]
    secret_id, _ = only(doc, "aws_secretsmanager_secret")
    _, verifier = function(doc, "verify")
    assert allows(role_statements(doc, verifier["role"]), "secretsmanager:GetSecretValue", ref("aws_secretsmanager_secret", secret_id, "arn"))
    processor_id, _ = function(doc, "process")
    assert record_states(doc)["Process"]["Parameters"]["FunctionName"] == ref("aws_lambda_function", processor_id, "arn")


def test_process_code_is_the_processor_lambdas_code(matrix: Matrix) -> None:
    expected = (bm.PROCESSOR / "handler.py").read_bytes()
    for name in ("processing-defaults", "pipeline-tuning", "tags"):
        _, processor = function(matrix.case(name), "process")
        path = matrix.asset(name, processor)
        with zipfile.ZipFile(path) as archive:
            assert archive.namelist() == ["handler.py"], name
            assert archive.read("handler.py") == expected, name
        assert processor["handler"] == "handler.handler"
        assert processor["source_code_hash"] == zip_hash(path), name


def test_process_function_is_invoked_and_no_processor_lambda_is_built(matrix: Matrix, tmp_path: Path) -> None:
    doc = matrix.case("process-function")
    assert functions(doc) == ["bm-process-function-hooks-verify"]
    process = record_states(doc)["Process"]
    assert process["Resource"] == "arn:aws:states:::lambda:invoke"
    assert process["Parameters"]["FunctionName"] == bm.PROCESS_FUNCTION_ARN
    verifier_id, verifier = function(doc, "verify")
    workflow = role_statements(doc, role_of_service(doc, "states.amazonaws.com"))
    assert allows(workflow, "lambda:InvokeFunction", bm.PROCESS_FUNCTION_ARN)
    assert allows(workflow, "lambda:InvokeFunction", ref("aws_lambda_function", verifier_id, "arn"))
    # The verifier, as deployed, reads its secret under secret_json_key, with the tolerance,
    # scheme and delivery id header the props name; the baseline's are the defaults.
    baseline_doc = matrix.case("processing-defaults")
    _, baseline = function(baseline_doc, "verify")
    configs = verifier_config(
        matrix.asset("process-function", verifier),
        [verifier["environment"]["variables"], baseline["environment"]["variables"]],
        tmp_path,
    )
    assert {k: configs[0][k] for k in ("scheme", "secret_json_key", "tolerance_s", "delivery_id_header")} == {
        "scheme": "stripe",
        "secret_json_key": "signing",
        "tolerance_s": 600,
        "delivery_id_header": "Idempotency-Key",
    }
    assert {k: configs[1][k] for k in ("scheme", "secret_json_key", "tolerance_s", "delivery_id_header")} == {
        "scheme": "github",
        "secret_json_key": "secret",
        "tolerance_s": 300,
        "delivery_id_header": None,
    }
    # The delivery id header reaches the verifier as a message attribute.
    assert ".Name=Idempotency-Key&" in request_template(doc)


def test_process_states_are_embedded_with_their_policy_and_no_processor_lambda(matrix: Matrix) -> None:
    doc = matrix.case("process-states")
    assert functions(doc) == ["bm-process-states-hooks-verify"]
    process = record_states(doc)["Process"]
    assert process["Type"] == "Parallel"
    assert process["Branches"] == [bm.PROCESS_STATES]
    # The states get the verified event.
    assert process["Parameters"]["event.$"] == "$.message.event"
    workflow = role_statements(doc, role_of_service(doc, "states.amazonaws.com"))
    assert bm.PROCESS_POLICY_STATEMENT in workflow
    verifier_id, _ = function(doc, "verify")
    (invoke,) = [s for s in workflow if "lambda:InvokeFunction" in _listed(s["Action"])]
    assert _listed(invoke["Resource"]) == [ref("aws_lambda_function", verifier_id, "arn")]
    baseline = matrix.case("processing-defaults")
    assert not allows(role_statements(baseline, role_of_service(baseline, "states.amazonaws.com")), "dynamodb:PutItem", bm.TABLE_ARN)


def test_an_existing_secret_is_read_and_decrypted_and_none_is_created(matrix: Matrix, tmp_path: Path) -> None:
    doc = matrix.case("existing-secret")
    assert not resources(doc, "aws_secretsmanager_secret")
    _, verifier = function(doc, "verify")
    statements = role_statements(doc, verifier["role"])
    assert allows(statements, "secretsmanager:GetSecretValue", bm.SECRET_ARN)
    assert allows(statements, "kms:Decrypt", bm.SECRET_KEY_ARN)
    (config,) = verifier_config(matrix.asset("existing-secret", verifier), [verifier["environment"]["variables"]], tmp_path)
    assert config["secret_arn"] == bm.SECRET_ARN
    (secret_output,) = [o["value"] for k, o in doc["output"].items() if k.endswith("_secret_arn")]
    assert secret_output == bm.SECRET_ARN
    baseline = matrix.case("processing-defaults")
    _, baseline_verifier = function(baseline, "verify")
    assert not [s for s in role_statements(baseline, baseline_verifier["role"]) if "kms:Decrypt" in _listed(s["Action"])]


def test_pipeline_props_size_batches_functions_and_logs(matrix: Matrix) -> None:
    doc = matrix.case("pipeline-tuning")
    _, pipe = only(doc, "aws_pipes_pipe")
    assert pipe["source_parameters"]["sqs_queue_parameters"] == {"batch_size": 20, "maximum_batching_window_in_seconds": 5}
    document = definition(doc)
    assert document["TimeoutSeconds"] == 90
    assert document["States"]["Records"]["MaxConcurrency"] == 20
    # Derived: the pipe's worst case (window + workflow timeout) + 30 s, so a batch in
    # flight never becomes visible again.
    assert queue(doc)[1]["visibility_timeout_seconds"] == 5 + 90 + 30
    _, verifier = function(doc, "verify")
    _, processor = function(doc, "process")
    assert (verifier["timeout"], processor["timeout"]) == (3, 5)
    for f in (verifier, processor):
        assert (f["memory_size"], f["architectures"]) == (512, ["x86_64"]), f["function_name"]
    _, machine = only(doc, "aws_sfn_state_machine")
    groups = [
        log_group(doc, pipe["log_configuration"]["cloudwatch_logs_log_destination"]["log_group_arn"]),
        log_group(doc, machine["logging_configuration"]["log_destination"]),
        *[g for g in resources(doc, "aws_cloudwatch_log_group").values() if g["name"].startswith("/aws/lambda/")],
    ]
    assert [g["retention_in_days"] for g in groups] == [7, 7, 7, 7]
    assert queue(doc, "rejected")[1]["message_retention_seconds"] == 86400
    baseline = matrix.case("processing-defaults")
    _, baseline_verifier = function(baseline, "verify")
    assert (baseline_verifier["timeout"], baseline_verifier["memory_size"], baseline_verifier["architectures"]) == (10, 256, ["arm64"])
    assert queue(baseline, "rejected")[1]["message_retention_seconds"] == 14 * 86400


def test_workflow_and_pipe_logging_and_tracing(matrix: Matrix) -> None:
    doc = matrix.case("workflow-logging")
    _, machine = only(doc, "aws_sfn_state_machine")
    _, pipe = only(doc, "aws_pipes_pipe")
    assert machine["logging_configuration"]["level"] == "ALL"
    assert machine["logging_configuration"]["include_execution_data"] is True
    assert machine["tracing_configuration"] == {"enabled": True}
    assert pipe["log_configuration"]["level"] == "INFO"
    assert pipe["log_configuration"]["include_execution_data"] == ["ALL"]
    # A traced workflow may send its traces.
    assert allows(role_statements(doc, machine["role_arn"]), "xray:PutTraceSegments", "*")
    baseline = matrix.case("processing-defaults")
    _, baseline_machine = only(baseline, "aws_sfn_state_machine")
    _, baseline_pipe = only(baseline, "aws_pipes_pipe")
    assert baseline_machine["logging_configuration"]["level"] == "ERROR"
    assert baseline_machine["logging_configuration"]["include_execution_data"] is False
    assert baseline_machine["tracing_configuration"] == {"enabled": False}
    assert baseline_pipe["log_configuration"]["level"] == "ERROR"
    assert "include_execution_data" not in baseline_pipe["log_configuration"]
    assert not allows(role_statements(baseline, baseline_machine["role_arn"]), "xray:PutTraceSegments", "*")


# --- alarms -------------------------------------------------------------------------------------


def test_alarm_props_set_thresholds_periods_and_actions(matrix: Matrix) -> None:
    alarms = list(resources(matrix.case("alarms"), "aws_cloudwatch_metric_alarm").values())
    assert {a["metric_name"]: a["threshold"] for a in alarms} == {
        "ApproximateNumberOfMessagesVisible": 3,
        "ApproximateAgeOfOldestMessage": 600,
        "NumberOfMessagesSent": 4,
        "ExecutionsFailed": 5,
        "ExecutionsTimedOut": 6,
        "ExecutionFailed": 7,
        "5XXError": 8,
    }
    for alarm in alarms:
        assert (alarm["period"], alarm["evaluation_periods"]) == (120, 3), alarm["alarm_name"]
        # Told when an alarm fires and when it clears.
        assert alarm["alarm_actions"] == alarm["ok_actions"] == list(bm.TOPIC_ARNS), alarm["alarm_name"]


def test_disabled_alarms_create_no_alarm(matrix: Matrix) -> None:
    assert not resources(matrix.case("alarms-off"), "aws_cloudwatch_metric_alarm")
    assert len(resources(matrix.case("processing-defaults"), "aws_cloudwatch_metric_alarm")) == 7


# --- found by the matrix, now fixed ------------------------------------------------------------


def test_a_group_id_fallback_with_a_quote_is_refused_naming_the_prop() -> None:
    # SQS would take a quote, but the request template holds the fallback as a Velocity literal,
    # which cannot carry one: refused before any resource exists, not a crash while building.
    with pytest.raises(PropsError, match="group_id_fallback \"it's\" holds a quote, which the request template cannot carry"):
        WebhookSource(name="quoted", model=bm.Delivery, fifo=True, group_id_field="action", group_id_fallback="it's")


def test_a_secret_key_without_an_existing_secret_encrypts_the_created_secret() -> None:
    from cdktf import Testing

    processing = Processing(scheme="github", process=ProcessFunction(function_arn=bm.PROCESS_FUNCTION_ARN), secret_kms_key_arn=bm.SECRET_KEY_ARN)
    stack = WebhookStack(Testing.app(), "secret-key")
    WebhookIngest(stack, "secret-key", WebhookIngestProps(name="bm-secret-key", sources=(WebhookSource(name="hooks", model=bm.Delivery, processing=processing),)))
    document = synthesize(stack)
    _, secret = only(document, "aws_secretsmanager_secret")
    assert secret["kms_key_id"] == bm.SECRET_KEY_ARN
    # ... and the verifier may decrypt it with that key, and read only its own secret.
    secret_id = next(iter(resources(document, "aws_secretsmanager_secret")))
    policies = [json_document(p["policy"]) for p in resources(document, "aws_iam_role_policy").values() if "Secret" in p["policy"]]
    (verifier_policy,) = policies
    grants = {s["Sid"]: s for s in verifier_policy["Statement"]}
    assert grants["ReadSigningSecret"]["Resource"] == ref("aws_secretsmanager_secret", secret_id, "arn")
    assert any(s["Resource"] == bm.SECRET_KEY_ARN and "kms:Decrypt" in s["Action"] for s in verifier_policy["Statement"])


def test_a_described_signature_reaches_the_verifier_and_the_api_forwards_what_it_reads(matrix: Matrix) -> None:
    doc = matrix.case("hmac-signature")
    (verifier,) = [f for f in resources(doc, "aws_lambda_function").values() if f["function_name"].endswith("-verify")]
    environment = verifier["environment"]["variables"]
    assert environment["WEBHOOK_SCHEME"] == "hmac"
    assert environment["WEBHOOK_SIGNED_URL"] == bm.SIGNED_URL
    assert json.loads(environment["WEBHOOK_HMAC"]) == {
        "signature_header": "X-Acme-Signature",
        "signature_format": "key-value",
        "timestamp_key": "t",
        "signature_key": "v1",
        "id_header": "X-Acme-Delivery",
        "signed_payload": "{timestamp}.{url}.{body}",
        "algorithm": "sha512",
        "encoding": "base64",
    }
    (api,) = resources(doc, "aws_api_gateway_rest_api").values()
    template = json.dumps(api["body"])
    # The signature's and the delivery id's headers, and the URL the provider called.
    for name in ("X-Acme-Signature", "X-Acme-Delivery", "Name=webhook.url"):
        assert name in template, name


def test_a_public_key_makes_no_secret_and_reaches_the_verifier_itself(matrix: Matrix) -> None:
    doc = matrix.case("public-key")
    assert not resources(doc, "aws_secretsmanager_secret")
    (verifier,) = [f for f in resources(doc, "aws_lambda_function").values() if f["function_name"].endswith("-verify")]
    environment = verifier["environment"]["variables"]
    assert environment["WEBHOOK_PUBLIC_KEY"] == bm.DISCORD_PUBLIC_KEY and "WEBHOOK_SECRET_ARN" not in environment
    # Its role reads no secret, and no output names one.
    assert "secretsmanager" not in json.dumps(resources(doc, "aws_iam_role_policy"))
    assert not [name for name in doc.get("output", {}) if name.endswith("secret_arn")]
