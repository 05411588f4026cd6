package billing

import (
	"context"
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func TestNullsZerosAndLiterals(t *testing.T) {
	doc := `{
	  "count": 3, "page": 1, "per_page": 250, "total": 3, "total_pages": 1,
	  "unknown_top": {"x": [1, 2]},
	  "_embedded": {
	    "other": [{"id": "ignored"}],
	    "subscriptions": [
	      {"id": "s1", "account_id": null, "auto_renewal": null, "renewal_uplift": null, "quantity": null,
	       "concurrent": null, "status": null},
	      {"id": "s2", "account_id": "", "auto_renewal": false, "renewal_uplift": 0, "quantity": 0.0,
	       "concurrent": false, "status": "BRAND_NEW_STATUS", "new_field": {"nested": [null, true]}, "another": null},
	      {"id": "s3", "account_id": "a\"b\u00e9", "renewal_uplift": 161.50, "quantity": 0.1, "unit_price": "12.30",
	       "term": "012", "contract_number": "00021679", "seasonal": true}
	    ]
	  },
	  "_links": {"self": {"href": "/x"}, "show": {"href": "/x/{id}"}}
	}`
	p, err := decodePage[[]Subscription](strings.NewReader(doc), "subscriptions")
	if err != nil {
		t.Fatal(err)
	}
	got := p.Embedded.items
	want := []Subscription{
		{ID: "s1"},
		{ID: "s2", AccountID: Of(""), AutoRenewal: Of(false), RenewalUplift: Of(Number("0")), Quantity: Of(Number("0.0")),
			Concurrent: Of(false), Status: Of("BRAND_NEW_STATUS")},
		{ID: "s3", AccountID: Of("a\"bé"), RenewalUplift: Of(Number("161.50")), Quantity: Of(Number("0.1")),
			UnitPrice: Of(Number("12.30")), Term: Of("012"), ContractNumber: Of("00021679"), Seasonal: Of(true)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
	}
	// Null and zero stay apart; absent is null.
	if got[0].AutoRenewal.Ptr() != nil || got[1].AutoRenewal.Ptr() == nil || *got[1].AutoRenewal.Ptr() {
		t.Error("Ptr does not tell null from false")
	}
	if got[2].Edition.Valid {
		t.Error("an absent key decoded as valid")
	}
	// The exact literal converts without float64 rounding.
	r, ok := got[2].Quantity.Value.Rat()
	if !ok || r.Cmp(big.NewRat(1, 10)) != 0 {
		t.Errorf("0.1 as a Rat is %v", r)
	}
	f, err := got[2].RenewalUplift.Value.Float(512)
	if err != nil || f.Text('f', 2) != "161.50" {
		t.Errorf("161.50 as a big.Float: %v, %v", f, err)
	}
	if v, err := Number("0.1").Float64(); err != nil || v != 0.1 {
		t.Errorf("Float64: %v, %v", v, err)
	}
}

func TestNullMarshalRoundTrip(t *testing.T) {
	in := Usage{ID: "u1", Price: Of(Number("161.50")), Direction: Of(""), WalletName: Null[string]{}, NumberOfUnits: Of(Number("1e-7"))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"price":161.50`, `"direction":""`, `"wallet_name":null`, `"number_of_units":1e-7`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not contain %s", b, want)
		}
	}
	var out Usage
	if err := json.Unmarshal(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: %+v, %v", out, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string]string{
		"number field holds text":    `{"_embedded": {"usage": [{"id": "u", "price": "cheap"}]}}`,
		"number field holds bool":    `{"_embedded": {"usage": [{"id": "u", "price": true}]}}`,
		"quoted number with space":   `{"_embedded": {"usage": [{"id": "u", "price": " 1"}]}}`,
		"quoted number, space after": `{"_embedded": {"usage": [{"id": "u", "price": "1 "}]}}`,
		"quoted non-JSON number":     `{"_embedded": {"usage": [{"id": "u", "price": "0x10"}]}}`,
		"string field holds number":  `{"_embedded": {"usage": [{"id": "u", "direction": 5}]}}`,
		"next link not an object":    `{"_embedded": {"usage": []}, "_links": {"next": 5}}`,
		"record without id":          `{"_embedded": {"usage": [{"price": 1}]}}`,
		"count disagrees":            `{"count": 2, "_embedded": {"usage": [{"id": "u"}]}}`,
		"trailing data":              `{"_embedded": {"usage": []}} {}`,
		"truncated":                  `{"_embedded": {"usage": [{"id": "u"`,
		"embedded not an object":     `{"_embedded": [1]}`,
	}
	for name, doc := range cases {
		if _, err := decodePage[*UsageRows](strings.NewReader(doc), "usage"); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if _, err := decodePage[[]Subscription](strings.NewReader(`{"_embedded": {"subscriptions": [{"id": "u", "seasonal": "yes"}]}}`), "subscriptions"); err == nil {
		t.Error("bool field holds string: decoded without error")
	}
	if p, err := decodePage[*UsageRows](strings.NewReader(`{"_embedded": null}`), "usage"); err != nil || p.Embedded.items.Len() != 0 {
		t.Errorf("null _embedded: %v", err)
	}
}

// TestRawRecordsThroughClient serves hand-written JSON (unknown fields,
// nulls, literals) and checks what the client returns.
func TestRawRecordsThroughClient(t *testing.T) {
	f := newFakeAPI(t)
	f.setRaw(endpointProducts.path,
		`{"id": "P1", "name": "Identity", "family": null, "unit_of_measure": "PER_GALAXY", "charge_type": "", "price_book": {"eu": 1}}`,
		`{"id": "P2", "name": null}`,
	)
	got, err := f.client(nil).Products(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Product{
		{ID: "P1", Name: Of("Identity"), UnitOfMeasure: Of("PER_GALAXY"), ChargeType: Of("")},
		{ID: "P2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestInvalidUTF8 decodes a nullable string as encoding/json decodes a
// plain one: invalid bytes become U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	doc := "{\"_embedded\": {\"usage\": [{\"id\": \"u\\u0031\xff\", \"description\": \"caf\xe9\"}]}}"
	p, err := decodePage[*UsageRows](strings.NewReader(doc), "usage")
	if err != nil {
		t.Fatal(err)
	}
	u := p.Embedded.items.Row(0).Usage()
	if u.ID != "u1\uFFFD" || u.Description != Of("caf\uFFFD") {
		t.Errorf("got id %q, description %q; want U+FFFD for the invalid bytes", u.ID, u.Description.Value)
	}
}
