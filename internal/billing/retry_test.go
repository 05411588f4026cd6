package billing

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// failFirst answers the first `times` API requests with fail, then lets
// the server answer normally.
func failFirst(times int, fail func(w http.ResponseWriter, r *http.Request)) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > times {
			return false
		}
		fail(w, r)
		return true
	}
}

func status(code int, retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeJSON(w, code, map[string]string{"code": "9999", "message": http.StatusText(code)})
	}
}

// truncated writes half of a page document with a clean end of body.
func truncated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"count": 2, "page": 1, "per_page": 250, "total": 2, "total_pages": 1, "_embedded": {"accounts": [{"id": "a`))
}

// cutOff declares the full length, writes part of it and drops the connection.
func cutOff(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "400")
	_, _ = w.Write([]byte(`{"count": 2, "page": 1, "per_page": 250, "_embedded": {"accounts": [`))
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

// reset closes the connection without an answer.
func reset(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

func TestRetriesTransientFailures(t *testing.T) {
	cases := []struct {
		name  string
		fail  func(http.ResponseWriter, *http.Request)
		times int
		// minGap is the least time between the failure and the retry.
		minGap    time.Duration
		throttled int64
	}{
		{"429 with Retry-After seconds", status(429, "0.03"), 1, 30 * time.Millisecond, 1},
		{"429 with Retry-After date", status(429, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), 1, 50 * time.Millisecond, 1},
		{"429 without Retry-After", status(429, ""), 2, 0, 2},
		{"503", status(503, ""), 1, 0, 0},
		{"503 with Retry-After", status(503, "0.03"), 1, 30 * time.Millisecond, 0},
		{"500", status(500, ""), 1, 0, 0},
		{"502", status(502, ""), 1, 0, 0},
		{"504", status(504, ""), 3, 0, 0},
		{"truncated 200 body", truncated, 1, 0, 0},
		{"body cut off mid-response", cutOff, 1, 0, 0},
		// net/http itself retries a GET once on a reused connection that
		// closes without an answer, so reset twice to reach the client's retry.
		{"connection reset", reset, 2, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t)
			data := genAccounts(3)
			setRecords(f, endpointAccounts.path, data)
			f.hook = failFirst(tc.times, tc.fail)
			c := f.client(nil)
			got, err := c.Accounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, got, data)
			api, tokens := f.stats()
			if api < tc.times+1 || tokens != 1 {
				t.Errorf("server saw %d API and %d token requests, want %d and 1", api, tokens, tc.times+1)
			}
			st := c.Stats()
			wantRetries := int64(tc.times)
			if tc.name == "connection reset" {
				wantRetries = 1
			}
			if st.Retries < wantRetries || st.Throttled != tc.throttled {
				t.Errorf("stats %+v, want %d retries and %d throttled", st, wantRetries, tc.throttled)
			}
			if tc.minGap > 0 {
				at := f.arrivalTimes()
				if gap := at[1].Sub(at[0]); gap < tc.minGap {
					t.Errorf("retried after %v, before the %v Retry-After", gap, tc.minGap)
				}
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	for _, code := range []int{429, 500, 502, 503, 504} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t)
			setRecords(f, endpointAccounts.path, genAccounts(3))
			f.hook = failFirst(1<<30, status(code, "0.001"))
			const maxRetries = 3
			c := f.client(func(c *Config) { c.MaxRetries = maxRetries })
			_, err := c.Accounts(context.Background())
			var re *RetriesExhaustedError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a RetriesExhaustedError", err)
			}
			if re.Attempts != maxRetries+1 {
				t.Errorf("Attempts = %d, want %d", re.Attempts, maxRetries+1)
			}
			var api *APIError
			if !errors.As(re.Last, &api) || api.StatusCode != code {
				t.Fatalf("Last = %#v, want an APIError with status %d", re.Last, code)
			}
			if re.RateLimited() != (code == 429) || strings.Contains(err.Error(), "rate limited") != (code == 429) {
				t.Errorf("RateLimited() = %v, message %q", re.RateLimited(), err)
			}
			if n, _ := f.stats(); n != maxRetries+1 {
				t.Errorf("server saw %d requests, want %d", n, maxRetries+1)
			}
		})
	}
}

