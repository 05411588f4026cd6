package sandbox

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDataDeterministic(t *testing.T) {
	a := New(Options{Seed: 7, Now: testNow}).Data()
	b := New(Options{Seed: 7, Now: testNow}).Data()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed and Now gave different data sets")
	}
	c := New(Options{Seed: 8, Now: testNow}).Data()
	if reflect.DeepEqual(a.Accounts, c.Accounts) {
		t.Fatal("different seeds gave the same accounts")
	}
}

func TestDataSizesHonoured(t *testing.T) {
	d := New(Options{Now: testNow}).Data()
	if len(d.Accounts) != DefaultAccounts || len(d.ForeignAccounts) != DefaultForeignAccounts {
		t.Errorf("accounts %d foreign %d", len(d.Accounts), len(d.ForeignAccounts))
	}
	if len(d.Products) != DefaultProducts {
		t.Errorf("products %d", len(d.Products))
	}
	if want := DefaultAccounts * DefaultSubscriptionsPerAccount; len(d.Subscriptions) != want {
		t.Errorf("subscriptions %d, want %d", len(d.Subscriptions), want)
	}
	if want := DefaultAccounts * DefaultUsageMonths * DefaultUsagePerAccountMonth; len(d.Usage) != want {
		t.Errorf("usage %d, want %d", len(d.Usage), want)
	}
	invoices := map[string]int{}
	for _, l := range d.Invoices {
		invoices[l.Number]++
	}
	if want := DefaultAccounts * DefaultInvoicesPerAccount; len(invoices) != want {
		t.Errorf("invoices %d, want %d", len(invoices), want)
	}
	for n, lines := range invoices {
		if lines < 2 || lines > 6 {
			t.Errorf("invoice %s has %d lines", n, lines)
		}
	}

	small := New(Options{Now: testNow, Accounts: 3, ForeignAccounts: -1, Products: 12,
		SubscriptionsPerAccount: 2, InvoicesPerAccount: 1, UsageMonths: 2, UsagePerAccountMonth: 3}).Data()
	if len(small.Accounts) != 3 || len(small.ForeignAccounts) != 0 || len(small.Products) != 12 ||
		len(small.Subscriptions) != 6 || len(small.Usage) != 18 {
		t.Errorf("small sizes: %d %d %d %d %d", len(small.Accounts), len(small.ForeignAccounts),
			len(small.Products), len(small.Subscriptions), len(small.Usage))
	}
}

