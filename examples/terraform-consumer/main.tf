# A root module that receives GitHub webhooks through the module `make module` writes.
#
#   make module
#   cd examples/terraform-consumer
#   terraform init && terraform apply -var environment=staging
#
# The root module owns the provider configuration and the backend; the module has neither.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "AWS region to deploy into"
}

variable "environment" {
  type        = string
  default     = "dev"
  description = "Environment name; part of every resource name"
}

provider "aws" {
  region = var.region
}

module "webhooks" {
  source = "../../dist/terraform-aws-webhook-ingest"

  name_prefix       = "acme-${var.environment}"
  tags              = { environment = var.environment, owner = "platform" }
  max_receive_count = 3
  retention_seconds = 7 * 86400
  batch_size        = 5
}

output "github_endpoint" {
  description = "Give this URL to GitHub as the webhook's payload URL"
  value       = module.webhooks.github_endpoint
}

output "github_secret_arn" {
  description = "Put the webhook's secret here: aws secretsmanager put-secret-value --secret-id <this>"
  value       = module.webhooks.github_secret_arn
}

output "github_dlq_url" {
  description = "Deliveries that failed max_receive_count times wait here"
  value       = module.webhooks.github_dlq_url
}
