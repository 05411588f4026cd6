# Usage spend per instance and month in 2024, summed by the provider:
# one group per account_id, month and currency.
data "talkdesk_usage_summary" "spend" {
  group_by   = ["account_id", "month"]
  from_month = "2024-01" # inclusive
  to_month   = "2024-12" # inclusive
}

# Units per product and unit of one instance (number_of_units is null for
# a group whose rows have different units, so group by unit too).
data "talkdesk_usage_summary" "units" {
  group_by    = ["product_id", "unit"]
  account_ids = ["5ea75fe7aa224700012eae40"] # sent to the API
}

output "spend" {
  # e.g. { "5ea75fe7aa224700012eae40 2024-01 USD" = 1234.5 }
  value = {
    for g in data.talkdesk_usage_summary.spend.groups :
    "${g.account_id} ${g.month} ${g.currency}" => g.total_amount
  }
}

output "units" {
  value = {
    for g in data.talkdesk_usage_summary.units.groups :
    "${g.product_id} (${g.unit})" => g.number_of_units
  }
}

output "total_by_currency" {
  value = data.talkdesk_usage_summary.spend.totals
}
