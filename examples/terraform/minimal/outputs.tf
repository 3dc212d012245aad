output "github_endpoint" {
  description = "Give this URL to GitHub as the webhook's payload URL."
  value       = module.webhooks.github_endpoint
}

output "github_secret_arn" {
  description = "Put the GitHub webhook's secret here: aws secretsmanager put-secret-value --secret-id <this> --secret-string <secret>."
  value       = module.webhooks.github_secret_arn
}

output "stripe_endpoint" {
  description = "Give this URL to Stripe as the webhook endpoint."
  value       = module.webhooks.stripe_endpoint
}

output "stripe_secret_arn" {
  description = "Put the Stripe endpoint's signing secret (whsec_...) here."
  value       = module.webhooks.stripe_secret_arn
}
