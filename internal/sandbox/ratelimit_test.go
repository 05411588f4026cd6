package sandbox

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestRateScheduleDue walks a schedule with synthetic arrival times: steps
// are timed from the first API request and applied once each, the latest
// due step winning when several fell due between two requests.
func TestRateScheduleDue(t *testing.T) {
	rs := rateSchedule{steps: []RateStep{{After: time.Second, Rate: 8}, {After: 2 * time.Second, Rate: 9}, {After: 5 * time.Second, Rate: 25}}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []struct {
		at   time.Duration
		rate float64
		ok   bool
	}{
		{0, 0, false},
		{999 * time.Millisecond, 0, false},
		{time.Second, 8, true},
		{1500 * time.Millisecond, 0, false},
		{4 * time.Second, 9, true},
		{6 * time.Second, 25, true},
		{7 * time.Second, 0, false},
	}
	for _, w := range want {
		step, ok := rs.due(t0.Add(w.at))
		if ok != w.ok || step.Rate != w.rate {
			t.Errorf("at %v: step %+v applied %v, want rate %v applied %v", w.at, step, ok, w.rate, w.ok)
		}
	}
}

// TestRateScheduleServes: a step due at the first request replaces the
// configured limit for the requests that follow.
func TestRateScheduleServes(t *testing.T) {
	s, ts := newTestServer(t, Options{RateLimit: -1, RateSchedule: []RateStep{{After: time.Hour, Rate: -1}, {After: 0, Rate: 1, Burst: 2}}})
	if statuses := accountsStatuses(t, ts.URL, 3); !slices.Equal(statuses, []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests}) {
		t.Errorf("statuses %v, want 200 200 429 under the scheduled 1 req/s, burst 2", statuses)
	}
	if st := s.Stats(); st.Status429 != 1 {
		t.Errorf("Status429 = %d, want 1", st.Status429)
	}
}

// accountsStatuses gets the accounts n times in a row with one token and
// returns the statuses.
func accountsStatuses(t *testing.T, url string, n int) []int {
	t.Helper()
	tok := token(t, url, "")
	var statuses []int
	for range n {
		st, _, _ := get(t, url+"/express/accounts", tok)
		statuses = append(statuses, st)
	}
	return statuses
}
