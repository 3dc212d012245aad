"""Fields of an ARN that Terraform knows only at plan time."""

from __future__ import annotations

from cdktf import Fn

PARTITION, REGION, ACCOUNT = 1, 3, 4


def arn_part(arn: str, index: int) -> str:
    """A field of an ARN (PARTITION, REGION or ACCOUNT), read by Terraform at plan time.

    Taking region and account from a resource's own ARN needs no data source, so the module
    works unchanged with provider 5.x and 6.x and in any partition.
    """
    return Fn.element(Fn.split(":", arn), index)
