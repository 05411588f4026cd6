package provider

import (
	"cmp"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

func usageValue(u sandbox.UsageRecord) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":              knownvalue.StringExact(u.ID),
		"account_id":      knownvalue.StringExact(u.AccountID),
		"product_id":      knownvalue.StringExact(u.ProductID),
		"aggr_product_id": knownvalue.StringExact(u.AggrProductID),
		"month":           knownvalue.StringExact(u.Month),
		"type":            knownvalue.StringExact(u.Type),
		"description":     knownvalue.StringExact(u.Description),
		"currency":        knownvalue.StringExact(u.Currency),
		"direction":       nullableString(u.Direction),
		"resolution":      nullableString(u.Resolution),
		"unit":            knownvalue.StringExact(u.Unit),
		"price":           numberCheck(u.Price),
		"wallet_name":     nullableString(u.WalletName),
		"number_of_units": numberCheck(u.NumberOfUnits),
		"total_amount":    numberCheck(u.TotalAmount),
	})
}

// sortedUsage is the documented order: month, account_id, product_id, id.
func sortedUsage(srv *sandbox.Server) []sandbox.UsageRecord {
	rows := srv.Data().Usage
	slices.SortFunc(rows, func(x, y sandbox.UsageRecord) int {
		return cmp.Or(strings.Compare(x.Month, y.Month), strings.Compare(x.AccountID, y.AccountID),
			strings.Compare(x.ProductID, y.ProductID), strings.Compare(x.ID, y.ID))
	})
	return rows
}

// totalsValue is the exact sum of total_amount per currency, added as
// the decimals the sandbox sent.
func totalsValue(rows []sandbox.UsageRecord) knownvalue.Check {
	sums := map[string]*big.Rat{}
	for _, u := range rows {
		if sums[u.Currency] == nil {
			sums[u.Currency] = new(big.Rat)
		}
		sums[u.Currency].Add(sums[u.Currency], ratOf(u.TotalAmount))
	}
	checks := make(map[string]knownvalue.Check, len(sums))
	for cur, sum := range sums {
		checks[cur] = ratCheck(sum)
	}
	return knownvalue.MapExact(checks)
}

// usageChecks expects the usage list and totals of one data block.
func usageChecks(addr string, rows []sandbox.UsageRecord) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		expect(addr, "usage", listOf(rows, usageValue)),
		expect(addr, "totals", totalsValue(rows)),
	}
}

