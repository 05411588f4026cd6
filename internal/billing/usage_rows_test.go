package billing

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// oddUsage are records whose every field kind differs from the next:
// nulls beside empty strings, numbers written every way JSON allows,
// strings with escapes and non-ASCII text.
func oddUsage() []Usage {
	return []Usage{
		{ID: "u1", AccountID: Of("a"), Month: Of("2024-01"), Currency: Of("USD"), Direction: Of(""),
			Price: Of(Number("0.0125")), NumberOfUnits: Of(Number("1e-7")), TotalAmount: Of(Number("161.50"))},
		{ID: "u2", AccountID: Of("a"), Month: Of("2024-02"), Description: Of("caf\u00e9 \"quoted\" \\ back"),
			WalletName: Of(""), Price: Of(Number("-0")), TotalAmount: Of(Number("12345678901234567890.123456789"))},
		{ID: "u3", ProductID: Of("P"), AggrProductID: Of("P"), Type: Of("CALL"), Resolution: Of("ANSWERED"),
			Unit: Of("PER_MINUTE"), NumberOfUnits: Of(Number("2E+3"))},
		{ID: strings.Repeat("x", 300), AccountID: Of(strings.Repeat("long", 100))},
	}
}

func TestUsageRowsKeepEveryField(t *testing.T) {
	records := oddUsage()
	set := UsageRowsOf(records)
	if set.Len() != len(records) {
		t.Fatalf("%d rows, want %d", set.Len(), len(records))
	}
	if got := set.Records(); !reflect.DeepEqual(got, records) {
		t.Fatalf("records changed:\n got %+v\nwant %+v", got, records)
	}
	// Every accessor, against the record's own field.
	for i, u := range records {
		r := set.Row(i)
		strs := []struct{ got, want Null[string] }{
			{r.AccountID(), u.AccountID}, {r.ProductID(), u.ProductID}, {r.AggrProductID(), u.AggrProductID},
			{r.Month(), u.Month}, {r.Type(), u.Type}, {r.Description(), u.Description}, {r.Currency(), u.Currency},
			{r.Direction(), u.Direction}, {r.Resolution(), u.Resolution}, {r.Unit(), u.Unit}, {r.WalletName(), u.WalletName},
		}
		for k, s := range strs {
			if s.got != s.want {
				t.Errorf("row %d string field %d: %+v, want %+v", i, k, s.got, s.want)
			}
		}
		nums := []struct{ got, want Null[Number] }{{r.Price(), u.Price}, {r.NumberOfUnits(), u.NumberOfUnits}, {r.TotalAmount(), u.TotalAmount}}
		for k, n := range nums {
			if n.got != n.want {
				t.Errorf("row %d number field %d: %+v, want %+v", i, k, n.got, n.want)
			}
		}
		if r.ID() != u.ID {
			t.Errorf("row %d id %q, want %q", i, r.ID(), u.ID)
		}
	}
	// A null and an empty string are different refs; equal values share one.
	if set.Ref(0, UsageDirection) == 0 || set.Ref(1, UsageDirection) != 0 {
		t.Error("an empty direction and a null one are not told apart")
	}
	if set.Ref(0, UsageAccountID) != set.Ref(1, UsageAccountID) || set.Ref(2, UsageProductID) != set.Ref(2, UsageAggrProductID) {
		t.Error("equal values have different refs")
	}
	if set.RefValue(set.Ref(1, UsageWalletName)) != Of("") {
		t.Error("an empty wallet name reads back as something else")
	}
}

func TestUsageRowsBuilderSelectsAndJoins(t *testing.T) {
	records := oddUsage()
	first := UsageRowsOf(records[:2])
	second := UsageRowsOf(records[2:])
	b := NewUsageRowsBuilder(0)
	b.Add(second, 1)
	b.AddAll(first)
	b.Add(second, 0)
	b.Add(first, 0)
	got := b.Build()
	want := []Usage{records[3], records[0], records[1], records[2], records[0]}
	if !reflect.DeepEqual(got.Records(), want) {
		t.Fatalf("built %+v\nwant %+v", got.Records(), want)
	}
	// One table for the joined set: the refs of equal values agree across
	// the rows that came from different sets.
	if got.Ref(1, UsageAccountID) != got.Ref(4, UsageAccountID) {
		t.Error("refs of one value differ in the joined set")
	}
	// The sources are unchanged.
	if !reflect.DeepEqual(first.Records(), records[:2]) || !reflect.DeepEqual(second.Records(), records[2:]) {
		t.Error("building changed a source set")
	}
	// A set added whole is not kept alive by the builder (a read joins
	// thousands of pages into one listing).
	whole := NewUsageRowsBuilder(0)
	whole.AddAll(first)
	if len(whole.remaps) != 0 {
		t.Error("the builder keeps a reference to a set added whole")
	}
	var zero UsageRowsBuilder
	if empty := zero.Build(); empty.Len() != 0 {
		t.Errorf("an empty builder built %d rows", empty.Len())
	}
}

func TestUsageRowsBinaryRoundTrip(t *testing.T) {
	for _, records := range [][]Usage{nil, oddUsage(), genUsage(1000, 7)} {
		data, err := UsageRowsOf(records).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		set, err := UnmarshalUsageRows(data)
		if err != nil {
			t.Fatalf("%d records: %v", len(records), err)
		}
		if got := set.Records(); !reflect.DeepEqual(got, records) && len(got)+len(records) > 0 {
			t.Fatalf("round trip changed the records:\n got %+v\nwant %+v", got, records)
		}
	}
}

