package provider

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// Tests of the grouping logic of talkdesk_contracts and
// talkdesk_usage_summary as plain Go, without Terraform.

func num(s string) billing.Null[billing.Number] { return billing.Of(billing.Number(s)) }
func str(s string) billing.Null[string]         { return billing.Of(s) }

var null billing.Null[string]

func TestDecimalNumberIsExact(t *testing.T) {
	sum := func(lits ...string) *big.Rat {
		r := new(big.Rat)
		for _, l := range lits {
			x, ok := new(big.Rat).SetString(l)
			if !ok {
				t.Fatalf("bad literal %s", l)
			}
			r.Add(r, x)
		}
		return r
	}
	for _, c := range []struct {
		lits []string
		want billing.Number
	}{
		{[]string{"0.1", "0.2"}, "0.3"},
		{[]string{"1e2", "0.001"}, "100.001"},
		{[]string{"0.25"}, "0.25"},
		{[]string{"2", "3"}, "5"},
		{[]string{"-0.5", "0.25"}, "-0.25"},
		{[]string{"1.5E-3", "0.0005"}, "0.002"},
		{[]string{"12345678901234567890.12", "0.01"}, "12345678901234567890.13"},
		{[]string{"0"}, "0"},
	} {
		if got := decimalNumber(sum(c.lits...)); got != c.want {
			t.Errorf("sum of %v = %s, want %s", c.lits, got, c.want)
		}
	}
	// Float arithmetic gets the first case wrong: the test above has teeth.
	a, b := 0.1, 0.2
	if a+b == 0.3 {
		t.Fatal("float64 adds 0.1 and 0.2 exactly?")
	}
	// A rational that is no finite decimal still reads back as itself at
	// Terraform's precision.
	third := big.NewRat(1, 3)
	f, _, err := big.ParseFloat(string(decimalNumber(third)), 10, numberPrecision, big.ToNearestEven)
	if err != nil || f.Cmp(new(big.Float).SetPrec(numberPrecision).SetRat(third)) != 0 {
		t.Errorf("1/3 as %s: %v", decimalNumber(third), err)
	}
}

func usageRow(id, account, month, currency, unit string, direction billing.Null[string], units, amount billing.Null[billing.Number]) billing.Usage {
	return billing.Usage{ID: id, AccountID: str(account), Month: str(month), Currency: str(currency), Unit: str(unit),
		Direction: direction, NumberOfUnits: units, TotalAmount: amount, ProductID: str("P-" + unit)}
}

