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

# 36 hours are one whole day; the API's timestamps are accepted as they come.
output "whole_days" {
  value = provider::talkdesk::days_between("2024-08-31T00:00:00.000Z", "2024-09-01T12:00:00Z") # 1
}

# Days left until a contract ends (negative once it has ended).
output "days_left" {
  value = provider::talkdesk::days_between(plantimestamp(), "2030-01-01T00:00:00.000Z")
}
