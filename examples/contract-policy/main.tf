# Contract end-date policy, as warnings: every activated contract line that
# ends within var.days days must renew automatically (auto_renewal = true).
# Lines that break the rule are reported by a `check` block, which warns on
# every plan and apply without blocking them. See ../contract-policy-strict
# for the variant that fails the plan.

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
  description = "Warn about activated contract lines ending within this many days without auto-renewal."
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

# The provider narrows the read to activated lines ending inside the window.
data "talkdesk_subscriptions" "ending" {
  status      = "ACTIVATED"
  ends_after  = local.now
  ends_before = local.horizon
}

locals {
  accounts = { for a in data.talkdesk_accounts.all.accounts : a.id => a }

  # auto_renewal may be null (not set): only an explicit true passes.
  # Keyed by end date so the report lists the soonest first.
  offending = {
    for s in data.talkdesk_subscriptions.ending.subscriptions : "${s.end_date}/${s.id}" => s
    if s.auto_renewal != true
  }
  violations = [
    for k in sort(keys(local.offending)) : format(
      "%s  %s (%s) contract %s, line %s: %s, auto_renewal = %s",
      formatdate("YYYY-MM-DD", local.offending[k].end_date),
      try(local.accounts[local.offending[k].account_id].name, local.offending[k].account_id),
      try(local.accounts[local.offending[k].account_id].company_name, "?"),
      local.offending[k].contract_number,
      local.offending[k].id,
      local.offending[k].product_id,
      local.offending[k].auto_renewal == null ? "null" : tostring(local.offending[k].auto_renewal),
    )
  ]
}

check "contract_end_dates" {
  assert {
    condition     = length(local.violations) == 0
    error_message = "${length(local.violations)} activated contract line(s) end within ${var.days} days without auto-renewal:\n${join("\n", local.violations)}"
  }
}

output "violations" {
  description = "Activated contract lines ending within var.days days without auto_renewal = true."
  value       = local.violations
}

output "violation_count" {
  description = "Number of lines in violations."
  value       = length(local.violations)
}

output "lines_checked" {
  description = "Activated contract lines ending within var.days days."
  value       = length(data.talkdesk_subscriptions.ending.subscriptions)
}
