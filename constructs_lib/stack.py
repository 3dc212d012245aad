"""A Terraform stack set up the way our synthesized output must look on any machine."""

from __future__ import annotations

from cdktf import LocalBackend, TerraformStack, TerraformVariable
from . import _provider  # noqa: F401  # isort: skip  # before the bindings: loads them lazily
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

# Tested against the offline 5.100.0 provider; the bindings are generated from 6.x, whose
# schema our resources also fit. Users run either major version.
AWS_PROVIDER_CONSTRAINT = ">= 5.100.0, < 7.0.0"


class WebhookStack(TerraformStack):
    """A stack with the AWS provider (region from the `region` variable) and a portable backend.

    cdktf's default local backend records an absolute path to the state file, which makes the
    synthesized JSON differ between machines and checkouts. This one names the same file,
    `terraform.<stack>.tfstate` in the project root, relative to `cdktf.out/stacks/<stack>/`
    where `cdktf deploy` runs Terraform.
    """

    def __init__(self, scope: Construct, id_: str, *, default_region: str = "us-east-1") -> None:
        super().__init__(scope, id_)
        region = TerraformVariable(
            self,
            "region",
            type="string",
            default=default_region,
            description="AWS region to deploy into",
        )
        AwsProvider(self, "aws", region=region.string_value)
        LocalBackend(self, path=f"../../../terraform.{id_}.tfstate")
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT)