var (
	hex24     = regexp.MustCompile(`^[0-9a-f]{24}$`)
	hex32     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	productRe = regexp.MustCompile(`^TD-[A-Z]+(-[A-Z]+)*-\d{6,}$`)
	invoiceRe = regexp.MustCompile(`^INV\d{8}$`)
	periodRe  = regexp.MustCompile(`^\d{2}/\d{2}/\d{4} - \d{2}/\d{2}/\d{4}$`)
	stampRe   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$`)
)

// cents converts an amount to integer cents, failing when it is not an
// exact short decimal.
func cents(t *testing.T, v float64, what string) int64 {
	t.Helper()
	c := math.Round(v * 100)
	if s := strconv.FormatFloat(v, 'f', -1, 64); strconv.FormatFloat(c/100, 'f', -1, 64) != s {
		t.Fatalf("%s %s is not a whole number of cents", what, s)
	}
	return int64(c)
}

func TestDataInvariants(t *testing.T) {
	d := New(Options{Now: testNow}).Data()
	own := map[string]bool{}
	for _, a := range append(append([]Account{}, d.Accounts...), d.ForeignAccounts...) {
		if !hex24.MatchString(a.ID) || a.Name == "" || !strings.Contains(a.CompanyName, " ") || a.Status == "" {
			t.Errorf("bad account %+v", a)
		}
		if own[a.ID] {
			t.Errorf("duplicate account id %s", a.ID)
		}
		own[a.ID] = true
	}
	for _, a := range d.ForeignAccounts {
		delete(own, a.ID)
	}
	products := map[string]bool{}
	for _, p := range d.Products {
		if !productRe.MatchString(p.ID) || products[p.ID] {
			t.Errorf("bad or duplicate product id %q", p.ID)
		}
		products[p.ID] = true
	}

	near, nearNoRenew, nearNullRenew := 0, 0, 0
	ids := map[string]bool{}
	for _, s := range d.Subscriptions {
		if !hex32.MatchString(s.ID) || ids[s.ID] || !own[s.AccountID] || !products[s.ProductID] {
			t.Errorf("bad subscription %+v", s)
		}
		ids[s.ID] = true
		if len(s.ContractNumber) != 8 || !stampRe.MatchString(s.StartDate) || !stampRe.MatchString(s.EndDate) {
			t.Errorf("bad contract fields %+v", s)
		}
		start, _ := time.Parse(timestampLayout, s.StartDate)
		end, _ := time.Parse(timestampLayout, s.EndDate)
		term, err := strconv.Atoi(s.Term)
		if err != nil || !addMonths(start, term).Equal(end) && start.Day() <= 28 {
			t.Errorf("term %q does not match %s..%s", s.Term, s.StartDate, s.EndDate)
		}
		if !end.After(testNow) || end.After(testNow.AddDate(2, 0, 1)) || start.After(testNow) {
			t.Errorf("dates out of range: %s..%s", s.StartDate, s.EndDate)
		}
		cents(t, s.UnitPrice, "unit_price")
		if end.Sub(testNow) <= 60*24*time.Hour {
			near++
			switch {
			case s.AutoRenewal == nil:
				nearNullRenew++
			case !*s.AutoRenewal:
				nearNoRenew++
			}
		}
	}
	if near < 3 || nearNoRenew == 0 || nearNullRenew == 0 {
		t.Errorf("renewal mix: near %d, false %d, null %d", near, nearNoRenew, nearNullRenew)
	}

	totals := map[string]int64{}
	declared := map[string]int64{}
	for _, l := range d.Invoices {
		if !hex32.MatchString(l.ID) || ids[l.ID] || !own[l.AccountID] || !products[l.ProductID] ||
			!invoiceRe.MatchString(l.Number) || !periodRe.MatchString(l.Description) {
			t.Errorf("bad invoice line %+v", l)
		}
		ids[l.ID] = true
		date, _ := time.Parse(timestampLayout, l.Date)
		if !date.Before(testNow) || !date.Equal(monthEnd(date)) {
			t.Errorf("invoice date %s is not a past month end", l.Date)
		}
		amount := cents(t, l.Amount, "amount")
		if want := int64(l.Quantity) * cents(t, l.Rate, "rate"); amount != want {
			t.Errorf("line %s: amount %v != %v * %v", l.ID, l.Amount, l.Quantity, l.Rate)
		}
		totals[l.Number] += amount
		declared[l.Number] = cents(t, l.TotalInvoiceAmount, "total")
	}
	for n, sum := range totals {
		if declared[n] != sum {
			t.Errorf("invoice %s total %d != sum of lines %d", n, declared[n], sum)
		}
	}

	type key struct{ acct, month, product string }
	seen := map[key]bool{}
	months := map[string]int{}
	for _, u := range d.Usage {
		months[u.Month]++
		k := key{u.AccountID, u.Month, u.ProductID}
		if !hex32.MatchString(u.ID) || ids[u.ID] || !own[u.AccountID] || !products[u.ProductID] ||
			!products[u.AggrProductID] || seen[k] {
			t.Errorf("bad usage %+v", u)
		}
		ids[u.ID] = true
		seen[k] = true
		if u.Month < "2023-07" || u.Month > "2025-06" {
			t.Errorf("usage month %s outside the 24 months ending with the month of %s", u.Month, testNow)
		}
		units := cents(t, u.NumberOfUnits, "number_of_units")
		price4 := int64(math.Round(u.Price * 10000))
		if float64(price4)/10000 != u.Price {
			t.Errorf("price %v has more than 4 decimals", u.Price)
		}
		if got, want := cents(t, u.TotalAmount, "total_amount"), roundDiv(price4*units, 10000); got != want {
			t.Errorf("usage %s total %v, want %d cents", u.ID, u.TotalAmount, want)
		}
	}
	// The month of Now and the one before are open, the earlier ones
	// closed: a data set holds both.
	if len(months) != 24 || months["2025-06"] == 0 || months["2025-05"] == 0 || months["2023-07"] == 0 {
		t.Errorf("usage months %v: want 24 months, 2023-07 to 2025-06 (the month of %s)", months, testNow)
	}
}

func TestDataNullsSerialised(t *testing.T) {
	b, err := json.Marshal(UsageRecord{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"direction":null`, `"resolution":null`, `"wallet_name":null`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s missing from %s", k, b)
		}
	}
	var m map[string]any
	b, _ = json.Marshal(Subscription{})
	_ = json.Unmarshal(b, &m)
	if len(m) != 19 || m["auto_renewal"] != nil || m["renewal_uplift"] != nil {
		t.Errorf("subscription JSON has %d keys: %s", len(m), b)
	}
	for v, n := range map[any]int{Account{}: 4, Product{}: 5, InvoiceLine{}: 11, UsageRecord{}: 15} {
		b, _ := json.Marshal(v)
		m := map[string]any{}
		_ = json.Unmarshal(b, &m)
		if len(m) != n {
			t.Errorf("%T has %d JSON keys, want %d", v, len(m), n)
		}
	}
}

