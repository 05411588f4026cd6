package e2e

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestFixtureReadBackThroughClient loads a fixture holding every
// collection, serves it, and reads each collection back through the API
// client: every record, every field, exactly (nulls stay null, number
// literals keep their value, relative dates come back resolved).
func TestFixtureReadBackThroughClient(t *testing.T) {
	now := time.Date(2025, 3, 31, 10, 20, 30, 0, time.UTC)
	data, err := sandbox.LoadFixture("../sandbox/testdata/fixture.json", now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sandbox.Start(sandbox.Options{Data: data, ClientID: "fixture-id", ClientSecret: "fixture-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := billing.New(billing.Config{APIBaseURL: s.URL, TokenURL: s.TokenURL, ClientID: "fixture-id", ClientSecret: "fixture-secret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	accounts, err := c.Accounts(ctx)
	check(t, "accounts", accounts, data.Accounts, err)
	products, err := c.Products(ctx)
	check(t, "products", products, data.Products, err)
	subs, err := c.Subscriptions(ctx, billing.Query{})
	check(t, "subscriptions", subs, data.Subscriptions, err)
	invoices, err := c.InvoiceLines(ctx, billing.Query{})
	check(t, "invoices", invoices, data.Invoices, err)
	rows, err := c.Usage(ctx, billing.Query{})
	usage := rows.Records()
	check(t, "usage", usage, data.Usage, err)

	// Spot checks against the file itself, independent of the sandbox's
	// own types: a literal 161.50, a null, relative dates on the clock.
	if len(invoices) != 1 || invoices[0].TotalInvoiceAmount != billing.Of(billing.Number("161.5")) {
		t.Errorf("total_invoice_amount %+v", invoices)
	}
	if len(products) != 2 || products[0].Family.Valid {
		t.Errorf("a null family came back as %+v", products)
	}
	if len(subs) != 2 || subs[1].EndDate != billing.Of("2025-04-30T00:00:00.000Z") || subs[1].AutoRenewal != billing.Of(false) {
		t.Errorf("now+1M/d on %s: %+v", now, subs)
	}
	if len(usage) != 2 || usage[1].Month != billing.Of("2025-02") {
		t.Errorf("now-1M: %+v", usage)
	}
}

// check compares what the client read with what the sandbox served, as
// JSON documents: both sides write every field under its API key.
func check[C, S any](t *testing.T, name string, got []C, want []S, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(want) == 0 {
		t.Fatalf("%s: the fixture holds no records; the test proves nothing", name)
	}
	if g, w := asJSON(t, got), asJSON(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s read back:\n%v\nserved:\n%v", name, g, w)
	}
}

func asJSON(t *testing.T, v any) []map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
