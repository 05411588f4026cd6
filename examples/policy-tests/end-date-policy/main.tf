# The contract end-date policy as a module of plain HCL, so that it can be
# unit-tested with `terraform test` without credentials: activated contract
# lines ending within var.days days of var.now must have auto_renewal = true.
#
# The module computes the verdict; the configuration that uses it enforces
# it (a check block, a precondition...). Terraform runs a child module's
# check blocks but `terraform test` cannot expect their failure, so the
# enforcement lives where a test can expect it: see ../main.tf.

terraform {
  required_version = ">= 1.7.0"
}

variable "subscriptions" {
  description = "Contract lines, e.g. data.talkdesk_subscriptions.x.subscriptions, or whole contracts with the same attributes (other attributes are ignored)."
  type = list(object({
    id              = optional(string)
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

output "violations" {
  description = "Ids of the lines that break the policy."
  value       = [for s in local.violations : s.id]
}

output "contracts" {
  description = "Contract numbers that break the policy, sorted, each once (the same whether the input is contract lines or contracts)."
  value       = sort(distinct([for s in local.violations : coalesce(s.contract_number, "?")]))
}

output "message" {
  description = "The policy's verdict in words: one line per violation, or the empty string when none."
  value = length(local.violations) == 0 ? "" : format("%d activated contract line(s) end within %d days without auto-renewal:\n%s",
    length(local.violations), var.days, join("\n", [
      for s in local.violations :
      "${s.end_date}  account ${coalesce(s.account_id, "?")} contract ${coalesce(s.contract_number, "?")} line ${coalesce(s.id, "-")}: ${coalesce(s.product_id, "?")}, auto_renewal = ${s.auto_renewal == null ? "null" : tostring(s.auto_renewal)}"
  ]))
}

output "window" {
  description = "The window checked: [start, end)."
  value       = [var.now, local.horizon]
}
