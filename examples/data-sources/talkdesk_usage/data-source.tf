# Monthly usage of one instance for the first quarter of 2024.
data "talkdesk_usage" "q1" {
  account_ids = ["5ea75fe7aa224700012eae40"]
  from_month  = "2024-01" # inclusive
  to_month    = "2024-03" # inclusive
}

output "q1_total_by_currency" {
  # e.g. { USD = 1234.5 }
  value = data.talkdesk_usage.q1.totals
}

output "q1_by_type" {
  value = {
    for t in distinct(data.talkdesk_usage.q1.usage[*].type) : t => sum([
      for u in data.talkdesk_usage.q1.usage : u.total_amount if u.type == t
    ])
  }
}