// TestUsageDataSource reads all usage and checks every filter alone and
// combined, inclusive month bounds (both, either, one month), and the
// exact per-currency totals of each result.
func TestUsageDataSource(t *testing.T) {
	t.Parallel()
	// Fewer rows than the default keeps the step fast; 384 rows still take
	// two pages of 250.
	srv := startTestSandbox(t, sandbox.Options{UsageMonths: 12, UsagePerAccountMonth: 4})
	rows := sortedUsage(srv)
	accounts := sortedAccounts(srv)

	var months []string
	for _, u := range rows {
		months = append(months, u.Month)
	}
	months = slices.Compact(months) // rows are sorted by month
	if len(months) < 8 {
		t.Fatalf("only %d months of usage", len(months))
	}
	m1, m2, m3 := months[2], months[5], months[len(months)-3]

	// Account A and the first account billed in another currency, so that
	// the totals have several currencies.
	acctA, acctB := accounts[7].ID, ""
	currencyOf := map[string]string{}
	for _, u := range rows {
		currencyOf[u.AccountID] = u.Currency
	}
	for _, a := range accounts {
		if acctB == "" && currencyOf[a.ID] != currencyOf[acctA] {
			acctB = a.ID
		}
	}
	inAccounts := func(u sandbox.UsageRecord) bool { return u.AccountID == acctA || u.AccountID == acctB }
	byAccounts := filter(rows, inAccounts)
	// Two products of account A, plus one nobody uses.
	prodA := filter(rows, func(u sandbox.UsageRecord) bool { return u.AccountID == acctA })
	p1, p2 := prodA[0].ProductID, prodA[len(prodA)-1].ProductID
	inProducts := func(u sandbox.UsageRecord) bool { return u.ProductID == p1 || u.ProductID == p2 }
	byProducts := filter(rows, inProducts)
	byRange := filter(rows, func(u sandbox.UsageRecord) bool { return u.Month >= m1 && u.Month <= m2 })
	fromOnly := filter(rows, func(u sandbox.UsageRecord) bool { return u.Month >= m3 })
	toOnly := filter(rows, func(u sandbox.UsageRecord) bool { return u.Month <= m1 })
	oneMonth := filter(rows, func(u sandbox.UsageRecord) bool { return u.Month == m2 })
	combined := filter(byRange, func(u sandbox.UsageRecord) bool { return inAccounts(u) && inProducts(u) })
	currencies := map[string]bool{}
	for _, u := range byAccounts {
		currencies[u.Currency] = true
	}
	if len(currencies) < 2 {
		t.Fatalf("accounts %s and %s share a currency: the totals would not be checked per currency", acctA, acctB)
	}
	for name, n := range map[string]int{"account_ids": len(byAccounts), "product_ids": len(byProducts), "range": len(byRange),
		"from": len(fromOnly), "to": len(toOnly), "one month": len(oneMonth), "combined": len(combined)} {
		if n == 0 || n == len(rows) {
			t.Fatalf("the %s filter selects %d of %d rows: the test would prove nothing", name, n, len(rows))
		}
	}

	checks := usageChecks("data.talkdesk_usage.all", rows)
	for name, want := range map[string][]sandbox.UsageRecord{
		"accounts": byAccounts, "products": byProducts, "range": byRange, "from": fromOnly,
		"to": toOnly, "one_month": oneMonth, "combined": combined,
	} {
		checks = append(checks, usageChecks("data.talkdesk_usage."+name, want)...)
	}
	// A range far wider than the data (240 months): wider than the provider
	// sends as a filter, so it is applied by the provider, exactly.
	checks = append(checks, usageChecks("data.talkdesk_usage.wide", rows)...)
	for _, name := range []string{"no_months", "no_products", "no_accounts", "empty_products"} {
		checks = append(checks,
			expect("data.talkdesk_usage."+name, "usage", knownvalue.ListExact([]knownvalue.Check{})),
			expect("data.talkdesk_usage."+name, "totals", knownvalue.MapExact(map[string]knownvalue.Check{})))
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_usage" "all" {}`,
				`data "talkdesk_usage" "accounts" { account_ids = `+hclList(acctA, acctB)+` }`,
				`data "talkdesk_usage" "products" { product_ids = `+hclList(p1, "TD-NO-SUCH-PRODUCT", p2)+` }`,
				`data "talkdesk_usage" "range" {
				   from_month = "`+m1+`"
				   to_month   = "`+m2+`"
				 }`,
				`data "talkdesk_usage" "from" { from_month = "`+m3+`" }`,
				`data "talkdesk_usage" "to" { to_month = "`+m1+`" }`,
				`data "talkdesk_usage" "one_month" {
				   from_month = "`+m2+`"
				   to_month   = "`+m2+`"
				 }`,
				`data "talkdesk_usage" "combined" {
				   account_ids = `+hclList(acctA, acctB)+`
				   product_ids = `+hclList(p1, p2)+`
				   from_month  = "`+m1+`"
				   to_month    = "`+m2+`"
				 }`,
				`data "talkdesk_usage" "no_months" {
				   from_month = "2999-01"
				   to_month   = "2999-12"
				 }`,
				`data "talkdesk_usage" "wide" {
				   from_month = "2010-01"
				   to_month   = "2029-12"
				 }`,
				`data "talkdesk_usage" "no_products" { product_ids = ["TD-NO-SUCH-PRODUCT"] }`,
				`data "talkdesk_usage" "empty_products" { product_ids = [] }`,
				`data "talkdesk_usage" "no_accounts" { account_ids = [] }`,
			),
			ConfigStateChecks: checks,
		}},
	})
}

// TestUsageDataSourceErrors covers bad input rejected at plan time and the
// 403 for an account outside the organization.
func TestUsageDataSourceErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	accounts := sortedAccounts(srv)
	foreign := srv.Data().ForeignAccounts[0]
	rows := filter(sortedUsage(srv), func(u sandbox.UsageRecord) bool { return u.AccountID == accounts[2].ID })
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:      config(srv, `data "talkdesk_usage" "bad" { account_ids = ["`+accounts[0].ID+`x"] }`),
			PlanOnly:    true,
			ExpectError: errorText(`"` + accounts[0].ID + `x" is not a Talkdesk account id`),
		}, {
			Config:      config(srv, `data "talkdesk_usage" "bad" { from_month = "2024-3" }`),
			PlanOnly:    true,
			ExpectError: errorText(`"2024-3" is not a month: use YYYY-MM`),
		}, {
			Config:      config(srv, `data "talkdesk_usage" "bad" { to_month = "2024-13" }`),
			PlanOnly:    true,
			ExpectError: errorText(`"2024-13" is not a month: use YYYY-MM`),
		}, {
			Config: config(srv, `data "talkdesk_usage" "bad" {
			  from_month = "2024-06"
			  to_month   = "2024-05"
			}`),
			PlanOnly:    true,
			ExpectError: errorText(`from_month (2024-06) is after to_month (2024-05)`),
		}, {
			Config:      config(srv, `data "talkdesk_usage" "foreign" { account_ids = ["`+foreign.ID+`"] }`),
			ExpectError: regexp403(foreign.ID),
		}, {
			Config:            config(srv, `data "talkdesk_usage" "ok" { account_ids = ["`+accounts[2].ID+`"] }`),
			ConfigStateChecks: usageChecks("data.talkdesk_usage.ok", rows),
		}},
	})
}