func TestSummarizeUsage(t *testing.T) {
	records := []billing.Usage{
		usageRow("1", "b", "2024-02", "USD", "MIN", str("INBOUND"), num("10"), num("0.1")),
		usageRow("2", "b", "2024-02", "USD", "EACH", null, num("1"), num("0.2")),
		usageRow("3", "b", "2024-02", "EUR", "MIN", null, num("5"), num("1.10")),
		usageRow("4", "a", "2024-01", "USD", "MIN", str("OUTBOUND"), billing.Null[billing.Number]{}, num("2")),
		usageRow("5", "a", "2024-01", "USD", "MIN", null, num("3.5"), billing.Null[billing.Number]{}),
		usageRow("6", "a", "2024-03", "USD", "MIN", null, billing.Null[billing.Number]{}, billing.Null[billing.Number]{}),
	}
	records[5].Currency = null
	rows := billing.UsageRowsOf(records)
	before := rows.Records()
	all := func(usage) bool { return true }

	type want struct {
		keys                 []billing.Null[string] // the group_by keys, then currency
		rows                 string
		total, numberOfUnits string // "" for null
	}
	check := func(by []string, keep func(usage) bool, wants []want) {
		t.Helper()
		got := summarizeUsage(rows, keep, by)
		if len(got) != len(wants) {
			t.Fatalf("by %v: %d groups, want %d: %+v", by, len(got), len(wants), got)
		}
		for i, w := range wants {
			g := got[i]
			var keys []billing.Null[string]
			for _, k := range by {
				keys = append(keys, g.str(usageKeys[k]))
			}
			keys = append(keys, g.str(billing.UsageCurrency))
			if !reflect.DeepEqual(keys, w.keys) {
				t.Errorf("by %v group %d keys %v, want %v", by, i, keys, w.keys)
			}
			// Keys not grouped by stay null.
			for _, k := range usageKeyNames {
				if !slices.Contains(by, k) && g.str(usageKeys[k]).Valid {
					t.Errorf("by %v group %d: %s is set", by, i, k)
				}
			}
			show := func(n billing.Null[billing.Number]) string { return string(n.Value) }
			if show(g.count) != w.rows || show(g.totalAmount) != w.total || show(g.numberOfUnits) != w.numberOfUnits ||
				g.totalAmount.Valid != (w.total != "") || g.numberOfUnits.Valid != (w.numberOfUnits != "") {
				t.Errorf("by %v group %d: rows %s total %v units %v, want %s %q %q", by, i, g.count.Value, g.totalAmount, g.numberOfUnits, w.rows, w.total, w.numberOfUnits)
			}
		}
	}
	// By account: currencies apart, null currency first; b's USD rows mix
	// units, so number_of_units is null; a's null amount and null units
	// count as rows but not in the sums; a group with no amount has none.
	check([]string{"account_id"}, all, []want{
		{[]billing.Null[string]{str("a"), null}, "1", "", ""},
		{[]billing.Null[string]{str("a"), str("USD")}, "2", "2", "3.5"},
		{[]billing.Null[string]{str("b"), str("EUR")}, "1", "1.1", "5"},
		{[]billing.Null[string]{str("b"), str("USD")}, "2", "0.3", ""},
	})
	// A null key is a group of its own, sorted first; the order of
	// group_by is the order of the sort.
	check([]string{"direction", "month"}, all, []want{
		{[]billing.Null[string]{null, str("2024-01"), str("USD")}, "1", "", "3.5"},
		{[]billing.Null[string]{null, str("2024-02"), str("EUR")}, "1", "1.1", "5"},
		{[]billing.Null[string]{null, str("2024-02"), str("USD")}, "1", "0.2", "1"},
		{[]billing.Null[string]{null, str("2024-03"), null}, "1", "", ""},
		{[]billing.Null[string]{str("INBOUND"), str("2024-02"), str("USD")}, "1", "0.1", "10"},
		{[]billing.Null[string]{str("OUTBOUND"), str("2024-01"), str("USD")}, "1", "2", ""},
	})
	check([]string{"month", "direction"}, func(u usage) bool { return u.Month().Value >= "2024-02" }, []want{
		{[]billing.Null[string]{str("2024-02"), null, str("EUR")}, "1", "1.1", "5"},
		{[]billing.Null[string]{str("2024-02"), null, str("USD")}, "1", "0.2", "1"},
		{[]billing.Null[string]{str("2024-02"), str("INBOUND"), str("USD")}, "1", "0.1", "10"},
		{[]billing.Null[string]{str("2024-03"), null, null}, "1", "", ""},
	})
	check([]string{"unit"}, func(usage) bool { return false }, nil)
	if !reflect.DeepEqual(rows.Records(), before) {
		t.Error("summarizeUsage changed its input")
	}
}

func contractLine(id, account, number, product string) sub {
	return sub{ID: id, AccountID: str(account), ContractNumber: str(number), ProductID: str(product),
		Currency: str("USD"), Status: str("ACTIVATED"), Term: str("12"), BillingPeriod: str("ANNUAL"), Edition: str("Express"),
		StartDate: str("2024-01-01T00:00:00.000Z"), EndDate: str("2025-01-01T00:00:00.000Z"),
		AutoRenewal: billing.Of(true), RenewalUplift: num("9")}
}

