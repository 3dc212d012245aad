"""Fields of an ARN that Terraform knows only at plan time."""

from __future__ import annotations

from constructs import IConstruct

from . import engine

PARTITION, REGION, ACCOUNT = 1, 3, 4


def arn_part(scope: IConstruct, arn: str, index: int) -> str:
    """A field of an ARN (PARTITION, REGION or ACCOUNT), read by Terraform at plan time.

    Taking region and account from a resource's own ARN needs no data source, so the module
    works unchanged with provider 5.x and 6.x and in any partition. `scope`: where the
    expression is used (it names the engine).
    """
    fn = engine.of(scope).core.Fn
    return str(fn.element(fn.split(":", arn), index))
