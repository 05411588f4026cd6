# Every Talkdesk instance under the organization.
data "talkdesk_accounts" "all" {}

# Only the active ones (applied by the provider).
data "talkdesk_accounts" "active" {
  status = "ACTIVE"
}

output "instances" {
  value = { for a in data.talkdesk_accounts.all.accounts : a.name => "${a.company_name} (${a.status})" }
}

output "active_instance_ids" {
  value = data.talkdesk_accounts.active.accounts[*].id
}
