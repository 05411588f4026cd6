# Answers three questions from the Talkdesk Billing Insights API:
#   1. which contract lines end in the next var.days days,
#   2. how much each instance spent per month on usage, per currency,
#   3. which Talkdesk instances are under the organization.
#
# Credentials come from the TALKDESK_* environment (see `make demo`, which
# starts the local sandbox and sets them).

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
  default     = 90
  description = "Report contract lines ending within this many days."
}

variable "months" {
  type        = number
  default     = 6
  description = "Report usage spend for this many complete months before the current one."
  validation {
    condition     = var.months >= 1 && var.months <= 24 && floor(var.months) == var.months
    error_message = "months must be a whole number from 1 to 24."
  }
}

locals {
  now     = plantimestamp()
  horizon = timeadd(local.now, "${var.days * 24}h")

  # The var.months complete months before the current one, oldest first, as YYYY-MM.
  month_index = tonumber(formatdate("YYYY", local.now)) * 12 + tonumber(formatdate("M", local.now)) - 1
  months = [
    for k in range(var.months, 0, -1) :
    format("%04d-%02d", floor((local.month_index - k) / 12), (local.month_index - k) % 12 + 1)
  ]
}

data "talkdesk_accounts" "all" {}

data "talkdesk_products" "all" {}

data "talkdesk_subscriptions" "ending" {
  ends_after  = local.now
  ends_before = local.horizon
}

# Usage spend summed by the provider per instance, month and currency.
data "talkdesk_usage_summary" "recent" {
  group_by   = ["account_id", "month"]
  from_month = local.months[0]
  to_month   = local.months[length(local.months) - 1]
}

locals {
  accounts = { for a in data.talkdesk_accounts.all.accounts : a.id => a }
  products = { for p in data.talkdesk_products.all.products : p.id => p.name }

  # Contract lines ending soon, soonest first.
  ending = { for s in data.talkdesk_subscriptions.ending.subscriptions : "${s.end_date}/${s.id}" => s }
  ending_lines = [
    for k in sort(keys(local.ending)) : format("%s  %-18s %-26s %-48s x%-4s contract %s  auto_renewal=%-7s %s",
      formatdate("YYYY-MM-DD", local.ending[k].end_date),
      try(local.accounts[local.ending[k].account_id].name, local.ending[k].account_id),
      try(local.accounts[local.ending[k].account_id].company_name, "?"),
      "${lookup(local.products, local.ending[k].product_id, "?")} (${local.ending[k].product_id})",
      tostring(local.ending[k].quantity),
      local.ending[k].contract_number,
      local.ending[k].auto_renewal == null ? "unset" : tostring(local.ending[k].auto_renewal),
      local.ending[k].status,
    )
  ]

  # Usage spend per instance and month, per currency.
  spend = [for g in data.talkdesk_usage_summary.recent.groups : g if g.total_amount != null && g.currency != null]
  spend_by_instance = {
    for id in distinct([for g in local.spend : g.account_id]) :
    try(local.accounts[id].name, id) => {
      for m in local.months : m => join(" + ", [
        for g in local.spend : format("%.2f %s", g.total_amount, g.currency)
        if g.account_id == id && g.month == m
      ])
    }
  }
}

output "instances" {
  description = "Talkdesk instances under the organization: name => company (status)."
  value       = { for a in data.talkdesk_accounts.all.accounts : a.name => "${a.company_name} (${a.status})" }
}

output "contract_lines_ending_soon" {
  description = "Contract lines ending within var.days days, soonest first: end date, instance, company, product, quantity, contract, auto-renewal, status."
  value       = local.ending_lines

  precondition {
    condition = alltrue([
      for s in data.talkdesk_subscriptions.ending.subscriptions :
      timecmp(s.end_date, local.now) > 0 && timecmp(s.end_date, local.horizon) < 0
    ])
    error_message = "talkdesk_subscriptions returned a line outside the ends_after/ends_before window."
  }
}

output "monthly_usage_spend" {
  description = "Usage spend per instance and month: the sum of total_amount per currency (\"\" for a month without usage)."
  value       = local.spend_by_instance

  precondition {
    # The per-month sums must add up to the provider's own totals per currency.
    condition = alltrue([
      for cur, total in data.talkdesk_usage_summary.recent.totals :
      abs(total - sum(concat([0], [for g in local.spend : g.total_amount if g.currency == cur]))) < 0.01
    ])
    error_message = "Per-month usage sums do not add up to talkdesk_usage_summary totals."
  }
}

output "usage_totals" {
  description = "Usage spend over the whole period, per currency."
  value       = { for cur, total in data.talkdesk_usage_summary.recent.totals : cur => floor(total * 100 + 0.5) / 100 }
}

output "summary" {
  description = "Counts, for scripts."
  value = {
    instances                  = length(data.talkdesk_accounts.all.accounts)
    contract_lines_ending_soon = length(local.ending_lines)
    days                       = var.days
    months                     = local.months
  }
}
