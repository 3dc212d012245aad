"""IAM and SQS policy documents as plain dicts; no cdktf.

Every grant names its resources, except the few actions AWS authorizes only on `*`
(`WILDCARD_RESOURCE_ACTIONS`, each with the reason).
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = [
    "assume_role_policy",
    "send_message_policy",
    "tls_only_queue_policy",
    "redrive_policy",
    "redrive_allow_policy",
    "check_statement",
    "check_statements",
    "secret_read_statements",
    "state_machine_policy",
    "pipe_policy",
    "queue_key_statements",
    "queue_key_policy",
    "keep_rejected_statements",
    "logs_key_policy",
    "execution_policy",
    "source_ip_policy",
    "KEY_ADMIN_ACTIONS",
    "WILDCARD_RESOURCE_ACTIONS",
]

VERSION = "2012-10-17"


def assume_role_policy(
    service: str, source_account: str | None = None, source_arn: str | None = None
) -> dict[str, Any]:
    """Trust policy that lets one AWS service principal assume the role.

    source_account: only on behalf of resources of this account; source_arn: only on behalf of
    this resource. These are the cross-service confused-deputy guards AWS recommends (IAM user
    guide, "The confused deputy problem"), for the services that set the keys when they assume
    a role: a condition on a key the service does not send would refuse the service itself.
    None = no such condition (see the README's "Trust policies" table for which service gets which).
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    condition: dict[str, Any] = {}
    if source_account is not None:
        condition["StringEquals"] = {"aws:SourceAccount": source_account}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return {"Version": VERSION, "Statement": [statement]}


def send_message_policy(queue_arns: Sequence[str], extra: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """What API Gateway's integration role may do: send to these queues and nothing else
    (`extra`: the grant on their customer-managed key, when they have one)."""
    if not queue_arns:
        raise ValueError("send_message_policy needs at least one queue ARN")
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "SendToWebhookQueues",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": list(queue_arns),
            },
            *extra,
        ],
    }


def tls_only_queue_policy(queue_arn: str) -> dict[str, Any]:
    """Deny any request to the queue that does not arrive over TLS (Security Hub SQS.3 spirit)."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def redrive_policy(dead_letter_queue_arn: str, max_receive_count: int) -> dict[str, Any]:
    return {"deadLetterTargetArn": dead_letter_queue_arn, "maxReceiveCount": max_receive_count}


def redrive_allow_policy(source_queue_arns: Sequence[str]) -> dict[str, Any]:
    """Only the named queues may use the DLQ as their dead-letter target."""
    return {"redrivePermission": "byQueue", "sourceQueueArns": list(source_queue_arns)}


# Actions AWS only authorizes on `*`, each with the reason; nothing else may use `*`.
WILDCARD_RESOURCE_ACTIONS: dict[str, str] = {
    **{
        action: "Step Functions sets up log delivery through CloudWatch Logs' vended-logs API, "
        "which has no resource-level permissions (Step Functions developer guide, 'IAM policies "
        "for logging to CloudWatch Logs')"
        for action in (
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        )
    },
    **{
        action: "X-Ray trace upload has no resource-level permissions (X-Ray developer guide, "
        "'Actions, resources and condition keys')"
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets")
    },
}


def secret_read_statements(secret_arn: str, kms_key_arn: str | None = None) -> list[dict[str, Any]]:
    """Read one secret; decrypt with its customer key when it has one (the AWS managed key
    needs no grant)."""
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadSigningSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn}
    ]
    if kms_key_arn is not None:
        statements += secret_key_statements(kms_key_arn)
    return statements


def secret_key_statements(kms_key_arn: str) -> list[dict[str, Any]]:
    """Decrypt a secret's value with its customer key, only through Secrets Manager."""
    return [
        {
            "Sid": "DecryptSigningSecret",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
        }
    ]


