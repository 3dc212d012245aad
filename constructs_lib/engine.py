"""The one place that knows which engine a construct tree runs on: CDKTF or CDK Terrain.

HashiCorp archived CDKTF (`cdktf`, with `cdktf-cdktf-provider-aws`) in December 2025; CDK
Terrain (`cdktn`, with `cdktn-provider-aws`) continues it with the same classes under other
package names. The constructs here run on either, chosen by the app they are added to: a user
writes `from cdktn import App` instead of `from cdktf import App` and nothing else changes.

Every construct asks `of(scope)` for its engine, then takes the engine's core classes
(`engine.core.Fn`, `engine.core.TerraformOutput`, ...) and the AWS provider's classes
(`engine.aws.SqsQueue`, ...) from it. Objects of the two engines never mix in one tree: a
cdktf resource in a cdktn stack fails only at synth, with a message about neither.

How a tree's engine is found: the jsii type of the tree's root (`cdktf.App` or `cdktn.App`),
else of the first construct on the way down that belongs to an engine (a stack); a tree of
plain `constructs.Construct` takes the default, cdktf when it is installed. The jsii type is
read from the class, so neither engine is imported to ask. (`TerraformStack.of()` cannot
tell: CDK Terrain kept CDKTF's internal identity keys, so each accepts the other's stacks.)

Type checkers see the cdktf classes (the default engine, whose names CDK Terrain kept).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Engine:
    """A CDK engine: its core package (`cdktf` or `cdktn`) and its prebuilt AWS provider."""

    name: str
    provider_package: str
    # What `pip install` needs for it, for the error when it is missing.
    install: str
    aws: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "aws", _Provider(self))

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
        "cdktf", "cdktf_cdktf_provider_aws", "pip install cdktf-aws-webhook-ingest (cdktf and its AWS provider)"
    ),
    "cdktn": Engine(
        "cdktn", "cdktn_provider_aws", "pip install 'cdktf-aws-webhook-ingest[cdktn]' (CDK Terrain and its AWS provider)"
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


def of(scope: IConstruct) -> Engine:
    """The engine of the tree `scope` belongs to."""
    node = scope.node
    found = _engine_of_class(type(node.root))
    if found is not None:
        return found
    for construct in node.scopes:
        found = _engine_of_class(type(construct))
        if found is not None:
            return found
    return default()
