# Configuration using provider functions must include required_providers configuration.
terraform {
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
  # Provider functions require Terraform 1.8 and later (OpenTofu 1.7 and later).
  required_version = ">= 1.8.0"
}

output "previous_month" {
  value = provider::talkdesk::month_add("2026-01", -1) # "2025-12"
}

# Twelve months ago as YYYY-MM, e.g. for talkdesk_usage_summary's from_month.
output "a_year_ago" {
  value = provider::talkdesk::month_add(formatdate("YYYY-MM", plantimestamp()), -12)
}
