variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "AWS region to deploy into."
}

provider "aws" {
  region = var.region
}

# Every other variable keeps the module's default.
module "webhooks" {
  source = "../../../modules/webhook-ingest"

  name_prefix = "acme-webhooks"
}
