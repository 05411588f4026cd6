package sandbox

import (
	"net/http"
	"strings"
	"testing"
)

// eval applies a parsed filter to a record given as a field map.
func eval(n *filterNode, rec map[string]string) bool {
	f := compileFilter(n, func(name string) func(*map[string]string) string {
		return func(m *map[string]string) string { return (*m)[name] }
	})
	return f == nil || f(&rec)
}

func TestFilterGrammar(t *testing.T) {
	fields := []string{"account_id", "month"}
	rec := map[string]string{"account_id": "a", "month": "2024-03"}
	cases := []struct {
		expr string
		want bool
	}{
		{"account_id eq 'a'", true},
		{"account_id eq 'b'", false},
		{"ACCOUNT_ID eq 'a'", false}, // unknown field (checked below), keeps table simple
		{"account_id EQ 'a' AND month Eq '2024-03'", true},
		{"account_id eq 'b' or account_id eq 'a'", true},
		// and binds tighter than or: b or (a and 1999) = false
		{"account_id eq 'b' or account_id eq 'a' and month eq '1999-01'", false},
		// parentheses override: (b or a) and 2024-03 = true
		{"(account_id eq 'b' or account_id eq 'a') and month eq '2024-03'", true},
		// nested and redundant parentheses
		{"((account_id eq 'a')) and (month eq 'x' or month eq '2024-03')", true},
		{"  account_id   eq   'a'  ", true},
	}
	for _, c := range cases {
		n, err := parseFilter(c.expr, fields)
		if strings.HasPrefix(c.expr, "ACCOUNT_ID") {
			if err == nil {
				t.Errorf("%q: field names are case-sensitive", c.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if got := eval(n, rec); got != c.want {
			t.Errorf("%q = %v, want %v", c.expr, got, c.want)
		}
	}

	n, err := parseFilter("account_id eq 'O''Brien' or account_id eq ''", fields)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.values("account_id"); len(got) != 2 || got[0] != "O'Brien" || got[1] != "" {
		t.Errorf("quoted values %q", got)
	}
	if !eval(n, map[string]string{"account_id": "O'Brien"}) {
		t.Error("escaped quote does not match")
	}
}

func TestFilterErrors(t *testing.T) {
	fields := []string{"account_id", "month"}
	cases := map[string]string{
		"account_id eq 'a":                 "unterminated",
		"account_id = 'a'":                 "unexpected character",
		"account_id eq a":                  "quoted value",
		"account_id 'a'":                   "expected 'eq'",
		"(account_id eq 'a'":               "expected ')'",
		"account_id eq 'a')":               "unexpected ')'",
		"account_id eq 'a' and":            "expected a field name",
		"account_id eq 'a' month eq 'b'":   "unexpected",
		"and eq 'a'":                       "expected a field name",
		"product_id eq 'x'":                "unknown field",
		"account_id ne 'a'":                "expected 'eq'",
		"":                                 "expected a field name",
		"account_id eq 'a' or ()":          "expected a field name",
		strings.Repeat(" ", 1590) + "x eq": "unknown field",
	}
	for expr, want := range cases {
		_, err := parseFilter(expr, fields)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", expr, err, want)
		}
	}
	long := strings.Repeat("account_id eq 'x' or ", 80) + "month eq 'y'"
	if _, err := parseFilter(long, fields); err == nil || !strings.Contains(err.Error(), "1600") {
		t.Errorf("%d-character filter: %v", len(long), err)
	}
	if _, err := parseFilter("id eq 'x'", nil); err == nil || !strings.Contains(err.Error(), "cannot be filtered") {
		t.Errorf("filter on an unfilterable endpoint: %v", err)
	}
}

func TestFilterOverHTTP(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	d := s.Data()
	a0, a1 := d.Accounts[0].ID, d.Accounts[1].ID
	month := d.Usage[0].Month

	expr := "(account_id eq '" + a0 + "' OR account_id eq '" + a1 + "') and month eq '" + month + "'"
	want := 0
	for _, u := range d.Usage {
		if (u.AccountID == a0 || u.AccountID == a1) && u.Month == month {
			want++
		}
	}
	st, _, body := get(t, ts.URL+"/express/usage/month?per_page=5&filter="+urlQuery(expr), tok)
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, body)
	}
	var got int
	next := ts.URL + "/express/usage/month?per_page=5&filter=" + urlQuery(expr)
	for next != "" {
		_, _, body := get(t, next, tok)
		p := decodePage[UsageRecord](t, body)
		for _, u := range p.Embedded["usage"] {
			if (u.AccountID != a0 && u.AccountID != a1) || u.Month != month {
				t.Fatalf("row %+v does not match %s", u, expr)
			}
		}
		got += len(p.Embedded["usage"])
		next = p.Links["next"].Href
		if next != "" && !strings.Contains(next, "filter=") {
			t.Fatalf("next link %q lost the filter", next)
		}
	}
	if got != want || want == 0 {
		t.Errorf("filtered usage: %d rows, want %d", got, want)
	}

	st, _, body = get(t, ts.URL+"/express/invoices?filter="+urlQuery("account_id eq '"+a1+"'"), tok)
	p := decodePage[InvoiceLine](t, body)
	wantInv := 0
	for _, l := range d.Invoices {
		if l.AccountID == a1 {
			wantInv++
		}
	}
	if st != http.StatusOK || *p.Total != wantInv {
		t.Errorf("invoices of one account: %d total %d, want %d", st, *p.Total, wantInv)
	}
}

func TestFilterRejectedOverHTTP(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	d := s.Data()
	foreign := d.ForeignAccounts[0].ID
	own := d.Accounts[0].ID

	bad := map[string]string{
		"/express/accounts?filter=" + urlQuery("id eq 'x'"):                  "unknown field",
		"/express/products?filter=" + urlQuery("family eq 'LICENSE'"):        "unknown field",
		"/express/subscriptions?filter=" + urlQuery("month eq '2024-01'"):    "unknown field",
		"/express/invoices?filter=" + urlQuery("account_id eq"):              "syntax error",
		"/express/usage/month?filter=" + urlQuery(strings.Repeat("(", 1601)): "1600",
	}
	for path, want := range bad {
		st, _, body := get(t, ts.URL+path, tok)
		e := decodeError(t, body)
		if st != http.StatusBadRequest || !e.hasField("filter") || !strings.Contains(e.Fields[0].Description, want) {
			t.Errorf("%s: %d %s", path, st, body)
		}
	}

	for _, expr := range []string{
		"account_id eq '" + foreign + "'",
		"account_id eq '" + own + "' or account_id eq '" + foreign + "'",
		"account_id eq '000000000000000000000000'",
	} {
		st, _, body := get(t, ts.URL+"/express/subscriptions?filter="+urlQuery(expr), tok)
		e := decodeError(t, body)
		if st != http.StatusForbidden || e.Code != "1002" || !e.hasField("account_id") ||
			!strings.Contains(e.Description, "not under the organization") {
			t.Errorf("%s: %d %s", expr, st, body)
		}
		if strings.Contains(string(body), foreign) {
			t.Errorf("403 body names the foreign account: %s", body)
		}
	}
	// Foreign accounts are never served.
	_, _, body := get(t, ts.URL+"/express/accounts?per_page=250", tok)
	if strings.Contains(string(body), foreign) {
		t.Error("foreign account listed")
	}
}
