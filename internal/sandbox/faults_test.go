package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
)

// startFaulty starts a real TCP sandbox with the given faults and returns it
// with an access token (faults never affect the token endpoint).
func startFaulty(t *testing.T, f Faults) (*Server, string) {
	t.Helper()
	s, err := Start(Options{Now: testNow, Faults: f, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, token(t, s.URL, "")
}

// rawGet is like get but returns transport and body errors instead of
// failing, using a client without keep-alive so that the transport does not
// silently retry a reset on a reused connection.
func rawGet(url, tok string) (status int, body []byte, err error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestFaultStatuses(t *testing.T) {
	for _, c := range []struct {
		f      Faults
		status int
		code   string
	}{
		{Faults{Rate503: 1}, 503, codeUnavailable},
		{Faults{Rate500: 1}, 500, codeInternal},
	} {
		s, tok := startFaulty(t, c.f)
		st, body, err := rawGet(s.URL+"/express/accounts", tok)
		if err != nil || st != c.status {
			t.Fatalf("%+v: %d %v", c.f, st, err)
		}
		if e := decodeError(t, body); e.Code != c.code {
			t.Errorf("%+v: body %s", c.f, body)
		}
		if got := s.Stats(); got.Faults != 1 || got.ByStatus[c.status] != 1 {
			t.Errorf("stats %+v", got)
		}
	}
}

func TestFaultReset(t *testing.T) {
	s, tok := startFaulty(t, Faults{RateReset: 1})
	_, _, err := rawGet(s.URL+"/express/accounts", tok)
	if err == nil {
		t.Fatal("expected a transport error")
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reset surfaced as %v, want ECONNRESET or EOF", err)
	}
	if got := s.Stats(); got.Faults != 1 || got.ByStatus[StatusConnectionReset] != 1 {
		t.Errorf("stats %+v", got)
	}
}

func TestFaultTruncate(t *testing.T) {
	s, tok := startFaulty(t, Faults{RateTruncate: 1})
	st, body, err := rawGet(s.URL+"/express/subscriptions?per_page=100", tok)
	if st != http.StatusOK {
		t.Fatalf("status %d (%v)", st, err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading the body: %v, want unexpected EOF", err)
	}
	if len(body) < 100 || json.Valid(body) {
		t.Errorf("got %d bytes, valid JSON = %v", len(body), json.Valid(body))
	}
	if got := s.Stats(); got.Faults != 1 {
		t.Errorf("stats %+v", got)
	}
}

// Without a hijackable connection (ResponseRecorder), resets and
// truncations degrade to 500.
func TestFaultDegradesWithoutHijack(t *testing.T) {
	for _, f := range []Faults{{RateReset: 1}, {RateTruncate: 1}} {
		s := New(Options{Now: testNow, Faults: f})
		ts := httptest.NewServer(s.Handler())
		tok := token(t, ts.URL, "")
		ts.Close()
		req := httptest.NewRequest(http.MethodGet, "/express/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusInternalServerError {
			t.Errorf("%+v: status %d", f, w.Code)
		}
	}
}

func TestFaultsDeterministicAndMixed(t *testing.T) {
	f := Faults{Rate503: 0.2, Rate500: 0.2, RateReset: 0.1, RateTruncate: 0.1, Seed: 42}
	sequence := func() []int {
		s, tok := startFaulty(t, f)
		var out []int
		for i := 0; i < 40; i++ {
			st, _, err := rawGet(s.URL+"/express/products", tok)
			if err != nil {
				st = -1
			}
			out = append(out, st)
		}
		return out
	}
	a, b := sequence(), sequence()
	counts := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("fault sequences differ at %d: %v vs %v", i, a, b)
		}
		counts[a[i]]++
	}
	if counts[200] == 0 || counts[503] == 0 || counts[500] == 0 || counts[-1] == 0 {
		t.Errorf("fault mix %v", counts)
	}
}
