package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// fanOutScenarios is a configuration shaped like a reseller's module:
// for_each lookups of instances by name and by id, invoice lookups by
// number and several filtered views of the contract lines, in one run.
// The figure to watch is requests against the listings' page count.
func fanOutScenarios(quick bool) []scenario {
	// 600 accounts (3 pages), 4,800 contract lines (20 pages), about 1,800
	// invoices in about 7,200 lines (29 pages).
	opts := sandbox.Options{Accounts: 600, SubscriptionsPerAccount: 8, InvoicesPerAccount: 3, UsageMonths: 1, UsagePerAccountMonth: 1, Latency: 50 * time.Millisecond}
	if quick {
		opts.Accounts = 120
	}
	return []scenario{{
		name: "terraform: fan-out, 100 blocks over 3 listings, 50ms latency",
		run:  func() (result, error) { return fanOut(opts) },
	}}
}

func fanOut(opts sandbox.Options) (result, error) {
	var blocks, minimum int
	r, err := terraformRunFor(opts, func(d sandbox.Dataset) string {
		var cfg string
		cfg, blocks = fanOutConfig(d)
		minimum = pageCount(len(d.Accounts)) + pageCount(len(d.Subscriptions)) + pageCount(len(d.Invoices))
		return cfg
	}, fanOutWant)
	if err != nil {
		return r, err
	}
	r.rows = blocks
	note := fmt.Sprintf("%d blocks; %d requests for %d pages (%.2fx)", blocks, r.requests, minimum, float64(r.requests)/float64(minimum))
	if r.note != "" {
		note += "; " + r.note
	}
	r.note = note
	return r, nil
}

func pageCount(n int) int { return max(1, (n+249)/250) }

// fanOutPicks chooses the records the configuration looks up: accounts
// spread over every page of the listing, every tenth invoice (at most 40).
func fanOutPicks(d sandbox.Dataset) (names, ids, numbers []string, product string) {
	step := max(1, len(d.Accounts)/50)
	for i := 0; i < len(d.Accounts); i += step {
		if (i/step)%2 == 0 {
			names = append(names, d.Accounts[i].Name)
		} else {
			ids = append(ids, d.Accounts[i].ID)
		}
	}
	byNumber := map[string]bool{}
	for _, l := range d.Invoices {
		byNumber[l.Number] = true
	}
	all := slices.Sorted(maps.Keys(byNumber))
	for i := 0; i < len(all) && len(numbers) < 40; i += max(1, len(all)/40) {
		numbers = append(numbers, all[i])
	}
	return names, ids, numbers, d.Subscriptions[0].ProductID
}

// fanOutViews are the filtered views of the contract lines, each a block.
var fanOutViews = []string{
	``, `status = "ACTIVATED"`, `status = "activated"`, `product_ids = [%q]`,
	`ends_after = "2000-01-01T00:00:00Z"`, `ends_before = "2100-01-01T00:00:00Z"`,
	`ends_after = "2000-01-01T00:00:00Z"` + "\n  " + `product_ids = [%q]`,
	`status = "ACTIVATED"` + "\n  " + `ends_before = "2100-01-01T00:00:00Z"`,
	`product_ids = [%q, "TD-NONE"]`, `status = "OTHER"`,
}

func fanOutConfig(d sandbox.Dataset) (string, int) {
	names, ids, numbers, product := fanOutPicks(d)
	list := func(vs []string) string { b, _ := json.Marshal(vs); return string(b) }
	var b strings.Builder
	fmt.Fprintf(&b, "locals {\n  names = %s\n  ids = %s\n  numbers = %s\n}\n", list(names), list(ids), list(numbers))
	b.WriteString(`
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
`)
	var counts []string
	for i, v := range fanOutViews {
		if strings.Contains(v, "%q") {
			v = strings.ReplaceAll(v, "%q", fmt.Sprintf("%q", product))
		}
		fmt.Fprintf(&b, "data \"talkdesk_subscriptions\" \"view%d\" {\n  %s\n}\n", i, v)
		counts = append(counts, fmt.Sprintf("tostring(length(data.talkdesk_subscriptions.view%d.subscriptions))", i))
	}
	fmt.Fprintf(&b, `output "rows" {
  value = join(" ", concat(
    [for k in sort(local.names) : data.talkdesk_account.by_name[k].id],
    [for k in sort(local.ids) : data.talkdesk_account.by_id[k].name],
    [for k in sort(local.numbers) : "${data.talkdesk_invoice.by_number[k].account_id}/${length(data.talkdesk_invoice.by_number[k].lines)}"],
    [%s]))
}
`, strings.Join(counts, ", "))
	return b.String(), len(names) + len(ids) + len(numbers) + len(fanOutViews)
}

// fanOutWant is the "rows" output computed from the sandbox's data.
func fanOutWant(d sandbox.Dataset) string {
	names, ids, numbers, product := fanOutPicks(d)
	var out []string
	byName, byID := map[string]string{}, map[string]string{}
	for _, a := range d.Accounts {
		byName[a.Name], byID[a.ID] = a.ID, a.Name
	}
	for _, n := range slices.Sorted(slices.Values(names)) {
		out = append(out, byName[n])
	}
	for _, id := range slices.Sorted(slices.Values(ids)) {
		out = append(out, byID[id])
	}
	for _, n := range slices.Sorted(slices.Values(numbers)) {
		lines, account := 0, ""
		for _, l := range d.Invoices {
			if l.Number == n {
				lines, account = lines+1, l.AccountID
			}
		}
		out = append(out, fmt.Sprintf("%s/%d", account, lines))
	}
	lo, hi := mustParse("2000-01-01T00:00:00Z"), mustParse("2100-01-01T00:00:00Z")
	keeps := []func(s sandbox.Subscription) bool{
		func(sandbox.Subscription) bool { return true },
		func(s sandbox.Subscription) bool { return s.Status == "ACTIVATED" },
		func(s sandbox.Subscription) bool { return strings.EqualFold(s.Status, "activated") },
		func(s sandbox.Subscription) bool { return s.ProductID == product },
		func(s sandbox.Subscription) bool { return mustParse(s.EndDate).After(lo) },
		func(s sandbox.Subscription) bool { return mustParse(s.EndDate).Before(hi) },
		func(s sandbox.Subscription) bool { return mustParse(s.EndDate).After(lo) && s.ProductID == product },
		func(s sandbox.Subscription) bool { return s.Status == "ACTIVATED" && mustParse(s.EndDate).Before(hi) },
		func(s sandbox.Subscription) bool { return s.ProductID == product },
		func(s sandbox.Subscription) bool { return s.Status == "OTHER" },
	}
	for _, keep := range keeps {
		n := 0
		for _, s := range d.Subscriptions {
			if keep(s) {
				n++
			}
		}
		out = append(out, fmt.Sprint(n))
	}
	return strings.Join(out, " ")
}

func mustParse(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