def state_machine_policy(
    function_arns: Sequence[str], *, tracing: bool, extra: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The workflow's role: invoke its Lambda functions, deliver its logs (and traces)."""
    statements: list[dict[str, Any]] = []
    if function_arns:
        statements.append(
            {"Sid": "InvokeWorkflowFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": list(function_arns)}
        )
    log_actions = [a for a, why in WILDCARD_RESOURCE_ACTIONS.items() if a.startswith("logs:")]
    statements.append({"Sid": "DeliverLogs", "Effect": "Allow", "Action": log_actions, "Resource": "*"})
    if tracing:
        xray = [a for a in WILDCARD_RESOURCE_ACTIONS if a.startswith("xray:")]
        statements.append({"Sid": "WriteTraces", "Effect": "Allow", "Action": xray, "Resource": "*"})
    statements.extend(extra)
    return {"Version": VERSION, "Statement": statements}


def pipe_policy(
    queue_arn: str, state_machine_arn: str, log_group_arn: str, extra: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The pipe's role: consume one queue, start one workflow synchronously, write its logs
    (`extra`: decrypt with the queue's customer-managed key, when it has one)."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ConsumeQueue",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "Resource": queue_arn,
            },
            {
                "Sid": "StartWorkflow",
                "Effect": "Allow",
                "Action": "states:StartSyncExecution",
                "Resource": state_machine_arn,
            },
            {
                "Sid": "WriteLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            *extra,
        ],
    }


# What the account may do with a key we create, listed rather than `kms:*`: every action
# that manages the key (so the account's IAM policies can administer it and it can never
# become unmanageable), plus the two SQS needs to read and move its messages (the console,
# `make redrive`). Signing, MAC and asymmetric actions do not apply to this key spec.
KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# SQS encrypts with a data key from KMS: a producer needs both actions, a consumer Decrypt
# (SQS developer guide, "Key management": "Example policies").
QUEUE_SEND_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
QUEUE_RECEIVE_KEY_ACTIONS = ("kms:Decrypt",)
# Only when SQS asks on the role's behalf, in any region of the key's (a KMS key is regional).
_VIA_SQS = {"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}}


def queue_key_statements(key_arn: str, *, send: bool) -> list[dict[str, Any]]:
    """The IAM grant of a role that sends to (`send`) or receives from queues under `key_arn`."""
    return [
        {
            "Sid": "UseQueueKey" if send else "DecryptQueue",
            "Effect": "Allow",
            "Action": list(QUEUE_SEND_KEY_ACTIONS if send else QUEUE_RECEIVE_KEY_ACTIONS),
            "Resource": key_arn,
            "Condition": _VIA_SQS,
        }
    ]


def _account_statement(partition: str, account: str, extra_actions: Sequence[str]) -> dict[str, Any]:
    return {
        "Sid": "AccountAdministersThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
        "Action": [*KEY_ADMIN_ACTIONS, *extra_actions],
        # In a key policy `*` is the key itself: the only resource KMS accepts there.
        "Resource": "*",
    }


def queue_key_policy(
    partition: str,
    account: str,
    *,
    sender_role_arns: Sequence[str],
    receiver_role_arns: Sequence[str],
    keeper_role_arns: Sequence[str] = (),
) -> dict[str, Any]:
    """The key policy of a queue key: the account administers it (and, through IAM, may read
    and redrive messages); the senders (the API) may encrypt, the receivers (the pipes)
    decrypt and the keepers (the workflows, which keep rejected deliveries) encrypt, all
    through SQS. No other principal appears."""
    if not sender_role_arns:
        raise ValueError("queue_key_policy needs the role that sends to the queues")

    def through_sqs(sid: str, roles: Sequence[str], actions: Sequence[str]) -> dict[str, Any]:
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": list(roles)},
            "Action": list(actions),
            "Resource": "*",
            "Condition": _VIA_SQS,
        }

    statements = [
        _account_statement(partition, account, QUEUE_SEND_KEY_ACTIONS),
        through_sqs("ApiGatewaySends", sender_role_arns, QUEUE_SEND_KEY_ACTIONS),
    ]
    if receiver_role_arns:
        statements.append(through_sqs("PipesReceive", receiver_role_arns, QUEUE_RECEIVE_KEY_ACTIONS))
    if keeper_role_arns:
        statements.append(through_sqs("WorkflowsKeepRejected", keeper_role_arns, QUEUE_SEND_KEY_ACTIONS))
    return {"Version": VERSION, "Statement": statements}


def keep_rejected_statements(queue_arn: str, key_arn: str | None = None) -> list[dict[str, Any]]:
    """The workflow's grant to keep rejected deliveries: send to its one rejected queue (and
    encrypt under the queue key, when there is one)."""
    statements: list[dict[str, Any]] = [
        {"Sid": "KeepRejected", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}
    ]
    if key_arn is not None:
        statements += keep_rejected_key_statements(key_arn)
    return statements


def keep_rejected_key_statements(key_arn: str) -> list[dict[str, Any]]:
    """The workflow's grant to encrypt the deliveries it keeps under the queue key."""
    return [{**queue_key_statements(key_arn, send=True)[0], "Sid": "KeepRejectedEncrypted"}]


def logs_key_policy(partition: str, region: str, account: str) -> dict[str, Any]:
    """The key policy of a log-group key: the account administers it; CloudWatch Logs of this
    region may use it for this account's log groups only (CloudWatch Logs user guide,
    "Encrypt log data in CloudWatch Logs using AWS KMS")."""
    return {
        "Version": VERSION,
        "Statement": [
            _account_statement(partition, account, ()),
            {
                "Sid": "CloudWatchLogsEncrypts",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"}
                },
            },
        ],
    }


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def check_statement(statement: Any) -> None:
    """An IAM statement a user passes in: it must name its actions and its resources."""
    if not isinstance(statement, dict):
        raise ValueError(f"policy statement {statement!r} is not a dict with Effect, Action and Resource")
    missing = [key for key in ("Effect", "Action", "Resource") if not statement.get(key)]
    if missing:
        raise ValueError(f"policy statement {statement!r} lacks {missing}: name the actions and the resources")
    if statement["Effect"] not in ("Allow", "Deny"):
        raise ValueError(f"policy statement Effect {statement['Effect']!r}: use 'Allow' or 'Deny'")
    if statement["Effect"] == "Allow":
        if any(action == "*" or action.endswith(":*") for action in _as_list(statement["Action"])):
            raise ValueError(
                f"policy statement {statement!r} allows every action of a service: list the actions "
                "the role needs (e.g. 'secretsmanager:GetSecretValue')"
            )
        if "*" in _as_list(statement["Resource"]):
            raise ValueError(
                f"policy statement {statement!r} allows its actions on every resource: name the ARN "
                "(e.g. the one secret it reads)"
            )


