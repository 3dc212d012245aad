"""Props that are Terraform values: real cdktf tokens are recognized (tokens.py reads cdktf's
encodings without importing it), let through the props' checks, and still leave plain bad
values refused. Whether the constructs then write them as working Terraform is proven by the
committed module's plans and apply (tests/engines/test_module*.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from constructs_lib.prop_errors import PropsError, parse_props
from constructs_lib.tokens import has_token, is_token
from constructs_lib.webhook_props import WebhookIngestProps
from examples.module_config import props

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def variables() -> dict[str, Any]:
    from cdktf import App, TerraformStack, TerraformVariable, Token

    stack = TerraformStack(App(), "tokens")
    made = {
        kind: TerraformVariable(stack, kind, type=kind)
        for kind in ("string", "number", "bool", "list(string)", "map(string)")
    }
    return {
        "string": made["string"].string_value,
        "number": made["number"].number_value,
        "bool": made["bool"].boolean_value,
        "list": made["list(string)"].list_value,
        "map": Token.as_string_map(made["map(string)"].value),
    }


def test_every_kind_of_cdktf_token_is_recognized(variables: dict[str, Any]) -> None:
    from cdktf import Fn, Token

    for kind, value in variables.items():
        assert is_token(value), kind
    assert is_token(f"prefix-{variables['string']}-suffix")
    assert is_token(Token.as_any(Fn.concat([["a"], ["b"]])))
    assert has_token({"a": [1, {"b": variables["number"]}]})


def test_plain_values_are_not_tokens() -> None:
    for value in ("", "${var.x}", "#{x}", 0, -1.5, math.nan, math.inf, True, None, [], ["a"], {"k": "v"}):
        assert not is_token(value), value
    assert not has_token({"a": [1, {"b": "c"}], "d": (2.5,)})


def with_values(**values: Any) -> dict[str, Any]:
    return {**dict(props()), **values}


def test_encryption_settings_accept_terraform_values(variables: dict[str, Any]) -> None:
    checked = parse_props(
        WebhookIngestProps,
        with_values(
            queue_encryption=variables["string"],
            queue_kms_key_arn=variables["string"],
            log_encryption=variables["string"],
            log_kms_key_arn=variables["string"],
            kms_deletion_window_days=variables["number"],
        ),
    )
    assert is_token(checked.queue_encryption) and is_token(checked.kms_deletion_window_days)


def test_a_rule_across_a_token_and_a_plain_value_is_left_to_terraform(variables: dict[str, Any]) -> None:
    # Plain, the key without 'kms' is refused; with the mode a Terraform value it cannot be decided.
    with pytest.raises(PropsError, match="queue_kms_key_arn=.* is set but queue_encryption='sqs-managed'"):
        parse_props(WebhookIngestProps, with_values(queue_kms_key_arn=KEY))
    parse_props(WebhookIngestProps, with_values(queue_kms_key_arn=KEY, queue_encryption=variables["string"]))
    parse_props(WebhookIngestProps, with_values(log_kms_key_arn=variables["string"]))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"queue_encryption": "SSE-KMS"}, "queue_encryption: Input should be 'sqs-managed' or 'kms'"),
        ({"kms_deletion_window_days": 6}, "kms_deletion_window_days: Input should be greater than or equal to 7"),
        ({"log_encryption": "kms", "log_kms_key_arn": KEY + "\n"}, "log_kms_key_arn: log_kms_key_arn .* is not a KMS key ARN"),
    ],
)
def test_plain_bad_values_are_still_refused_beside_tokens(variables: dict[str, Any], values: dict[str, Any], message: str) -> None:
    with pytest.raises(PropsError, match=message):
        parse_props(WebhookIngestProps, with_values(name=variables["string"], **values))
