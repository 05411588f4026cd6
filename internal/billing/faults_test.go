package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// faultMix is the fault mix of the reliability bar: 8% 503, 2% connection
// resets, 2% truncated 200 bodies and 1% 500, all at once.
func faultMix(seed int64) sandbox.Faults {
	return sandbox.Faults{Rate503: .08, RateReset: .02, RateTruncate: .02, Rate500: .01, Seed: seed}
}

// faultTestConfig is the client configuration of the fault test: a retry
// budget of 8 with fast backoffs.
func faultTestConfig(srv *sandbox.Server, hc *http.Client) Config {
	return Config{
		APIBaseURL: srv.URL, TokenURL: srv.TokenURL,
		ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret,
		MaxRetries:        8,
		RetryPolicy:       &RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond},
		RequestsPerSecond: 1000,
		HTTPClient:        hc,
	}
}

// newTestHTTPClient is a transport of the test's own, so that its idle
// connections can be closed before goroutines are checked.
func newTestHTTPClient(t testing.TB) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr}
	t.Cleanup(hc.CloseIdleConnections)
	return hc
}

var gaveUpRE = regexp.MustCompile(`gave up after \d+ attempts`)

// TestFaultsClientExact reads all five endpoints 20 times against the
// sandbox injecting the full fault mix; every run must return exactly the
// fault-free data (or fail saying it gave up after N attempts, which the
// bar does not allow at these settings either).
func TestFaultsClientExact(t *testing.T) {
	runs := 20
	if testing.Short() {
		runs = 5
	}
	exact, failed := 0, 0
	totalFaults, totalRequests := 0, 0
	var (
		lastData sandbox.Dataset
		want     *wantObjects
	)
	for i := 1; i <= runs; i++ {
		srv, err := sandbox.Start(sandbox.Options{
			Accounts: 30, SubscriptionsPerAccount: 40, UsagePerAccountMonth: 6,
			RateLimit: -1, Faults: faultMix(int64(i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		// Every run serves the same data set (same data seed); its JSON
		// form is computed again only if it differs.
		if data := srv.Data(); want == nil || !reflect.DeepEqual(data, lastData) {
			lastData, want = data, newWantObjects(t, data)
		}
		hc := newTestHTTPClient(t)
		c, err := New(faultTestConfig(srv, hc))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		runErr := readAllAndCompare(ctx, t, c, want, i)
		cancel()
		st := srv.Stats()
		totalFaults += st.Faults
		totalRequests += st.APIRequests
		hc.CloseIdleConnections()
		srv.Close()
		if runErr == nil {
			exact++
			continue
		}
		failed++
		var ex *RetriesExhaustedError
		if !errors.As(runErr, &ex) || !gaveUpRE.MatchString(runErr.Error()) {
			t.Errorf("run %d: the read failed with an error that does not say it gave up after N attempts: %v", i, runErr)
			continue
		}
		t.Logf("run %d: gave up (allowed kind of failure, but the bar wants none): %v", i, runErr)
	}
	t.Logf("%d runs: %d exact, %d gave up; %d faults injected in %d API requests", runs, exact, failed, totalFaults, totalRequests)
	if totalFaults == 0 {
		t.Error("the sandbox injected no fault: the test proves nothing")
	}
	if exact != runs {
		t.Errorf("%d of %d runs were exact; every run must be exact at MaxRetries 8", exact, runs)
	}
}

// readAllAndCompare reads the five endpoints and compares them with want.
// A read error is returned; a mismatch fails the test (different data is
// never acceptable).
func readAllAndCompare(ctx context.Context, t *testing.T, c *Client, want *wantObjects, run int) error {
	t.Helper()
	accounts, err := c.Accounts(ctx)
	if err != nil {
		return err
	}
	compareRecords(t, run, "accounts", accounts, want.accounts)
	products, err := c.Products(ctx)
	if err != nil {
		return err
	}
	compareRecords(t, run, "products", products, want.products)
	subs, err := c.Subscriptions(ctx, Query{})
	if err != nil {
		return err
	}
	compareRecords(t, run, "subscriptions", subs, want.subscriptions)
	lines, err := c.InvoiceLines(ctx, Query{})
	if err != nil {
		return err
	}
	compareRecords(t, run, "invoices", lines, want.invoices)
	usage, err := usageRecords(c.Usage(ctx, Query{}))
	if err != nil {
		return err
	}
	compareRecords(t, run, "usage", usage, want.usage)
	return nil
}

// compareRecords checks that got holds exactly the records of want, in
// the same order, field by field through their JSON encodings (numbers
// compared as exact rationals).
func compareRecords[G any](t *testing.T, run int, name string, got []G, w []map[string]any) {
	t.Helper()
	g := toJSONObjects(t, got)
	if len(g) != len(w) {
		t.Errorf("run %d: %s: got %d records, want %d", run, name, len(g), len(w))
		return
	}
	if len(w) == 0 {
		t.Errorf("run %d: %s: the sandbox data set is empty; the test needs records", run, name)
	}
	mismatches := 0
	for i := range w {
		gid, wid := g[i]["id"], w[i]["id"]
		if gid != wid {
			t.Errorf("run %d: %s[%d]: id %v, want %v", run, name, i, gid, wid)
			mismatches++
		} else if !reflect.DeepEqual(g[i], w[i]) {
			t.Errorf("run %d: %s[%d] (id %v) differs:\n got  %v\n want %v", run, name, i, wid, g[i], w[i])
			mismatches++
		}
		if mismatches >= 5 {
			t.Errorf("run %d: %s: stopping after %d mismatches", run, name, mismatches)
			return
		}
	}
}

// wantObjects is the sandbox data set as normalised JSON objects.
type wantObjects struct {
	accounts, products, subscriptions, invoices, usage []map[string]any
}

func newWantObjects(t *testing.T, d sandbox.Dataset) *wantObjects {
	return &wantObjects{
		accounts: toJSONObjects(t, d.Accounts), products: toJSONObjects(t, d.Products),
		subscriptions: toJSONObjects(t, d.Subscriptions), invoices: toJSONObjects(t, d.Invoices),
		usage: toJSONObjects(t, d.Usage),
	}
}

// toJSONObjects encodes each record and decodes it as a JSON object whose
// numbers are normalised to exact rationals.
func toJSONObjects[T any](t *testing.T, items []T) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(items))
	for i := range items {
		b, err := json.Marshal(items[i])
		if err != nil {
			t.Fatalf("encoding %T: %v", items[i], err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("decoding %s: %v", b, err)
		}
		for k, v := range m {
			m[k] = normalizeJSON(t, v)
		}
		out[i] = m
	}
	return out
}

// normalizeJSON turns every json.Number into "num:<exact rational>" so
// that 5, 5.0 and 5e0 compare equal while 0.1 and 0.10000000000000001 do
// not.
func normalizeJSON(t *testing.T, v any) any {
	switch x := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			t.Fatalf("%q is not a number", x)
		}
		return "num:" + r.RatString()
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(t, e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(t, e)
		}
	}
	return v
}

// TestRateLimitStormEndsInError: when the API answers 429 to everything
// after the first request, the read ends with a rate-limited
// RetriesExhaustedError after the retry budget, in bounded time.
func TestRateLimitStormEndsInError(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{
		Accounts: 30, SubscriptionsPerAccount: 40,
		RateLimit: 0.001, RateBurst: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hc := newTestHTTPClient(t)
	cfg := faultTestConfig(srv, hc)
	cfg.MaxRetries = 3
	cfg.RetryPolicy = &RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	subs, err := c.Subscriptions(ctx, Query{})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("the read succeeded (%d records) under a 429 storm", len(subs))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the read hung until the test's deadline (%v): %v", elapsed, err)
	}
	var ex *RetriesExhaustedError
	if !errors.As(err, &ex) {
		t.Fatalf("error %T is not a RetriesExhaustedError: %v", err, err)
	}
	if !ex.RateLimited() {
		t.Errorf("RateLimited() is false: %v", err)
	}
	if ex.Attempts != cfg.MaxRetries+1 {
		t.Errorf("gave up after %d attempts, want %d (1 + MaxRetries)", ex.Attempts, cfg.MaxRetries+1)
	}
	msg := err.Error()
	for _, want := range []string{"gave up after 4 attempts", "rate limited", "429"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if elapsed > 10*time.Second {
		t.Errorf("the storm took %v to end; want well under 10s", elapsed)
	}
	st := srv.Stats()
	if st.Status429 == 0 {
		t.Errorf("the sandbox sent no 429: %+v", st)
	}
	t.Logf("storm ended after %v: %d API requests, %d answered 429: %v", elapsed, st.APIRequests, st.Status429, fmt.Sprint(err))
}
