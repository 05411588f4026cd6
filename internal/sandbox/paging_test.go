package sandbox

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestPagingReassemblesCollection(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	want := s.Data().Subscriptions
	if !slices.IsSortedFunc(want, func(a, b Subscription) int { return strings.Compare(b.ID, a.ID) }) {
		t.Fatal("Data() is not in id-desc order")
	}

	var got []Subscription
	next := ts.URL + "/express/subscriptions?per_page=7"
	for pageNo := 1; next != ""; pageNo++ {
		st, _, body := get(t, next, tok)
		if st != http.StatusOK {
			t.Fatalf("page %d: %d %s", pageNo, st, body)
		}
		p := decodePage[Subscription](t, body)
		items := p.Embedded["subscriptions"]
		got = append(got, items...)
		if *p.Page != pageNo || *p.PerPage != 7 || *p.Count != len(items) || *p.Total != len(want) || *p.TotalPages != (len(want)+6)/7 {
			t.Errorf("page %d counters: page %d per_page %d count %d total %d total_pages %d",
				pageNo, *p.Page, *p.PerPage, *p.Count, *p.Total, *p.TotalPages)
		}
		for _, rel := range []string{"self", "first", "last"} {
			if !strings.HasPrefix(p.Links[rel].Href, ts.URL+"/express/subscriptions?") {
				t.Errorf("page %d: %s link %q is not absolute", pageNo, rel, p.Links[rel].Href)
			}
		}
		if _, ok := p.Links["prev"]; ok != (pageNo > 1) {
			t.Errorf("page %d: prev present = %v", pageNo, ok)
		}
		if _, ok := p.Links["show"]; ok {
			t.Errorf("page %d: unexpected show link", pageNo)
		}
		next = p.Links["next"].Href
		if next == "" && pageNo != *p.TotalPages {
			t.Errorf("next missing on page %d of %d", pageNo, *p.TotalPages)
		}
		if pageNo > 100 {
			t.Fatal("too many pages")
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("reassembled %d rows differ from the %d rows of the data set", len(got), len(want))
	}
}

func TestPagingDefaultsAndEmptyPages(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")

	_, _, body := get(t, ts.URL+"/express/invoices", tok)
	p := decodePage[InvoiceLine](t, body)
	if *p.Page != 1 || *p.PerPage != 50 || len(p.Embedded["invoices"]) != 50 || *p.Total != len(s.Data().Invoices) {
		t.Errorf("defaults: page %d per_page %d count %d", *p.Page, *p.PerPage, len(p.Embedded["invoices"]))
	}
	if self := p.Links["self"].Href; self != ts.URL+"/express/invoices?page=1&per_page=50" {
		t.Errorf("self link %q", self)
	}

	st, _, body := get(t, ts.URL+"/express/accounts?page=99", tok)
	if st != http.StatusOK || !strings.Contains(string(body), `"accounts":[]`) {
		t.Errorf("page past the end: %d %s", st, body)
	}
	p2 := decodePage[Account](t, body)
	if _, ok := p2.Links["next"]; ok {
		t.Error("next link past the end")
	}

	// A filter that matches nothing still gives an empty array.
	acct := s.Data().Accounts[0].ID
	_, _, body = get(t, ts.URL+"/express/usage/month?filter="+urlQuery("account_id eq '"+acct+"' and month eq '1999-01'"), tok)
	if !strings.Contains(string(body), `"usage":[]`) {
		t.Errorf("empty filtered usage page: %s", body)
	}
}

func TestUsagePagesHaveNoCounters(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	var rows []UsageRecord
	next := ts.URL + "/express/usage/month?per_page=250"
	for next != "" {
		_, _, body := get(t, next, tok)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"count", "page", "per_page", "total", "total_pages"} {
			if _, ok := raw[k]; ok {
				t.Errorf("usage page has %q", k)
			}
		}
		p := decodePage[UsageRecord](t, body)
		if p.Links["show"].Href == "" || p.Links["show"] != p.Links["self"] {
			t.Errorf("show link %q, self %q", p.Links["show"].Href, p.Links["self"].Href)
		}
		rows = append(rows, p.Embedded["usage"]...)
		next = p.Links["next"].Href
	}
	if want := s.Data().Usage; !slices.EqualFunc(rows, want, func(a, b UsageRecord) bool { return a.ID == b.ID }) {
		t.Errorf("usage reassembled %d rows, want %d", len(rows), len(want))
	}
}

func TestPagingValidation(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	cases := map[string]string{
		"per_page=0":    "per_page",
		"per_page=251":  "per_page",
		"per_page=ten":  "per_page",
		"per_page=":     "per_page",
		"page=0":        "page",
		"page=-1":       "page",
		"page=1.5":      "page",
		"page=2&page=x": "page=2", // first value wins: valid
	}
	for q, field := range cases {
		st, _, body := get(t, ts.URL+"/express/products?"+q, tok)
		if strings.Contains(field, "=") {
			if st != http.StatusOK {
				t.Errorf("%s: %d", q, st)
			}
			continue
		}
		e := decodeError(t, body)
		if st != http.StatusBadRequest || e.Code != "1000" || e.Message != "Bad Request" || !e.hasField(field) {
			t.Errorf("%s: %d %s", q, st, body)
		}
	}
	st, _, body := get(t, ts.URL+"/express/products?page=0&per_page=999", tok)
	if e := decodeError(t, body); st != 400 || !e.hasField("page") || !e.hasField("per_page") {
		t.Errorf("both invalid: %d %s", st, body)
	}
	if st, _, _ := get(t, ts.URL+"/express/products?per_page=250&page=1", tok); st != http.StatusOK {
		t.Errorf("per_page=250: %d", st)
	}
}

func TestUnknownEndpointAndMethod(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	if st, _, _ := get(t, ts.URL+"/express/nothing", tok); st != http.StatusNotFound {
		t.Errorf("unknown endpoint: %d", st)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/express/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}
