// Command talkdesk-bench measures how close the provider reads to the
// API's rate limit, and in how much memory, against the local sandbox.
// It prints one table (make bench):
//
//	go run ./cmd/talkdesk-bench [-only substring] [-quick]
//
// Client rows call the billing client directly; "terraform" rows run the
// real Terraform CLI with the provider binary through a dev override and
// measure the provider process's peak resident memory.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one row of the table.
type result struct {
	name      string
	rows      int
	pages     int
	requests  int
	throttled int
	wall      time.Duration
	// span is first to last API request at the server: the achieved rate
	// is measured over it, so CLI start-up does not count against it.
	span time.Duration
	// afterLast is the last API request's arrival to the end of the run
	// (terraform rows only): what the provider and Terraform add after the
	// last page.
	afterLast time.Duration
	limit     float64
	peakRSS   int64 // bytes; 0 when not measured
	// terraformRSS is the Terraform CLI's own peak RSS and stateBytes the
	// size of the state it wrote (terraform rows only).
	terraformRSS int64
	stateBytes   int64
	tokenReqs    int
	exact        bool
	note         string
	// figures are the row's own measures beyond the table's columns,
	// which -repeat sums up over its tries.
	figures []figure
}

// figure is one measure of a row: what it is and its value.
type figure struct {
	name  string
	value float64
}

func main() {
	if wrapped() || clientProcess() {
		return
	}
	only := flag.String("only", "", "run only scenarios whose name contains this")
	quick := flag.Bool("quick", false, "smaller data sets (smoke test of the harness)")
	repeat := flag.Int("repeat", 1, "run each row this many times and sum up each measure's range and average (single tries of the many-runs rows spread widely); each try of a Terraform row builds the provider from the working tree again, so leave the tree as it is until the rows are done")
	flag.Parse()

	var results []result
	for _, sc := range scenarios(*quick) {
		if *only != "" && !strings.Contains(sc.name, *only) {
			continue
		}
		for try := range max(*repeat, 1) {
			fmt.Fprintf(os.Stderr, "running %s%s ...\n", sc.name, tryLabel(try, *repeat))
			r, err := sc.run()
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", sc.name, err)
				r = result{name: sc.name, note: "ERROR: " + err.Error()}
			}
			r.name = sc.name
			results = append(results, r)
		}
	}
	printTable(results)
	if *repeat > 1 {
		printSummary(os.Stdout, results)
	}
	for _, r := range results {
		if failed(r) {
			os.Exit(1)
		}
	}
}

func printTable(results []result) {
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "scenario\trows\tpages\trequests\t429s\t429%\twall\treq/s\tratio\trows/s\tprovider RSS\tterraform RSS\tstate\ttokens\texact\tnote\t")
	for _, r := range results {
		rowsPerSec := 0.0
		if r.wall > 0 {
			rowsPerSec = float64(r.rows) / r.wall.Seconds()
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.1f\t%.1fs\t%.1f\t%.2f\t%.0f\t%s\t%s\t%s\t%d\t%v\t%s\t\n",
			r.name, r.rows, r.pages, r.requests, r.throttled, r.throttledPercent(), r.wall.Seconds(), r.rate(), r.ratio(), rowsPerSec,
			mib(r.peakRSS), mib(r.terraformRSS), mib(r.stateBytes), r.tokenReqs, r.exact, r.note)
	}
	w.Flush()
}

// rate is the requests per second at the server, first to last.
func (r result) rate() float64 {
	if r.span <= 0 || r.requests <= 1 {
		return 0
	}
	return float64(r.requests-1) / r.span.Seconds()
}

// ratio is the rate over the row's limit.
func (r result) ratio() float64 {
	if r.limit <= 0 {
		return 0
	}
	return r.rate() / r.limit
}

// throttledPercent is the share of requests refused with 429.
func (r result) throttledPercent() float64 {
	if r.requests == 0 {
		return 0
	}
	return 100 * float64(r.throttled) / float64(r.requests)
}

// failed reports whether the row failed to run or read inexact data.
func failed(r result) bool { return strings.HasPrefix(r.note, "ERROR") || (r.rows > 0 && !r.exact) }

// mib shows a byte count, or "-" when not measured.
func mib(n int64) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}
