package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	for _, retryAfter := range []string{"1", ""} {
		s, ts := newTestServer(t, Options{RateLimit: 2, RateBurst: 3, RetryAfter: retryAfter})
		tok := token(t, ts.URL, "")
		var ok, limited int
		for i := 0; i < 10; i++ {
			st, h, body := get(t, ts.URL+"/express/accounts", tok)
			switch st {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited++
				if e := decodeError(t, body); e.Code != "1029" || e.Message != "Too Many Requests" {
					t.Errorf("429 body %s", body)
				}
				if got := h.Get("Retry-After"); got != retryAfter {
					t.Errorf("Retry-After %q, want %q", got, retryAfter)
				}
			default:
				t.Fatalf("status %d", st)
			}
		}
		if ok < 3 || limited == 0 {
			t.Errorf("ok %d limited %d", ok, limited)
		}
		st := s.Stats()
		if st.Status429 != limited || st.ByStatus[429] != limited || st.APIRequests != 10 {
			t.Errorf("stats %+v, limited %d", st, limited)
		}
		// The token endpoint is not rate limited.
		for i := 0; i < 5; i++ {
			token(t, ts.URL, "")
		}
		s.SetRateLimit(-1, 0)
		for i := 0; i < 30; i++ {
			if st, _, _ := get(t, ts.URL+"/express/accounts", tok); st != http.StatusOK {
				t.Fatalf("unlimited: %d", st)
			}
		}
	}
}

func TestLatency(t *testing.T) {
	s, ts := newTestServer(t, Options{Latency: 60 * time.Millisecond})
	tok := token(t, ts.URL, "")
	start := time.Now()
	if st, _, _ := get(t, ts.URL+"/express/accounts", tok); st != http.StatusOK {
		t.Fatal(st)
	}
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Errorf("request took %v despite 60ms latency", el)
	}

	// A client that gives up during the delay is recorded as 499.
	s.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/express/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("expected a timeout")
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Stats().ByStatus[StatusClientClosed] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no 499 recorded: %+v", s.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRequestLog(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, "")
	before := time.Now()
	get(t, ts.URL+"/express/products?per_page=3&page=2", tok)
	get(t, ts.URL+"/express/products", "")
	log := s.Requests()
	if len(log) != 2 {
		t.Fatalf("log %+v", log)
	}
	if r := log[0]; r.Endpoint != "/express/products" || r.RawQuery != "per_page=3&page=2" || r.Status != 200 || r.Time.Before(before) {
		t.Errorf("first record %+v", r)
	}
	if log[1].Status != 401 {
		t.Errorf("second record %+v", log[1])
	}
	st := s.Stats()
	if st.APIRequests != 2 || st.TokenRequests != 1 || st.ByStatus[200] != 1 || st.ByStatus[401] != 1 {
		t.Errorf("stats %+v", st)
	}
	s.ResetStats()
	if st := s.Stats(); st.APIRequests != 0 || len(st.ByStatus) != 0 || len(s.Requests()) != 0 {
		t.Errorf("after reset %+v", st)
	}
}