func TestGroupContracts(t *testing.T) {
	lines := []sub{
		contractLine("l3", "acct1", "0001", "P-B"),
		contractLine("l1", "acct1", "0001", "P-A"),
		contractLine("l2", "acct1", "0001", "P-B"),
		contractLine("m1", "acct2", "0007", "P-A"),
		contractLine("m2", "acct2", "0007", "P-C"),
		contractLine("n1", "acct1", "0002", "P-A"),
		contractLine("o1", "", "", "P-A"),
	}
	lines[0].AutoRenewal = billing.Null[bool]{} // disagrees with l1, l2
	lines[1].RenewalUplift = num("9.0")         // the same uplift, written otherwise
	// acct2's lines: start and end dates in other offsets and precisions;
	// the earliest start and latest end are compared as instants.
	lines[3].StartDate = str("2024-01-01T01:00:00+02:00") // 2023-12-31T23:00Z: the earliest
	lines[4].EndDate = str("2024-12-31T23:30:00-01:00")   // 2025-01-01T00:30Z: the latest
	lines[3].Edition, lines[4].Edition = str("Express"), str("Elevate")
	lines[5].EndDate = str("2024-06-01T00:00:00Z")
	lines[6].AccountID, lines[6].ContractNumber = null, null
	lines[6].EndDate = null
	before := slices.Clone(lines)

	got := groupContracts(lines)
	var order []string
	for _, c := range got {
		order = append(order, showNull(c.head.AccountID)+"/"+showNull(c.head.ContractNumber))
	}
	// By end instant; a null end date last.
	if want := []string{`"acct1"/"0002"`, `"acct1"/"0001"`, `"acct2"/"0007"`, `null/null`}; !slices.Equal(order, want) {
		t.Fatalf("contracts %v, want %v", order, want)
	}
	c1, c7 := got[1], got[2]
	var ids []string
	for _, l := range c1.lines {
		ids = append(ids, l.ID)
	}
	if !slices.Equal(ids, []string{"l1", "l2", "l3"}) {
		t.Errorf("lines %v, want by product_id then id", ids)
	}
	if c1.head.AutoRenewal.Valid || len(c1.conflicts) != 1 || c1.conflicts[0].field != "auto_renewal" {
		t.Errorf("contract 0001: auto_renewal %v, conflicts %+v; want null and one conflict", c1.head.AutoRenewal, c1.conflicts)
	}
	if w := c1.describe(c1.conflicts[0], false); !strings.Contains(w, `contract "0001" of account "acct1"`) ||
		!strings.Contains(w, "true on lines l1, l2; null on line l3") {
		t.Errorf("warning %q", w)
	}
	if c1.head.RenewalUplift != num("9.0") {
		t.Errorf("renewal_uplift %v: 9 and 9.0 agree, the first line's text stays", c1.head.RenewalUplift)
	}
	if c7.head.StartDate != str("2024-01-01T01:00:00+02:00") || c7.head.EndDate != str("2024-12-31T23:30:00-01:00") {
		t.Errorf("contract 0007 dates %v .. %v", c7.head.StartDate, c7.head.EndDate)
	}
	if c7.head.Edition.Valid || len(c7.conflicts) != 1 || c7.conflicts[0].field != "edition" {
		t.Errorf("contract 0007: edition %v, conflicts %+v", c7.head.Edition, c7.conflicts)
	}
	if !c7.head.AutoRenewal.Value || c7.head.Status != str("ACTIVATED") || c7.head.Term != str("12") {
		t.Errorf("contract 0007 head %+v", c7.head)
	}
	// Lines that can't be placed in time make the date a conflict.
	odd := []sub{contractLine("x1", "a", "9", "P"), contractLine("x2", "a", "9", "P")}
	odd[1].EndDate = str("soon")
	c := groupContracts(odd)[0]
	if c.head.EndDate.Valid || c.end.ok || !c.conflicted("end_date") || c.conflicted("start_date") {
		t.Errorf("unreadable end date: %+v", c)
	}
	if !reflect.DeepEqual(lines, before) {
		t.Error("groupContracts changed its input")
	}
}

// listTypeOf is the type of a list attribute of a data source's schema.
func listTypeOf(newDS func() datasource.DataSource, attr string) tftypes.List {
	ctx := context.Background()
	var resp datasource.SchemaResponse
	newDS().Schema(ctx, datasource.SchemaRequest{}, &resp)
	return resp.Schema.Type().TerraformType(ctx).(tftypes.Object).AttributeTypes[attr].(tftypes.List)
}

