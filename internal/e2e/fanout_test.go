package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// pageSize is the page size the provider asks for (the largest the API
// documents); the page counts below are what a reader of every listing
// once at that size needs.
const pageSize = 250

func pages(n int) int { return max(1, (n+pageSize-1)/pageSize) }

// TestFanOutReadsEachListingOnce runs one configuration shaped like a
// reseller's module: for_each lookups of accounts by name and by id spread
// over every page of the accounts listing, invoice lookups by number, the
// account list, and several filtered views of the contract lines. Every
// value must be exact, and the whole run must cost about one read of each
// listing involved.
func TestFanOutReadsEachListingOnce(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{
		Accounts: 600, SubscriptionsPerAccount: 4, InvoicesPerAccount: 2,
		UsageMonths: 1, UsagePerAccountMonth: 1, RateLimit: -1,
	})
	data := srv.Data()
	accounts := data.Accounts
	var names, ids []string
	for i := 0; i < len(accounts); i += 12 { // 50 lookups over all 3 pages
		if i%24 == 0 {
			names = append(names, accounts[i].Name)
		} else {
			ids = append(ids, accounts[i].ID)
		}
	}
	ids = append(ids, accounts[len(accounts)-1].ID) // the last record of the last page
	invoices := invoicesOf(data.Invoices)
	numbers := slices.Sorted(maps.Keys(invoices))
	var lookups []string
	for i := 0; i < len(numbers); i += len(numbers)/32 + 1 {
		lookups = append(lookups, numbers[i])
	}
	if len(names)+len(ids) < 50 || len(lookups) < 30 {
		t.Fatalf("the data set gives %d account and %d invoice lookups; the test needs 50 and 30", len(names)+len(ids), len(lookups))
	}

	subs := data.Subscriptions
	product := subs[0].ProductID
	other := subs[len(subs)-1].ProductID
	ends := sortedEndDates(subs)
	early, late := ends[len(ends)/4], ends[3*len(ends)/4]
	views := []subscriptionView{
		{name: "all"},
		{name: "activated", hcl: `status = "ACTIVATED"`, keep: func(s sandbox.Subscription) bool { return s.Status == "ACTIVATED" }},
		{name: "activated_lower", hcl: `status = "activated"`, keep: func(s sandbox.Subscription) bool { return strings.EqualFold(s.Status, "activated") }},
		{name: "one_product", hcl: fmt.Sprintf("product_ids = [%q]", product), keep: func(s sandbox.Subscription) bool { return s.ProductID == product }},
		{name: "two_products", hcl: fmt.Sprintf("product_ids = [%q, %q]", product, other), keep: func(s sandbox.Subscription) bool { return s.ProductID == product || s.ProductID == other }},
		{name: "ending_early", hcl: fmt.Sprintf("ends_before = %q", late), keep: func(s sandbox.Subscription) bool { return endsBefore(s, late) }},
		{name: "ending_late", hcl: fmt.Sprintf("ends_after = %q", early), keep: func(s sandbox.Subscription) bool { return endsAfter(s, early) }},
		{name: "window", hcl: fmt.Sprintf("ends_after = %q\n  ends_before = %q", early, late), keep: func(s sandbox.Subscription) bool { return endsAfter(s, early) && endsBefore(s, late) }},
		{name: "window_product", hcl: fmt.Sprintf("ends_after = %q\n  ends_before = %q\n  product_ids = [%q]", early, late, product), keep: func(s sandbox.Subscription) bool {
			return endsAfter(s, early) && endsBefore(s, late) && s.ProductID == product
		}},
	}

	var config strings.Builder
	config.WriteString(providerBlock(srv))
	fmt.Fprintf(&config, "locals {\n  names = %s\n  ids = %s\n  numbers = %s\n}\n", hclList(names), hclList(ids), hclList(lookups))
	config.WriteString(`
data "talkdesk_account" "by_name" {
  for_each = toset(local.names)
  name     = each.key
}
data "talkdesk_account" "by_id" {
  for_each = toset(local.ids)
  id       = each.key
}
data "talkdesk_invoice" "by_number" {
  for_each = toset(local.numbers)
  number   = each.key
}
data "talkdesk_accounts" "all" {}
output "by_name" {
  value = { for k, a in data.talkdesk_account.by_name : k => [a.id, a.company_name, a.status] }
}
output "by_id" {
  value = { for k, a in data.talkdesk_account.by_id : k => [a.name, a.company_name, a.status] }
}
output "invoices" {
  value = { for k, i in data.talkdesk_invoice.by_number : k => [i.account_id, i.date, i.currency, [for l in i.lines : l.id]] }
}
output "accounts" {
  value = [for a in data.talkdesk_accounts.all.accounts : a.id]
}
`)
	for _, v := range views {
		fmt.Fprintf(&config, "data \"talkdesk_subscriptions\" %q {\n  %s\n}\n", v.name, v.hcl)
		fmt.Fprintf(&config, "output \"view_%s\" {\n  value = [for s in data.talkdesk_subscriptions.%s.subscriptions : s.id]\n}\n", v.name, v.name)
	}

	w := newWorkspace(t, config.String())
	blocks := len(names) + len(ids) + len(lookups) + 1 + len(views)
	res := w.apply()
	if res.err != nil {
		t.Fatalf("terraform apply: %v\n%s", res.err, res.output())
	}
	st := srv.Stats()
	listings := pages(len(accounts)) + pages(len(subs)) + pages(len(data.Invoices))
	limit := int(math.Floor(1.2*float64(listings))) + 3
	t.Logf("%d blocks in one run: %d API requests, %d pages in the listings involved (limit %d), %s", blocks, st.APIRequests, listings, limit, res.took.Round(time.Millisecond))
	if st.APIRequests > limit {
		t.Errorf("the run sent %d API requests for %d pages of listings; at most %d expected", st.APIRequests, listings, limit)
	}

	got := outputJSON(t, w)
	wantByName := map[string][]string{}
	wantByID := map[string][]string{}
	for _, a := range accounts {
		if slices.Contains(names, a.Name) {
			wantByName[a.Name] = []string{a.ID, a.CompanyName, a.Status}
		}
		if slices.Contains(ids, a.ID) {
			wantByID[a.ID] = []string{a.Name, a.CompanyName, a.Status}
		}
	}
	checkJSON(t, got, "by_name", wantByName)
	checkJSON(t, got, "by_id", wantByID)
	wantInvoices := map[string][]any{}
	for _, n := range lookups {
		lines := invoices[n]
		var lineIDs []string
		for _, l := range lines {
			lineIDs = append(lineIDs, l.ID)
		}
		slices.Sort(lineIDs)
		wantInvoices[n] = []any{lines[0].AccountID, lines[0].Date, lines[0].Currency, lineIDs}
	}
	checkJSON(t, got, "invoices", wantInvoices)
	accountIDs := make([]string, 0, len(accounts))
	for _, a := range accounts {
		accountIDs = append(accountIDs, a.ID)
	}
	slices.Sort(accountIDs)
	checkJSON(t, got, "accounts", accountIDs)
	for _, v := range views {
		checkJSON(t, got, "view_"+v.name, v.expect(subs))
	}

	// A later operation is another provider process: it reads afresh.
	before := srv.Stats().APIRequests
	if res := w.plan(nil); res.err != nil {
		t.Fatalf("terraform plan: %v\n%s", res.err, res.output())
	}
	if again := srv.Stats().APIRequests - before; again < listings {
		t.Errorf("the next plan sent %d API requests; it must read the %d pages afresh", again, listings)
	}
}

