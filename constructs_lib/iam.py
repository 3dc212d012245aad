"""IAM: a service role with its one inline policy, as every construct here makes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs import Construct

from . import engine, policies
from .terraform_values import json_text

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.iam_role import IamRole
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy

__all__ = ["ServiceRole", "service_role"]


@dataclass(frozen=True)
class ServiceRole:
    role: IamRole
    policy: IamRolePolicy


def service_role(
    scope: Construct,
    ids: tuple[str, str],
    *,
    name: str,
    description: str,
    service: str,
    policy_name: str,
    policy: dict[str, Any],
    tags: dict[str, str] | None,
    source_account: str | None = None,
    source_arn: str | None = None,
) -> ServiceRole:
    """A role that only `service` may assume (for resources of `source_account`, and for the
    one resource `source_arn`, when given: see policies.assume_role_policy),
    and its inline policy as a separate resource: a policy that names resources which name the
    role would otherwise make a cycle. `ids` are the construct IDs of role and policy, which
    are a contract (renaming one replaces a live resource)."""
    role_id, policy_id = ids
    aws = engine.of(scope).aws
    role = aws.IamRole(
        scope,
        role_id,
        name=name,
        description=description,
        assume_role_policy=json.dumps(policies.assume_role_policy(service, source_account, source_arn)),
        tags=tags or None,
    )
    inline = aws.IamRolePolicy(scope, policy_id, name=policy_name, role=role.id, policy=json_text(scope, policy))
    return ServiceRole(role, inline)
