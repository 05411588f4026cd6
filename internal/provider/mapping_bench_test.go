package provider

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// benchUsage makes n realistic usage records, with some nulls.
func benchUsage(n int) []billing.Usage {
	rows := make([]billing.Usage, n)
	for i := range rows {
		rows[i] = billing.Usage{
			ID: fmt.Sprintf("%032x", i), AccountID: billing.Of(fmt.Sprintf("%024x", i%100)),
			ProductID: billing.Of("TD-USG-TEL-UG-102213"), AggrProductID: billing.Of("TD-USG-TEL-UG-102200"),
			Month: billing.Of("2024-03"), Type: billing.Of("CALL"), Description: billing.Of("Inbound minutes"),
			Currency: billing.Of("USD"), Unit: billing.Of("PER_MINUTE"),
			Price: billing.Of(billing.Number("0.0125")), NumberOfUnits: billing.Of(billing.Number(fmt.Sprint(i))),
			TotalAmount: billing.Of(billing.Number("17.9")),
		}
		if i%3 == 0 {
			rows[i].Direction = billing.Of("INBOUND")
			rows[i].TotalAmount = billing.Of(billing.Number("1e2"))
		}
	}
	return rows
}

// rowsOf is the records as rows of one set, as the data sources read them.
func rowsOf(records []billing.Usage) []usage {
	set := billing.UsageRowsOf(records)
	out := make([]usage, set.Len())
	for i := range out {
		out[i] = set.Row(i)
	}
	return out
}

func usageListType() tftypes.List {
	ctx := context.Background()
	var resp datasource.SchemaResponse
	NewUsageDataSource().Schema(ctx, datasource.SchemaRequest{}, &resp)
	typ := resp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	return typ.AttributeTypes["usage"].(tftypes.List)
}

// TestStreamedStateMatchesTFTypes checks that the fast path's msgpack is
// exactly the value the tftypes path builds: numbers, nulls and nesting.
func TestStreamedStateMatchesTFTypes(t *testing.T) {
	streamedEqualsValue(t, usageListType(), usageColumns, rowsOf(benchUsage(50)))
	inv := []invoice{{lines: []billing.InvoiceLine{{ID: "l1", Number: billing.Of("INV1"), Amount: billing.Of(billing.Number("161.50"))}, {ID: "l2"}}}}
	inv[0].first = &inv[0].lines[0]
	streamedEqualsValue(t, listTypeOf(NewInvoicesDataSource, "invoices"), invoiceListColumns, inv)
}

const benchRows = 10000

// BenchmarkUsageStateStreamed measures the fast read path: records
// streamed to msgpack.
func BenchmarkUsageStateStreamed(b *testing.B) {
	rows := rowsOf(benchUsage(benchRows))
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := encodeList(msgpack.NewEncoder(&buf), usageColumns, rows); err != nil {
			b.Fatal(err)
		}
	}
	reportPerRow(b, func() {
		buf.Reset()
		_ = encodeList(msgpack.NewEncoder(&buf), usageColumns, rows)
	})
	b.ReportMetric(float64(buf.Len())/benchRows, "wire-bytes/row")
}

// BenchmarkUsageStateTFTypes measures the tftypes path the framework
// route takes: a value tree, then tftypes' own msgpack encoding.
func BenchmarkUsageStateTFTypes(b *testing.B) {
	listType := usageListType()
	rows := rowsOf(benchUsage(benchRows))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tfprotov6.NewDynamicValue(listType, listValue(listType, usageColumns, rows)); err != nil {
			b.Fatal(err)
		}
	}
	reportPerRow(b, func() { _, _ = tfprotov6.NewDynamicValue(listType, listValue(listType, usageColumns, rows)) })
}

func reportPerRow(b *testing.B, run func()) {
	b.StopTimer()
	b.ReportMetric(testing.AllocsPerRun(1, run)/benchRows, "allocs/row")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}

// TestEncodedNames: attribute names written once as msgpack strings
// decode to themselves, as fixstr and str8; longer ones are refused.
func TestEncodedNames(t *testing.T) {
	var cols []column[struct{}]
	for _, n := range []int{1, 31, 32, 255} {
		cols = append(cols, strCol[struct{}](strings.Repeat("n", n), "", nil))
	}
	names, err := encodedNames(cols)
	if err != nil {
		t.Fatal(err)
	}
	for j, b := range names {
		got, err := msgpack.NewDecoder(bytes.NewReader(b)).DecodeString()
		if err != nil || got != cols[j].name() {
			t.Errorf("name of %d bytes encoded as %x: decodes to %d bytes (%v)", len(cols[j].name()), b[:2], len(got), err)
		}
	}
	if _, err := encodedNames([]column[struct{}]{strCol[struct{}](strings.Repeat("n", 256), "", nil)}); err == nil {
		t.Error("a name of 256 bytes was encoded")
	}
}
