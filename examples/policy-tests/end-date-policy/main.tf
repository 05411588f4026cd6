# The contract end-date policy as a module of plain HCL, so that it can be
# unit-tested with `terraform test` without credentials: activated contracts
# ending within var.days days of var.now must have auto_renewal = true.
#
# The module computes the verdict; the configuration that uses it enforces
# it (a check block, a precondition...). Terraform runs a child module's
# check blocks but `terraform test` cannot expect their failure, so the
# enforcement lives where a test can expect it: see ../main.tf.

terraform {
  required_version = ">= 1.7.0"
}

variable "contracts" {
  description = "Contracts, e.g. data.talkdesk_contracts.x.contracts (other attributes are ignored)."
  type = list(object({
    contract_number = string
    status          = string
    end_date        = string
    auto_renewal    = optional(bool)
    account_id      = optional(string)
    lines = optional(list(object({
      product_id = optional(string)
    })), [])
  }))
}

variable "days" {
  type        = number
  default     = 60
  description = "Length of the window, in days."
  validation {
    condition     = var.days >= 0
    error_message = "days must be zero or more."
  }
}

variable "now" {
  type        = string
  description = "Start of the window, RFC 3339 (usually plantimestamp())."
  validation {
    condition     = can(timeadd(var.now, "0s"))
    error_message = "now must be an RFC 3339 timestamp."
  }
}

locals {
  horizon = timeadd(var.now, "${var.days * 24}h")

  # Activated contracts with an end date; the end date is parsed only then.
  # talkdesk_contracts gives a null status or end_date when the contract's
  # lines disagree on it (and warns): such a contract is outside the policy.
  activated = [
    for c in var.contracts : c
    if c.status != null && c.end_date != null ? upper(c.status) == "ACTIVATED" : false
  ]
  # Ending strictly inside (now, now + days), without an explicit
  # auto_renewal = true (null: not set, or the lines disagree).
  violations = [
    for c in local.activated : c
    if timecmp(c.end_date, var.now) > 0 && timecmp(c.end_date, local.horizon) < 0 && c.auto_renewal != true
  ]
  findings = [
    for c in local.violations : format(
      "%s  account %s contract %s, %d line(s): %s, auto_renewal = %s",
      c.end_date,
      coalesce(c.account_id, "?"),
      coalesce(c.contract_number, "?"),
      length(c.lines),
      join(", ", [for l in c.lines : coalesce(l.product_id, "?")]),
      c.auto_renewal == null ? "null" : tostring(c.auto_renewal),
    )
  ]
}

output "violations" {
  description = "Numbers of the contracts that break the policy, sorted: one per contract, however many lines it has."
  value       = sort([for c in local.violations : coalesce(c.contract_number, "?")])
}

output "message" {
  description = "The policy's verdict in words: one line per violating contract, in input order, or the empty string when none."
  value = length(local.violations) == 0 ? "" : format(
    "%d activated contract(s) end within %d days without auto-renewal:\n%s",
    length(local.violations), var.days, join("\n", local.findings),
  )
}

output "window" {
  description = "The window checked: [start, end)."
  value       = [var.now, local.horizon]
}
