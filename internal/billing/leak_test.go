package billing

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestCancelSlowConcurrentReadLeaksNothing cancels reads that are waiting
// on a slow API and checks that every call returns promptly with
// context.Canceled and that no goroutine of the client is left behind.
func TestCancelSlowConcurrentReadLeaksNothing(t *testing.T) {
	t.Run("first pages of concurrent reads", func(t *testing.T) {
		ignore := goleak.IgnoreCurrent()
		srv, err := sandbox.Start(sandbox.Options{
			Accounts: 30, SubscriptionsPerAccount: 40, RateLimit: -1, Latency: 2 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		cancelAndCheck(t, srv, nil, ignore)
	})
	t.Run("pages in flight after the first", func(t *testing.T) {
		ignore := goleak.IgnoreCurrent()
		firstServed := make(chan struct{})
		var once sync.Once
		var srv *sandbox.Server
		opts := sandbox.Options{
			Accounts: 30, SubscriptionsPerAccount: 40, RateLimit: -1,
			// Once a first page is served, every later request is slow,
			// so pages 2..n are in flight concurrently when we cancel.
			OnAPIRequest: func(_ string, q url.Values) {
				if q.Get("page") == "1" {
					once.Do(func() {
						srv.SetLatency(2 * time.Second)
						close(firstServed)
					})
				}
			},
		}
		srv, err := sandbox.Start(opts)
		if err != nil {
			t.Fatal(err)
		}
		cancelAndCheck(t, srv, firstServed, ignore)
	})
}

// cancelAndCheck starts four concurrent reads, cancels them 100ms after
// ready is closed (or after the start when ready is nil), and checks how
// they end and that no goroutine leaked.
func cancelAndCheck(t *testing.T, srv *sandbox.Server, ready <-chan struct{}, ignore goleak.Option) {
	t.Helper()
	hc := newTestHTTPClient(t)
	cfg := faultTestConfig(srv, hc)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reads := map[string]func(context.Context) error{
		"subscriptions": func(ctx context.Context) error { _, err := c.Subscriptions(ctx, Query{}); return err },
		"invoices":      func(ctx context.Context) error { _, err := c.InvoiceLines(ctx, Query{}); return err },
		"usage":         func(ctx context.Context) error { _, err := c.Usage(ctx, Query{}); return err },
		"accounts":      func(ctx context.Context) error { _, err := c.Accounts(ctx); return err },
	}
	type outcome struct {
		name string
		err  error
		at   time.Time
	}
	done := make(chan outcome, len(reads))
	for name, read := range reads {
		go func() {
			err := read(ctx)
			done <- outcome{name, err, time.Now()}
		}()
	}
	if ready != nil {
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			t.Fatal("no first page was served within 10s")
		}
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	cancelled := time.Now()
	deadline := time.After(5 * time.Second)
	for range reads {
		select {
		case o := <-done:
			if o.err == nil && o.at.Before(cancelled) {
				continue // finished before the cancel (a one-page collection)
			}
			if took := o.at.Sub(cancelled); took > 500*time.Millisecond {
				t.Errorf("%s returned %v after the cancel; want within 500ms", o.name, took)
			}
			if !errors.Is(o.err, context.Canceled) {
				t.Errorf("%s: error %v, want context.Canceled", o.name, o.err)
			}
		case <-deadline:
			t.Fatal("a read did not return within 5s of the cancel")
		}
	}
	// The sandbox records an abandoned request once its handler notices
	// the closed connection, a moment after the client gave up.
	for wait := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st := srv.Stats()
		if st.ByStatus[sandbox.StatusClientClosed] > 0 {
			break
		}
		if time.Now().After(wait) {
			t.Errorf("the sandbox saw no request abandoned by the client; the cancel did not hit requests in flight: %+v", st)
			break
		}
	}
	hc.CloseIdleConnections()
	srv.Close()
	goleak.VerifyNone(t, ignore)
}
