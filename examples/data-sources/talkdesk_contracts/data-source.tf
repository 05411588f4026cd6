# Activated contracts of two instances that end in the next 90 days: one
# object per contract, with its lines.
data "talkdesk_contracts" "ending_soon" {
  account_ids = ["5ea75fe7aa224700012eae40", "5ea75fe7aa224700012eae41"] # sent to the API
  status      = "ACTIVATED"
  ends_after  = plantimestamp()
  ends_before = timeadd(plantimestamp(), "${90 * 24}h")
}

# Every contract with at least one line of this product.
data "talkdesk_contracts" "with_identity" {
  product_ids = ["TD-LIC-APP-RC-101910"]
}

output "ending_soon" {
  # auto_renewal is null when not set, or when the lines disagree (the read
  # then warns, naming the contract).
  value = [
    for c in data.talkdesk_contracts.ending_soon.contracts :
    "${c.contract_number} ends ${c.end_date}, ${length(c.lines)} lines, auto_renewal=${c.auto_renewal == null ? "null" : tostring(c.auto_renewal)}"
  ]
}

output "identity_contracts" {
  value = data.talkdesk_contracts.with_identity.contracts[*].contract_number
}
