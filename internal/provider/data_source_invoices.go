package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

type line = billing.InvoiceLine

// invoice groups the API's invoice lines under their invoice number.
// The invoice-level fields are the first line's (the API repeats them).
type invoice struct {
	first *line
	lines []line
	date  instant
}

// instant is a date as the API wrote it and, when it is RFC 3339, the
// instant it names.
type instant struct {
	text billing.Null[string]
	at   time.Time
	ok   bool
}

func instantOf(v billing.Null[string]) instant {
	at, err := time.Parse(time.RFC3339, v.Value)
	return instant{text: v, at: at, ok: v.Valid && err == nil}
}

// compare orders dates by instant, not text: the same instant may be
// written with another UTC offset or precision ("…T00:00:00.5Z" sorts
// before "…T00:00:00Z" as text). Dates that are not RFC 3339 come last,
// by text (null first).
func (x instant) compare(y instant) int {
	switch {
	case x.ok && y.ok:
		return x.at.Compare(y.at)
	case x.ok != y.ok:
		if x.ok {
			return -1
		}
		return 1
	}
	return compareNull(x.text, y.text)
}

var invoiceLineColumns = []column[line]{
	idCol("Record id of the invoice line.", func(l *line) string { return l.ID }),
	strCol("product_id", "Talkdesk product code billed, e.g. `TD-LIC-APP-RC-101910`.", func(l *line) billing.Null[string] { return l.ProductID }),
	strCol("description", "Service period of the line as the API sends it, `MM/DD/YYYY - MM/DD/YYYY`.", func(l *line) billing.Null[string] { return l.Description }),
	numCol("quantity", "Quantity billed.", func(l *line) billing.Null[billing.Number] { return l.Quantity }),
	numCol("rate", "Unit price, in the invoice currency.", func(l *line) billing.Null[billing.Number] { return l.Rate }),
	numCol("amount", "Amount of the line, in the invoice currency.", func(l *line) billing.Null[billing.Number] { return l.Amount }),
}

// invoiceColumns are the invoice-level attributes but `number`, which
// talkdesk_invoice takes as its input.
var invoiceColumns = []column[invoice]{
	strCol("account_id", "Account (instance) id the invoice belongs to.", func(i *invoice) billing.Null[string] { return i.first.AccountID }),
	timeCol("date", "Invoice date, RFC 3339 exactly as the API sent it, e.g. `2024-08-31T00:00:00.000Z`.", func(i *invoice) billing.Null[string] { return i.first.Date }),
	strCol("currency", "ISO 4217 currency code, e.g. `USD`.", func(i *invoice) billing.Null[string] { return i.first.Currency }),
	numCol("total_invoice_amount", "Invoice total, in `currency`, as the API states it.", func(i *invoice) billing.Null[billing.Number] { return i.first.TotalInvoiceAmount }),
	nestedCol("lines", "The invoice's lines, sorted by `id`.", invoiceLineColumns, func(i *invoice) []line { return i.lines }),
}

var invoiceListColumns = append([]column[invoice]{
	strCol("number", "Invoice number, e.g. `INV13098292`.", func(i *invoice) billing.Null[string] { return i.first.Number }),
}, invoiceColumns...)

// NewInvoicesDataSource is talkdesk_invoices.
func NewInvoicesDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "invoices",
		endpoint: billing.EndpointInvoices,
		schema: schema.Schema{
			Description: "Lists invoices of the organization's instances, each with its lines (the API serves one row per line; the provider groups them by invoice number). Sorted by `date` then `number`. `account_ids` is sent to the API as a filter; `number`, `from_date` and `to_date` are applied by the provider. No match gives an empty list.",
			Attributes: map[string]schema.Attribute{
				"account_ids": accountIDsAttribute("Only invoices of these accounts (sent to the API). An id not under the organization fails the read with its name."),
				"number":      matchAttribute("Only the invoice with this number (applied by the provider)."),
				"from_date":   schema.StringAttribute{Optional: true, Description: "Only invoices dated on or after this date: `YYYY-MM-DD` (from the start of that day, UTC) or an RFC 3339 timestamp (applied by the provider).", Validators: []validator.String{funcString("a date", checkDate)}},
				"to_date":     schema.StringAttribute{Optional: true, Description: "Only invoices dated on or before this date: `YYYY-MM-DD` (to the end of that day, UTC) or an RFC 3339 timestamp (applied by the provider).", Validators: []validator.String{funcString("a date", checkDate)}},
				"invoices":    listNested("The invoices, sorted by `date` then `number`.", invoiceListColumns),
			},
		},
		validators: []datasource.ConfigValidator{orderedBounds{from: "from_date", to: "to_date", inverted: datesInverted}},
		read:       readInvoices,
	})
}

