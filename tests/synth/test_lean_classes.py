"""constructs_lib's own AWS classes (constructs_lib._lean) write what the provider's generated
classes write, byte for byte, without loading the provider's assembly.

The reference is the generated classes themselves (`CONSTRUCTS_LIB_AWS_CLASSES=bindings`), run
on the same props in the same process: the branch matrix here (every optional branch of every
construct), the example stacks in test_determinism.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cdktf
import cdktn
import pytest

from constructs_lib import WebhookIngest, WebhookStack, engine
from constructs_lib._lean import terraform_value
from constructs_lib.testing import only, synthesize
from support import branch_matrix as bm


def _files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


def _same_both_ways(synth: Callable[[Path], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """`synth(outdir)` run with constructs_lib's classes, then with the generated ones: every
    file the same bytes. Returns the files."""
    synth(tmp_path / "lean")
    lean = _files(tmp_path / "lean")
    monkeypatch.setenv(engine.CLASSES_VARIABLE, "bindings")
    synth(tmp_path / "generated")
    generated = _files(tmp_path / "generated")
    assert sorted(lean) == sorted(generated)
    for name in lean:
        assert lean[name] == generated[name], name
    return lean


def test_every_branch_synthesizes_the_same_bytes_as_with_the_generated_classes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def synth(outdir: Path) -> None:
        app = cdktf.App(outdir=str(outdir))
        bm.build(app)
        app.synth()

    files = _same_both_ways(synth, tmp_path, monkeypatch)
    assert len([name for name in files if name.endswith("cdk.tf.json")]) == len(bm.stack_names())


def test_on_cdk_terrain_too_the_examples_synthesize_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import main

    files = _same_both_ways(lambda outdir: main.build(cdktn.App(outdir=str(outdir))).synth(), tmp_path, monkeypatch)
    assert len([name for name in files if name.endswith("cdk.tf.json")]) == len(main.EXAMPLES)


def _props() -> dict[str, object]:
    from examples.models import User

    return {"name": "lean", "sources": [{"name": "orders", "model": User}]}


@pytest.mark.parametrize("core", [cdktf, cdktn], ids=["cdktf", "cdktn"])
def test_the_provider_and_its_version_are_each_engines_own(core: object) -> None:
    # The generated AwsProvider of each engine names its own source; the stack's range wins.
    stack = WebhookStack(core.App(), "hooks")  # type: ignore[attr-defined]
    WebhookIngest(stack, "Webhooks", _props())
    terraform = synthesize(stack)["terraform"]["required_providers"]["aws"]
    source = {"cdktf": "aws", "cdktn": "hashicorp/aws"}[core.__name__]  # type: ignore[attr-defined]
    assert terraform == {"source": source, "version": ">= 5.100.0, < 7.0.0"}


def test_an_attribute_reads_as_a_reference_and_a_set_sets_the_argument() -> None:
    stack = cdktf.TerraformStack(cdktf.App(), "s")
    aws = engine.ENGINES["cdktf"].aws
    aws.AwsProvider(stack, "aws", region="eu-west-1", alias="west")
    queue = aws.SqsQueue(stack, "Queue", name="q", delay_seconds=None, tags={"a": "1", "b": None})
    queue.visibility_timeout_seconds = 45
    policy = aws.SqsQueuePolicy(stack, "Policy", queue_url=queue.url, policy="{}", depends_on=[queue])
    document = synthesize(stack)
    key, body = only(document, "aws_sqs_queue")
    assert {k: v for k, v in body.items() if k != "//"} == {"name": "q", "tags": {"a": "1"}, "visibility_timeout_seconds": 45}
    _, written = only(document, "aws_sqs_queue_policy")
    assert written["queue_url"] == f"${{aws_sqs_queue.{key}.url}}"
    assert written["depends_on"] == [f"aws_sqs_queue.{key}"]
    assert document["provider"]["aws"] == [{"alias": "west", "region": "eu-west-1"}]
    assert policy.TF_RESOURCE_TYPE == "aws_sqs_queue_policy"
    with pytest.raises(AttributeError, match=r"SqsQueue has no attribute 'visibility_timeout_seconds'.*add_override"):
        queue.visibility_timeout_seconds  # noqa: B018


def test_an_app_that_writes_hcl_gets_the_generated_classes() -> None:
    # HCL needs each attribute's schema type, which only the generated classes carry.
    app = cdktf.App(hcl_output=True)
    stack = WebhookStack(app, "hcl")
    ingest = WebhookIngest(stack, "Webhooks", _props())
    assert type(ingest.queue).__module__ == "cdktf_cdktf_provider_aws.sqs_queue"
    assert type(WebhookIngest(WebhookStack(cdktf.App(), "json"), "Webhooks", _props()).queue).__module__ == "constructs_lib._lean"


def test_unset_fields_are_dropped_at_every_depth_and_everything_else_is_kept() -> None:
    value = {"a": None, "b": False, "c": 0, "d": "", "e": [{"f": None, "g": [None, 1]}], "h": {}, "i": ({"j": None},)}
    assert terraform_value(value) == {"b": False, "c": 0, "d": "", "e": [{"g": [None, 1]}], "h": {}, "i": [{}]}
