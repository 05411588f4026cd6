package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pageDoc renders a page document holding items under key.
func pageDoc[T record](t testing.TB, key string, items []T) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"count": len(items), "page": 1, "per_page": 250,
		"_embedded": map[string]any{key: items},
		"_links":    map[string]any{"self": map[string]string{"href": "/x?page=1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// roundTrip checks that decoded items re-encode and decode to themselves.
func roundTrip[T record, S listed](t *testing.T, data []byte, key string, records func(S) []T) {
	p, err := decodePage[S](bytes.NewReader(data), key)
	if err != nil {
		return
	}
	items := records(p.Embedded.items)
	again, err := decodePage[S](bytes.NewReader(pageDoc(t, key, items)), key)
	if err != nil {
		t.Fatalf("re-encoded page does not decode: %v", err)
	}
	if len(items) == 0 && len(records(again.Embedded.items)) == 0 {
		return
	}
	if !reflect.DeepEqual(items, records(again.Embedded.items)) {
		t.Fatalf("round trip changed the records:\nfirst  %+v\nsecond %+v", items, records(again.Embedded.items))
	}
}

// sameAsStructs checks that a usage page decodes into compact rows
// exactly as encoding/json decodes its records into Usage structs: the
// same records, or an error from both.
func sameAsStructs(t *testing.T, data []byte) {
	p, err := decodePage[*UsageRows](bytes.NewReader(data), "usage")
	if err != nil {
		return // the page checks refuse more than encoding/json does
	}
	// The collection key is matched exactly, as the page decoder does.
	var doc struct {
		Embedded map[string]json.RawMessage `json:"_embedded"`
	}
	var structs []Usage
	structErr := json.Unmarshal(data, &doc)
	if raw, ok := doc.Embedded["usage"]; ok && structErr == nil {
		structErr = json.Unmarshal(raw, &structs)
	}
	if structErr != nil {
		t.Fatalf("compact rows decoded a page that encoding/json refuses: %v", structErr)
	}
	got := p.Embedded.items.Records()
	if len(got) == 0 && len(structs) == 0 {
		return
	}
	if !reflect.DeepEqual(got, structs) {
		t.Fatalf("compact rows differ from the structs:\nrows    %+v\nstructs %+v", got, structs)
	}
}

func FuzzDecodePage(f *testing.F) {
	f.Add(pageDoc(f, "usage", genUsage(3, 2)))
	f.Add(pageDoc(f, "subscriptions", genSubscriptions(3, 2)))
	f.Add([]byte(`{"_embedded": {"usage": [{"id": "u", "price": "12.30", "total_amount": -0.0e+5, "direction": null, "x": {}}]}}`))
	f.Add([]byte(`{"_embedded": {"subscriptions": [{"id": "s", "auto_renewal": false, "quantity": "1 ", "term": "\u00e9\\"}]}}`))
	f.Add([]byte("{\"_embedded\": {\"usage\": [{\"id\": \"u\xff\", \"description\": \"caf\xe9 \xff\"}]}}")) // invalid UTF-8
	f.Add([]byte(`{"count": 1, "_embedded": {"usage": [{"id": "u"}], "usage": [{"id": "v", "month": "2024-01"}]}}`))
	f.Add([]byte(`{"_embedded": null, "_links": {"next": {"href": "x"}}}`))
	f.Add([]byte(`{"_embedded": {"usage": [{"id": "u", "price": 1e400, "number_of_units": "0x10"}]}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, "usage", (*UsageRows).Records)
		roundTrip(t, data, "subscriptions", func(s []Subscription) []Subscription { return s })
		sameAsStructs(t, data)
	})
}

// splitValues turns a fuzz string into a value list ("\n"-separated).
func splitValues(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func FuzzBuildFilters(f *testing.F) {
	f.Add("5ea75fe7aa224700012eae40\n5ea75fe7aa224700012eae41", "2024-03", uint16(0))
	f.Add("o'brien\n''\n\n(x) or y eq 'z'\no'brien", "2024-01\n2024-02", uint16(3))
	f.Add("acct", "", uint16(150))
	f.Add("", "2024-01", uint16(0))
	f.Add("", "", uint16(0))
	f.Add("a", "m\nm'\n"+strings.Repeat("q", 900), uint16(300))
	f.Add(strings.Repeat("'", 400), "2024-12", uint16(40))
	f.Fuzz(func(t *testing.T, accountsIn, monthsIn string, extra uint16) {
		accounts := splitValues(accountsIn)
		// extra generated ids, so that long lists are split.
		for i := range int(extra % 400) {
			accounts = append(accounts, fmt.Sprintf("%024x", i))
		}
		months := splitValues(monthsIn)
		clauses := []Clause{{FieldAccountID, accounts}, {FieldMonth, months}}
		exprs, err := BuildFilters(MaxFilterLength, clauses...)

		var present []Clause // the non-empty clauses, deduplicated
		longest := 0
		for _, c := range clauses {
			vs := uniqueStrings(c.Values)
			if len(vs) > 0 {
				present = append(present, Clause{c.Field, vs})
			}
			for _, v := range vs {
				longest = max(longest, len(Eq(c.Field, v)))
			}
		}
		if err != nil {
			// Only a value too long to share an expression may fail: each
			// of two clauses gets at least half of the length.
			if longest <= (MaxFilterLength-len(" and "))/2 {
				t.Fatalf("BuildFilters failed although every term is at most %d characters: %v", longest, err)
			}
			return
		}
		if len(present) == 0 {
			if exprs != nil {
				t.Fatalf("no values but expressions %q", exprs)
			}
			return
		}
		// Parse every expression back into field -> values.
		chunks := map[string][][]string{} // distinct chunks per field, in first-seen order
		chunkIndex := map[string]map[string]int{}
		combos := map[string]bool{}
		for _, e := range exprs {
			if len(e) > MaxFilterLength {
				t.Fatalf("expression of %d characters", len(e))
			}
			node, err := parseFilter(e)
			if err != nil {
				t.Fatalf("cannot parse %q: %v", e, err)
			}
			conj, err := node.conjunction()
			if err != nil {
				t.Fatalf("%q: %v", e, err)
			}
			if len(conj) != len(present) {
				t.Fatalf("%q constrains %d fields, want %d", e, len(conj), len(present))
			}
			var combo []int
			for _, c := range present {
				vs, ok := conj[c.Field]
				if !ok {
					t.Fatalf("%q does not constrain %s", e, c.Field)
				}
				if chunkIndex[c.Field] == nil {
					chunkIndex[c.Field] = map[string]int{}
				}
				key := strings.Join(vs, "\x00")
				i, seen := chunkIndex[c.Field][key]
				if !seen {
					i = len(chunks[c.Field])
					chunkIndex[c.Field][key] = i
					chunks[c.Field] = append(chunks[c.Field], vs)
				}
				combo = append(combo, i)
			}
			k := fmt.Sprint(combo)
			if combos[k] {
				t.Fatalf("the combination %v is sent twice", combo)
			}
			combos[k] = true
		}
		// Each field's chunks together hold exactly its values, each once;
		// the expressions are exactly the cartesian product of the chunks.
		want := 1
		for _, c := range present {
			got := slices.Sorted(slices.Values(slices.Concat(chunks[c.Field]...)))
			if wantVs := slices.Sorted(slices.Values(c.Values)); !slices.Equal(got, wantVs) {
				t.Fatalf("%s values parsed back as %q, want %q", c.Field, got, wantVs)
			}
			want *= len(chunks[c.Field])
		}
		if len(exprs) != want {
			t.Fatalf("%d expressions, want the %d combinations of the chunks", len(exprs), want)
		}
	})
}

// BenchmarkDecodePageUsage decodes one full 250-row usage page.
func BenchmarkDecodePageUsage(b *testing.B) {
	const rows = 250
	doc := pageDoc(b, "usage", genUsage(rows, 17))
	decode := func() {
		if _, err := decodePage[*UsageRows](bytes.NewReader(doc), "usage"); err != nil {
			b.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(5, decode)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		decode()
	}
	b.ReportMetric(allocs/rows, "allocs/row")
	b.ReportMetric(float64(len(doc))/rows, "bytes/row")
}
