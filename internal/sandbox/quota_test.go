package sandbox

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestWindowsCountOneSecond walks both windows with synthetic arrival
// times, 3 requests a second: a burst that fills a sliding window is
// refused until its first request is a second old, while a fixed window
// opens again at the next second of its clock, however recent the burst.
func TestWindowsCountOneSecond(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		w    Window
		want []bool
	}{
		// at 0, 600, 700, 800, 1000, 1100, 1650, 1700
		{SlidingWindow, []bool{true, true, true, false, true, false, true, true}},
		{FixedWindow, []bool{true, true, true, false, true, true, true, false}},
	} {
		q := newQuota(tc.w, 3, 0)
		for i, at := range []int{0, 600, 700, 800, 1000, 1100, 1650, 1700} {
			if got := q.allow(ms(at)); got != tc.want[i] {
				t.Errorf("window %d: request at %d ms allowed %v, want %v", tc.w, at, got, tc.want[i])
			}
		}
	}
	if _, ok := newQuota(SlidingWindow, rate.Inf, 1).(bucket); !ok {
		t.Error("an unlimited quota is not counted in windows")
	}
}

// TestSlidingWindowServes: the server refuses the request over the
// window's count with 429, as it does under a bucket.
func TestSlidingWindowServes(t *testing.T) {
	_, ts := newTestServer(t, Options{RateLimit: 2, RateBurst: 10, RateWindow: SlidingWindow})
	if statuses := accountsStatuses(t, ts.URL, 3); !slices.Equal(statuses, []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests}) {
		t.Errorf("statuses %v, want 200 200 429 under 2 requests in any second (the burst of 10 unused)", statuses)
	}
}
