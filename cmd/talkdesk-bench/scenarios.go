package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

type scenario struct {
	name string
	run  func() (result, error)
}

const providerRate = 25

func scenarios(quick bool) []scenario {
	// ~51,000 subscriptions = 205 pages of 250; ~100,800 usage rows = 404 pages.
	subsAccounts, usagePerMonth := 170, 42
	if quick {
		subsAccounts, usagePerMonth = 20, 5
	}
	large := sandbox.Options{Accounts: subsAccounts, SubscriptionsPerAccount: 300, InvoicesPerAccount: 1, UsageMonths: 1, UsagePerAccountMonth: 1}
	out := failureScenarios()
	for _, lat := range []time.Duration{50 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond} {
		opts := large
		opts.Latency = lat
		out = append(out, scenario{
			name: fmt.Sprintf("client: subscriptions, %dms latency", lat.Milliseconds()),
			run:  func() (result, error) { return clientRead(opts, providerRate, readSubscriptions) },
		})
	}
	usageOpts := sandbox.Options{Accounts: 100, UsageMonths: 24, UsagePerAccountMonth: usagePerMonth, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, Latency: 150 * time.Millisecond}
	out = append(out, scenario{
		name: "client: usage (no page counters), 150ms latency",
		run:  func() (result, error) { return clientRead(usageOpts, providerRate, readUsage) },
	})
	// A server granting less than the provider's setting: see pacingScenarios.
	five := sandbox.Options{Accounts: 60, SubscriptionsPerAccount: 250, InvoicesPerAccount: 24, UsageMonths: 24, UsagePerAccountMonth: 25, Latency: 100 * time.Millisecond}
	if quick {
		five = sandbox.Options{Accounts: 10, Latency: 100 * time.Millisecond}
	}
	out = append(out, scenario{
		name: "terraform: five data sources in one run, 100ms latency",
		run:  func() (result, error) { return terraformRun(five, fiveDataSources, countFive) },
	})
	out = append(out, usageEndToEndScenarios(quick)...)
	out = append(out, repeatedPlanScenarios(quick)...)
	out = append(out, usageMemoryScenarios(quick)...)
	out = append(out, fanOutScenarios(quick)...)
	out = append(out, pacingScenarios(quick)...)
	out = append(out, hostPaceScenarios(quick)...)
	return out
}

type reader func(context.Context, *billing.Client) (int, error)

func readSubscriptions(ctx context.Context, c *billing.Client) (int, error) {
	s, err := c.Subscriptions(ctx, billing.Query{})
	return len(s), err
}

func readUsage(ctx context.Context, c *billing.Client) (int, error) {
	u, err := c.Usage(ctx, billing.Query{})
	return u.Len(), err
}

// clientRead reads one collection with the billing client; the server
// sends Retry-After: 1 with its 429s.
func clientRead(opts sandbox.Options, rps float64, read reader) (result, error) {
	opts.RetryAfter = "1"
	return clientReadAs(opts, rps, read, nil)
}

// clientReadAs is clientRead with opts.RetryAfter as given; inspect, when
// set, adds to the row from the server's request log.
func clientReadAs(opts sandbox.Options, rps float64, read reader, inspect func(*sandbox.Server, *result)) (result, error) {
	srv, err := startSandbox(opts)
	if err != nil {
		return result{}, err
	}
	defer srv.Close()
	c, err := billing.New(billing.Config{
		APIBaseURL: srv.URL, TokenURL: srv.TokenURL,
		ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret,
		RequestsPerSecond: rps, MaxRetries: -1,
	})
	if err != nil {
		return result{}, err
	}
	data := srv.Data()
	start := time.Now()
	n, err := read(context.Background(), c)
	wall := time.Since(start)
	if err != nil {
		return result{}, err
	}
	want := len(data.Subscriptions)
	if isUsage(read) {
		want = len(data.Usage)
	}
	r := fromServer(srv, wall)
	r.rows, r.exact, r.limit = n, n == want, rps
	if !r.exact {
		r.note = fmt.Sprintf("want %d rows", want)
	} else if opts.RateLimit > 0 && opts.RateLimit < rps {
		// The least time the server's quota allows for these pages.
		quota := time.Duration(float64(r.pages) / opts.RateLimit * float64(time.Second))
		r.note = fmt.Sprintf("wall = %.2f x the %g req/s quota time (%.1fs)", wall.Seconds()/quota.Seconds(), opts.RateLimit, quota.Seconds())
	}
	if inspect != nil {
		inspect(srv, &r)
	}
	return r, nil
}

func isUsage(r reader) bool { return fmt.Sprintf("%p", r) == fmt.Sprintf("%p", reader(readUsage)) }

// fromServer fills the request figures from the sandbox's own log.
func fromServer(srv *sandbox.Server, wall time.Duration) result {
	st := srv.Stats()
	reqs := srv.Requests()
	r := result{requests: st.APIRequests, throttled: st.Status429, pages: st.ByStatus[200], wall: wall, tokenReqs: st.TokenRequests}
	if len(reqs) > 1 {
		r.span = reqs[len(reqs)-1].Time.Sub(reqs[0].Time)
	}
	return r
}

// quotaWindow counts every row's quota in one-second windows instead of
// a token bucket: the contract says only "25 requests per second", and an
// API may count that in windows, which answer a burst otherwise (a
// sliding window refuses everything until the burst is a second old).
var quotaWindow = flag.String("quota", "bucket", "how the sandbox counts its quota: bucket, sliding (at most the rate in any second) or fixed (in each whole second since its first request)")

// startSandbox starts a sandbox with opts, its quota counted as -quota
// says, in a bucket of -bucket requests when given.
func startSandbox(opts sandbox.Options) (*sandbox.Server, error) {
	switch *quotaWindow {
	case "bucket":
	case "sliding":
		opts.RateWindow = sandbox.SlidingWindow
	case "fixed":
		opts.RateWindow = sandbox.FixedWindow
	default:
		return nil, fmt.Errorf("-quota %q: want bucket, sliding or fixed", *quotaWindow)
	}
	if *quotaBucket > 0 {
		opts.RateBurst = *quotaBucket
	}
	return sandbox.Start(opts)
}
