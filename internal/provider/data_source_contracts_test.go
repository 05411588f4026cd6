package provider

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// sandboxContract is a contract as the test sees it: the sandbox's lines
// of one account and contract number, by product_id then id.
type sandboxContract struct {
	account, number string
	lines           []sandbox.Subscription
	start, end      time.Time // earliest start, latest end
	startText       string
	endText         string
}

// sandboxContracts groups the sandbox's lines into contracts in the
// documented order: end instant, account_id, contract_number.
func sandboxContracts(t testing.TB, subs []sandbox.Subscription) []sandboxContract {
	t.Helper()
	byKey := map[[2]string]*sandboxContract{}
	var out []*sandboxContract
	for _, s := range subs {
		k := [2]string{s.AccountID, s.ContractNumber}
		if byKey[k] == nil {
			byKey[k] = &sandboxContract{account: s.AccountID, number: s.ContractNumber}
			out = append(out, byKey[k])
		}
		byKey[k].lines = append(byKey[k].lines, s)
	}
	var res []sandboxContract
	for _, c := range out {
		slices.SortFunc(c.lines, func(x, y sandbox.Subscription) int {
			return cmp.Or(strings.Compare(x.ProductID, y.ProductID), strings.Compare(x.ID, y.ID))
		})
		for i, l := range c.lines {
			start, end := mustRFC3339(t, l.StartDate), mustRFC3339(t, l.EndDate)
			if i == 0 || start.Before(c.start) {
				c.start, c.startText = start, l.StartDate
			}
			if i == 0 || end.After(c.end) {
				c.end, c.endText = end, l.EndDate
			}
		}
		res = append(res, *c)
	}
	slices.SortFunc(res, func(x, y sandboxContract) int {
		return cmp.Or(x.end.Compare(y.end), strings.Compare(x.account, y.account), strings.Compare(x.number, y.number))
	})
	return res
}

// allLines is the value every line carries, or nil when they differ.
func allLines[V comparable](c sandboxContract, get func(sandbox.Subscription) V) *V {
	v := get(c.lines[0])
	for _, l := range c.lines[1:] {
		if get(l) != v {
			return nil
		}
	}
	return &v
}

func agreedString(c sandboxContract, get func(sandbox.Subscription) string) knownvalue.Check {
	return nullableString(allLines(c, get))
}

// deref makes a pointer field comparable by value; "" marks nil.
func deref[V any](p *V) any {
	if p == nil {
		return ""
	}
	return *p
}

func contractValue(c sandboxContract) knownvalue.Check {
	var auto, uplift knownvalue.Check = knownvalue.Null(), knownvalue.Null()
	if allLines(c, func(s sandbox.Subscription) any { return deref(s.AutoRenewal) }) != nil {
		auto = nullableBool(c.lines[0].AutoRenewal)
	}
	if allLines(c, func(s sandbox.Subscription) any { return deref(s.RenewalUplift) }) != nil {
		uplift = nullableNumber(c.lines[0].RenewalUplift)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"account_id":      knownvalue.StringExact(c.account),
		"contract_number": knownvalue.StringExact(c.number),
		"currency":        agreedString(c, func(s sandbox.Subscription) string { return s.Currency }),
		"billing_period":  agreedString(c, func(s sandbox.Subscription) string { return s.BillingPeriod }),
		"status":          agreedString(c, func(s sandbox.Subscription) string { return s.Status }),
		"term":            agreedString(c, func(s sandbox.Subscription) string { return s.Term }),
		"edition":         agreedString(c, func(s sandbox.Subscription) string { return s.Edition }),
		"start_date":      knownvalue.StringExact(c.startText),
		"end_date":        knownvalue.StringExact(c.endText),
		"auto_renewal":    auto,
		"renewal_uplift":  uplift,
		"lines": listOf(c.lines, func(s sandbox.Subscription) knownvalue.Check {
			return knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id":                knownvalue.StringExact(s.ID),
				"product_id":        knownvalue.StringExact(s.ProductID),
				"quantity":          numberCheck(s.Quantity),
				"unit_price":        numberCheck(s.UnitPrice),
				"billing_frequency": knownvalue.StringExact(s.BillingFrequency),
				"pricing_model":     knownvalue.StringExact(s.PricingModel),
				"concurrent":        knownvalue.Bool(s.Concurrent),
				"seasonal":          knownvalue.Bool(s.Seasonal),
			})
		}),
	})
}