// streamedEqualsValue checks that the streamed msgpack of items is the
// value the framework path builds.
func streamedEqualsValue[T any](t *testing.T, typ tftypes.List, cols []column[T], items []T) {
	t.Helper()
	want := listValue(typ, cols, items)
	var buf bytes.Buffer
	if err := encodeList(msgpack.NewEncoder(&buf), cols, items); err != nil {
		t.Fatal(err)
	}
	got, err := (&tfprotov6.DynamicValue{MsgPack: buf.Bytes()}).Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Fatalf("streamed state differs from the tftypes value:\n%s\nwant\n%s", got, want)
	}
}

// TestSummaryStreamedStateMatchesTFTypes: the new data sources' states,
// nulls, exact sums and nested lines included, are the same on both paths.
func TestSummaryStreamedStateMatchesTFTypes(t *testing.T) {
	records := benchUsage(300)
	records[0].Currency, records[1].TotalAmount, records[2].Unit = null, billing.Null[billing.Number]{}, str("EACH")
	groups := summarizeUsage(billing.UsageRowsOf(records), func(usage) bool { return true }, []string{"month", "direction", "account_id"})
	if len(groups) < 3 {
		t.Fatalf("%d groups", len(groups))
	}
	streamedEqualsValue(t, listTypeOf(NewUsageSummaryDataSource, "groups"), usageGroupColumns, groups)

	lines := []sub{contractLine("l1", "a", "1", "P"), contractLine("l2", "a", "1", "Q"), contractLine("l3", "b", "2", "P")}
	lines[1].AutoRenewal, lines[2].RenewalUplift = billing.Of(false), billing.Null[billing.Number]{}
	streamedEqualsValue(t, listTypeOf(NewContractsDataSource, "contracts"), contractColumns, groupContracts(lines))
}

// BenchmarkUsageSummary sums 100,800 rows by account and month (16,800
// groups, as the bench's Terraform row) and streams the groups. The rows
// come in no particular order, as the API lists them. "at the end" folds
// the rows once the listing is whole; "tapped" is what is left after the
// last page when a tap folded the pages as they came (250 rows each, the
// last one left), and "tap, per page" what the tap does for each page
// meanwhile.
func BenchmarkUsageSummary(b *testing.B) {
	records := benchUsage(100800)
	for i := range records {
		records[i].AccountID = billing.Of(fmt.Sprintf("%024x", i%700))
		records[i].Month = billing.Of(fmt.Sprintf("2024-%02d", i/700%24+1))
		records[i].TotalAmount = billing.Of(billing.Number(fmt.Sprintf("%d.%02d", i%1000, i%100)))
	}
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
	by := []string{"account_id", "month"}
	all := func(usage) bool { return true }
	// The listing as its pages are joined: the rows so far after each.
	pages := billing.NewUsageRowsBuilder(len(records))
	var sofar []*billing.UsageRows
	for from := 0; from < len(records); from += 250 {
		pages.AddAll(billing.UsageRowsOf(records[from:min(from+250, len(records))]))
		sofar = append(sofar, pages.Sofar())
	}
	rows := pages.Build()
	stream := func(groups []usageGroup) {
		var buf bytes.Buffer
		if err := encodeList(msgpack.NewEncoder(&buf), usageGroupColumns, groups); err != nil {
			b.Fatal(err)
		}
		if len(groups) != 16800 {
			b.Fatalf("%d groups", len(groups))
		}
	}
	tapAllButLast := func() *usageSummaryTap {
		tap := newUsageSummaryTap(by)
		tap.keep = all
		for _, s := range sofar[:len(sofar)-1] {
			tap.Rows(s)
		}
		return tap
	}
	perRow := func(b *testing.B, run func()) {
		b.ReportMetric(testing.AllocsPerRun(1, run)/float64(rows.Len()), "allocs/row")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows.Len()), "ns/row")
	}
	b.Run("at the end", func(b *testing.B) {
		summarize := func() { stream(summarizeUsage(rows, all, by)) }
		b.ReportAllocs()
		for b.Loop() {
			summarize()
		}
		b.StopTimer()
		perRow(b, summarize)
	})
	b.Run("tapped", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			tap := tapAllButLast()
			b.StartTimer()
			stream(tap.summarize(rows))
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows.Len()), "ns/row")
	})
	b.Run("tap, per page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tapAllButLast()
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sofar)-1), "ns/page")
	})
}

