package billing

// This file is what the cache of closed months does with the row layout:
// a month's rows on disk are their compact binary form (MarshalBinary,
// versioned and checksummed), and a listing is split by month and joined
// again with a UsageRowsBuilder.

// usageRows is a listing of usage as the snapshot holds it.
type usageRows = *UsageRows

// encodeMonthRows encodes one month's rows, every field exactly as the
// API sent it (numbers as their decimal text, nulls kept).
func encodeMonthRows(rows usageRows) ([]byte, error) { return rows.MarshalBinary() }

// decodeMonthRows decodes encodeMonthRows' output; an error for anything
// else (another version, a checksum mismatch, a truncation).
func decodeMonthRows(b []byte) (usageRows, error) { return UnmarshalUsageRows(b) }

// noRows is an empty listing.
func noRows() usageRows { return &UsageRows{} }

// monthIndex lists, per month, the positions of its rows in rows (rows
// without a month under ""): the cache builds one month's set at a time
// from it, so a whole listing is never copied at once.
func monthIndex(rows usageRows) map[string][]int {
	out := map[string][]int{}
	for i := range rows.Len() {
		m := rows.Row(i).Month().Value
		out[m] = append(out[m], i)
	}
	return out
}

// rowsAt is the set of rows at positions idx, in that order.
func rowsAt(rows usageRows, idx []int) usageRows {
	b := NewUsageRowsBuilder(len(idx))
	for _, i := range idx {
		b.Add(rows, i)
	}
	return b.Build()
}

// joinRows joins listings of distinct months into one listing in the
// API's default order (id descending) when each is in that order, or one
// after the other otherwise.
func joinRows(parts []usageRows) usageRows {
	var kept []usageRows
	n := 0
	for _, p := range parts {
		if p.Len() > 0 {
			kept = append(kept, p)
			n += p.Len()
		}
	}
	switch len(kept) {
	case 0:
		return noRows()
	case 1:
		return kept[0]
	}
	b := NewUsageRowsBuilder(n)
	// The joined arena is the parts' arenas, byte for byte: sized once,
	// it is not copied as it grows while every part is still held.
	arena := 0
	for _, p := range kept {
		arena += len(p.arena)
	}
	b.reserveArena(arena)
	ordered := true
	for _, p := range kept {
		ordered = ordered && idDescending(p)
	}
	if !ordered {
		for _, p := range kept {
			b.AddAll(p)
		}
		return b.Build()
	}
	// A k-way merge: k is the number of months, a few dozen at most.
	next := make([]int, len(kept))
	for range n {
		best := -1
		for k, p := range kept {
			if next[k] < p.Len() && (best < 0 || p.Row(next[k]).ID() > kept[best].Row(next[best]).ID()) {
				best = k
			}
		}
		b.Add(kept[best], next[best])
		next[best]++
	}
	return b.Build()
}

func idDescending(rows usageRows) bool {
	for i := 1; i < rows.Len(); i++ {
		if rows.Row(i-1).ID() < rows.Row(i).ID() {
			return false
		}
	}
	return true
}

// selectRows keeps the rows q selects (shared when all are kept).
func selectRows(rows usageRows, q Query) usageRows {
	return mergeSelected([]usageRows{rows}, q)
}
