package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// tryLabel names a try of a repeated row in the progress lines.
func tryLabel(try, repeat int) string {
	if repeat <= 1 {
		return ""
	}
	return fmt.Sprintf(" (try %d of %d)", try+1, repeat)
}

// measures are what -repeat sums up for a row: the table's 429 share and
// ratio, the wall time, the time after the last page and the provider's
// peak RSS where measured, and the row's own figures.
func measures(r result) []figure {
	out := []figure{{"429%", r.throttledPercent()}, {"ratio", r.ratio()}, {"wall s", r.wall.Seconds()}}
	if r.afterLast > 0 {
		out = append(out, figure{"after the last page s", r.afterLast.Seconds()})
	}
	if r.peakRSS > 0 {
		out = append(out, figure{"provider peak RSS MiB", float64(r.peakRSS) / (1 << 20)})
	}
	return append(out, r.figures...)
}

// printSummary writes, for each row, each measure's lowest, average and
// highest value over its tries (tries that failed are left out of the
// figures and counted).
func printSummary(out io.Writer, results []result) {
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nscenario\ttries\tmeasure\tlowest\taverage\thighest\t")
	var names []string
	byName := map[string][]result{}
	for _, r := range results {
		if _, ok := byName[r.name]; !ok {
			names = append(names, r.name)
		}
		byName[r.name] = append(byName[r.name], r)
	}
	for _, name := range names {
		var ok []result
		for _, r := range byName[name] {
			if !failed(r) {
				ok = append(ok, r)
			}
		}
		tries := fmt.Sprintf("%d", len(byName[name]))
		if n := len(byName[name]) - len(ok); n > 0 {
			tries += fmt.Sprintf(" (%d failed)", n)
		}
		for _, s := range summarize(ok) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t\n", name, tries, s.name, s.lowest, s.average, s.highest)
		}
	}
	w.Flush()
}

// measureSummary is one measure's range and average over tries.
type measureSummary struct {
	name                     string
	lowest, average, highest float64
}

// summarize sums up each measure of the tries, in the order the measures
// first appear.
func summarize(tries []result) []measureSummary {
	var order []string
	values := map[string][]float64{}
	for _, r := range tries {
		for _, f := range measures(r) {
			if _, ok := values[f.name]; !ok {
				order = append(order, f.name)
			}
			values[f.name] = append(values[f.name], f.value)
		}
	}
	out := make([]measureSummary, 0, len(order))
	for _, name := range order {
		v := values[name]
		sum := 0.0
		for _, x := range v {
			sum += x
		}
		out = append(out, measureSummary{name: name, lowest: slices.Min(v), average: sum / float64(len(v)), highest: slices.Max(v)})
	}
	return out
}