// TestContractsDataSource groups the sandbox's contract lines, some
// changed so that one contract's lines disagree on auto_renewal and
// another's dates differ (in other RFC 3339 forms), and checks every
// input alone and combined against contracts computed here.
func TestContractsDataSource(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	accounts := sortedAccounts(srv)
	first := func(acct string) string {
		for _, c := range sandboxContracts(t, sortedSubscriptions(srv)) {
			if c.account == acct && len(c.lines) > 1 {
				return c.number
			}
		}
		t.Fatalf("account %s has no contract with several lines", acct)
		return ""
	}
	disagreeing, redated := first(accounts[1].ID), first(accounts[2].ID)
	srv.Mutate(func(d *sandbox.Dataset) {
		seen := map[string]int{}
		for i := range d.Subscriptions {
			s := &d.Subscriptions[i]
			switch n := seen[s.ContractNumber]; {
			case s.ContractNumber == disagreeing && n == 1:
				// One line of the contract changes its auto_renewal.
				if s.AutoRenewal == nil {
					s.AutoRenewal = ptrTo(true)
				} else {
					s.AutoRenewal = nil
				}
			case s.ContractNumber == redated && n == 0:
				// Starts an hour earlier, written at +02:00: its text sorts
				// after the other lines' start, its instant before.
				start, _ := time.Parse(time.RFC3339, s.StartDate)
				s.StartDate = start.Add(-time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
			case s.ContractNumber == redated && n == 1:
				// Ends half an hour later, written at -01:00.
				end, _ := time.Parse(time.RFC3339, s.EndDate)
				s.EndDate = end.Add(30 * time.Minute).In(time.FixedZone("", -3600)).Format(time.RFC3339)
			}
			seen[s.ContractNumber]++
		}
	})
	contracts := sandboxContracts(t, sortedSubscriptions(srv))
	for _, c := range contracts {
		if c.number == disagreeing && allLines(c, func(s sandbox.Subscription) any { return deref(s.AutoRenewal) }) != nil {
			t.Fatal("the lines of the changed contract still agree on auto_renewal")
		}
		if c.number == redated && (c.startText == c.lines[1].StartDate || !strings.HasSuffix(c.endText, "-01:00")) {
			t.Fatalf("the changed contract's dates are not the changed lines': %s .. %s", c.startText, c.endText)
		}
	}

	// A product on a line that is not the first of its contract.
	product := contracts[3].lines[len(contracts[3].lines)-1].ProductID
	hasProduct := func(c sandboxContract) bool {
		return slices.ContainsFunc(c.lines, func(s sandbox.Subscription) bool { return s.ProductID == product })
	}
	// Window bounds exactly on contract ends: both are strict.
	lo, hi := contracts[len(contracts)/4].end, contracts[3*len(contracts)/4].end
	loText, hiText := lo.UTC().Format(time.RFC3339), hi.In(time.FixedZone("", 5*3600+30*60)).Format(time.RFC3339)
	inWindow := func(c sandboxContract) bool { return c.end.After(lo) && c.end.Before(hi) }
	status := func(c sandboxContract) string { return c.lines[0].Status }
	// Account A has an activated contract in the window; B is another.
	acctA, acctB := "", accounts[6].ID
	for _, c := range contracts {
		if inWindow(c) && status(c) == "ACTIVATED" && c.account != acctB {
			acctA = c.account
		}
	}
	inAccounts := func(c sandboxContract) bool { return c.account == acctA || c.account == acctB }

	byAccounts := filter(contracts, inAccounts)
	byProduct := filter(contracts, hasProduct)
	byStatus := filter(contracts, func(c sandboxContract) bool { return status(c) == "OTHER" })
	before := filter(contracts, func(c sandboxContract) bool { return c.end.Before(lo) })
	after := filter(contracts, func(c sandboxContract) bool { return c.end.After(hi) })
	window := filter(contracts, inWindow)
	everything := filter(contracts, func(c sandboxContract) bool {
		return inAccounts(c) && inWindow(c) && status(c) == "ACTIVATED"
	})
	for name, n := range map[string]int{"account_ids": len(byAccounts), "product_ids": len(byProduct), "status": len(byStatus),
		"ends_before": len(before), "ends_after": len(after), "window": len(window), "everything": len(everything)} {
		if n == 0 || n == len(contracts) {
			t.Fatalf("the %s filter selects %d of %d contracts: the test would prove nothing", name, n, len(contracts))
		}
	}
	checks := []statecheck.StateCheck{
		expect("data.talkdesk_contracts.all", "contracts", listOf(contracts, contractValue)),
		expect("data.talkdesk_contracts.accounts", "contracts", listOf(byAccounts, contractValue)),
		expect("data.talkdesk_contracts.product", "contracts", listOf(byProduct, contractValue)),
		expect("data.talkdesk_contracts.status", "contracts", listOf(byStatus, contractValue)),
		expect("data.talkdesk_contracts.before", "contracts", listOf(before, contractValue)),
		expect("data.talkdesk_contracts.after", "contracts", listOf(after, contractValue)),
		expect("data.talkdesk_contracts.window", "contracts", listOf(window, contractValue)),
		expect("data.talkdesk_contracts.everything", "contracts", listOf(everything, contractValue)),
	}
	for _, name := range []string{"no_product", "empty_products", "no_accounts", "empty_window"} {
		checks = append(checks, expect("data.talkdesk_contracts."+name, "contracts", knownvalue.ListExact([]knownvalue.Check{})))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_contracts" "all" {}`,
				`data "talkdesk_contracts" "accounts" { account_ids = `+hclList(acctA, acctB)+` }`,
				`data "talkdesk_contracts" "product" { product_ids = `+hclList("TD-NO-SUCH-PRODUCT", product)+` }`,
				`data "talkdesk_contracts" "status" { status = "other" }`,
				`data "talkdesk_contracts" "before" { ends_before = "`+loText+`" }`,
				`data "talkdesk_contracts" "after" { ends_after = "`+hiText+`" }`,
				`data "talkdesk_contracts" "window" {
				   ends_after  = "`+loText+`"
				   ends_before = "`+hiText+`"
				 }`,
				`data "talkdesk_contracts" "everything" {
				   account_ids = `+hclList(acctA, acctB)+`
				   status      = "Activated"
				   ends_after  = "`+loText+`"
				   ends_before = "`+hiText+`"
				 }`,
				`data "talkdesk_contracts" "no_product" { product_ids = ["TD-NO-SUCH-PRODUCT"] }`,
				`data "talkdesk_contracts" "empty_products" { product_ids = [] }`,
				`data "talkdesk_contracts" "no_accounts" { account_ids = [] }`,
				`data "talkdesk_contracts" "empty_window" {
				   ends_after  = "`+hiText+`"
				   ends_before = "`+hiText+`"
				 }`,
			),
			ConfigStateChecks: checks,
		}},
	})
}

// TestContractsDataSourceErrors covers bad input rejected at plan time
// and the 403 for an account outside the organization.
func TestContractsDataSourceErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{Accounts: 3})
	accounts := sortedAccounts(srv)
	foreign := srv.Data().ForeignAccounts[0]
	mine := filter(sortedSubscriptions(srv), func(s sandbox.Subscription) bool { return s.AccountID == accounts[1].ID })
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: append(subscriptionInputErrors(srv, "talkdesk_contracts", accounts[1].ID), resource.TestStep{
			Config:      config(srv, `data "talkdesk_contracts" "foreign" { account_ids = `+hclList(accounts[0].ID, foreign.ID)+` }`),
			ExpectError: regexp403(foreign.ID),
		}, resource.TestStep{
			Config: config(srv, `data "talkdesk_contracts" "ok" { account_ids = ["`+accounts[1].ID+`"] }`),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_contracts.ok", "contracts", listOf(sandboxContracts(t, mine), contractValue)),
			},
		}),
	})
}

func ptrTo[T any](v T) *T { return &v }
