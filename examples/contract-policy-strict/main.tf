# Contract end-date policy, enforced: the plan FAILS when an activated
# contract ends within var.days days without auto-renewal. Run it in CI
# (for example nightly, or before a change to the Talkdesk estate) to stop
# until someone renews or re-negotiates the contract.
#
# The rule is a postcondition on the data source, so Terraform evaluates it
# as soon as the contracts are read, during `plan`.

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
  description = "Fail when an activated contract ends within this many days without auto-renewal."
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

data "talkdesk_contracts" "ending" {
  status      = "ACTIVATED"
  ends_after  = local.now
  ends_before = local.horizon

  lifecycle {
    postcondition {
      # auto_renewal may be null (not set, or the lines disagree): only an
      # explicit true passes.
      condition = alltrue([for c in self.contracts : c.auto_renewal == true])
      error_message = format(
        "Contract end-date policy: %d activated contract(s) end within %d days without auto-renewal. Renew them or turn auto-renewal on:\n%s",
        length([for c in self.contracts : c if c.auto_renewal != true]),
        var.days,
        join("\n", [
          for c in self.contracts :
          "${formatdate("YYYY-MM-DD", c.end_date)}  ${lookup(local.account_names, c.account_id, c.account_id)} contract ${c.contract_number}: ${join(", ", [for l in c.lines : "${l.product_id} x${l.quantity}"])}, auto_renewal = ${c.auto_renewal == null ? "null" : tostring(c.auto_renewal)}"
          if c.auto_renewal != true
        ]),
      )
    }
  }
}

output "compliant_contracts" {
  description = "Activated contracts ending within var.days days, soonest first (all renew automatically, or the plan would have failed)."
  value = [
    for c in data.talkdesk_contracts.ending.contracts :
    "${formatdate("YYYY-MM-DD", c.end_date)}  ${lookup(local.account_names, c.account_id, c.account_id)} contract ${c.contract_number}: ${length(c.lines)} line(s)"
  ]
}

output "policy" {
  description = "The policy that passed."
  value       = "No activated contract ends within ${var.days} days without auto-renewal."
}
