package billing

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestZZDebug(t *testing.T) {
	f := newFakeAPI(t)
	f.pageSize = 10
	f.limiter = rate.NewLimiter(8, burstFromEnv())
	data := genUsage(900, 10)
	setRecords(f, endpointUsage.path, data)
	c := f.client(func(c *Config) { c.RequestsPerSecond = 25; c.MaxRetries = 20 })
	t0 := time.Now()
	h := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		th := f.throttled
		f.mu.Unlock()
		h.ServeHTTP(w, r)
		f.mu.Lock()
		if f.throttled != th {
			t.Logf("%6.3f 429", time.Since(t0).Seconds())
		}
		f.mu.Unlock()
	})
	done := make(chan struct{})
	go func() {
		last := 0.0
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if r := c.Stats().Rate; r != last {
				t.Logf("%6.3f rate %.2f", time.Since(t0).Seconds(), r)
				last = r
			}
		}
	}()
	_, err := c.Usage(context.Background(), Query{})
	close(done)
	t.Log(err, c.Stats())
}

func burstFromEnv() int {
	n, _ := strconv.Atoi(os.Getenv("SB"))
	return n
}
