package provider

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// usageKey reads one grouping key of a sandbox row; nil is null.
func usageKey(u sandbox.UsageRecord, name string) *string {
	switch name {
	case "account_id":
		return &u.AccountID
	case "product_id":
		return &u.ProductID
	case "aggr_product_id":
		return &u.AggrProductID
	case "month":
		return &u.Month
	case "type":
		return &u.Type
	case "description":
		return &u.Description
	case "direction":
		return u.Direction
	case "resolution":
		return u.Resolution
	case "unit":
		return &u.Unit
	case "wallet_name":
		return u.WalletName
	}
	panic("no usage key " + name)
}

var allUsageKeys = []string{"account_id", "product_id", "aggr_product_id", "month", "type", "description", "direction", "resolution", "unit", "wallet_name"}

// expectedGroup is a group as the test computes it from the sandbox rows.
type expectedGroup struct {
	keys         []*string // by the group_by keys, then currency
	rows         int
	total, units *big.Rat
	units1       string // the first row's unit
	mixed        bool
}

// summarize groups rows by the keys and currency, summing the decimals
// the sandbox sent, and sorts the groups as documented.
func summarize(rows []sandbox.UsageRecord, by []string) []*expectedGroup {
	index := map[string]*expectedGroup{}
	var out []*expectedGroup
	for _, u := range rows {
		keys := make([]*string, 0, len(by)+1)
		var id strings.Builder
		for _, name := range append(slices.Clone(by), "currency") {
			var k *string
			if name == "currency" {
				k = &u.Currency
			} else {
				k = usageKey(u, name)
			}
			keys = append(keys, k)
			if k == nil {
				id.WriteString("\x01null\x00")
			} else {
				id.WriteString(*k + "\x00")
			}
		}
		g := index[id.String()]
		if g == nil {
			g = &expectedGroup{keys: keys, total: new(big.Rat), units: new(big.Rat), units1: u.Unit}
			index[id.String()] = g
			out = append(out, g)
		}
		g.rows++
		g.total.Add(g.total, ratOf(u.TotalAmount))
		g.units.Add(g.units, ratOf(u.NumberOfUnits))
		g.mixed = g.mixed || u.Unit != g.units1
	}
	slices.SortFunc(out, func(x, y *expectedGroup) int {
		for i := range x.keys {
			a, b := x.keys[i], y.keys[i]
			switch {
			case a == nil && b == nil:
				continue
			case a == nil:
				return -1
			case b == nil:
				return 1
			}
			if c := strings.Compare(*a, *b); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// groupsValue expects the groups of rows summarized by the keys.
func groupsValue(rows []sandbox.UsageRecord, by []string) knownvalue.Check {
	groups := summarize(rows, by)
	return listOf(groups, func(g *expectedGroup) knownvalue.Check {
		attrs := map[string]knownvalue.Check{
			"currency":     knownvalue.StringExact(*g.keys[len(by)]),
			"rows":         knownvalue.Int64Exact(int64(g.rows)),
			"total_amount": ratCheck(g.total),
		}
		if g.mixed {
			attrs["number_of_units"] = knownvalue.Null()
		} else {
			attrs["number_of_units"] = ratCheck(g.units)
		}
		for _, name := range allUsageKeys {
			attrs[name] = knownvalue.Null()
		}
		for i, name := range by {
			attrs[name] = nullableString(g.keys[i])
		}
		return knownvalue.ObjectExact(attrs)
	})
}

func summaryChecks(addr string, rows []sandbox.UsageRecord, by []string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		expect(addr, "groups", groupsValue(rows, by)),
		expect(addr, "totals", totalsValue(rows)),
	}
}

// TestUsageSummaryDataSource summarizes the sandbox's usage, some of it
// changed so that amounts are decimals float64 adds wrongly, by each key
// alone, by several keys in both orders, and with every filter, against
// sums computed here from the rows the sandbox serves.
func TestUsageSummaryDataSource(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{UsageMonths: 12, UsagePerAccountMonth: 4})
	// Ten rows of the first account and month cost 0.1, 0.2, 0.1, ...:
	// exactly 1.5 in decimal, not in float64.
	first := sortedUsage(srv)[0]
	srv.Mutate(func(d *sandbox.Dataset) {
		n := 0
		for i := range d.Usage {
			u := &d.Usage[i]
			if u.AccountID == first.AccountID && u.Month == first.Month {
				u.TotalAmount = []float64{0.1, 0.2}[n%2]
				n++
			}
		}
		// More rows of that account and month, so the sum has ten terms.
		for i := n; i < 10; i++ {
			extra := d.Usage[0]
			extra.ID = fmt.Sprintf("ffffffffffffffffffffff%02d", i)
			extra.AccountID, extra.Month = first.AccountID, first.Month
			extra.TotalAmount = []float64{0.1, 0.2}[i%2]
			d.Usage = append(d.Usage, extra)
		}
	})
	rows := sortedUsage(srv)
	accounts := sortedAccounts(srv)

	// The data must exercise what the summary is for.
	var floatSum float64
	for _, u := range rows {
		if u.AccountID == first.AccountID && u.Month == first.Month {
			floatSum += u.TotalAmount
		}
	}
	exact := summarize(filter(rows, func(u sandbox.UsageRecord) bool { return u.AccountID == first.AccountID && u.Month == first.Month }), nil)[0].total
	if f, _ := exact.Float64(); f == floatSum {
		t.Fatalf("float64 adds this group's amounts exactly (%v): the test would not show exactness", floatSum)
	}
	byAccount := summarize(rows, []string{"account_id"})
	if !slices.ContainsFunc(byAccount, func(g *expectedGroup) bool { return g.mixed }) ||
		!slices.ContainsFunc(summarize(rows, []string{"product_id"}), func(g *expectedGroup) bool { return !g.mixed }) {
		t.Fatal("the data has no group with mixed units, or none with one unit")
	}
	if !slices.ContainsFunc(summarize(rows, []string{"direction"}), func(g *expectedGroup) bool { return g.keys[0] == nil }) {
		t.Fatal("no row has a null direction")
	}
	currencies := map[string]bool{}
	for _, g := range summarize(rows, []string{"month"}) {
		currencies[*g.keys[1]] = true
	}
	if len(currencies) < 2 {
		t.Fatal("the usage has a single currency")
	}

	var months []string
	for _, u := range rows {
		months = append(months, u.Month)
	}
	months = slices.Compact(months) // rows are sorted by month
	m1, m2 := months[2], months[5]
	acctA, acctB := accounts[1].ID, accounts[5].ID
	p1, p2 := rows[0].ProductID, rows[len(rows)-1].ProductID
	inAccounts := func(u sandbox.UsageRecord) bool { return u.AccountID == acctA || u.AccountID == acctB }
	inProducts := func(u sandbox.UsageRecord) bool { return u.ProductID == p1 || u.ProductID == p2 }
	inRange := func(u sandbox.UsageRecord) bool { return u.Month >= m1 && u.Month <= m2 }
	combined := filter(rows, func(u sandbox.UsageRecord) bool { return inAccounts(u) && inProducts(u) && inRange(u) })
	if len(combined) == 0 {
		t.Fatal("the combined filter selects nothing")
	}

	blocks := []string{}
	var checks []statecheck.StateCheck
	add := func(name, body string, want []sandbox.UsageRecord, by ...string) {
		blocks = append(blocks, fmt.Sprintf("data \"talkdesk_usage_summary\" %q {\n  group_by = %s\n  %s\n}", name, hclList(by...), body))
		checks = append(checks, summaryChecks("data.talkdesk_usage_summary."+name, want, by)...)
	}
	for _, key := range allUsageKeys {
		add("by_"+key, "", rows, key)
	}
	add("account_month", "", rows, "account_id", "month")
	add("month_account", "", rows, "month", "account_id")
	add("nullable", "", rows, "wallet_name", "direction", "resolution")
	reversed := slices.Clone(allUsageKeys)
	slices.Reverse(reversed)
	add("every_key", "", rows, reversed...)
	add("accounts", "account_ids = "+hclList(acctA, acctB), filter(rows, inAccounts), "month")
	add("products", "product_ids = "+hclList(p1, "TD-NO-SUCH-PRODUCT", p2), filter(rows, inProducts), "product_id", "unit")
	add("range", fmt.Sprintf("from_month = %q\n  to_month = %q", m1, m2), filter(rows, inRange), "account_id")
	add("from", fmt.Sprintf("from_month = %q", m2), filter(rows, func(u sandbox.UsageRecord) bool { return u.Month >= m2 }), "month")
	add("to", fmt.Sprintf("to_month = %q", m1), filter(rows, func(u sandbox.UsageRecord) bool { return u.Month <= m1 }), "month")
	add("wide", `from_month = "2010-01"`+"\n"+`to_month = "2029-12"`, rows, "type")
	add("combined", fmt.Sprintf("account_ids = %s\n  product_ids = %s\n  from_month = %q\n  to_month = %q", hclList(acctA, acctB), hclList(p1, p2), m1, m2),
		combined, "account_id", "product_id", "month")
	add("no_accounts", "account_ids = []", nil, "account_id")
	add("no_products", `product_ids = ["TD-NO-SUCH-PRODUCT"]`, nil, "account_id")
	add("no_months", `from_month = "2999-01"`, nil, "month")

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:            config(srv, blocks...),
			ConfigStateChecks: checks,
		}},
	})
}

