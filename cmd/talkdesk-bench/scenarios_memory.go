package main

import (
	"context"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// Every memory row's data set is instances × 25 months × 8 rows: 500
// instances are 100,000 rows, 5,000 instances 1,000,000 (4,000 pages).
const (
	memoryMonths       = 25
	memoryRowsPerMonth = 8
)

// usageMemoryScenarios show how memory follows the usage rows: for each
// size, the bytes the client holds per row once the listing is read, and
// a summary by instance and month through Terraform with the provider's
// peak RSS (its wall time against the 25 req/s floor). Pick one size
// with -only, e.g. -only "1,000,000 rows".
func usageMemoryScenarios(quick bool) []scenario {
	sizes := []int{100_000, 300_000, 1_000_000}
	if quick {
		sizes = []int{10_000}
	}
	var out []scenario
	for _, rows := range sizes {
		opts := sandbox.Options{
			Accounts: rows / (memoryMonths * memoryRowsPerMonth), UsageMonths: memoryMonths, UsagePerAccountMonth: memoryRowsPerMonth,
			SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, Latency: 50 * time.Millisecond,
		}
		label := thousands(rows) + " rows"
		out = append(out, scenario{
			name: "client: usage held per row, " + label,
			run:  func() (result, error) { return usageHeld(opts) },
		}, scenario{
			name: "terraform: usage summary by account_id and month, " + label,
			run: func() (result, error) {
				r, err := terraformRun(opts, usageByInstanceMonthTotals, usageAndTotals)
				if err == nil && r.pages > 0 {
					floor := float64(r.pages) / providerRate
					r.note = fmt.Sprintf("wall = %.2f x the API floor (%.1fs), %.1fs after the last page", r.wall.Seconds()/floor, floor, r.afterLast.Seconds())
				}
				return r, err
			},
		})
	}
	return out
}

// usageByInstanceMonthTotals is usageByInstanceMonth with the totals
// per currency in the output, so the row is exact only when every sum is.
const usageByInstanceMonthTotals = `
data "talkdesk_usage_summary" "spend" { group_by = ["account_id", "month"] }
output "rows" {
  value = join(" ", concat([tostring(sum([for g in data.talkdesk_usage_summary.spend.groups : g.rows]))],
    [for c, v in data.talkdesk_usage_summary.spend.totals : "${c}=${v}"]))
}
`

// usageAndTotals is the row count and the exact total per currency of
// the sandbox's usage, computed here in integer cents (its amounts are
// whole cents), independently of the provider.
func usageAndTotals(d sandbox.Dataset) string {
	cents := map[string]int64{}
	for _, u := range d.Usage {
		cents[u.Currency] += int64(math.Round(u.TotalAmount * 100))
	}
	out := []string{strconv.Itoa(len(d.Usage))}
	for _, cur := range slices.Sorted(maps.Keys(cents)) {
		c := cents[cur]
		text := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", c/100, c%100), "0"), ".")
		out = append(out, cur+"="+text)
	}
	return strings.Join(out, " ")
}

// usageHeld reads the usage listing with the client, without a rate
// limit, and measures the heap in use after the read against before it,
// divided by the rows: what the snapshot holds per row.
func usageHeld(opts sandbox.Options) (result, error) {
	opts.RateLimit = -1
	srv, err := startSandbox(opts)
	if err != nil {
		return result{}, err
	}
	defer srv.Close()
	want := len(srv.Data().Usage)
	c, err := billing.New(billing.Config{
		APIBaseURL: srv.URL, TokenURL: srv.TokenURL,
		ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret,
		RequestsPerSecond: 1000,
	})
	if err != nil {
		return result{}, err
	}
	before := heapInUse()
	start := time.Now()
	rows, err := c.Usage(context.Background(), billing.Query{})
	wall := time.Since(start)
	if err != nil {
		return result{}, err
	}
	after := heapInUse()
	n := rows.Len()
	runtime.KeepAlive(rows)
	r := fromServer(srv, wall)
	r.rows, r.exact = n, n == want
	r.note = fmt.Sprintf("held %.0f B/row", float64(after-before)/float64(max(n, 1)))
	if !r.exact {
		r.note += fmt.Sprintf("; want %d rows", want)
	}
	return r, nil
}

// heapInUse is the heap in use after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
