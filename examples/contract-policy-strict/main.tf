# Contract end-date policy, enforced: the plan FAILS when an activated
# contract line ends within var.days days without auto-renewal. Run it in CI
# (for example nightly, or before a change to the Talkdesk estate) to stop
# until someone renews or re-negotiates the contract.
#
# The rule is a postcondition on the data source, so Terraform evaluates it
# as soon as the lines are read, during `plan`.

terraform {
  required_version = ">= 1.5.0"
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
  description = "Fail when an activated contract line ends within this many days without auto-renewal."
  validation {
    condition     = var.days >= 0
    error_message = "days must be zero or more."
  }
}

locals {
  now     = plantimestamp()
  horizon = timeadd(local.now, "${var.days * 24}h")

  account_names = { for a in data.talkdesk_accounts.all.accounts : a.id => "${a.name} (${a.company_name})" }
}

data "talkdesk_accounts" "all" {}

data "talkdesk_subscriptions" "ending" {
  status      = "ACTIVATED"
  ends_after  = local.now
  ends_before = local.horizon

  lifecycle {
    postcondition {
      # auto_renewal may be null (not set): only an explicit true passes.
      condition = alltrue([for s in self.subscriptions : s.auto_renewal == true])
      error_message = format(
        "Contract end-date policy: %d activated contract line(s) end within %d days without auto-renewal. Renew them or turn auto-renewal on:\n%s",
        length([for s in self.subscriptions : s if s.auto_renewal != true]),
        var.days,
        join("\n", sort([
          for s in self.subscriptions :
          "${formatdate("YYYY-MM-DD", s.end_date)}  ${lookup(local.account_names, s.account_id, s.account_id)} contract ${s.contract_number}: ${s.product_id} x${s.quantity}, auto_renewal = ${s.auto_renewal == null ? "null" : tostring(s.auto_renewal)}"
          if s.auto_renewal != true
        ])),
      )
    }
  }
}

output "compliant_lines" {
  description = "Activated contract lines ending within var.days days (all renew automatically, or the plan would have failed)."
  value = [
    for s in data.talkdesk_subscriptions.ending.subscriptions :
    "${formatdate("YYYY-MM-DD", s.end_date)}  ${lookup(local.account_names, s.account_id, s.account_id)} contract ${s.contract_number}: ${s.product_id} x${s.quantity}"
  ]
}

output "policy" {
  description = "The policy that passed."
  value       = "No activated contract line ends within ${var.days} days without auto-renewal."
}