// TestUsageSummaryDataSourceErrors covers every bad group_by and the
// filters' bad input, rejected at plan time, and the 403.
func TestUsageSummaryDataSourceErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{Accounts: 2, UsageMonths: 2})
	foreign := srv.Data().ForeignAccounts[0]
	accepted := "group_by accepts account_id, product_id, aggr_product_id, month, type, description, direction, resolution, unit, wallet_name."
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{
			Config:      config(srv, `data "talkdesk_usage_summary" "bad" {`+"\n"+body+"\n}"),
			PlanOnly:    true,
			ExpectError: errorText(want),
		}
	}
	rows := filter(sortedUsage(srv), func(u sandbox.UsageRecord) bool { return u.AccountID == sortedAccounts(srv)[0].ID })
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{
			step(``, `The argument "group_by" is required`),
			step(`group_by = []`, `group_by is empty: name at least one key to group by, e.g. ["account_id", "month"]. `+accepted),
			step(`group_by = ["currency"]`, `"currency" is not a key to group usage by: `+accepted),
			step(`group_by = ["month", "Account_ID"]`, `"Account_ID" is not a key to group usage by: `+accepted),
			step(`group_by = ["id"]`, `"id" is not a key to group usage by`),
			step(`group_by = ["month", "account_id", "month"]`, `"month" is named more than once in group_by: name each key once.`),
			step(`group_by = ["month", null]`, `group_by[1] is null: name a key.`),
			step(`group_by = null`, `Must set a configuration value for the group_by attribute`),
			step(`group_by = "month"`, `list of string required`),
			step(`group_by = ["month"]`+"\n"+`account_ids = ["acme"]`, `"acme" is not a Talkdesk account id`),
			step(`group_by = ["month"]`+"\n"+`product_ids = [""]`, `length must be at least 1`),
			step(`group_by = ["month"]`+"\n"+`from_month = "2024-3"`, `"2024-3" is not a month: use YYYY-MM`),
			step(`group_by = ["month"]`+"\n"+`to_month = "2024-13"`, `"2024-13" is not a month: use YYYY-MM`),
			step(`group_by = ["month"]`+"\n"+`from_month = "2024-06"`+"\n"+`to_month = "2024-05"`, `from_month (2024-06) is after to_month (2024-05)`),
			{
				Config:      config(srv, `data "talkdesk_usage_summary" "foreign" {`+"\n"+`group_by = ["month"]`+"\n"+`account_ids = ["`+foreign.ID+`"]`+"\n}"),
				ExpectError: regexp403(foreign.ID),
			},
			{
				Config:            config(srv, `data "talkdesk_usage_summary" "ok" {`+"\n"+`group_by = ["month"]`+"\n"+`account_ids = ["`+sortedAccounts(srv)[0].ID+`"]`+"\n}"),
				ConfigStateChecks: summaryChecks("data.talkdesk_usage_summary.ok", rows, []string{"month"}),
			},
		},
	})
}