func TestNoRetriesWhenDisabled(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	f.hook = failFirst(1, status(503, ""))
	_, err := f.client(func(c *Config) { c.MaxRetries = 0 }).Accounts(context.Background())
	var re *RetriesExhaustedError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Fatalf("got %v, want RetriesExhaustedError after 1 attempt", err)
	}
}

func TestPersistentDecodeErrorIsExhausted(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	f.hook = failFirst(1<<30, truncated)
	_, err := f.client(func(c *Config) { c.MaxRetries = 2 }).Accounts(context.Background())
	var de *DecodeError
	var re *RetriesExhaustedError
	if !errors.As(err, &re) || re.Attempts != 3 || !errors.As(err, &de) {
		t.Fatalf("got %v, want RetriesExhaustedError after 3 attempts wrapping a DecodeError", err)
	}
}

// TestCancelDuringBackoff cancels while the client waits out a 20 s
// Retry-After: it must return promptly with context.Canceled.
func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	answered := make(chan struct{})
	f.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		status(429, "20")(w, r)
		if n == 1 {
			close(answered)
		}
		return true
	}
	c := f.client(func(c *Config) {
		c.RetryPolicy = &RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 30 * time.Second}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		_, err := c.Accounts(ctx)
		done <- result{err, time.Now()}
	}()
	select {
	case <-answered:
	case r := <-done:
		t.Fatalf("returned before the 429: %v", r.err)
	}
	time.Sleep(20 * time.Millisecond) // let the client enter its backoff
	cancelled := time.Now()
	cancel()
	r := <-done
	if took := r.at.Sub(cancelled); took > 100*time.Millisecond {
		t.Errorf("returned %v after the cancel, want < 100ms", took)
	}
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", r.err)
	}
	if n, _ := f.stats(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// TestCancelWhileWaitingForLimiter cancels a read queued behind a slow pace.
func TestCancelWhileWaitingForLimiter(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.pageSize = 1
	setRecords(f, endpointAccounts.path, genAccounts(10))
	c := f.client(func(c *Config) { c.RequestsPerSecond = 1 })
	ctx, cancel := context.WithCancel(context.Background())
	// Timed from the cancellation, not the start: when the pace is shared
	// with the host, a turn is sent at a random point of its interval, so
	// when the second request goes out varies by up to a second.
	var cancelled atomic.Int64
	f.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 2 {
			cancelled.Store(time.Now().UnixNano())
			cancel()
		}
		return false
	}
	_, err := c.Accounts(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	// The next turn is a second away at 1 req/s: a wait that ignored the
	// context would take about that long.
	if took := time.Since(time.Unix(0, cancelled.Load())); took > 500*time.Millisecond {
		t.Errorf("returned %v after the cancellation; the limiter wait did not end with the context", took)
	}
}

// TestSlowAnswerRetried: an attempt slower than RequestTimeout is
// abandoned and retried.
func TestSlowAnswerRetried(t *testing.T) {
	f := newFakeAPI(t)
	data := genAccounts(3)
	setRecords(f, endpointAccounts.path, data)
	f.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}
		return false
	}
	got, err := f.client(func(c *Config) { c.RequestTimeout = 50 * time.Millisecond }).Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	if n, _ := f.stats(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

// TestDeadlineDuringBackoff: a context deadline ending during a long
// Retry-After ends the read with context.DeadlineExceeded.
func TestDeadlineDuringBackoff(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	f.hook = failFirst(1<<30, status(503, "20"))
	c := f.client(func(c *Config) {
		c.RetryPolicy = &RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 30 * time.Second}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Accounts(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("returned after %v", took)
	}
}