// NewInvoiceDataSource is talkdesk_invoice.
func NewInvoiceDataSource() datasource.DataSource {
	attrs := attributes(invoiceColumns)
	attrs["number"] = schema.StringAttribute{Required: true, Description: "Number of the invoice to look up, e.g. `INV13098292`.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	return newDataSource(dataSource{
		typeName: "invoice",
		endpoint: billing.EndpointInvoices,
		schema: schema.Schema{
			Description: "Looks up one invoice by number, with its lines sorted by `id`. The API has no lookup by number, so the provider lists the invoice lines once per Terraform run and finds each invoice in an index: any number of these blocks (`for_each` over invoice numbers) costs one listing, every block of a run sees the same snapshot, and the next plan reads afresh. Fails when no invoice has the number.",
			Attributes:  attrs,
		},
		read: readInvoice,
	})
}

// groupInvoices groups lines by invoice number, sorted by date then
// number, lines by id. Lines of one invoice that disagree on an
// invoice-level field are reported: the totals would be ambiguous.
func groupInvoices(lines []line, diags *diag.Diagnostics) []invoice {
	byNumber := map[string]int{}
	var out []invoice
	for i := range lines {
		l := &lines[i]
		idx, ok := byNumber[l.Number.Value]
		if !ok {
			idx = len(out)
			byNumber[l.Number.Value] = idx
			out = append(out, invoice{first: l})
		}
		out[idx].lines = append(out[idx].lines, *l)
	}
	for i := range out {
		inv := &out[i]
		slices.SortFunc(inv.lines, func(x, y line) int { return strings.Compare(x.ID, y.ID) })
		inv.first = &inv.lines[0]
		inv.date = instantOf(inv.first.Date)
		for _, l := range inv.lines[1:] {
			if l.AccountID != inv.first.AccountID || l.Date != inv.first.Date || l.Currency != inv.first.Currency || l.TotalInvoiceAmount != inv.first.TotalInvoiceAmount {
				diags.AddWarning("Inconsistent invoice lines",
					fmt.Sprintf("Lines of invoice %q disagree on account_id, date, currency or total_invoice_amount; the invoice shows the values of line %q.", inv.first.Number.Value, inv.first.ID))
				break
			}
		}
	}
	slices.SortFunc(out, func(x, y invoice) int {
		return cmp.Or(x.date.compare(y.date), strings.Compare(x.first.Number.Value, y.first.Number.Value))
	})
	return out
}

func readInvoices(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	accountIDs := stringsInput(ctx, cfg, "account_ids", &diags)
	number, byNumber := stringInput(ctx, cfg, "number", &diags)
	var from, to *time.Time
	if s, ok := stringInput(ctx, cfg, "from_date", &diags); ok {
		t, _ := parseDateBound(s, false)
		from = &t
	}
	if s, ok := stringInput(ctx, cfg, "to_date", &diags); ok {
		t, _ := parseDateBound(s, true)
		to = &t
	}
	if diags.HasError() {
		return diags
	}
	var lines []line
	if accountIDs == nil || len(accountIDs) > 0 {
		var err error
		lines, err = client.InvoiceLines(ctx, billing.Query{AccountIDs: accountIDs})
		if err != nil {
			return readError("Talkdesk invoices", err)
		}
	}
	undated := 0
	kept := selectRecords(lines, func(l *line) bool {
		if byNumber && l.Number.Value != number {
			return false
		}
		if from != nil || to != nil {
			date, err := time.Parse(time.RFC3339, l.Date.Value)
			if err != nil {
				undated++
				return false
			}
			if from != nil && date.Before(*from) || to != nil && date.After(*to) {
				return false
			}
		}
		return true
	})
	if undated > 0 {
		diags.AddWarning("Invoice lines without a readable date",
			fmt.Sprintf("%d invoice lines have no RFC 3339 date, so from_date/to_date cannot place them; they are left out of the result.", undated))
	}
	setList(b, "invoices", invoiceListColumns, groupInvoices(kept, &diags))
	return diags
}

func readInvoice(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	number, _ := stringInput(ctx, cfg, "number", &diags)
	if diags.HasError() {
		return diags
	}
	invoices, err := client.InvoiceIndex(ctx)
	if err != nil {
		return readError("Talkdesk invoices", err)
	}
	kept := invoices.Lines(number)
	if len(kept) == 0 {
		diags.AddAttributeError(path.Root("number"), "Talkdesk invoice not found",
			fmt.Sprintf("No invoice numbered %q is among the invoices of the organization's accounts. data.talkdesk_invoices lists them.", number))
		return diags
	}
	invs := groupInvoices(kept, &diags)
	setRecord(b, invoiceColumns, &invs[0])
	return diags
}
