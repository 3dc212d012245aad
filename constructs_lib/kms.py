"""KMS: the customer-managed keys a stack creates when its props ask for them.

A queue key's policy names the roles that use it, and those roles are made after the queues
that the key encrypts; so the key is created first and its policy set once the roles exist
(`set_policy`). In Terraform that is one `aws_kms_key` with an inline policy: the roles come
first, then the key, then the queues and the roles' own grants (separate resources), and no
moment exists where AWS's default key policy is in force.

The encryption mode and the given key may be Terraform values (the committed module's
variables): then the key is created when the mode is 'kms' and no key is given (a `count`),
and `KeyInUse.arn` is the key in use, null without one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs import Construct

from . import engine
from .terraform_values import choose, count_when, instance_ref
from .tokens import is_token

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.kms_key import KmsKey

__all__ = ["CustomerKey", "KeyInUse", "key_in_use"]


class CustomerKey(Construct):
    """A symmetric KMS key, rotated every year, whose policy is set with `set_policy`.

    Public attributes: `key` (the KmsKey), `arn` (null in Terraform when `count` makes none).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        description: str,
        deletion_window_days: int,
        tags: dict[str, str],
        count: Any = None,
    ) -> None:
        super().__init__(scope, id_)
        self.key: KmsKey = engine.of(self).aws.KmsKey(
            self,
            "Key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_days,
            tags=tags or None,
            count=count,
        )
        self.arn: str = self.key.arn if count is None else instance_ref(self.key, "arn")

    def set_policy(self, policy: dict[str, Any]) -> None:
        self.key.policy = json.dumps(policy)


@dataclass(frozen=True)
class KeyInUse:
    """The customer-managed key of one kind of resource (queues, log groups).

    `key`: the key created here (None when one was given, or none is needed); `arn`: the key
    in use, created or given (None, or null in Terraform, without one); `used`: whether a
    key is in use, True / False or a Terraform bool."""

    key: CustomerKey | None
    arn: str | None
    used: Any

    @property
    def decided(self) -> bool:
        """Whether Python knows if a key is in use (else Terraform decides)."""
        return not is_token(self.used)


def key_in_use(
    scope: Construct,
    id_: str,
    *,
    encryption: str,
    given_arn: str | None,
    description: str,
    deletion_window_days: int,
    tags: dict[str, str],
) -> KeyInUse:
    """The key `encryption` ('kms' or a managed mode) asks for: `given_arn`, else one created
    with `id_`. Either may be a Terraform value."""
    core = engine.of(scope).core

    def create(count: Any = None) -> CustomerKey:
        return CustomerKey(
            scope, id_, description=description, deletion_window_days=deletion_window_days, tags=tags, count=count
        )

    if not is_token(encryption) and not is_token(given_arn):
        if encryption != "kms":
            return KeyInUse(None, None, False)
        if given_arn is not None:
            return KeyInUse(None, given_arn, True)
        key = create()
        return KeyInUse(key, key.arn, True)
    used: Any = core.Op.eq(encryption, "kms") if is_token(encryption) else encryption == "kms"
    if used is False:
        # A given key under a managed mode is refused by the props (or the module's validation).
        return KeyInUse(None, None, False)
    null = core.Token.null_value()
    if given_arn is None:
        key = create(count_when(scope, used))
        return KeyInUse(key, key.arn, used)
    if not is_token(given_arn):
        return KeyInUse(None, choose(scope, used, given_arn, null), used)
    missing = core.Op.eq(given_arn, null)
    key = create(count_when(scope, missing if used is True else core.Op.and_(used, missing)))
    in_use = choose(scope, missing, key.arn, given_arn)
    return KeyInUse(key, in_use if used is True else choose(scope, used, in_use, null), used)
