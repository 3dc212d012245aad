"""The one place that knows which engine a construct tree runs on: CDKTF or CDK Terrain.

HashiCorp archived CDKTF (`cdktf`, with `cdktf-cdktf-provider-aws`) in December 2025; CDK
Terrain (`cdktn`, with `cdktn-provider-aws`) continues it with the same classes under other
package names. The constructs here run on either, chosen by the app they are added to: a user
writes `from cdktn import App` instead of `from cdktf import App` and nothing else changes.

Every construct asks `of(scope)` for its engine, then takes the engine's core classes
(`engine.core.Fn`, `engine.core.TerraformOutput`, ...) and its AWS classes
(`engine.aws.SqsQueue`, ...) from it: constructs_lib's own, on that engine's core
(constructs_lib._lean), or the provider's generated ones (`engine.bindings`). Objects of the
two engines never mix in one tree: a cdktf resource in a cdktn stack fails only at synth, with
a message about neither.

How a tree's engine is found: the jsii type of the tree's root (`cdktf.App` or `cdktn.App`),
else of the first construct on the way down that belongs to an engine (a stack); a tree of
plain `constructs.Construct` takes the default, cdktf when it is installed. The jsii type is
read from the class, so neither engine is imported to ask. (`TerraformStack.of()` cannot
tell: CDK Terrain kept CDKTF's internal identity keys, so each accepts the other's stacks.)

Type checkers see the cdktf classes (the default engine, whose names CDK Terrain kept).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from constructs import IConstruct

__all__ = ["ENGINES", "Engine", "MissingEngineError", "default", "of"]

# The AWS provider classes the constructs use, by the submodule that holds them (the same
# names in both engines' bindings). A class missing here is an AttributeError naming it.
AWS_CLASSES: dict[str, tuple[str, ...]] = {
    "api_gateway_account": ("ApiGatewayAccount",),
    "api_gateway_api_key": ("ApiGatewayApiKey",),
    "api_gateway_deployment": ("ApiGatewayDeployment",),
    "api_gateway_method_settings": ("ApiGatewayMethodSettings", "ApiGatewayMethodSettingsSettings"),
    "api_gateway_rest_api": ("ApiGatewayRestApi", "ApiGatewayRestApiEndpointConfiguration"),
    "api_gateway_stage": ("ApiGatewayStage", "ApiGatewayStageAccessLogSettings"),
    "api_gateway_usage_plan": (
        "ApiGatewayUsagePlan",
        "ApiGatewayUsagePlanApiStages",
        "ApiGatewayUsagePlanApiStagesThrottle",
        "ApiGatewayUsagePlanThrottleSettings",
    ),
    "api_gateway_usage_plan_key": ("ApiGatewayUsagePlanKey",),
    "cloudwatch_log_group": ("CloudwatchLogGroup",),
    "cloudwatch_metric_alarm": ("CloudwatchMetricAlarm",),
    "data_aws_region": ("DataAwsRegion",),
    "iam_role": ("IamRole",),
    "iam_role_policy": ("IamRolePolicy",),
    "iam_role_policy_attachment": ("IamRolePolicyAttachment",),
    "kms_key": ("KmsKey",),
    "lambda_function": ("LambdaFunction", "LambdaFunctionEnvironment", "LambdaFunctionLoggingConfig"),
    "lambda_permission": ("LambdaPermission",),
    "pipes_pipe": (
        "PipesPipe",
        "PipesPipeLogConfiguration",
        "PipesPipeLogConfigurationCloudwatchLogsLogDestination",
        "PipesPipeSourceParameters",
        "PipesPipeSourceParametersSqsQueueParameters",
        "PipesPipeTargetParameters",
        "PipesPipeTargetParametersStepFunctionStateMachineParameters",
    ),
    "provider": ("AwsProvider",),
    "secretsmanager_secret": ("SecretsmanagerSecret",),
    "sfn_state_machine": (
        "SfnStateMachine",
        "SfnStateMachineLoggingConfiguration",
        "SfnStateMachineTracingConfiguration",
    ),
    "sqs_queue": ("SqsQueue",),
    "sqs_queue_policy": ("SqsQueuePolicy",),
    "sqs_queue_redrive_allow_policy": ("SqsQueueRedriveAllowPolicy",),
    "wafv2_web_acl_association": ("Wafv2WebAclAssociation",),
}
_SUBMODULE_OF = {name: submodule for submodule, names in AWS_CLASSES.items() for name in names}


class MissingEngineError(ImportError):
    """The app belongs to an engine whose packages are not installed."""


class _Provider:
    """One engine's AWS provider classes by name (`aws.SqsQueue`), each submodule imported on
    first use: the provider packages hold ~2,200 submodules, the constructs use two dozen."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        submodule = _SUBMODULE_OF.get(name)
        if submodule is None:
            raise AttributeError(f"{name!r} is not among the AWS classes constructs_lib.engine lists (AWS_CLASSES)")
        value = getattr(self._engine.import_(f"{self._engine.provider_package}.{submodule}"), name)
        setattr(self, name, value)
        return value


