# One invoice by number; fails when no invoice has it.
data "talkdesk_invoice" "august" {
  number = "INV13098292"
}

output "august_total" {
  value = "${data.talkdesk_invoice.august.total_invoice_amount} ${data.talkdesk_invoice.august.currency}"
}

output "august_lines" {
  value = { for l in data.talkdesk_invoice.august.lines : l.product_id => l.amount }
}
