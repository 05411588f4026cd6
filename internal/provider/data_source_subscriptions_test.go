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

func subscriptionValue(s sandbox.Subscription) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":                knownvalue.StringExact(s.ID),
		"account_id":        knownvalue.StringExact(s.AccountID),
		"contract_number":   knownvalue.StringExact(s.ContractNumber),
		"currency":          knownvalue.StringExact(s.Currency),
		"billing_period":    knownvalue.StringExact(s.BillingPeriod),
		"status":            knownvalue.StringExact(s.Status),
		"term":              knownvalue.StringExact(s.Term),
		"start_date":        knownvalue.StringExact(s.StartDate),
		"end_date":          knownvalue.StringExact(s.EndDate),
		"edition":           knownvalue.StringExact(s.Edition),
		"auto_renewal":      nullableBool(s.AutoRenewal),
		"renewal_uplift":    nullableNumber(s.RenewalUplift),
		"product_id":        knownvalue.StringExact(s.ProductID),
		"quantity":          numberCheck(s.Quantity),
		"unit_price":        numberCheck(s.UnitPrice),
		"billing_frequency": knownvalue.StringExact(s.BillingFrequency),
		"pricing_model":     knownvalue.StringExact(s.PricingModel),
		"concurrent":        knownvalue.Bool(s.Concurrent),
		"seasonal":          knownvalue.Bool(s.Seasonal),
	})
}

// sortedSubscriptions is the documented order: account_id, then id.
func sortedSubscriptions(srv *sandbox.Server) []sandbox.Subscription {
	subs := srv.Data().Subscriptions
	slices.SortFunc(subs, func(x, y sandbox.Subscription) int {
		return cmp.Or(strings.Compare(x.AccountID, y.AccountID), strings.Compare(x.ID, y.ID))
	})
	return subs
}

func mustRFC3339(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("the sandbox sent %q, which is not RFC 3339: %v", s, err)
	}
	return v
}

