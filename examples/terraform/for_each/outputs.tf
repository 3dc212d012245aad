output "github_endpoints" {
  description = "GitHub payload URL of each instance (blue, green)."
  value       = { for instance, webhooks in module.webhooks : instance => webhooks.github_endpoint }
}

output "stripe_endpoints" {
  description = "Stripe endpoint URL of each instance (blue, green)."
  value       = { for instance, webhooks in module.webhooks : instance => webhooks.stripe_endpoint }
}

output "secret_arns" {
  description = "Signing secrets to set after apply, by instance and source."
  value = {
    for instance, webhooks in module.webhooks : instance => {
      github = webhooks.github_secret_arn
      stripe = webhooks.stripe_secret_arn
    }
  }
}
