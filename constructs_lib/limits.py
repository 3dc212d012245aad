"""Limits of the AWS services the constructs configure, and the budgets derived from them.

Each number cites the service documentation that sets it; the props (`*_props.py`) check values
against them, and the builders size resources by them. Pure: no cdktf.
"""

from __future__ import annotations

__all__ = ["check_log_retention", "throttle_defaults"]

# SQS limits (CreateQueue / SendMessage API reference).
SQS_QUEUE_NAME_MAX = 80
SQS_MAX_MESSAGE_ATTRIBUTES = 10
SQS_MAX_MESSAGE_BYTES = 1048576
# Message attributes the stack adds beside the forwarded headers: when API Gateway received
# the request (every source), and why a delivery was rejected (on the kept copy, with
# processing). What is left of SQS's ten is for headers.
RECEIVED_AT_ATTRIBUTES = 1
REJECTED_REASON_ATTRIBUTES = 1
# Step Functions takes at most 256 KiB of input, and EventBridge Pipes bounds a batch for a
# Step Functions target by that payload size (EventBridge user guide, "Pipes batching and
# concurrency": "Step Functions state machines (262144 characters)"), so one record must fit.
STEP_FUNCTIONS_INPUT_BYTES = 262144
# In a record, the body and the attribute values are JSON strings, so a body of nothing but
# `"` or `\` doubles (non-ASCII stays UTF-8 in JSON); the rest of the record (receipt handle up
# to ~1 KiB, ids, timestamps, the queue ARN, each attribute's JSON keys) is far below this.
RECORD_OVERHEAD_BYTES = 8192
JSON_ESCAPE_FACTOR = 2
# What SQS may hold (body + attributes, which SQS counts together) for one record of the
# worst escaping to reach the workflow: 126,976 bytes.
PROCESSING_BODY_BYTES = (STEP_FUNCTIONS_INPUT_BYTES - RECORD_OVERHEAD_BYTES) // JSON_ESCAPE_FACTOR
INGEST_BODY_BYTES = 262144
IAM_ROLE_NAME_MAX = 64
# Lambda function, Step Functions state machine and EventBridge pipe name limits.
LAMBDA_NAME_MAX = 64
STATE_MACHINE_NAME_MAX = 80
PIPE_NAME_MAX = 64
# An EXPRESS execution runs at most five minutes (Step Functions quotas).
EXPRESS_MAX_SECONDS = 300
# Pipes' SQS source (PipeSourceSqsQueueParameters): batch 1-10000, window 0-300 s; as for
# Lambda's SQS event source, a batch above 10 needs a window and a FIFO queue takes no window
# and at most 10 records.
PIPE_BATCH_MAX = 10000
PIPE_WINDOW_MAX = 300
SQS_UNWINDOWED_BATCH_MAX = 10
# Headroom on top of the pipe's worst case when the visibility timeout is derived: polling,
# the synchronous start and the deletion of the batch take time too.
VISIBILITY_MARGIN_SECONDS = 30
DEFAULT_BATCH_SIZE = 10
# Per-source throttling defaults (requests per second, burst), by what the provider does with
# a 429: one that retries a refused delivery for hours loses nothing to a throttle; one that
# never retries (GitHub) loses every delivery a throttle refuses, so its route gets ten times
# the room, still a tenth of API Gateway's default account quota (10,000 rps, burst 5,000) so
# the account's other APIs keep theirs. Sources: the README's "Throttling" table.
RETRYING_THROTTLE = (100.0, 200)
NON_RETRYING_THROTTLE = (1000.0, 2000)
# Schemes whose providers retry a 429 or 5xx for hours (see the README table): Stripe for 3
# days, Shopify 4 hours, Mailgun 8 hours, Svix about 27 hours. Slack retries for 5 minutes and
# GitHub never, so they are not here.
RETRYING_SCHEMES = frozenset({"stripe", "shopify", "mailgun", "standard-webhooks"})
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)


def check_log_retention(prop: str, value: int) -> int:
    """CloudWatch Logs keeps logs only for these periods (PutRetentionPolicy)."""
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{prop}={value} is not a retention CloudWatch Logs offers: use one of {sorted(LOG_RETENTION_DAYS)}"
        )
    return value


def throttle_defaults(scheme: str | None) -> tuple[float, int]:
    """(rate, burst) a source gets when its throttle props are unset."""
    return RETRYING_THROTTLE if scheme in RETRYING_SCHEMES else NON_RETRYING_THROTTLE
