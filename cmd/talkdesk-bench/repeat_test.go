package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSummarizeTries(t *testing.T) {
	tries := []result{
		{requests: 100, throttled: 2, span: 4 * time.Second, limit: 25, wall: 5 * time.Second, figures: []figure{{"foreign refused %", 1}}},
		{requests: 100, throttled: 6, span: 6 * time.Second, limit: 25, wall: 7 * time.Second, figures: []figure{{"foreign refused %", 4}}},
	}
	got := summarize(tries)
	want := []measureSummary{
		{"429%", 2, 4, 6},
		{"ratio", 99.0 / 6 / 25, (99.0/4 + 99.0/6) / 2 / 25, 99.0 / 4 / 25},
		{"wall s", 5, 6, 7},
		{"foreign refused %", 1, 2.5, 4},
	}
	if len(got) != len(want) {
		t.Fatalf("summary %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.name != w.name || !near(g.lowest, w.lowest) || !near(g.average, w.average) || !near(g.highest, w.highest) {
			t.Errorf("measure %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestSummaryLeavesFailedTriesOut(t *testing.T) {
	results := []result{
		{name: "row", rows: 10, exact: true, requests: 10, throttled: 1},
		{name: "row", note: "ERROR: sandbox did not start"},
		{name: "row", rows: 10, exact: false, requests: 10, throttled: 9},
		{name: "other", rows: 5, exact: true, requests: 5},
	}
	var out bytes.Buffer
	printSummary(&out, results)
	text := out.String()
	if !strings.Contains(text, "3 (2 failed)") {
		t.Errorf("the failed tries are not counted:\n%s", text)
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[0] == "row" && f[len(f)-4] == "429%" && strings.Join(f[len(f)-3:], " ") != "10.00 10.00 10.00" {
			t.Errorf("a failed try's 429 share counted: %q", line)
		}
	}
	if !strings.Contains(text, "other") {
		t.Errorf("a row run once is missing:\n%s", text)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
