package billing

import (
	"context"
	"slices"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestLimiterPace measures the client's pace from the server's arrival
// times: no 1-second window holds more than rps+burst requests, and the
// sustained rate is close to rps.
// It runs alone (not parallel) so that no other test's load skews the
// arrival times.
func TestLimiterPace(t *testing.T) {
	const rps, pages = 20, 60
	burst := max(1, int(rps/5))
	f := newFakeAPI(t)
	f.pageSize = 5
	data := genAccounts(pages * 5)
	setRecords(f, endpointAccounts.path, data)
	got, err := f.client(func(c *Config) { c.RequestsPerSecond = rps }).Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	at := f.arrivalTimes()
	if len(at) != pages {
		t.Fatalf("server saw %d requests, want %d", len(at), pages)
	}
	// Arrival order may differ from send order by a hair; sort.
	slicesSortTimes(at)
	worst := 0
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		worst = max(worst, n)
	}
	if worst > rps+burst {
		t.Errorf("%d requests arrived within one second, want at most %d", worst, rps+burst)
	}
	span := at[len(at)-1].Sub(at[0]).Seconds()
	// A token bucket admits at most burst + rps*span requests in span.
	if sustained := float64(len(at)-burst) / span; sustained > rps*1.05 {
		t.Errorf("sustained rate %.2f req/s over %.2fs, want <= %.2f", sustained, span, rps*1.05)
	}
	if overall := float64(len(at)) / span; overall < rps*0.8 {
		t.Errorf("overall rate %.2f req/s, want >= %.2f (the limiter is far too slow)", overall, rps*0.8)
	}
}

// TestAdaptivePacing: the server grants 8 req/s (a token bucket with a
// burst of 2, 429 beyond), the client starts at 25. The client must slow
// down so that 429s stay a small share, and still return exact data.
// (While 429s keep coming less than a second apart the pace must keep
// dropping; a client stuck at its first decrease, 12.5 req/s, gets ~40%
// 429s here.)
func TestAdaptivePacing(t *testing.T) {
	t.Parallel()
	const granted, ceiling = 8, 25
	f := newFakeAPI(t)
	f.pageSize = 10
	f.limiter = rate.NewLimiter(granted, 2)
	data := genUsage(900, 10) // 90 pages
	setRecords(f, endpointUsage.path, data)
	c := f.client(func(c *Config) { c.RequestsPerSecond = ceiling; c.MaxRetries = 20 })
	got, err := c.Usage(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	st := c.Stats()
	f.mu.Lock()
	total, throttled := f.apiRequests, f.throttled
	f.mu.Unlock()
	share := float64(throttled) / float64(total)
	t.Logf("%d requests, %d throttled (%.0f%%), client rate now %.2f, stats %+v", total, throttled, share*100, st.Rate, st)
	if st.Rate >= ceiling {
		t.Errorf("client rate %.2f, want below %d after 429s", st.Rate, ceiling)
	}
	if share > 0.25 {
		t.Errorf("%.0f%% of requests were throttled, want well below 50%% (at most 25%%)", share*100)
	}
	if st.Throttled != int64(throttled) {
		t.Errorf("Stats().Throttled = %d, server answered %d 429s", st.Throttled, throttled)
	}
}

func slicesSortTimes(ts []time.Time) {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}
