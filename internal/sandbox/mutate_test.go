package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestMutateVisibleToLaterRequests(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	added := Account{ID: "ffffffffffffffffffffffff", Name: "newco", CompanyName: "New Co Inc.", Status: "IN_TRIAL"}
	s.Mutate(func(d *Dataset) {
		d.Accounts = append(d.Accounts, added) // out of order on purpose
		d.Accounts[0].Status = "CHURNED"
	})
	_, _, body := get(t, ts.URL+"/express/accounts", tok)
	p := decodePage[Account](t, body)
	got := p.Embedded["accounts"]
	if len(got) != DefaultAccounts+1 || got[0] != added {
		t.Fatalf("first account %+v of %d; want the added one first (id desc)", got[0], len(got))
	}
	if got[1].Status != "CHURNED" {
		t.Errorf("changed status not served: %+v", got[1])
	}
	// The added account is now one of the organization's: filtering by it
	// is allowed.
	st, _, _ := get(t, ts.URL+"/express/subscriptions?filter="+urlQuery("account_id eq '"+added.ID+"'"), tok)
	if st != http.StatusOK {
		t.Errorf("filter by added account: %d", st)
	}
}

// The hook runs after validation and before serving, without locks held, so
// a test can change the collection between the pages of one read.
func TestOnAPIRequestHookMutatesMidRead(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []string
		s     *Server
	)
	s, ts := newTestServer(t, Options{OnAPIRequest: func(endpoint string, q url.Values) {
		mu.Lock()
		calls = append(calls, endpoint+"?"+q.Encode())
		n := len(calls)
		mu.Unlock()
		if n == 2 {
			// Before page 2 is served, delete the first row of page 1:
			// every later row shifts up by one, so a naive reader
			// skips one record.
			s.Mutate(func(d *Dataset) { d.Products = d.Products[1:] })
		}
	}})
	tok := token(t, ts.URL, "")
	before := s.Data().Products

	_, _, b1 := get(t, ts.URL+"/express/products?per_page=10", tok)
	_, _, b2 := get(t, ts.URL+"/express/products?per_page=10&page=2", tok)
	p1, p2 := decodePage[Product](t, b1), decodePage[Product](t, b2)
	if p1.Embedded["products"][0].ID != before[0].ID {
		t.Error("page 1 should predate the change")
	}
	if got := p2.Embedded["products"][0].ID; got != before[11].ID {
		t.Errorf("page 2 starts with %s, want %s (shifted by the deletion)", got, before[11].ID)
	}
	if *p2.Total != len(before)-1 {
		t.Errorf("total %d after deletion", *p2.Total)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || !strings.HasPrefix(calls[0], "/express/products?") || !strings.Contains(calls[1], "page=2") {
		t.Errorf("hook calls %q", calls)
	}

	// Requests rejected before serving do not reach the hook.
	get(t, ts.URL+"/express/products?per_page=0", tok)
	get(t, ts.URL+"/express/products", "")
	if len(calls) != 2 {
		t.Errorf("hook called for rejected requests: %q", calls)
	}
}

// Concurrent readers and writers must be race-free (run with -race).
func TestConcurrentRequestsAndMutations(t *testing.T) {
	s, ts := newTestServer(t, Options{RateLimit: -1})
	tok := token(t, ts.URL, "")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if st, _, _ := get(t, ts.URL+"/express/usage/month?per_page=100", tok); st != http.StatusOK {
					t.Errorf("status %d", st)
				}
			}
		}()
	}
	for j := 0; j < 10; j++ {
		s.Mutate(func(d *Dataset) {
			for k := range d.Usage[:50] {
				if d.Usage[k].Direction != nil {
					*d.Usage[k].Direction = "OTHER"
				}
			}
		})
		_ = s.Data()
		s.SetLatency(0)
		s.SetFaults(Faults{})
		s.SetRateLimit(-1, 0)
	}
	wg.Wait()
}
