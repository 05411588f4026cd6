# Contract end-date policy wired to the Talkdesk provider. The policy itself
# lives in ./end-date-policy (plain HCL, unit-tested by *.tftest.hcl here):
#
#   terraform get && terraform test      # no credentials, no API calls
#
# Against a real organization (or the sandbox) it warns like ../contract-policy:
#
#   terraform apply -var days=90

terraform {
  required_version = ">= 1.7.0"
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

provider "talkdesk" {}

variable "days" {
  type        = number
  default     = 60
  description = "Warn about activated contract lines ending within this many days without auto-renewal."
}

variable "now" {
  type        = string
  default     = null
  description = "Start of the window (RFC 3339); defaults to plantimestamp(). Set it to replay the policy at a given date."
}

locals {
  now = coalesce(var.now, plantimestamp())
}

# The provider narrows the read to the window; the module checks it again, so
# the policy does not depend on the provider's filters.
data "talkdesk_subscriptions" "ending" {
  status      = "ACTIVATED"
  ends_after  = local.now
  ends_before = timeadd(local.now, "${var.days * 24}h")
}

module "end_date_policy" {
  source = "./end-date-policy"

  subscriptions = data.talkdesk_subscriptions.ending.subscriptions
  days          = var.days
  now           = local.now
}

output "violations" {
  description = "Ids of the activated contract lines ending within var.days days without auto-renewal."
  value       = module.end_date_policy.violations
}

output "window" {
  description = "The window checked."
  value       = module.end_date_policy.window
}