func TestDataCopyIsDeep(t *testing.T) {
	s := New(Options{Now: testNow})
	d := s.Data()
	for i := range d.Usage {
		if d.Usage[i].Direction != nil {
			*d.Usage[i].Direction = "CHANGED"
			id := d.Usage[i].ID
			for _, u := range s.Data().Usage {
				if u.ID == id && *u.Direction == "CHANGED" {
					t.Fatal("changing a copy changed the server's data")
				}
			}
			return
		}
	}
	t.Fatal("no usage row with a direction")
}

func TestDataScales(t *testing.T) {
	s := New(Options{Now: testNow, Accounts: 100, UsageMonths: 24, UsagePerAccountMonth: 42})
	if n := len(s.data.Usage); n != 100*24*42 {
		t.Fatalf("usage rows %d, want %d", n, 100*24*42)
	}
	ts := newServerFor(t, s)
	tok := token(t, ts, "")
	status, _, body := get(t, ts+"/express/usage/month?per_page=250&page=300", tok)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if n := strings.Count(string(body), `"aggr_product_id"`); n != 250 {
		t.Errorf("page 300 of %d rows holds %d rows, want 250", 100*24*42, n)
	}
}

// Generating a large organization and serving a page deep into it are
// benchmarks, not timed tests: their speed depends on the machine.
func BenchmarkGenerate100kUsageRows(b *testing.B) {
	for b.Loop() {
		New(Options{Now: testNow, Accounts: 100, UsageMonths: 24, UsagePerAccountMonth: 42})
	}
}

func BenchmarkServeDeepUsagePage(b *testing.B) {
	s := New(Options{Now: testNow, Accounts: 100, UsageMonths: 24, UsagePerAccountMonth: 42})
	ts := newServerFor(b, s)
	tok := token(b, ts, "")
	for b.Loop() {
		if status, _, _ := get(b, ts+"/express/usage/month?per_page=250&page=300", tok); status != 200 {
			b.Fatalf("status %d", status)
		}
	}
}

// Even the small default data set shows the realistic mix the provider's
// tests need: mostly active accounts with some others, and currencies
// other than USD.
func TestDataRealisticMix(t *testing.T) {
	d := New(Options{Now: testNow}).Data()
	active := 0
	for _, a := range d.Accounts {
		if a.Status == "ACTIVE" {
			active++
		}
	}
	if active <= len(d.Accounts)/2 || active == len(d.Accounts) {
		t.Errorf("%d of %d accounts active", active, len(d.Accounts))
	}
	currencies := map[string]bool{}
	nullFamily := false
	for _, s := range d.Subscriptions {
		currencies[s.Currency] = true
	}
	for _, p := range d.Products {
		nullFamily = nullFamily || p.Family == nil || p.UnitOfMeasure == nil || p.ChargeType == nil
	}
	if !currencies["USD"] || len(currencies) < 2 || !nullFamily {
		t.Errorf("currencies %v, some product null: %v", currencies, nullFamily)
	}

	// More usage rows per month than the price book's usage share grows
	// the price book instead of failing.
	big := New(Options{Now: testNow, Accounts: 1, UsageMonths: 1, UsagePerAccountMonth: 42}).Data()
	if len(big.Usage) != 42 || len(big.Products) < 42+26 {
		t.Errorf("usage %d, products %d", len(big.Usage), len(big.Products))
	}
}