// TestDecimalSumIsExact adds literals with the fast integer sum and with
// big.Rat: the same text, including where the int64 overflows, where an
// exponent or a long fraction does not fit, and with negatives.
func TestDecimalSumIsExact(t *testing.T) {
	for _, lits := range [][]string{
		{"0.1", "0.2"},
		{"0.1", "0.2", "0.1", "0.2", "0.1", "0.2", "0.1"},
		{"1e2", "0.001", "-0.5"},
		{"-0.25", "0.25"},
		{"1.5E-3", "0.0005", "2E+1"},
		{"922337203685477580.7", "0.9"},       // the int64 overflows on rescaling
		{"9223372036854775807", "1"},          // and on adding
		{"-9223372036854775808", "-1", "0.5"}, // and below
		{"1e30", "0.01"},
		{"0.0000000000000000001", "1"}, // 19 decimal places
		{"123456789012345678901234567890.5", "0.5"},
		{"17.90", "0.10"},
		{"0"},
		{"5", "-5"},
	} {
		var s decimalSum
		want := new(big.Rat)
		for _, l := range lits {
			if !s.add(billing.Number(l)) {
				t.Fatalf("%s not added", l)
			}
			r, _ := new(big.Rat).SetString(l)
			want.Add(want, r)
		}
		if got := s.number(); got != decimalNumber(want) || s.rat().Cmp(want) != 0 {
			t.Errorf("sum of %v = %s (%s), want %s", lits, got, s.rat().RatString(), decimalNumber(want))
		}
	}
	// The overflow cases above do leave the int64 path.
	var s decimalSum
	s.add("999999999999999999")
	if s.exact != nil || !s.add("0.1") || s.exact == nil || s.number() != "999999999999999999.1" {
		t.Error("an int64 overflow should move the sum to big.Rat")
	}
	if decimalNumber(big.NewRat(3, 10)) != "0.3" || decimalNumber(big.NewRat(-7, 4)) != "-1.75" {
		t.Error("decimalNumber")
	}
}

