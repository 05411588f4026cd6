# Reseller map: the organization's Talkdesk instances with their status and
# their active contracts (activated lines whose end_date is in the future),
# contract by contract.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

provider "talkdesk" {}

data "talkdesk_accounts" "all" {}

data "talkdesk_products" "all" {}

data "talkdesk_subscriptions" "active" {
  status     = "ACTIVATED"
  ends_after = plantimestamp()
}

locals {
  products = { for p in data.talkdesk_products.all.products : p.id => p.name }

  # account id => contract number => its lines
  contracts = {
    for a in data.talkdesk_accounts.all.accounts : a.id => {
      for s in data.talkdesk_subscriptions.active.subscriptions : s.contract_number => s... if s.account_id == a.id
    }
  }

  map = {
    for a in data.talkdesk_accounts.all.accounts : a.name => {
      company_name = a.company_name
      status       = a.status
      active_contracts = {
        for number, lines in local.contracts[a.id] : number => {
          ends         = formatdate("YYYY-MM-DD", reverse(sort(lines[*].end_date))[0]) # latest line end
          auto_renewal = lines[0].auto_renewal
          edition      = lines[0].edition
          lines = [
            for l in lines : format("%s x%s (%s %s per unit, billed %s)",
              lookup(local.products, l.product_id, l.product_id), tostring(l.quantity),
            tostring(l.unit_price), l.currency, l.billing_frequency)
          ]
        }
      }
    }
  }
}

output "instances" {
  description = "Instance name => company, status and active contracts with their lines."
  value       = local.map

  precondition {
    condition = alltrue([
      for s in data.talkdesk_subscriptions.active.subscriptions :
      s.status == "ACTIVATED" && timecmp(s.end_date, plantimestamp()) > 0
    ])
    error_message = "talkdesk_subscriptions returned a line that is not active."
  }
}

output "instances_without_active_contracts" {
  description = "Instances that have no active contract line."
  value       = sort([for name, i in local.map : "${name} (${i.status})" if length(i.active_contracts) == 0])
}

output "summary" {
  description = "Instance name => status and number of active contracts and lines."
  value = {
    for name, i in local.map : name => format("%-8s %d active contracts, %d lines", i.status,
    length(i.active_contracts), sum(concat([0], [for c in values(i.active_contracts) : length(c.lines)])))
  }
}
