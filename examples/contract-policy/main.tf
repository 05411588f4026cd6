# Contract end-date policy, as warnings: every activated contract that ends
# within var.days days must renew automatically (auto_renewal = true).
# Contracts that break the rule are reported by a `check` block, one line
# per contract, which warns on every plan and apply without blocking them.
# See ../contract-policy-strict for the variant that fails the plan.

terraform {
  # provider::talkdesk::days_between: Terraform 1.8+, OpenTofu 1.7+.
  required_version = ">= 1.8.0"
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
  description = "Warn about activated contracts ending within this many days without auto-renewal."
  validation {
    condition     = var.days >= 0
    error_message = "days must be zero or more."
  }
}

locals {
  now     = plantimestamp()
  horizon = timeadd(local.now, "${var.days * 24}h")
}

data "talkdesk_accounts" "all" {}

# The provider groups the lines into contracts and narrows the read to
# activated contracts ending inside the window, soonest first.
data "talkdesk_contracts" "ending" {
  status      = "ACTIVATED"
  ends_after  = local.now
  ends_before = local.horizon
}

locals {
  accounts = { for a in data.talkdesk_accounts.all.accounts : a.id => a }

  # auto_renewal may be null (not set, or the contract's lines disagree, in
  # which case the read warns too): only an explicit true passes.
  offending = [for c in data.talkdesk_contracts.ending.contracts : c if c.auto_renewal != true]
  violations = [
    for c in local.offending : format(
      "%s (%d days left)  %s (%s) contract %s, %d line(s): %s, auto_renewal = %s",
      formatdate("YYYY-MM-DD", c.end_date),
      provider::talkdesk::days_between(local.now, c.end_date),
      try(local.accounts[c.account_id].name, c.account_id),
      try(local.accounts[c.account_id].company_name, "?"),
      c.contract_number,
      length(c.lines),
      join(", ", c.lines[*].product_id),
      c.auto_renewal == null ? "null" : tostring(c.auto_renewal),
    )
  ]
}

check "contract_end_dates" {
  assert {
    condition     = length(local.violations) == 0
    error_message = "${length(local.violations)} activated contract(s) end within ${var.days} days without auto-renewal:\n${join("\n", local.violations)}"
  }
}

output "violations" {
  description = "Activated contracts ending within var.days days without auto_renewal = true, soonest first."
  value       = local.violations
}

output "violation_count" {
  description = "Number of contracts in violations."
  value       = length(local.violations)
}

output "contracts_checked" {
  description = "Activated contracts ending within var.days days."
  value       = length(data.talkdesk_contracts.ending.contracts)
}
