variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "AWS region to deploy into (the ARNs below name eu-west-1)."
}

provider "aws" {
  region = var.region
}

# Every variable of the module, and every attribute of its object variables, set to a value
# other than its default. The ARNs are placeholders of account 123456789012: use your own.
module "webhooks" {
  source = "../../../modules/webhook-ingest"

  name_prefix = "acme-webhooks-prod"
  tags = {
    team        = "payments"
    environment = "production"
  }

  # Stage-wide limits, for methods without their own (each source's route has its own below).
  throttle_rate_limit  = 50
  throttle_burst_limit = 100

  access_log_retention_days = 365

  # GitHub's published hook ranges (https://api.github.com/meta) and two of Stripe's webhook
  # addresses (https://docs.stripe.com/ips): list them all before relying on this.
  allowed_source_ips = [
    "192.30.252.0/22",
    "185.199.108.0/22",
    "140.82.112.0/20",
    "143.55.64.0/20",
    "3.18.12.63/32",
    "3.130.192.231/32",
  ]

  # Callers must send the usage plan's key as x-api-key: GitHub and Stripe cannot, so this
  # suits a relay in front of the API that adds the header.
  api_key_required = true

  # Another stack already set API Gateway's CloudWatch role in this account and region.
  manage_account_logging_role = false

  tracing     = true
  web_acl_arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/hooks/abcd1234"

  # Customer-managed keys of your own (null = the module creates one per kind). Their policies
  # must let the module's roles use them: see the module README's inputs.
  queue_encryption  = "kms"
  queue_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  log_encryption    = "kms"
  log_kms_key_arn   = "arn:aws:kms:eu-west-1:123456789012:key/5678abcd-56ef-78ab-90cd-5678901234cd"
  # Applies to keys the module creates (none here, both are given).
  kms_deletion_window_days = 14

  sources = {
    github = {
      max_receive_count          = 3
      retention_seconds          = 604800  # 7 days; at least the visibility timeout
      dlq_retention_seconds      = 1036800 # 12 days; at least retention_seconds
      visibility_timeout_seconds = 180     # at least batch_window_seconds + 60
      throttle_rate_limit        = 500
      throttle_burst_limit       = 1000 # at least throttle_rate_limit
      rejected_retention_seconds = 604800
      batch_size                 = 5 # at most 10: the workflow has 60 s for a batch
      batch_window_seconds       = 30
      log_retention_days         = 90
      secret_arn                 = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:github-AbCdEf"
      secret_kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/9abcdef0-9abc-def0-1234-9abcdef01234"
    }
    stripe = {
      max_receive_count          = 4
      retention_seconds          = 259200 # 3 days
      dlq_retention_seconds      = 864000 # 10 days
      visibility_timeout_seconds = 120
      throttle_rate_limit        = 50
      throttle_burst_limit       = 150
      rejected_retention_seconds = 864000
      batch_size                 = 2
      batch_window_seconds       = 10
      log_retention_days         = 14
      secret_arn                 = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stripe-GhIjKl"
      secret_kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/9abcdef0-9abc-def0-1234-9abcdef01234"
    }
  }

  alarms = {
    actions                        = ["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]
    dlq_messages_threshold         = 5
    oldest_message_age_seconds     = 600
    rejections_threshold           = 10
    failed_executions_threshold    = 3
    timed_out_executions_threshold = 2
    pipe_failures_threshold        = 2
    api_5xx_threshold              = 5
    period_seconds                 = 60
    evaluation_periods             = 5 # 5 x 60 s, within CloudWatch's one day
  }
}