// TestParseSmallDecimalIsExact checks the one-pass reader against big.Rat
// on JSON number literals of every shape, and that what it declines is
// what does not fit (the sum then goes through big.Rat).
func TestParseSmallDecimalIsExact(t *testing.T) {
	lits := []string{"0", "-0", "7", "17.90", "0.0125", "-1.75", "1e2", "1E-3", "1.5e+3", "-2.5E-2", "0.000", "100", "000.5",
		"123456789012345678", "1234567890123456789", "0.1234567890123456789", "1e19", "1e-19", "9e18", "-9223372036854775808"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		lit := strconv.Itoa(rng.IntN(1_000_000))
		if rng.IntN(2) == 0 {
			lit += "." + strings.Repeat("0", rng.IntN(3)) + strconv.Itoa(rng.IntN(10_000))
		}
		if rng.IntN(4) == 0 {
			lit += "e" + strconv.Itoa(rng.IntN(30)-15)
		}
		if rng.IntN(3) == 0 {
			lit = "-" + lit
		}
		lits = append(lits, lit)
	}
	for _, lit := range lits {
		want, _ := new(big.Rat).SetString(lit)
		units, scale, ok := parseSmallDecimal(lit)
		if !ok {
			if fits := want.IsInt() && want.Num().IsInt64(); fits && len(strings.TrimLeft(strings.TrimPrefix(lit, "-"), "0")) <= 18 && !strings.ContainsAny(lit, ".eE") {
				t.Errorf("%s declined", lit)
			}
			continue
		}
		got := new(big.Rat).SetFrac(big.NewInt(units), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
		if got.Cmp(want) != 0 || scale < 0 || scale > 18 {
			t.Errorf("%s read as %d × 10^-%d", lit, units, scale)
		}
	}
	for _, bad := range []string{"", "-", ".5", "-.5", "1..2", "1e", "e5", "1e5.5", "--1", "1-", "0x10", " 1"} {
		if _, _, ok := parseSmallDecimal(bad); ok {
			t.Errorf("%q read as a number", bad)
		}
	}
}

// TestSummaryPathsAgree folds random rows, nulls and equal strings under
// different refs included, by several keys through the direct table,
// the map of key numbers and the map of ranks: the same groups, in the
// same order, as a plain reference that compares strings.
func TestSummaryPathsAgree(t *testing.T) {
	records := randomUsage(3000)
	// Two sets joined, as the month cache joins months; the same strings
	// serve several fields ("a", "USD").
	b := billing.NewUsageRowsBuilder(len(records))
	b.AddAll(billing.UsageRowsOf(records[:1500]))
	b.AddAll(billing.UsageRowsOf(records[1500:]))
	rows := b.Build()
	keep := func(u usage) bool { return u.ProductID().Value != "P2" }
	for _, by := range [][]string{{"account_id"}, {"month", "account_id"}, {"direction", "unit", "product_id", "type"}, usageKeyNames} {
		want := referenceSummary(rows, keep, by)
		for _, slots := range []int{directSlots(rows.Len()), 0, -1} {
			checkSummary(t, fmt.Sprintf("by %v (slots %d)", by, slots), summarizeUsageWithin(rows, keep, by, slots), want, by)
		}
	}
}

// randomUsage is n rows of random keys from small sets, nulls and
// strings that serve several fields ("a", "USD") included.
func randomUsage(n int) []billing.Usage {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(vals ...string) billing.Null[string] {
		if v := vals[rng.IntN(len(vals))]; v != "" {
			return str(v)
		}
		return null
	}
	records := make([]billing.Usage, n)
	for i := range records {
		records[i] = billing.Usage{
			ID: fmt.Sprint(i), AccountID: pick("a", "b", "c", "d", ""), Month: pick("2024-01", "2024-02", "2023-12"),
			ProductID: pick("P1", "P2", "a"), Currency: pick("USD", "EUR", ""), Unit: pick("MIN", "EACH", ""),
			Direction: pick("INBOUND", "OUTBOUND", ""), Type: pick("CALL", "USD"),
			TotalAmount: num(fmt.Sprintf("%d.%02d", rng.IntN(100), rng.IntN(100))), NumberOfUnits: num(strconv.Itoa(rng.IntN(9))),
		}
		if i%7 == 0 {
			records[i].TotalAmount = billing.Null[billing.Number]{}
		}
	}
	return records
}

// checkSummary compares groups with the reference summary's lines.
func checkSummary(t *testing.T, what string, got []usageGroup, want, by []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d groups, want %d", what, len(got), len(want))
	}
	for i := range got {
		if g := summaryLine(&got[i], by); g != want[i] {
			t.Fatalf("%s group %d: %s, want %s", what, i, g, want[i])
		}
	}
}

