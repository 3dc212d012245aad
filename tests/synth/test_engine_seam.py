"""constructs_lib.engine: each construct builds with the engine of the app it is added to."""

from __future__ import annotations

import cdktf
import cdktn
import pytest
from constructs import Construct, RootConstruct

from constructs_lib import WebhookIngest, WebhookStack, engine
from constructs_lib.testing import only, synthesize

def props() -> dict[str, object]:
    from examples.models import User

    return {"name": "seam", "sources": [{"name": "orders", "model": User}]}


@pytest.mark.parametrize("core", [cdktf, cdktn], ids=["cdktf", "cdktn"])
def test_the_app_names_the_engine_of_everything_below_it(core: object) -> None:
    app = core.App()  # type: ignore[attr-defined]
    stack = WebhookStack(app, "hooks")
    ingest = WebhookIngest(stack, "Webhooks", props())
    name = core.__name__  # type: ignore[attr-defined]
    assert engine.of(app).name == engine.of(stack).name == engine.of(ingest).name == name
    assert isinstance(stack, WebhookStack) and isinstance(stack, core.TerraformStack)  # type: ignore[attr-defined]
    # constructs_lib's own classes (constructs_lib._lean), on this engine's core classes.
    assert isinstance(ingest.queue, core.TerraformResource) and ingest.queue.TF_RESOURCE_TYPE == "aws_sqs_queue"  # type: ignore[attr-defined]
    assert isinstance(ingest.api.rest_api, core.TerraformResource)  # type: ignore[attr-defined]
    assert ingest.api.rest_api.terraform_resource_type == "aws_api_gateway_rest_api"
    _, queue = only(synthesize(stack), "aws_sqs_queue", lambda q: q["name"] == "seam-orders")
    assert queue["sqs_managed_sse_enabled"] is True


def test_a_users_own_stack_class_and_a_subclass_of_webhook_stack_work_on_cdk_terrain() -> None:
    class Mine(WebhookStack):
        pass

    app = cdktn.App()
    subclassed = Mine(app, "mine", default_region="eu-west-1")
    assert isinstance(subclassed, Mine) and isinstance(subclassed, cdktn.TerraformStack)
    assert synthesize(subclassed)["variable"]["region"]["default"] == "eu-west-1"

    plain = cdktn.TerraformStack(app, "plain")
    engine.ENGINES["cdktn"].aws.AwsProvider(plain, "aws", region="eu-west-1")
    WebhookIngest(plain, "Webhooks", props())
    document = synthesize(plain)
    assert document["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"
    assert only(document, "aws_api_gateway_rest_api")[1]["name"] == "seam"


def test_a_tree_under_a_plain_construct_takes_the_engine_of_its_stack() -> None:
    stack = cdktn.TerraformStack(RootConstruct("root"), "s")
    assert engine.of(Construct(stack, "inner")).name == "cdktn"
    assert engine.of(Construct(RootConstruct("bare"), "alone")).name == "cdktf"


def test_a_missing_engine_is_named_with_what_to_install() -> None:
    absent = engine.Engine("cdktn", "cdktn_provider_that_is_not_installed", "pip install 'x[cdktn]'")
    with pytest.raises(engine.MissingEngineError, match=r"this app runs on cdktn, but 'cdktn_provider_that_is_not_installed.sqs_queue' cannot be imported .*pip install 'x\[cdktn\]'"):
        absent.bindings.SqsQueue
    for classes in (engine.ENGINES["cdktf"].aws, engine.ENGINES["cdktf"].bindings):
        with pytest.raises(AttributeError, match="'S3Bucket' is not among the AWS classes"):
            classes.S3Bucket


def test_every_listed_aws_class_exists_in_both_engines_bindings() -> None:
    for name in engine.ENGINES:
        for names in engine.AWS_CLASSES.values():
            for class_name in names:
                assert isinstance(getattr(engine.ENGINES[name].bindings, class_name), type), (name, class_name)
