# Billing export: for every Talkdesk instance, the company and each contract
# line with its product name (the license type), quantity, unit price and
# amount (quantity x unit price), as one JSON document for an external
# billing system:
#
#   terraform apply && terraform output -raw billing_export_json > billing.json

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

provider "talkdesk" {}

variable "status" {
  type        = string
  default     = "ACTIVATED"
  description = "Export contract lines with this status."
}

variable "current_only" {
  type        = bool
  default     = true
  description = "Export only lines whose end_date is in the future."
}

data "talkdesk_accounts" "all" {}

data "talkdesk_products" "all" {}

data "talkdesk_subscriptions" "lines" {
  status     = var.status
  ends_after = var.current_only ? plantimestamp() : null
}

locals {
  products = { for p in data.talkdesk_products.all.products : p.id => p }

  lines_by_account = {
    for s in data.talkdesk_subscriptions.lines.subscriptions : s.account_id => {
      contract_number   = s.contract_number
      product_id        = s.product_id
      product_name      = try(local.products[s.product_id].name, null)
      product_family    = try(local.products[s.product_id].family, null)
      quantity          = s.quantity
      unit_price        = s.unit_price
      amount            = floor(s.quantity * s.unit_price * 100 + 0.5) / 100 # rounded to the cent
      currency          = s.currency
      billing_frequency = s.billing_frequency
      start_date        = s.start_date
      end_date          = s.end_date
      auto_renewal      = s.auto_renewal
    }...
  }

  instances = [
    for a in data.talkdesk_accounts.all.accounts : {
      account_id   = a.id
      name         = a.name
      company_name = a.company_name
      status       = a.status
      lines        = lookup(local.lines_by_account, a.id, [])
      # Sum of line amounts per currency.
      totals = {
        for cur in distinct([for l in lookup(local.lines_by_account, a.id, []) : l.currency]) :
        cur => floor(sum([for l in local.lines_by_account[a.id] : l.amount if l.currency == cur]) * 100 + 0.5) / 100
      }
    }
  ]

  export = {
    generated_at = plantimestamp()
    status       = var.status
    current_only = var.current_only
    instances    = local.instances
  }
}

output "billing_export_json" {
  description = "The export as one JSON document."
  value       = jsonencode(local.export)

  precondition {
    # Every line read lands under an instance of the organization.
    condition     = sum(concat([0], [for i in local.instances : length(i.lines)])) == length(data.talkdesk_subscriptions.lines.subscriptions)
    error_message = "Some contract lines belong to no listed instance."
  }
}

output "summary" {
  description = "Lines exported per instance."
  value       = { for i in local.instances : "${i.name} (${i.company_name})" => "${length(i.lines)} lines, ${join(" + ", [for cur, t in i.totals : format("%.2f %s", t, cur)])}" }
}

output "line_count" {
  description = "Contract lines exported."
  value       = length(data.talkdesk_subscriptions.lines.subscriptions)
}

output "instance_count" {
  description = "Instances exported."
  value       = length(local.instances)
}