// TestSummaryTapAgrees: the tap folds pages as they are told, a read
// begun again included, and its summary of the rows that extend them is
// the reference's; rows that extend nothing it was told are folded
// afresh, to the same summary.
func TestSummaryTapAgrees(t *testing.T) {
	records := randomUsage(3000)
	keep := func(u usage) bool { return u.ProductID().Value != "P2" }
	for _, by := range [][]string{{"account_id"}, {"month", "account_id"}, {"direction", "unit", "product_id", "type"}, usageKeyNames} {
		tap := newUsageSummaryTap(by)
		tap.keep = keep
		// A first read that stops after four pages, then the read again.
		b := billing.NewUsageRowsBuilder(0)
		for page := range 4 {
			b.AddAll(billing.UsageRowsOf(records[page*250 : page*250+250]))
			tap.Rows(b.Sofar())
		}
		tap.Rows(nil)
		b = billing.NewUsageRowsBuilder(0)
		for page := range 10 {
			b.AddAll(billing.UsageRowsOf(records[page*250 : page*250+250]))
			tap.Rows(b.Sofar())
		}
		// The last pages come with the whole, as the last page does.
		for page := 10; page < 12; page++ {
			b.AddAll(billing.UsageRowsOf(records[page*250 : page*250+250]))
		}
		rows := b.Build()
		if tap.x.rows.Len() != 2500 {
			t.Fatalf("by %v: the tap folded %d rows before the whole came, want 2,500", by, tap.x.rows.Len())
		}
		want := referenceSummary(rows, keep, by)
		checkSummary(t, fmt.Sprintf("by %v, tapped", by), tap.summarize(rows), want, by)

		other := billing.UsageRowsOf(rows.Records())
		checkSummary(t, fmt.Sprintf("by %v, rows the tap was not told", by), tap.summarize(other), want, by)

		none := newUsageSummaryTap(by)
		none.keep = func(usage) bool { return false }
		none.Rows(rows)
		if got := none.summarize(rows); len(got) != 0 {
			t.Errorf("by %v, no row kept: %d groups", by, len(got))
		}
	}
}

// summaryLine is a group's keys and sums as text.
func summaryLine(g *usageGroup, by []string) string {
	var keys []string
	for _, k := range append(slices.Clone(by), "currency") {
		f := billing.UsageCurrency
		if k != "currency" {
			f = usageKeys[k]
		}
		v := g.str(f)
		keys = append(keys, fmt.Sprintf("%v:%q", v.Valid, v.Value))
	}
	return fmt.Sprintf("%s rows=%s total=%v units=%v", strings.Join(keys, ","), g.count.Value, g.totalAmount, g.numberOfUnits)
}

// referenceSummary groups by the strings themselves, sums with big.Rat
// and sorts by comparing strings: slow and plain.
func referenceSummary(rows *billing.UsageRows, keep func(usage) bool, by []string) []string {
	type acc struct {
		keys         []billing.Null[string]
		n            int
		total, units *big.Rat
		unit         billing.Null[string]
		mixed        bool
	}
	groups := map[string]*acc{}
	var order []*acc
	for i := range rows.Len() {
		u := rows.Row(i)
		if !keep(u) {
			continue
		}
		var keys []billing.Null[string]
		for _, k := range by {
			keys = append(keys, u.Str(usageKeys[k]))
		}
		keys = append(keys, u.Currency())
		id := fmt.Sprint(keys)
		g := groups[id]
		if g == nil {
			g = &acc{keys: keys, unit: u.Unit()}
			groups[id] = g
			order = append(order, g)
		}
		g.n++
		g.mixed = g.mixed || u.Unit() != g.unit
		for _, s := range []struct {
			v   billing.Null[billing.Number]
			sum **big.Rat
		}{{u.TotalAmount(), &g.total}, {u.NumberOfUnits(), &g.units}} {
			if s.v.Valid {
				r, _ := new(big.Rat).SetString(string(s.v.Value))
				if *s.sum == nil {
					*s.sum = new(big.Rat)
				}
				(*s.sum).Add(*s.sum, r)
			}
		}
	}
	slices.SortFunc(order, func(a, b *acc) int {
		for k := range a.keys {
			if c := compareNull(a.keys[k], b.keys[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	out := make([]string, len(order))
	for i, g := range order {
		var keys []string
		for _, v := range g.keys {
			keys = append(keys, fmt.Sprintf("%v:%q", v.Valid, v.Value))
		}
		show := func(r *big.Rat, ok bool) billing.Null[billing.Number] {
			if r == nil || !ok {
				return billing.Null[billing.Number]{}
			}
			return billing.Of(decimalNumber(r))
		}
		out[i] = fmt.Sprintf("%s rows=%d total=%v units=%v", strings.Join(keys, ","), g.n, show(g.total, true), show(g.units, !g.mixed))
	}
	return out
}