// withChecksum frames body as an encoding with a valid header and
// checksum, so that tests and the fuzzer reach the checks behind them.
func withChecksum(body []byte) []byte {
	out := append([]byte(usageRowsMagic), usageRowsVersion)
	out = append(out, body...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

func TestUnmarshalUsageRowsRefuses(t *testing.T) {
	good, err := UsageRowsOf(oddUsage()).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	body := good[len(usageRowsMagic)+1 : len(good)-4]
	for n := range len(good) {
		if _, err := UnmarshalUsageRows(good[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: decoded", n, len(good))
		}
		if _, err := UnmarshalUsageRows(withChecksum(body[:min(n, len(body))])); err == nil && n < len(body) {
			t.Fatalf("body truncated to %d bytes under a valid checksum: decoded", n)
		}
	}
	for i := range good {
		garbled := bytes.Clone(good)
		garbled[i] ^= 0x40
		if _, err := UnmarshalUsageRows(garbled); err == nil {
			t.Fatalf("byte %d flipped: decoded", i)
		}
	}
	newer := bytes.Clone(good)
	newer[len(usageRowsMagic)]++
	if _, err := UnmarshalUsageRows(newer); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("another format version: %v", err)
	}
	huge := binary.AppendUvarint(nil, 1<<62) // strings
	cases := map[string][]byte{
		"huge string count": huge,
		"huge row count":    binary.AppendUvarint(binary.AppendUvarint(nil, 0), 1<<40),
		"ref to no string":  append(binary.AppendUvarint([]byte{1, 1, 'a'}, 1), 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'i', 0, 0, 0),
		"repeated string":   {2, 1, 'a', 1, 'a', 0},
		"empty id":          {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"not a number":      {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'i', 2, '1', 'x', 0, 0},
		"trailing bytes":    {0, 0, 7},
	}
	for name, body := range cases {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := UnmarshalUsageRows(withChecksum(body))
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("%s: allocated %d bytes", name, grew)
		}
	}
	// A well-formed body of one row decodes (the cases above fail for
	// their own reason).
	one := []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'i', 2, '1', '2', 0, 0}
	if set, err := UnmarshalUsageRows(withChecksum(one)); err != nil || set.Row(0).Price() != Of(Number("12")) {
		t.Errorf("one row: %v", err)
	}
}

func FuzzUnmarshalUsageRows(f *testing.F) {
	good, err := UsageRowsOf(oddUsage()).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[len(usageRowsMagic)+1 : len(good)-4])
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'i', 2, '1', '2', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		// As given, and as a body under a valid header and checksum.
		for _, in := range [][]byte{data, withChecksum(data)} {
			set, err := UnmarshalUsageRows(in)
			if err != nil {
				continue
			}
			again, err := set.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			back, err := UnmarshalUsageRows(again)
			if err != nil {
				t.Fatalf("a decoded set re-encodes to something that does not decode: %v", err)
			}
			if !reflect.DeepEqual(back.Records(), set.Records()) {
				t.Fatal("a decoded set changed on its second round trip")
			}
		}
	})
}

// BenchmarkUsageRowsHeld reads pages of generated usage into one set, as
// a listing does, and reports the heap the set holds per row.
func BenchmarkUsageRowsHeld(b *testing.B) {
	const rows = 100_000
	doc := pageDoc(b, "usage", genUsage(PageSize, 97))
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		j := NewUsageRowsBuilder(rows)
		for range rows / PageSize {
			p, err := decodePage[*UsageRows](bytes.NewReader(doc), "usage")
			if err != nil {
				b.Fatal(err)
			}
			j.AddAll(p.Embedded.items)
		}
		set := j.Build()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(set)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/rows, "held-bytes/row")
	}
}

// FuzzNumberGrammar checks the number grammar against encoding/json's:
// a JSON number is a valid document that starts and ends like one.
func FuzzNumberGrammar(f *testing.F) {
	for _, s := range []string{"0", "-0", "01", "1.", ".5", "1e5", "1E+05", "-1.5e-3", "+1", "1 ", " 1", "0x10", "1e", "--1", "-", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') && b[len(b)-1] >= '0' && b[len(b)-1] <= '9' && json.Valid(b)
		if got := isJSONNumberText(b); got != want {
			t.Fatalf("%q: grammar says %v, encoding/json %v", b, got, want)
		}
	})
}

// BenchmarkJoinMonths joins 24 months of 42,000 rows each (ids
// descending across months, as the API lists them), as a warm read of
// the cache of closed months does, and reports the bytes allocated per
// row joined: the joined set's own (about a hundred) plus what growing
// it copies.
func BenchmarkJoinMonths(b *testing.B) {
	const months, perMonth = 24, 42_000
	parts := make([]usageRows, months)
	for m := range parts {
		records := genUsage(perMonth, 700)
		for i := range records {
			// Ids descending within and across the months.
			records[i].ID = hexID("77aa88bb", (months-m)*perMonth-i)
		}
		parts[m] = UsageRowsOf(records)
	}
	b.ReportAllocs()
	var joined usageRows
	for b.Loop() {
		joined = joinRows(parts)
	}
	if joined.Len() != months*perMonth {
		b.Fatalf("%d rows joined", joined.Len())
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	joinRows(parts)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(joined.Len()), "alloc-bytes/row")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(joined.Len()), "ns/row")
}
