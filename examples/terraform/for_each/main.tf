variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "AWS region to deploy into."
}

provider "aws" {
  region = var.region
}

# Two receivers side by side, e.g. for a blue/green switch of the providers' webhook URLs.
module "webhooks" {
  source   = "../../../modules/webhook-ingest"
  for_each = toset(["blue", "green"])

  name_prefix = "acme-webhooks-${each.key}"
  tags        = { colour = each.key }

  # API Gateway has one CloudWatch role setting per account and region: only one instance
  # manages it, or the two would overwrite each other's and destroying one would unset it.
  manage_account_logging_role = each.key == "blue"
}
