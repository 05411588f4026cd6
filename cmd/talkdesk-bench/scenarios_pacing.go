package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// pacingScenarios are the rows of a quota shared with other clients: a
// server granting less than the provider's setting, a grant that drops
// and returns during a read, and two Terraform runs on one quota.
func pacingScenarios(quick bool) []scenario {
	// ~51,000 subscriptions = 205 pages of 250; ~100,800 usage rows = 404 pages.
	subsAccounts, usagePerMonth := 170, 42
	if quick {
		subsAccounts, usagePerMonth = 20, 5
	}
	subs := sandbox.Options{Accounts: subsAccounts, SubscriptionsPerAccount: 300, InvoicesPerAccount: 1, UsageMonths: 1, UsagePerAccountMonth: 1, Latency: 50 * time.Millisecond}
	var out []scenario
	for _, ra := range []string{"1", ""} {
		opts := subs
		opts.RateLimit, opts.RateBurst, opts.RetryAfter = 10, 10, ra
		label := "Retry-After: 1"
		if ra == "" {
			label = "no Retry-After"
		}
		out = append(out, scenario{
			name: "pacing: server grants 10 req/s (bucket 10), provider 25, " + label,
			run:  func() (result, error) { return clientReadAs(opts, providerRate, readSubscriptions, nil) },
		})
	}

	// 25 req/s for 4 s, 8 for 15 s, then 25 again: ~100 + 120 pages, and
	// the rest of the 404 at 25 req/s once the quota returns.
	const drop, back = 4 * time.Second, 19 * time.Second
	usage := sandbox.Options{Accounts: 100, UsageMonths: 24, UsagePerAccountMonth: usagePerMonth, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, Latency: 50 * time.Millisecond, RetryAfter: "1",
		RateSchedule: []sandbox.RateStep{{After: drop, Rate: 8, Burst: 8}, {After: back, Rate: providerRate}}}
	out = append(out, scenario{
		name: "pacing: quota 25 -> 8 -> 25 req/s during one usage read",
		run: func() (result, error) {
			return clientReadAs(usage, providerRate, readUsage, func(srv *sandbox.Server, r *result) {
				r.note = recoveryNote(srv.Requests(), back, 20)
			})
		},
	})

	// Each run sums ~50,400 usage rows (202 pages) by month, so that what
	// Terraform itself does with the answer stays small next to the reads.
	twoRuns := sandbox.Options{Accounts: 100, UsageMonths: 24, UsagePerAccountMonth: usagePerMonth / 2, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, Latency: 50 * time.Millisecond}
	out = append(out, scenario{
		name: "pacing: two terraform runs, one 25 req/s quota",
		run:  func() (result, error) { return concurrentTerraformRuns(twoRuns, 2) },
	})
	return out
}

// recoveryNote measures how soon after the quota's return (back after the
// first request) the server granted at least want requests within one
// second: the end of the first such second, counted from the return.
func recoveryNote(reqs []sandbox.RequestRecord, back time.Duration, want int) string {
	if len(reqs) == 0 {
		return "no requests"
	}
	ret := reqs[0].Time.Add(back)
	var ok []time.Time
	for _, q := range reqs {
		if q.Status == 200 && !q.Time.Before(ret) {
			ok = append(ok, q.Time)
		}
	}
	for i := range ok {
		n := 0
		for j := i; j < len(ok) && ok[j].Sub(ok[i]) < time.Second; j++ {
			n++
		}
		if n >= want {
			return fmt.Sprintf("above %d req/s %.1fs after the quota's return", want, ok[i].Add(time.Second).Sub(ret).Seconds())
		}
	}
	return fmt.Sprintf("never above %d req/s after the quota's return (%d pages after it)", want, len(ok))
}

// concurrentTerraformRuns starts n Terraform runs at once, each reading
// every usage row (summed by month), against one sandbox whose one quota
// they share.
func concurrentTerraformRuns(opts sandbox.Options, n int) (result, error) {
	srv, dir, pluginDir, cleanup, err := terraformBench(opts)
	if err != nil {
		return result{}, err
	}
	defer cleanup()
	const config = `
data "talkdesk_usage_summary" "by_month" {
  group_by = ["month"]
}
output "rows" { value = tostring(sum([for g in data.talkdesk_usage_summary.by_month.groups : g.rows])) }
`
	want := strconv.Itoa(len(srv.Data().Usage))
	spaces := make([]*tfWorkspace, n)
	for i := range spaces {
		if spaces[i], err = newTFWorkspace(filepath.Join(dir, fmt.Sprintf("run%d", i)), pluginDir, srv, config); err != nil {
			return result{}, err
		}
	}
	got := make([]string, n)
	errs := make([]error, n)
	ends := make([]time.Time, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i, ws := range spaces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = ws.apply()
			ends[i] = time.Now()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return result{}, err
		}
	}
	r := fromServer(srv, wall)
	r.limit = providerRate
	r.exact = true
	for i, g := range got {
		r.exact = r.exact && g == want
		n, _ := strconv.Atoi(g)
		r.rows += n
		r.peakRSS = max(r.peakRSS, spaces[i].peakRSS())
	}
	if !r.exact {
		return r, fmt.Errorf("rows %v, want %s each", got, want)
	}
	// The server's log ends with the later run's last read; Terraform's
	// own work on the rows after that (state, output) is reported apart.
	quota := time.Duration(float64(r.pages) / providerRate * float64(time.Second))
	later := slices.MaxFunc(ends, time.Time.Compare).Sub(start)
	r.note = fmt.Sprintf("later run ends at %.1fs = %.2f x the quota time (%.1fs); reads end %.1fs after the first request (%.2f x); runs end at %s",
		later.Seconds(), later.Seconds()/quota.Seconds(), quota.Seconds(), r.span.Seconds(), r.span.Seconds()/quota.Seconds(), runEnds(start, ends))
	return r, nil
}

func runEnds(start time.Time, ends []time.Time) string {
	s := ""
	for i, e := range ends {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.1fs", e.Sub(start).Seconds())
	}
	return s
}
