# The whole price book.
data "talkdesk_products" "all" {}

# Only recurring licenses.
data "talkdesk_products" "licenses" {
  family      = "LICENSE"
  charge_type = "RECURRING"
}

output "license_names" {
  # product code => name, e.g. "TD-LIC-APP-RC-101910" => "Identity"
  value = { for p in data.talkdesk_products.licenses.products : p.id => p.name }
}

output "product_count" {
  value = length(data.talkdesk_products.all.products)
}