def check_statements(statements: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """`check_statement` on each; the statements, for a props validator to return."""
    for statement in statements:
        check_statement(statement)
    return statements


def execution_policy(log_group_arn: str, statements: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """The function role's inline policy: write to its own log group, plus the caller's grants.

    No logs:CreateLogGroup: the group exists before the function, so a missing grant cannot
    end in an unmanaged group without retention. The provider's log group `arn` has no `:*`
    suffix; log streams are `<arn>:*`.
    """
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            *statements,
        ],
    }


# What a policy without an address list allows: anyone may invoke, as without a policy.
ALLOW_INVOKE: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}


def source_ip_policy(cidrs: Any) -> dict[str, Any]:
    """Resource policy: invoke only from these CIDR ranges (e.g. a provider's published hook
    addresses). An explicit Deny for every other source address; `execute-api:/*` is the
    API's own ARN in API Gateway's resource-policy shorthand. `cidrs` may be a list token."""
    return {
        "Version": VERSION,
        "Statement": [
            ALLOW_INVOKE,
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": list(cidrs)}},
            },
        ],
    }



def open_policy() -> dict[str, Any]:
    """The resource policy of an empty allow-list: the same as none (any address)."""
    return {"Version": VERSION, "Statement": [ALLOW_INVOKE]}
