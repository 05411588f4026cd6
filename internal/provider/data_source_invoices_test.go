package provider

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// testInvoice is an invoice as the tests expect it: the sandbox's lines
// of one number, sorted by id.
type testInvoice struct {
	number string
	date   time.Time
	lines  []sandbox.InvoiceLine
}

func (inv testInvoice) first() sandbox.InvoiceLine { return inv.lines[0] }

func invoiceLineValue(l sandbox.InvoiceLine) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":          knownvalue.StringExact(l.ID),
		"product_id":  knownvalue.StringExact(l.ProductID),
		"description": knownvalue.StringExact(l.Description),
		"quantity":    numberCheck(l.Quantity),
		"rate":        numberCheck(l.Rate),
		"amount":      numberCheck(l.Amount),
	})
}

// invoiceFields are the invoice-level attributes but number.
func invoiceFields(inv testInvoice) map[string]knownvalue.Check {
	f := inv.first()
	return map[string]knownvalue.Check{
		"account_id":           knownvalue.StringExact(f.AccountID),
		"date":                 knownvalue.StringExact(f.Date),
		"currency":             knownvalue.StringExact(f.Currency),
		"total_invoice_amount": numberCheck(f.TotalInvoiceAmount),
		"lines":                listOf(inv.lines, invoiceLineValue),
	}
}

func invoiceValue(inv testInvoice) knownvalue.Check {
	fields := invoiceFields(inv)
	fields["number"] = knownvalue.StringExact(inv.number)
	return knownvalue.ObjectExact(fields)
}

// singleInvoiceChecks expects talkdesk_invoice's attributes.
func singleInvoiceChecks(addr string, inv testInvoice) []statecheck.StateCheck {
	checks := []statecheck.StateCheck{expect(addr, "number", knownvalue.StringExact(inv.number))}
	for attr, v := range invoiceFields(inv) {
		checks = append(checks, expect(addr, attr, v))
	}
	return checks
}

// sortedInvoices groups the sandbox's invoice lines by number, in the
// documented order: invoices by date then number, lines by id.
func sortedInvoices(t testing.TB, srv *sandbox.Server) []testInvoice {
	byNumber := map[string]*testInvoice{}
	for _, l := range srv.Data().Invoices {
		inv := byNumber[l.Number]
		if inv == nil {
			inv = &testInvoice{number: l.Number, date: mustRFC3339(t, l.Date)}
			byNumber[l.Number] = inv
		}
		inv.lines = append(inv.lines, l)
	}
	out := make([]testInvoice, 0, len(byNumber))
	for _, inv := range byNumber {
		slices.SortFunc(inv.lines, func(x, y sandbox.InvoiceLine) int { return strings.Compare(x.ID, y.ID) })
		out = append(out, *inv)
	}
	slices.SortFunc(out, func(x, y testInvoice) int {
		return cmp.Or(x.date.Compare(y.date), strings.Compare(x.number, y.number))
	})
	return out
}

