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

output "months" {
  value = provider::talkdesk::months("2025-11", "2026-02") # ["2025-11", "2025-12", "2026-01", "2026-02"]
}

# One row per month of the last quarter, months without usage included.
locals {
  this_month = formatdate("YYYY-MM", plantimestamp())
}

output "last_three_months" {
  value = provider::talkdesk::months(
    provider::talkdesk::month_add(local.this_month, -3),
    provider::talkdesk::month_add(local.this_month, -1),
  )
}
