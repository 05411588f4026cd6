# Budget projection: the monthly run-rate of every Talkdesk instance, per
# currency, made of
#   * its current contract lines: quantity x unit_price billed once per billing
#     period, divided by the months in that period (var.months_per_billing_frequency), and
#   * its usage: the average total_amount of the last var.months complete months,
#     summed by the provider (talkdesk_usage_summary).

terraform {
  # provider::talkdesk::months and month_add: Terraform 1.8+, OpenTofu 1.7+.
  required_version = ">= 1.8.0"
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

provider "talkdesk" {}

variable "months" {
  type        = number
  default     = 3
  description = "Average usage over this many complete months before the current one."
  validation {
    condition     = var.months >= 1 && var.months <= 24 && floor(var.months) == var.months
    error_message = "months must be a whole number from 1 to 24."
  }
}

variable "months_per_billing_frequency" {
  type        = map(number)
  description = "Months covered by one charge of a contract line, per billing_frequency. Lines with any other frequency are listed in `lines_not_projected`."
  default = {
    MONTH       = 1
    QUARTER     = 3
    SEMI_ANNUAL = 6
    ANNUAL      = 12
  }
}

locals {
  now        = plantimestamp()
  this_month = formatdate("YYYY-MM", local.now)

  # The var.months complete months before the current one, as YYYY-MM: one
  # entry per month, with or without usage.
  months = provider::talkdesk::months(
    provider::talkdesk::month_add(local.this_month, -var.months),
    provider::talkdesk::month_add(local.this_month, -1),
  )
}

data "talkdesk_accounts" "all" {}

# Lines in force: activated and not ended yet.
data "talkdesk_subscriptions" "current" {
  status     = "ACTIVATED"
  ends_after = local.now
}

# Usage summed by the provider per instance (and currency) over the months.
data "talkdesk_usage_summary" "recent" {
  group_by   = ["account_id"]
  from_month = local.months[0]
  to_month   = local.months[length(local.months) - 1]
}

locals {
  names = { for a in data.talkdesk_accounts.all.accounts : a.id => a.name }

  # Started lines with a known billing frequency, as monthly amounts.
  started = [
    for s in data.talkdesk_subscriptions.current.subscriptions : s
    if timecmp(s.start_date, local.now) <= 0
  ]
  projected = [
    for s in local.started : s
    if contains(keys(var.months_per_billing_frequency), s.billing_frequency)
  ]
  subscription_monthly = {
    for s in local.projected : "${s.account_id}|${s.currency}" =>
    s.quantity * s.unit_price / var.months_per_billing_frequency[s.billing_frequency]...
  }
  usage_total = {
    for g in data.talkdesk_usage_summary.recent.groups : "${g.account_id}|${g.currency}" => g.total_amount
    if g.total_amount != null && g.currency != null && g.account_id != null
  }
  keys = distinct(concat(keys(local.subscription_monthly), keys(local.usage_total)))

  run_rate = {
    for k in local.keys : k => {
      subscriptions = sum(lookup(local.subscription_monthly, k, [0]))
      usage         = lookup(local.usage_total, k, 0) / var.months # months without usage count as 0
    }
  }
}

output "monthly_run_rate" {
  description = "Per instance and currency: subscriptions per month, average usage per month, and their total."
  value = {
    for id in distinct([for k in local.keys : split("|", k)[0]]) :
    lookup(local.names, id, id) => {
      for k, r in local.run_rate : split("|", k)[1] => {
        subscriptions = format("%.2f", r.subscriptions)
        usage_average = format("%.2f", r.usage)
        total         = format("%.2f", r.subscriptions + r.usage)
      } if split("|", k)[0] == id
    }
  }

  precondition {
    condition     = alltrue([for r in values(local.run_rate) : r.subscriptions >= 0 && r.usage >= 0])
    error_message = "A run-rate is negative."
  }
}

output "organization_monthly_run_rate" {
  description = "The whole organization's monthly run-rate per currency."
  value = {
    for cur in distinct([for k in local.keys : split("|", k)[1]]) :
    cur => format("%.2f", sum([for k, r in local.run_rate : r.subscriptions + r.usage if split("|", k)[1] == cur]))
  }
}

output "usage_months" {
  description = "The months averaged for usage."
  value       = local.months
}

output "lines_not_projected" {
  description = "Current lines left out because their billing_frequency has no entry in var.months_per_billing_frequency."
  value = [
    for s in local.started : "${lookup(local.names, s.account_id, s.account_id)} contract ${s.contract_number}: ${s.product_id} (${s.billing_frequency})"
    if !contains(keys(var.months_per_billing_frequency), s.billing_frequency)
  ]
}