// TestInvoicesDataSource reads every invoice with its lines and checks
// each filter: account_ids, number, and inclusive date bounds given as
// YYYY-MM-DD or RFC 3339 that fall exactly on invoice dates.
func TestInvoicesDataSource(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	invoices := sortedInvoices(t, srv)
	accounts := sortedAccounts(srv)

	var dates []time.Time
	for _, inv := range invoices {
		dates = append(dates, inv.date)
	}
	dates = slices.CompactFunc(dates, time.Time.Equal) // already sorted
	if len(dates) < 6 {
		t.Fatalf("only %d distinct invoice dates", len(dates))
	}
	day := func(d time.Time) string { return d.UTC().Format(time.DateOnly) }
	d1, d2, d3, d4 := dates[1], dates[2], dates[len(dates)-3], dates[len(dates)-2]

	acctA, acctB := accounts[3].ID, accounts[0].ID
	byAccounts := filter(invoices, func(inv testInvoice) bool {
		return inv.first().AccountID == acctA || inv.first().AccountID == acctB
	})
	one := invoices[len(invoices)/2]
	// Date-only bounds cover whole days: from d1 00:00 to d3 23:59:59.
	byDays := filter(invoices, func(inv testInvoice) bool {
		return !inv.date.Before(d1) && inv.date.Before(d3.AddDate(0, 0, 1))
	})
	// RFC 3339 bounds are instants, inclusive; d4 written with an offset.
	byInstants := filter(invoices, func(inv testInvoice) bool {
		return !inv.date.Before(d2) && !inv.date.After(d4)
	})
	fromOnly := filter(invoices, func(inv testInvoice) bool { return !inv.date.Before(d3) })
	// The day before d2 as the upper bound excludes d2's invoices.
	toOnly := filter(invoices, func(inv testInvoice) bool { return inv.date.Before(d2.Truncate(24 * time.Hour)) })
	combined := filter(byDays, func(inv testInvoice) bool { return inv.first().AccountID == acctA })
	sameDay := filter(invoices, func(inv testInvoice) bool { return inv.date.Equal(d2) })
	for name, n := range map[string]int{"account_ids": len(byAccounts), "days": len(byDays), "instants": len(byInstants),
		"from": len(fromOnly), "to": len(toOnly), "combined": len(combined), "same day": len(sameDay)} {
		if n == 0 || n == len(invoices) {
			t.Fatalf("the %s filter selects %d of %d invoices: the test would prove nothing", name, n, len(invoices))
		}
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_invoices" "all" {}`,
				`data "talkdesk_invoices" "accounts" { account_ids = `+hclList(acctA, acctB)+` }`,
				`data "talkdesk_invoices" "number" { number = "`+one.number+`" }`,
				`data "talkdesk_invoices" "days" {
				   from_date = "`+day(d1)+`"
				   to_date   = "`+day(d3)+`"
				 }`,
				`data "talkdesk_invoices" "instants" {
				   from_date = "`+d2.UTC().Format(time.RFC3339)+`"
				   to_date   = "`+d4.In(time.FixedZone("", -3*3600)).Format(time.RFC3339)+`"
				 }`,
				`data "talkdesk_invoices" "from" { from_date = "`+day(d3)+`" }`,
				`data "talkdesk_invoices" "to" { to_date = "`+day(d2.AddDate(0, 0, -1))+`" }`,
				`data "talkdesk_invoices" "same_day" {
				   from_date = "`+day(d2)+`"
				   to_date   = "`+day(d2)+`"
				 }`,
				`data "talkdesk_invoices" "combined" {
				   account_ids = `+hclList(acctA)+`
				   from_date   = "`+day(d1)+`"
				   to_date     = "`+day(d3)+`"
				 }`,
				`data "talkdesk_invoices" "number_and_account" {
				   account_ids = `+hclList(one.first().AccountID)+`
				   number      = "`+one.number+`"
				   from_date   = "`+day(one.date)+`"
				   to_date     = "`+one.date.UTC().Format(time.RFC3339)+`"
				 }`,
				`data "talkdesk_invoices" "no_number" { number = "INV-NO-SUCH" }`,
				`data "talkdesk_invoices" "no_dates" { from_date = "2999-01-01" }`,
				`data "talkdesk_invoices" "no_accounts" { account_ids = [] }`,
				`data "talkdesk_invoice" "one" { number = "`+one.number+`" }`,
			),
			ConfigStateChecks: append([]statecheck.StateCheck{
				expect("data.talkdesk_invoices.all", "invoices", listOf(invoices, invoiceValue)),
				expect("data.talkdesk_invoices.accounts", "invoices", listOf(byAccounts, invoiceValue)),
				expect("data.talkdesk_invoices.number", "invoices", listOf([]testInvoice{one}, invoiceValue)),
				expect("data.talkdesk_invoices.days", "invoices", listOf(byDays, invoiceValue)),
				expect("data.talkdesk_invoices.instants", "invoices", listOf(byInstants, invoiceValue)),
				expect("data.talkdesk_invoices.from", "invoices", listOf(fromOnly, invoiceValue)),
				expect("data.talkdesk_invoices.to", "invoices", listOf(toOnly, invoiceValue)),
				expect("data.talkdesk_invoices.same_day", "invoices", listOf(sameDay, invoiceValue)),
				expect("data.talkdesk_invoices.combined", "invoices", listOf(combined, invoiceValue)),
				expect("data.talkdesk_invoices.number_and_account", "invoices", listOf([]testInvoice{one}, invoiceValue)),
				expect("data.talkdesk_invoices.no_number", "invoices", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_invoices.no_dates", "invoices", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_invoices.no_accounts", "invoices", knownvalue.ListSizeExact(0)),
			}, singleInvoiceChecks("data.talkdesk_invoice.one", one)...),
		}},
	})
}

