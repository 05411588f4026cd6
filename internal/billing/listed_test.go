package billing

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLaterDuplicates finds every row whose id an earlier row has, in row
// order, for records and for compact usage rows, against a plain map.
func TestLaterDuplicates(t *testing.T) {
	ids := []string{"a", "b", "a", "c", "b", "a", "d"}
	records := make([]Account, len(ids))
	for i, id := range ids {
		records[i].ID = id
	}
	if got := laterDuplicates(view(records)); !slices.Equal(got, []int{2, 4, 5}) {
		t.Errorf("accounts: %v", got)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	usage := make([]Usage, 20000)
	var want []int
	seen := map[string]bool{}
	for i := range usage {
		usage[i].ID = fmt.Sprint(rng.IntN(15000))
		if seen[usage[i].ID] {
			want = append(want, i)
		}
		seen[usage[i].ID] = true
	}
	if got := laterDuplicates(view(UsageRowsOf(usage))); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("usage: %d duplicates, want %d", len(got), len(want))
	}
	if got := laterDuplicates(view(UsageRowsOf(nil))); got != nil {
		t.Errorf("empty: %v", got)
	}
}

// TestSortedHashes: the radix sort agrees with a comparison sort, and
// leaves its input alone.
func TestSortedHashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 100, 1 << 14, 50000} {
		in := make([]uint64, n)
		for i := range in {
			in[i] = rng.Uint64() >> (rng.IntN(4) * 16) // small and large digits
		}
		before := slices.Clone(in)
		want := slices.Clone(in)
		slices.Sort(want)
		if got := sortedHashes(in); !slices.Equal(got, want) || !slices.Equal(in, before) {
			t.Errorf("%d hashes: not sorted, or the input changed", n)
		}
	}
}

// BenchmarkLaterDuplicates checks 250,000 usage ids, none repeated, as
// every read of a listing does once its pages are in.
func BenchmarkLaterDuplicates(b *testing.B) {
	usage := make([]Usage, 250000)
	for i := range usage {
		usage[i].ID = fmt.Sprintf("%024x", i*7919)
	}
	v := view(UsageRowsOf(usage))
	b.ReportAllocs()
	for b.Loop() {
		if d := laterDuplicates(v); len(d) != 0 {
			b.Fatal(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(v.Len()), "ns/row")
}
