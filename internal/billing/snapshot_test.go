package billing

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// gate holds the fake API's requests until it is opened.
type gate struct {
	open    chan struct{}
	arrived chan struct{} // one value per request that reached the gate
}

func newGate(f *fakeAPI) *gate {
	g := &gate{open: make(chan struct{}), arrived: make(chan struct{}, 1000)}
	f.hook = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		g.arrived <- struct{}{}
		select {
		case <-g.open:
		case <-r.Context().Done():
		}
		return false
	}
	return g
}

// waiters is how many callers wait for the listing of key.
func waiters(c *Client, key listingKey) int {
	c.snapshot.mu.Lock()
	defer c.snapshot.mu.Unlock()
	if l, ok := c.snapshot.listings[key]; ok {
		return l.waiters
	}
	return 0
}

func waitForWaiters(t *testing.T, c *Client, key listingKey, n int) {
	t.Helper()
	for range 10000 {
		if waiters(c, key) == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d waiters on %v, want %d", waiters(c, key), key, n)
}

// TestSnapshotConcurrentCallersShareOneRead: callers of one listing,
// concurrent or later, cause exactly one set of page requests and share
// the records.
func TestSnapshotConcurrentCallersShareOneRead(t *testing.T) {
	f := newFakeAPI(t)
	data := genSubscriptions(1000, 20) // 4 pages of 250
	setRecords(f, endpointSubscriptions.path, data)
	g := newGate(f)
	c := f.client(nil)
	results := make([][]Subscription, 20)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			got, err := c.Subscriptions(context.Background(), Query{})
			if err != nil {
				t.Error(err)
			}
			results[i] = got
		})
	}
	waitForWaiters(t, c, listingKey{endpointSubscriptions.path, ""}, len(results))
	close(g.open)
	wg.Wait()
	later, err := c.Subscriptions(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range slices.Concat(results, [][]Subscription{later}) {
		checkExact(t, got, data)
		if len(got) > 0 && &got[0] != &later[0] {
			t.Error("a caller got a copy of the records, not the shared listing")
		}
	}
	checkPageRequests(t, f, 4)
}

// TestSnapshotFailedReadIsNotCached: the caller after a failed read reads
// again, and its success is then shared.
func TestSnapshotFailedReadIsNotCached(t *testing.T) {
	f := newFakeAPI(t)
	data := genAccounts(300) // 2 pages
	setRecords(f, endpointAccounts.path, data)
	var failing atomic.Bool
	failing.Store(true)
	f.hook = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		if failing.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "1503", "message": "Unavailable"})
			return true
		}
		return false
	}
	c := f.client(func(cfg *Config) { cfg.MaxRetries = 0 })
	if _, err := c.Accounts(context.Background()); err == nil {
		t.Fatal("the first read succeeded against a failing API")
	}
	failing.Store(false)
	for range 2 {
		got, err := c.Accounts(context.Background())
		if err != nil {
			t.Fatalf("the read after a failed one: %v", err)
		}
		checkExact(t, got, data)
	}
	if api, _ := f.stats(); api != 1+2 {
		t.Errorf("server saw %d API requests, want 1 failed + 2 pages", api)
	}
}

// TestSnapshotWaiterCancelLeavesReadRunning: a caller whose context ends
// while it waits returns at once with its own error; the read goes on for
// the callers still waiting, once.
func TestSnapshotWaiterCancelLeavesReadRunning(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // after the server's cleanup
	f := newFakeAPI(t)
	data := genUsage(600, 10) // 3 pages
	setRecords(f, endpointUsage.path, data)
	g := newGate(f)
	c := f.client(nil)
	key := listingKey{endpointUsage.path, ""}

	starter, cancelStarter := context.WithCancel(context.Background())
	starterDone := make(chan error, 1)
	go func() {
		_, err := c.Usage(starter, Query{})
		starterDone <- err
	}()
	<-g.arrived // the read is under way, started by the first caller
	otherDone := make(chan []Usage, 1)
	go func() {
		got, err := usageRecords(c.Usage(context.Background(), Query{}))
		if err != nil {
			t.Error(err)
		}
		otherDone <- got
	}()
	waitForWaiters(t, c, key, 2)

	cancelStarter()
	// The gate is still closed: the first caller returns without the read.
	if err := <-starterDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller returned %v, want context.Canceled", err)
	}
	close(g.open)
	checkExact(t, <-otherDone, data)
	checkPageRequests(t, f, 3)
}

