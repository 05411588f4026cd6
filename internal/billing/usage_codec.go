package billing

import (
	"encoding/json"
	"errors"
	"strings"
)

// This file is everything the cache of closed months knows of the row
// layout: encoding one month's rows for disk, splitting a listing by
// month, joining months into one listing and selecting rows of a query.

// usageRows is a listing of usage as the snapshot holds it.
type usageRows = []Usage

// usageCodecVersion versions encodeMonthRows' layout; another version is
// refused on decode (and the month read from the API again).
const usageCodecVersion = "usage-json/1"

type encodedMonth struct {
	Version string  `json:"version"`
	Rows    []Usage `json:"rows"`
}

// encodeMonthRows encodes one month's rows, every field exactly as the
// API sent it (numbers as their decimal text, nulls kept).
func encodeMonthRows(rows usageRows) ([]byte, error) {
	return json.Marshal(encodedMonth{Version: usageCodecVersion, Rows: rows})
}

// decodeMonthRows decodes encodeMonthRows' output; an error for anything
// else.
func decodeMonthRows(b []byte) (usageRows, error) {
	var m encodedMonth
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m.Version != usageCodecVersion {
		return nil, errors.New("rows of another format (" + m.Version + ")")
	}
	for i := range m.Rows {
		if m.Rows[i].ID == "" {
			return nil, errors.New("a row without an id")
		}
	}
	return m.Rows, nil
}

// splitMonths groups rows by their month; a row without a month is kept
// under "".
func splitMonths(rows usageRows) map[string]usageRows {
	out := map[string]usageRows{}
	for i := range rows {
		m := rows[i].Month.Value
		out[m] = append(out[m], rows[i])
	}
	return out
}

// joinRows joins listings of distinct months into one listing in the
// API's default order (id descending) when each is in that order, or one
// after the other otherwise.
func joinRows(parts []usageRows) usageRows {
	var kept []usageRows
	for _, p := range parts {
		if len(p) > 0 {
			kept = append(kept, p)
		}
	}
	switch len(kept) {
	case 0:
		return usageRows{}
	case 1:
		return kept[0]
	}
	for _, p := range kept {
		if !idDescending(p) {
			var out usageRows
			for _, q := range kept {
				out = append(out, q...)
			}
			return out
		}
	}
	for len(kept) > 1 { // pairwise merges: n log k comparisons
		var next []usageRows
		for i := 0; i+1 < len(kept); i += 2 {
			next = append(next, mergeIDDescending(kept[i], kept[i+1]))
		}
		if len(kept)%2 == 1 {
			next = append(next, kept[len(kept)-1])
		}
		kept = next
	}
	return kept[0]
}

func idDescending(rows usageRows) bool {
	for i := 1; i < len(rows); i++ {
		if strings.Compare(rows[i-1].ID, rows[i].ID) < 0 {
			return false
		}
	}
	return true
}

func mergeIDDescending(a, b usageRows) usageRows {
	out := make(usageRows, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].ID >= b[0].ID {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// selectRows keeps the rows q selects (shared when all are kept).
func selectRows(rows usageRows, q Query) usageRows {
	return mergeSelected([]usageRows{rows}, q)
}
