"""A Terraform stack set up the way our synthesized output must look on any machine."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from constructs import Construct
from jsii import JSIIMeta

from . import engine

# Tested against the offline 5.100.0 provider; the bindings are generated from 6.x, whose
# schema our resources also fit. Users run either major version.
AWS_PROVIDER_CONSTRAINT = ">= 5.100.0, < 7.0.0"

if TYPE_CHECKING:
    from cdktf import TerraformStack as _Stack
else:
    _Stack = object


class _OnTheAppsEngine(JSIIMeta):
    """Makes `WebhookStack(app, ...)` (or a subclass of it) a TerraformStack of the app's engine.

    The class a user names has no TerraformStack base; the first call for an engine derives
    one that has (`WebhookStack` + `cdktn.TerraformStack`, say), cached, and builds that. So
    `isinstance(stack, WebhookStack)` holds, and the stack is the engine's own TerraformStack.
    """

    def __call__(cls, scope: Construct, *args: Any, **kwargs: Any) -> Any:
        if getattr(cls, "__jsii_type__", None) is None:
            return _derived(cls, engine.of(scope).name)(scope, *args, **kwargs)
        return super().__call__(scope, *args, **kwargs)


@functools.cache
def _derived(cls: type, engine_name: str) -> type:
    """`cls` on that engine's TerraformStack, made once per class and engine."""
    namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
    return _OnTheAppsEngine(cls.__name__, (cls, engine.ENGINES[engine_name].core.TerraformStack), namespace)


class WebhookStack(_Stack, metaclass=_OnTheAppsEngine):
    """A stack with the AWS provider (region from the `region` variable) and a portable backend.

    cdktf's default local backend records an absolute path to the state file, which makes the
    synthesized JSON differ between machines and checkouts. This one names the same file,
    `terraform.<stack>.tfstate` in the project root, relative to `cdktf.out/stacks/<stack>/`
    where `cdktf deploy` runs Terraform.

    The stack is a TerraformStack of the app's engine (CDKTF's or CDK Terrain's, see
    constructs_lib.engine). The provider version constraint is ours on both: the engines
    would each write their own bindings' exact version.
    """

    def __init__(self, scope: Construct, id_: str, *, default_region: str = "us-east-1") -> None:
        super().__init__(scope, id_)
        found = engine.of(self)
        region = found.core.TerraformVariable(
            self,
            "region",
            type="string",
            default=default_region,
            description="AWS region to deploy into",
        )
        found.aws.AwsProvider(self, "aws", region=region.string_value)
        found.core.LocalBackend(self, path=f"../../../terraform.{id_}.tfstate")
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT)
