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