def _kind(submodule: str, name: str) -> tuple[str, str]:
    """What an AWS_CLASSES entry is, for constructs_lib._lean: the first class of a submodule
    is its resource (data source, provider); the others are its nested blocks."""
    if AWS_CLASSES[submodule][0] != name:
        return ("block", "")
    if submodule == "provider":
        return ("provider", "aws")
    if submodule.startswith("data_aws_"):
        return ("data", submodule.removeprefix("data_"))
    return ("resource", f"aws_{submodule}")


_KINDS = {name: _kind(submodule, name) for submodule, names in AWS_CLASSES.items() for name in names}

# Set to "bindings" to build every app with the provider's generated classes instead of
# constructs_lib's own (constructs_lib._lean): the same output, about 2 s slower per synth.
CLASSES_VARIABLE = "CONSTRUCTS_LIB_AWS_CLASSES"


@dataclass(frozen=True)
class Engine:
    """A CDK engine: its core package (`cdktf` or `cdktn`) and the AWS classes used on it.

    `aws` holds constructs_lib's own classes (constructs_lib._lean), which write what the
    provider's generated classes write without loading them; `bindings` holds the generated
    ones, used instead for an app that writes HCL (`of()` returns such an engine) and whenever
    CONSTRUCTS_LIB_AWS_CLASSES=bindings."""

    name: str
    provider_package: str
    # What `pip install` needs for it, for the error when it is missing.
    install: str
    # The generated AwsProvider's `terraformProviderSource` and provider version, written
    # into `required_providers` (the stacks override the version with a range).
    provider_source: str = "aws"
    provider_version: str = ""
    # True: `aws` is always the generated classes (the engine of an app that writes HCL).
    generated_only: bool = False
    bindings: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bindings", _Provider(self))

    @property
    def aws(self) -> Any:
        """The AWS classes the constructs use: constructs_lib's own, or the generated ones."""
        if self.generated_only or os.environ.get(CLASSES_VARIABLE, "lean") == "bindings":
            return self.bindings
        lean = self.__dict__.get("_lean")
        if lean is None:
            from ._lean import LeanAws

            lean = LeanAws(self.core, self.provider_source, self.provider_version, _KINDS)
            object.__setattr__(self, "_lean", lean)
        return lean

    @property
    def core(self) -> Any:
        """The engine's core module: App, TerraformStack, TerraformOutput, Fn, Testing, ..."""
        return self.import_(self.name)

    def import_(self, module: str) -> ModuleType:
        if module.startswith("cdktf_cdktf_provider_aws"):
            # Before the bindings: loads their submodules one at a time (see _provider).
            from . import _provider

            _provider.install()
        try:
            return importlib.import_module(module)
        except ImportError as error:
            raise MissingEngineError(
                f"this app runs on {self.name}, but {module!r} cannot be imported ({error}): {self.install}"
            ) from error

    def installed(self) -> bool:
        import importlib.util

        return all(importlib.util.find_spec(m) is not None for m in (self.name, self.provider_package))


ENGINES: dict[str, Engine] = {
    "cdktf": Engine(
        "cdktf",
        "cdktf_cdktf_provider_aws",
        "pip install cdktf-aws-webhook-ingest (cdktf and its AWS provider)",
        provider_source="aws",
        provider_version="6.25.0",
    ),
    "cdktn": Engine(
        "cdktn",
        "cdktn_provider_aws",
        "pip install 'cdktf-aws-webhook-ingest[cdktn]' (CDK Terrain and its AWS provider)",
        provider_source="hashicorp/aws",
        provider_version="6.69.1",
    ),
}


def default() -> Engine:
    """The engine of a tree that names none: cdktf when installed, else CDK Terrain."""
    for engine in ENGINES.values():
        if engine.installed():
            return engine
    return ENGINES["cdktf"]


def _engine_of_class(cls: type) -> Engine | None:
    jsii_type = getattr(cls, "__jsii_type__", None)
    if isinstance(jsii_type, str):
        return ENGINES.get(jsii_type.partition(".")[0])
    return None


@functools.cache
def _generated_only(engine: Engine) -> Engine:
    """`engine` for an app that writes HCL: the generated classes carry the attribute types HCL
    needs (constructs_lib._lean)."""
    return replace(engine, generated_only=True)


def _kept(construct: Any, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept on the construct's Python object under `name`: a construct's tree never
    changes, and asking Node again costs a call each time."""
    found = getattr(construct, "__dict__", {}).get(name)
    if found is None:
        found = compute()
        try:
            object.__setattr__(construct, name, found)
        except (AttributeError, TypeError):
            pass
    return found


def of(scope: IConstruct) -> Engine:
    """The engine of the tree `scope` belongs to (kept on `scope` once known)."""

    def find() -> Engine:
        node = scope.node
        root = node.root
        found = _engine_of_class(type(root))
        if found is None:
            found = next(filter(None, (_engine_of_class(type(c)) for c in node.scopes)), None) or default()
        writes_hcl = _kept(root, "_constructs_lib_hcl", lambda: bool(getattr(root, "hcl_output", False)))
        return _generated_only(found) if writes_hcl else found

    return _kept(scope, "_constructs_lib_engine", find)  # type: ignore[no-any-return]
