package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// repeatedPlanScenarios are a CI pipeline's repeated plans of a budget
// configuration (usage summed by instance and month) over 24 months of
// usage ending in the current month: without cache_dir (every plan reads
// every page, as before the cache), then with an empty cache_dir (cold)
// and again (warm: only the two open months are read from the API).
func repeatedPlanScenarios(quick bool) []scenario {
	sizes := []struct {
		label   string
		perAcct int
	}{{"100,800", 6}, {"1,008,000", 60}}
	if quick {
		sizes = sizes[:1]
	}
	var out []scenario
	for _, size := range sizes {
		opts := sandbox.Options{Accounts: 700, UsageMonths: 24, UsagePerAccountMonth: size.perAcct, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, Latency: 50 * time.Millisecond}
		if quick {
			opts.Accounts = 50
		}
		rp := &repeatedPlan{opts: opts}
		prefix := fmt.Sprintf("terraform: repeated plan, %s usage rows, ", size.label)
		out = append(out,
			scenario{name: prefix + "no cache_dir", run: func() (result, error) { return terraformRun(opts, usageByInstanceMonth, countUsage) }},
			scenario{name: prefix + "cache cold", run: func() (result, error) { return rp.result(0) }},
			scenario{name: prefix + "cache warm", run: func() (result, error) { return rp.result(1) }},
		)
	}
	return out
}

// repeatedPlan runs the cold and the warm plan once, on one sandbox and
// one cache directory, for both rows.
type repeatedPlan struct {
	opts    sandbox.Options
	done    bool
	results [2]result
	err     error
}

func (rp *repeatedPlan) result(i int) (result, error) {
	if !rp.done {
		rp.done = true
		rp.results, rp.err = rp.run()
	}
	return rp.results[i], rp.err
}

func (rp *repeatedPlan) run() ([2]result, error) {
	var out [2]result
	srv, dir, pluginDir, cleanup, err := terraformBench(rp.opts)
	if err != nil {
		return out, err
	}
	defer cleanup()
	cacheDir := filepath.Join(dir, "usage-cache")
	config := fmt.Sprintf("provider \"talkdesk\" {\n  cache_dir = %q\n}\n", cacheDir) + usageByInstanceMonth
	ws, err := newTFWorkspace(filepath.Join(dir, "run"), pluginDir, srv, config)
	if err != nil {
		return out, err
	}
	want := countUsage(srv.Data())
	for i := range out {
		srv.ResetStats()
		start := time.Now()
		got, err := ws.apply()
		wall := time.Since(start)
		if err != nil {
			return out, err
		}
		r := fromServer(srv, wall)
		r.limit = providerRate
		r.rows, _ = strconv.Atoi(want)
		r.exact = got == want
		r.peakRSS = ws.peakRSS()
		r.terraformRSS = ws.terraformRSS
		open := 0
		for _, u := range srv.Data().Usage {
			if u.Month >= openFrom() {
				open++
			}
		}
		openPages := (open + 249) / 250
		r.note = fmt.Sprintf("open months: %d pages, bound %d; cache %s", openPages, int(1.2*float64(openPages))+4, dirSize(cacheDir))
		if !r.exact {
			r.note = fmt.Sprintf("got %q want %q", got, want)
		}
		out[i] = r
	}
	return out, nil
}

// openFrom is the earlier of the two open months (the month before this one).
func openFrom() string {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
}

func dirSize(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "-"
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return fmt.Sprintf("%d files, %.1f MiB", len(entries), float64(n)/(1<<20))
}
