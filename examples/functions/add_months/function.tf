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

# A month later, clamped to the last day of February in a leap year.
output "one_month_later" {
  value = provider::talkdesk::add_months("2024-01-31T00:00:00Z", 1) # "2024-02-29T00:00:00Z"
}

# A contract's end date plus a 12-month renewal term.
output "renewed_end_date" {
  value = provider::talkdesk::add_months("2024-08-31T00:00:00.000Z", 12) # "2025-08-31T00:00:00Z"
}
