# Look up one instance by its name (sub-domain)...
data "talkdesk_account" "by_name" {
  name = "josephpinetrees"
}

# ...or by its id. Exactly one of `id` and `name` is set; no match fails the plan.
data "talkdesk_account" "by_id" {
  id = "5ea75fe7aa224700012eae40"
}

output "company" {
  value = data.talkdesk_account.by_name.company_name
}

output "status" {
  value = data.talkdesk_account.by_id.status
}