// TestSubscriptionsDataSource reads every contract line and checks each
// filter alone and combined, including strict end-date bounds that fall
// exactly on a line's end_date and a bound written with a UTC offset.
func TestSubscriptionsDataSource(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	subs := sortedSubscriptions(srv)
	accounts := sortedAccounts(srv)
	end := func(s sandbox.Subscription) time.Time { return mustRFC3339(t, s.EndDate) }

	// account_ids: two accounts, given in reverse order.
	acctA, acctB := accounts[6].ID, accounts[2].ID
	byAccounts := filter(subs, func(s sandbox.Subscription) bool { return s.AccountID == acctA || s.AccountID == acctB })
	// product_ids: the product of the first line plus a code nobody has.
	product := subs[0].ProductID
	byProduct := filter(subs, func(s sandbox.Subscription) bool { return s.ProductID == product })
	// status, in lower case.
	byStatus := filter(subs, func(s sandbox.Subscription) bool { return s.Status == "OTHER" })
	// Bounds exactly on end dates of existing lines: both are strict.
	ends := make([]time.Time, 0, len(subs))
	for _, s := range subs {
		ends = append(ends, end(s))
	}
	slices.SortFunc(ends, func(x, y time.Time) int { return x.Compare(y) })
	ends = slices.CompactFunc(ends, time.Time.Equal)
	lo, hi := ends[len(ends)/4], ends[3*len(ends)/4]
	loText := lo.UTC().Format(time.RFC3339)
	// hi written in another zone: the same instant.
	hiText := hi.In(time.FixedZone("", 5*3600+30*60)).Format(time.RFC3339)
	before := filter(subs, func(s sandbox.Subscription) bool { return end(s).Before(lo) })
	after := filter(subs, func(s sandbox.Subscription) bool { return end(s).After(hi) })
	window := filter(subs, func(s sandbox.Subscription) bool {
		return end(s).After(lo) && end(s).Before(hi) && s.Status == "ACTIVATED"
	})
	everything := filter(subs, func(s sandbox.Subscription) bool {
		return (s.AccountID == acctA || s.AccountID == acctB) && end(s).After(lo) && end(s).Before(hi) &&
			s.Status == "ACTIVATED" && (s.ProductID == product || s.ProductID == subs[len(subs)-1].ProductID)
	})
	for name, n := range map[string]int{"account_ids": len(byAccounts), "product_ids": len(byProduct), "status": len(byStatus),
		"ends_before": len(before), "ends_after": len(after), "window": len(window)} {
		if n == 0 || n == len(subs) {
			t.Fatalf("the %s filter selects %d of %d lines: the test would prove nothing", name, n, len(subs))
		}
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_subscriptions" "all" {}`,
				`data "talkdesk_subscriptions" "accounts" { account_ids = `+hclList(acctA, acctB)+` }`,
				`data "talkdesk_subscriptions" "product" { product_ids = `+hclList("TD-NO-SUCH-PRODUCT", product)+` }`,
				`data "talkdesk_subscriptions" "status" { status = "other" }`,
				`data "talkdesk_subscriptions" "before" { ends_before = "`+loText+`" }`,
				`data "talkdesk_subscriptions" "after" { ends_after = "`+hiText+`" }`,
				`data "talkdesk_subscriptions" "window" {
				   ends_after  = "`+loText+`"
				   ends_before = "`+hiText+`"
				   status      = "ACTIVATED"
				 }`,
				`data "talkdesk_subscriptions" "everything" {
				   account_ids = `+hclList(acctA, acctB)+`
				   product_ids = `+hclList(product, subs[len(subs)-1].ProductID)+`
				   status      = "Activated"
				   ends_after  = "`+loText+`"
				   ends_before = "`+hiText+`"
				 }`,
				`data "talkdesk_subscriptions" "no_product" { product_ids = ["TD-NO-SUCH-PRODUCT"] }`,
				`data "talkdesk_subscriptions" "empty_window" {
				   ends_after  = "`+hiText+`"
				   ends_before = "`+hiText+`"
				 }`,
				`data "talkdesk_subscriptions" "no_accounts" { account_ids = [] }`,
				`data "talkdesk_subscriptions" "empty_products" { product_ids = [] }`,
			),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_subscriptions.all", "subscriptions", listOf(subs, subscriptionValue)),
				expect("data.talkdesk_subscriptions.accounts", "subscriptions", listOf(byAccounts, subscriptionValue)),
				expect("data.talkdesk_subscriptions.empty_window", "subscriptions", knownvalue.ListSizeExact(0)),
				expect("data.talkdesk_subscriptions.product", "subscriptions", listOf(byProduct, subscriptionValue)),
				expect("data.talkdesk_subscriptions.status", "subscriptions", listOf(byStatus, subscriptionValue)),
				expect("data.talkdesk_subscriptions.before", "subscriptions", listOf(before, subscriptionValue)),
				expect("data.talkdesk_subscriptions.after", "subscriptions", listOf(after, subscriptionValue)),
				expect("data.talkdesk_subscriptions.window", "subscriptions", listOf(window, subscriptionValue)),
				expect("data.talkdesk_subscriptions.everything", "subscriptions", listOf(everything, subscriptionValue)),
				expect("data.talkdesk_subscriptions.no_product", "subscriptions", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_subscriptions.no_accounts", "subscriptions", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_subscriptions.empty_products", "subscriptions", knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

// TestSubscriptionsDataSourceErrors covers bad input rejected at plan
// time and the 403 for an account outside the organization.
func TestSubscriptionsDataSourceErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	accounts := sortedAccounts(srv)
	foreign := srv.Data().ForeignAccounts[1]
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: append(subscriptionInputErrors(srv, "talkdesk_subscriptions", accounts[0].ID), resource.TestStep{
			Config:      config(srv, `data "talkdesk_subscriptions" "foreign" { account_ids = `+hclList(accounts[0].ID, foreign.ID)+` }`),
			ExpectError: regexp403(foreign.ID),
		}, resource.TestStep{
			Config: config(srv, `data "talkdesk_subscriptions" "ok" { account_ids = ["`+accounts[0].ID+`"] }`),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_subscriptions.ok", "subscriptions", listOf(
					filter(sortedSubscriptions(srv), func(s sandbox.Subscription) bool { return s.AccountID == accounts[0].ID }),
					subscriptionValue)),
			},
		}),
	})
}