// TestInvoicesDataSourceErrors covers bad input rejected at plan time, the
// 403 for an account outside the organization and talkdesk_invoice's
// no-match error.
func TestInvoicesDataSourceErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	invoices := sortedInvoices(t, srv)
	accounts := sortedAccounts(srv)
	foreign := srv.Data().ForeignAccounts
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:      config(srv, `data "talkdesk_invoices" "bad" { account_ids = ["5EA75FE7AA224700012EAE4G"] }`),
			PlanOnly:    true,
			ExpectError: errorText(`"5EA75FE7AA224700012EAE4G" is not a Talkdesk account id`),
		}, {
			Config:      config(srv, `data "talkdesk_invoices" "bad" { from_date = "31/08/2024" }`),
			PlanOnly:    true,
			ExpectError: errorText(`"31/08/2024" is not a date`),
		}, {
			Config:      config(srv, `data "talkdesk_invoices" "bad" { to_date = "2024-02-30" }`),
			PlanOnly:    true,
			ExpectError: errorText(`"2024-02-30" is not a date`),
		}, {
			Config: config(srv, `data "talkdesk_invoices" "bad" {
			  from_date = "2024-09-01"
			  to_date   = "2024-08-31T23:59:59Z"
			}`),
			PlanOnly:    true,
			ExpectError: errorText(`from_date (2024-09-01) is after to_date (2024-08-31T23:59:59Z)`),
		}, {
			Config:      config(srv, `data "talkdesk_invoices" "foreign" { account_ids = `+hclList(foreign[0].ID, accounts[1].ID, foreign[1].ID)+` }`),
			ExpectError: regexp403(foreign[0].ID, foreign[1].ID),
		}, {
			Config:      config(srv, `data "talkdesk_invoice" "no_number" {}`),
			PlanOnly:    true,
			ExpectError: errorText(`The argument "number" is required`),
		}, {
			Config:      config(srv, `data "talkdesk_invoice" "missing" { number = "INV99999999" }`),
			ExpectError: regexp.MustCompile(`Talkdesk invoice not found(?s:.*)No invoice numbered\s+"INV99999999"`),
		}, {
			Config:            config(srv, `data "talkdesk_invoice" "ok" { number = "`+invoices[0].number+`" }`),
			ConfigStateChecks: singleInvoiceChecks("data.talkdesk_invoice.ok", invoices[0]),
		}},
	})
}

// TestInvoicesDataSourceTimestamps serves invoice dates written in other
// RFC 3339 forms (UTC offsets, fractional seconds) and checks that they
// pass through exactly as sent, that invoices are ordered by the instant
// of their date, and that date bounds compare instants (a YYYY-MM-DD bound
// covering its UTC day).
func TestInvoicesDataSourceTimestamps(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{Accounts: 3, InvoicesPerAccount: 3})
	before := sortedInvoices(t, srv)
	// Invoices of the same date: every account is invoiced on the same
	// month ends.
	d := before[len(before)-1].date
	sameDate := filter(before, func(inv testInvoice) bool { return inv.date.Equal(d) })
	if len(sameDate) < 3 {
		t.Fatalf("only %d invoices dated %s", len(sameDate), d)
	}
	// x: the same instant written at +02:00. y: four hours and a half
	// second earlier, written at +05:00, so its UTC day is the day before
	// although its local date is d's.
	x, y := sameDate[0].number, sameDate[len(sameDate)-1].number
	xDate := d.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	yDate := d.Add(-4*time.Hour + 500*time.Millisecond).In(time.FixedZone("", 5*3600)).Format(time.RFC3339Nano)
	if !strings.HasPrefix(yDate, d.Format(time.DateOnly)) || !strings.Contains(yDate, ".5+05:00") {
		t.Fatalf("unexpected test date %s", yDate)
	}
	srv.Mutate(func(ds *sandbox.Dataset) {
		for i := range ds.Invoices {
			switch ds.Invoices[i].Number {
			case x:
				ds.Invoices[i].Date = xDate
			case y:
				ds.Invoices[i].Date = yDate
			}
		}
	})
	invoices := sortedInvoices(t, srv)
	if invoices[len(invoices)-len(sameDate)].number != y {
		t.Fatalf("invoice %s should now come first among those of %s", y, d)
	}
	day := d.Format(time.DateOnly)
	dayBefore := d.AddDate(0, 0, -1).Format(time.DateOnly)
	fromDay := filter(invoices, func(inv testInvoice) bool { return !inv.date.Before(d) })
	toDayBefore := filter(invoices, func(inv testInvoice) bool { return inv.date.Before(d) })
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_invoices" "all" {}`,
				`data "talkdesk_invoices" "from_day" { from_date = "`+day+`" }`,
				`data "talkdesk_invoices" "to_day_before" { to_date = "`+dayBefore+`" }`,
				`data "talkdesk_invoice" "y" { number = "`+y+`" }`,
			),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_invoices.all", "invoices", listOf(invoices, invoiceValue)),
				expect("data.talkdesk_invoices.from_day", "invoices", listOf(fromDay, invoiceValue)),
				expect("data.talkdesk_invoices.to_day_before", "invoices", listOf(toDayBefore, invoiceValue)),
				expect("data.talkdesk_invoice.y", "date", knownvalue.StringExact(yDate)),
			},
		}},
	})
}
