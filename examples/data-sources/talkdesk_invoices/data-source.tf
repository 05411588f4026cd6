# Invoices of one instance dated in 2024 (dates are inclusive), each with its lines.
data "talkdesk_invoices" "year_2024" {
  account_ids = ["5ea75fe7aa224700012eae40"]
  from_date   = "2024-01-01"
  to_date     = "2024-12-31"
}

output "invoice_totals" {
  value = { for i in data.talkdesk_invoices.year_2024.invoices : i.number => "${i.total_invoice_amount} ${i.currency}" }
}

output "billed_lines" {
  value = flatten([
    for i in data.talkdesk_invoices.year_2024.invoices : [
      for l in i.lines : "${i.number}: ${l.product_id} ${l.quantity} x ${l.rate} = ${l.amount} (${l.description})"
    ]
  ])
}
