# Activated contract lines of two instances that end in the next 90 days.
data "talkdesk_subscriptions" "ending_soon" {
  account_ids = ["5ea75fe7aa224700012eae40", "5ea75fe7aa224700012eae41"] # sent to the API
  status      = "ACTIVATED"
  ends_after  = plantimestamp()
  ends_before = timeadd(plantimestamp(), "${90 * 24}h")
}

# Every line of one product across the organization.
data "talkdesk_subscriptions" "identity" {
  product_ids = ["TD-LIC-APP-RC-101910"]
}

output "ending_soon" {
  value = [
    for s in data.talkdesk_subscriptions.ending_soon.subscriptions :
    "${s.contract_number} ${s.product_id} x${s.quantity} ends ${s.end_date} auto_renewal=${coalesce(s.auto_renewal, false)}"
  ]
}

output "identity_seats" {
  value = sum(concat([0], data.talkdesk_subscriptions.identity.subscriptions[*].quantity))
}