type subscriptionView struct {
	name, hcl string
	keep      func(sandbox.Subscription) bool
}

// expect is the view's ids in the data source's order (account, then id).
func (v subscriptionView) expect(subs []sandbox.Subscription) []string {
	kept := slices.Clone(subs)
	if v.keep != nil {
		kept = slices.DeleteFunc(kept, func(s sandbox.Subscription) bool { return !v.keep(s) })
	}
	slices.SortFunc(kept, func(x, y sandbox.Subscription) int {
		return cmp.Or(strings.Compare(x.AccountID, y.AccountID), strings.Compare(x.ID, y.ID))
	})
	ids := make([]string, 0, len(kept))
	for _, s := range kept {
		ids = append(ids, s.ID)
	}
	return ids
}

func endTime(s sandbox.Subscription) time.Time {
	t, err := time.Parse(time.RFC3339, s.EndDate)
	if err != nil {
		panic(err)
	}
	return t
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func endsBefore(s sandbox.Subscription, bound string) bool { return endTime(s).Before(mustTime(bound)) }
func endsAfter(s sandbox.Subscription, bound string) bool  { return endTime(s).After(mustTime(bound)) }

func sortedEndDates(subs []sandbox.Subscription) []string {
	var ends []string
	for _, s := range subs {
		ends = append(ends, s.EndDate)
	}
	slices.SortFunc(ends, func(a, b string) int { return mustTime(a).Compare(mustTime(b)) })
	return ends
}

func invoicesOf(lines []sandbox.InvoiceLine) map[string][]sandbox.InvoiceLine {
	out := map[string][]sandbox.InvoiceLine{}
	for _, l := range lines {
		out[l.Number] = append(out[l.Number], l)
	}
	return out
}

func hclList(vs []string) string {
	b, err := json.Marshal(vs)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// outputJSON reads the workspace's outputs as JSON values.
func outputJSON(t *testing.T, w *workspace) map[string]json.RawMessage {
	t.Helper()
	res := w.run(nil, "output", "-json", "-state="+w.dir+"/e2e.tfstate")
	if res.err != nil {
		t.Fatalf("terraform output: %v\n%s", res.err, res.output())
	}
	var outs map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &outs); err != nil {
		t.Fatalf("terraform output -json: %v", err)
	}
	got := map[string]json.RawMessage{}
	for k, v := range outs {
		got[k] = v.Value
	}
	return got
}

// checkJSON compares an output with want, both as JSON.
func checkJSON(t *testing.T, got map[string]json.RawMessage, name string, want any) {
	t.Helper()
	raw, ok := got[name]
	if !ok {
		t.Errorf("no output %s", name)
		return
	}
	var g, w any
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	if err := json.Unmarshal(wb, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ = json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("output %s:\n got %.400s\nwant %.400s", name, gb, wb)
	}
}

// TestSummaryAndPlainReadShareOneListing: a summary and a plain read of
// the same collection in one run cost one listing, whichever Terraform
// reads first.
func TestSummaryAndPlainReadShareOneListing(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{
		Accounts: 30, SubscriptionsPerAccount: 20, InvoicesPerAccount: 1,
		UsageMonths: 12, UsagePerAccountMonth: 2, RateLimit: -1,
	})
	data := srv.Data()
	config := providerBlock(srv) + `
data "talkdesk_usage" "all" {}
data "talkdesk_usage_summary" "by_account" {
  group_by = ["account_id"]
}
data "talkdesk_subscriptions" "all" {}
data "talkdesk_contracts" "all" {}
output "counts" {
  value = [
    length(data.talkdesk_usage.all.usage),
    sum([for g in data.talkdesk_usage_summary.by_account.groups : g.rows]),
    length(data.talkdesk_subscriptions.all.subscriptions),
    sum([for c in data.talkdesk_contracts.all.contracts : length(c.lines)]),
  ]
}
`
	w := newWorkspace(t, config)
	if res := w.apply(); res.err != nil {
		t.Fatalf("terraform apply: %v\n%s", res.err, res.output())
	}
	listings := pages(len(data.Usage)) + pages(len(data.Subscriptions))
	if st := srv.Stats(); st.APIRequests != listings {
		t.Errorf("a summary and a plain read of usage and of subscriptions sent %d API requests; the two listings hold %d pages", st.APIRequests, listings)
	}
	checkJSON(t, outputJSON(t, w), "counts", []int{len(data.Usage), len(data.Usage), len(data.Subscriptions), len(data.Subscriptions)})
}