// TestSnapshotAbandonedReadStops: when the last waiter leaves, the read is
// cancelled and forgotten; the next caller starts a new one.
func TestSnapshotAbandonedReadStops(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // after the server's cleanup
	f := newFakeAPI(t)
	data := genProducts(20)
	setRecords(f, endpointProducts.path, data)
	g := newGate(f)
	c := f.client(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Products(ctx)
		done <- err
	}()
	<-g.arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := waiters(c, listingKey{endpointProducts.path, ""}); n != 0 {
		t.Fatalf("an abandoned read is still listed with %d waiters", n)
	}
	close(g.open)
	got, err := c.Products(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	c.http.CloseIdleConnections()
}

// TestSnapshotFilteredFromWholeListing: once the whole collection is held,
// reads the server would filter are answered from it, exactly as the
// server answers them, 403 included, with no request for the collection.
func TestSnapshotFilteredFromWholeListing(t *testing.T) {
	f := newFakeAPI(t)
	f.orgOnly = true
	setRecords(f, endpointAccounts.path, genAccounts(12))
	setRecords(f, endpointSubscriptions.path, genSubscriptions(700, 12))
	setRecords(f, endpointUsage.path, genUsage(1200, 12))
	c := f.client(nil)
	ctx := context.Background()
	for _, read := range []func() error{
		func() error { _, err := c.Accounts(ctx); return err },
		func() error { _, err := c.Subscriptions(ctx, Query{}); return err },
		func() error { _, err := c.Usage(ctx, Query{}); return err },
	} {
		if err := read(); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := f.stats()

	server := f.client(nil) // a fresh client: every answer from the server
	foreign := "ffffffffffffffffffffffff"
	subQueries := []Query{
		{AccountIDs: []string{accountID(3)}},
		{AccountIDs: []string{accountID(0), accountID(11), accountID(3), accountID(0)}},
		{AccountIDs: []string{accountID(1), foreign}},
	}
	for _, q := range subQueries {
		got, gotErr := c.Subscriptions(ctx, q)
		want, wantErr := server.Subscriptions(ctx, q)
		compareAnswers(t, q, got, want, gotErr, wantErr)
	}
	usageQueries := []Query{
		{Months: []string{"2024-03", "2024-04"}},
		{AccountIDs: []string{accountID(5)}, Months: []string{"2024-12"}},
		{AccountIDs: []string{foreign}, Months: []string{"2024-01"}},
	}
	for _, q := range usageQueries {
		got, gotErr := usageRecords(c.Usage(ctx, q))
		want, wantErr := usageRecords(server.Usage(ctx, q))
		compareAnswers(t, q, got, want, gotErr, wantErr)
	}
	after, _ := f.stats()
	serverReads := len(subQueries) + len(usageQueries)
	if got := after - before; got > serverReads+3 {
		// The fresh client's reads: one page each, plus its account
		// listing for the 403s. The snapshot's answers cost nothing.
		t.Errorf("%d requests after the whole listings were held, want at most %d (the server's answers only)", got, serverReads+3)
	}
}

func compareAnswers[T record](t *testing.T, q Query, got, want []T, gotErr, wantErr error) {
	t.Helper()
	var gotAPI, wantAPI *APIError
	switch {
	case wantErr == nil && gotErr == nil:
		checkExact(t, got, want)
	case errors.As(wantErr, &wantAPI) && errors.As(gotErr, &gotAPI):
		if gotAPI.StatusCode != wantAPI.StatusCode || gotAPI.Kind != wantAPI.Kind || !slices.Equal(gotAPI.ForeignAccountIDs, wantAPI.ForeignAccountIDs) {
			t.Errorf("%+v: got %d (kind %v) naming %v, the server answers %d (kind %v) naming %v", q,
				gotAPI.StatusCode, gotAPI.Kind, gotAPI.ForeignAccountIDs, wantAPI.StatusCode, wantAPI.Kind, wantAPI.ForeignAccountIDs)
		}
	default:
		t.Errorf("%+v: got error %v, the server answers %v", q, gotErr, wantErr)
	}
}

// TestSnapshotFilteredWaitsForWholeListingInFlight: a filtered read that
// comes while the whole collection is being read waits for that read
// rather than sending its own.
func TestSnapshotFilteredWaitsForWholeListingInFlight(t *testing.T) {
	f := newFakeAPI(t)
	data := genInvoiceLines(900, 9) // 4 pages
	setRecords(f, endpointInvoices.path, data)
	setRecords(f, endpointAccounts.path, genAccounts(9)) // 1 page, to tell foreign ids
	g := newGate(f)
	c := f.client(nil)
	whole := make(chan []InvoiceLine, 1)
	go func() {
		got, err := c.InvoiceLines(context.Background(), Query{})
		if err != nil {
			t.Error(err)
		}
		whole <- got
	}()
	<-g.arrived
	filtered := make(chan []InvoiceLine, 1)
	go func() {
		got, err := c.InvoiceLines(context.Background(), Query{AccountIDs: []string{accountID(2)}})
		if err != nil {
			t.Error(err)
		}
		filtered <- got
	}()
	waitForWaiters(t, c, listingKey{endpointInvoices.path, ""}, 2)
	close(g.open)
	checkExact(t, <-whole, data)
	var want []InvoiceLine
	for _, l := range data {
		if l.AccountID.Value == accountID(2) {
			want = append(want, l)
		}
	}
	checkExact(t, <-filtered, want)
	checkPageRequests(t, f, 4+1)
}

// TestSnapshotIndexesBuiltOncePerListing: every lookup of a run shares one
// index of the listing.
func TestSnapshotIndexesBuiltOncePerListing(t *testing.T) {
	f := newFakeAPI(t)
	accounts := genAccounts(40)
	setRecords(f, endpointAccounts.path, accounts)
	setRecords(f, endpointInvoices.path, genInvoiceLines(30, 40))
	c := f.client(nil)
	ctx := context.Background()
	x1, err := c.AccountIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	x2, err := c.AccountIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if x1 != x2 {
		t.Error("a second lookup built a second account index")
	}
	for _, want := range accounts {
		byID, ok1 := x1.ByID(want.ID)
		byName, ok2 := x1.ByName(want.Name.Value)
		if !ok1 || !ok2 || byID.ID != want.ID || byName.ID != want.ID {
			t.Errorf("account %s: by id %v, by name %v", want.ID, byID, byName)
		}
	}
	if _, ok := x1.ByName("no-such-account"); ok {
		t.Error("an unknown name was found")
	}
	inv, err := c.InvoiceIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := inv.Lines("INV00000004"); len(got) != 3 {
		t.Errorf("invoice INV00000004 has %d lines, want 3", len(got))
	}
	if inv.Len() != 10 {
		t.Errorf("%d invoices indexed, want 10", inv.Len())
	}
	checkPageRequests(t, f, 2)
}