// subscriptionInputErrors are the plan-time errors of the inputs
// talkdesk_subscriptions and talkdesk_contracts share; account is an id
// of the organization.
func subscriptionInputErrors(srv *sandbox.Server, typ, account string) []resource.TestStep {
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{Config: config(srv, `data "`+typ+`" "bad" {`+"\n"+body+"\n}"), PlanOnly: true, ExpectError: errorText(want)}
	}
	return []resource.TestStep{
		step(`account_ids = ["`+account+`", "acme"]`, `"acme" is not a Talkdesk account id`),
		step(`ends_after  = "2025-06-01T00:00:01Z"`+"\n"+`ends_before = "2025-06-01T00:00:00Z"`,
			`ends_after (2025-06-01T00:00:01Z) is after ends_before (2025-06-01T00:00:00Z)`),
		step(`ends_before = "2025-01-31"`, `"2025-01-31" is not an RFC 3339 timestamp`),
		step(`ends_after = "2025-13-01T00:00:00Z"`, `"2025-13-01T00:00:00Z" is not an RFC 3339 timestamp`),
		step(`status = ""`, `status string length must be at least 1`),
		step(`product_ids = [""]`, `length must be at least 1`),
	}
}

// TestSubscriptionsDataSourceTimestamps serves contract dates written in
// other RFC 3339 forms and checks that they pass through exactly as sent
// and that ends_before/ends_after compare instants.
func TestSubscriptionsDataSourceTimestamps(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{Accounts: 2})
	subs := sortedSubscriptions(srv)
	// Every line of the first line's contract: its end becomes half a
	// second later, written at -03:00; its start the same instant at
	// +09:30 with nanoseconds.
	contract := subs[0].ContractNumber
	endAt := mustRFC3339(t, subs[0].EndDate)
	newEnd := endAt.Add(500 * time.Millisecond).In(time.FixedZone("", -3*3600)).Format(time.RFC3339Nano)
	newStart := mustRFC3339(t, subs[0].StartDate).In(time.FixedZone("", 9*3600+1800)).Format("2006-01-02T15:04:05.000000000Z07:00")
	srv.Mutate(func(d *sandbox.Dataset) {
		for i := range d.Subscriptions {
			if d.Subscriptions[i].ContractNumber == contract {
				d.Subscriptions[i].EndDate = newEnd
				d.Subscriptions[i].StartDate = newStart
			}
		}
	})
	subs = sortedSubscriptions(srv)
	end := func(s sandbox.Subscription) time.Time { return mustRFC3339(t, s.EndDate) }
	after := filter(subs, func(s sandbox.Subscription) bool { return end(s).After(endAt) })
	before := filter(subs, func(s sandbox.Subscription) bool { return end(s).Before(endAt.Add(time.Second)) })
	if !slices.ContainsFunc(after, func(s sandbox.Subscription) bool { return s.ContractNumber == contract }) {
		t.Fatal("the changed contract should end after its former end")
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_subscriptions" "all" {}`,
				`data "talkdesk_subscriptions" "after" { ends_after = "`+endAt.Format(time.RFC3339)+`" }`,
				`data "talkdesk_subscriptions" "before" { ends_before = "`+endAt.Add(time.Second).Format(time.RFC3339)+`" }`,
			),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_subscriptions.all", "subscriptions", listOf(subs, subscriptionValue)),
				expect("data.talkdesk_subscriptions.after", "subscriptions", listOf(after, subscriptionValue)),
				expect("data.talkdesk_subscriptions.before", "subscriptions", listOf(before, subscriptionValue)),
			},
		}},
	})
}
