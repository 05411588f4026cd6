# The contract end-date policy as a module of plain HCL, so that it can be
# unit-tested with `terraform test` without credentials: activated contract
# lines ending within var.days days of var.now must have auto_renewal = true.

terraform {
  required_version = ">= 1.7.0"
}

variable "subscriptions" {
  description = "Contract lines, e.g. data.talkdesk_subscriptions.x.subscriptions (other attributes are ignored)."
  type = list(object({
    id              = string
    status          = string
    end_date        = string
    auto_renewal    = optional(bool)
    account_id      = optional(string)
    contract_number = optional(string)
    product_id      = optional(string)
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

  # Activated lines with an end date; the end date is parsed only then.
  activated = [
    for s in var.subscriptions : s
    if s.status != null && s.end_date != null ? upper(s.status) == "ACTIVATED" : false
  ]
  # Ending strictly inside (now, now + days), without an explicit auto_renewal = true.
  violations = [
    for s in local.activated : s
    if timecmp(s.end_date, var.now) > 0 && timecmp(s.end_date, local.horizon) < 0 && s.auto_renewal != true
  ]
}

check "contract_end_dates" {
  assert {
    condition = length(local.violations) == 0
    error_message = format("%d activated contract line(s) end within %d days without auto-renewal:\n%s",
      length(local.violations), var.days, join("\n", [
        for s in local.violations :
        "${s.end_date}  account ${coalesce(s.account_id, "?")} contract ${coalesce(s.contract_number, "?")} line ${s.id}: ${coalesce(s.product_id, "?")}, auto_renewal = ${s.auto_renewal == null ? "null" : tostring(s.auto_renewal)}"
    ]))
  }
}

output "violations" {
  description = "Ids of the lines that break the policy."
  value       = [for s in local.violations : s.id]
}

output "window" {
  description = "The window checked: [start, end)."
  value       = [var.now, local.horizon]
}