// TestForeignAccountFromWholeListing: a block filtering by an account not
// under the organization, answered from the run's whole listing, fails as
// the API's 403 does: naming the account, without a request of its own.
func TestForeignAccountFromWholeListing(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{Accounts: 12, SubscriptionsPerAccount: 30, RateLimit: -1})
	data := srv.Data()
	foreign := data.ForeignAccounts[0].ID
	config := providerBlock(srv) +
		fmt.Sprintf(`
data "talkdesk_accounts" "all" {}
data "talkdesk_subscriptions" "all" {}
data "talkdesk_subscriptions" "foreign" {
  account_ids = [%q, %q]
  depends_on  = [data.talkdesk_subscriptions.all, data.talkdesk_accounts.all]
}
`, data.Accounts[0].ID, foreign)
	w := newWorkspace(t, config)
	res := w.plan(nil)
	if res.err == nil {
		t.Fatalf("terraform plan succeeded with an account id not under the organization:\n%s", res.output())
	}
	flat := strings.Join(strings.Fields(res.output()), " ")
	if !strings.Contains(flat, "account ids not under the organization: "+foreign) || strings.Contains(flat, "under the organization: "+data.Accounts[0].ID) {
		t.Errorf("the error must name %s alone:\n%s", foreign, res.output())
	}
	listings := pages(len(data.Accounts)) + pages(len(data.Subscriptions))
	if st := srv.Stats(); st.APIRequests != listings {
		t.Errorf("%d API requests; the whole listings hold %d pages and the filtered block needs none", st.APIRequests, listings)
	}
}
