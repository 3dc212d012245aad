output "github_endpoint" {
  description = "Give this URL to GitHub as the webhook's payload URL."
  value       = module.webhooks.github_endpoint
}

output "stripe_endpoint" {
  description = "Give this URL to Stripe as the webhook endpoint."
  value       = module.webhooks.stripe_endpoint
}

output "dead_letter_queue_urls" {
  description = "Deliveries that failed max_receive_count times wait here, by source."
  value = {
    github = module.webhooks.github_dlq_url
    stripe = module.webhooks.stripe_dlq_url
  }
}

output "rejected_queue_urls" {
  description = "Deliveries whose signature did not verify, by source."
  value = {
    github = module.webhooks.github_rejected_queue_url
    stripe = module.webhooks.stripe_rejected_queue_url
  }
}

output "state_machine_arns" {
  description = "The Express workflow that verifies and processes each source's deliveries."
  value = {
    github = module.webhooks.github_state_machine_arn
    stripe = module.webhooks.stripe_state_machine_arn
  }
}
