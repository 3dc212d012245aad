"""KMS: the customer-managed keys a stack creates when its props ask for them.

A queue key's policy names the roles that use it, and those roles are made after the queues
that the key encrypts; so the key is created first and its policy set once the roles exist
(`set_policy`). In Terraform that is one `aws_kms_key` with an inline policy: the roles come
first, then the key, then the queues and the roles' own grants (separate resources), and no
moment exists where AWS's default key policy is in force.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from constructs import Construct

from . import engine

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.kms_key import KmsKey

__all__ = ["CustomerKey"]


class CustomerKey(Construct):
    """A symmetric KMS key, rotated every year, whose policy is set with `set_policy`.

    Public attributes: `key` (the KmsKey), `arn`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        description: str,
        deletion_window_days: int,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.key: KmsKey = engine.of(self).aws.KmsKey(
            self,
            "Key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_days,
            tags=tags or None,
        )
        self.arn: str = self.key.arn

    def set_policy(self, policy: dict[str, Any]) -> None:
        self.key.policy = json.dumps(policy)
