package billing

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// checkExact fails unless got equals want element by element (order kept).
// It may be called from any goroutine.
func checkExact[T record](t *testing.T, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d records, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for i := range got {
		id := recordID(&got[i])
		if seen[id] {
			t.Errorf("record %s returned twice", id)
		}
		seen[id] = true
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
			return
		}
	}
}

func TestEveryEndpointReadsAllPages(t *testing.T) {
	t.Parallel()
	const n = 1234 // 5 pages of 250
	none := func(*fakeAPI) {}
	checkEndpoint(t, "accounts", endpointAccounts, genAccounts(n), none,
		func(ctx context.Context, c *Client) ([]Account, error) { return c.Accounts(ctx) })
	checkEndpoint(t, "products", endpointProducts, genProducts(n), none,
		func(ctx context.Context, c *Client) ([]Product, error) { return c.Products(ctx) })
	checkEndpoint(t, "subscriptions", endpointSubscriptions, genSubscriptions(n, 40), none,
		func(ctx context.Context, c *Client) ([]Subscription, error) { return c.Subscriptions(ctx, Query{}) })
	checkEndpoint(t, "invoices", endpointInvoices, genInvoiceLines(n, 40), none,
		func(ctx context.Context, c *Client) ([]InvoiceLine, error) { return c.InvoiceLines(ctx, Query{}) })
	usage := genUsage(n, 40)
	readUsage := func(ctx context.Context, c *Client) ([]Usage, error) { return usageRecords(c.Usage(ctx, Query{})) }
	checkEndpoint(t, "usage following next links", endpointUsage, usage, func(f *fakeAPI) {
		f.noCounters[endpointUsage.path] = true
		f.noLast, f.opaqueLinks, f.showLink = true, true, true
	}, readUsage)
	checkEndpoint(t, "usage without counters", endpointUsage, usage, func(f *fakeAPI) {
		f.noCounters[endpointUsage.path] = true
		f.showLink = true
	}, readUsage)
}

// checkEndpoint serves data on ep (after setup tunes the fake) and checks
// that read returns exactly data, requesting each of its 5 pages once.
func checkEndpoint[T record](t *testing.T, name string, ep endpoint, data []T, setup func(*fakeAPI), read func(context.Context, *Client) ([]T, error)) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		setup(f)
		setRecords(f, ep.path, data)
		got, err := read(context.Background(), f.client(nil))
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, got, data)
		checkPageRequests(t, f, 5)
	})
}

// checkPageRequests checks that every page was requested exactly once.
func checkPageRequests(t *testing.T, f *fakeAPI, pages int) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.apiRequests != pages || f.pagesServed != pages {
		t.Errorf("server got %d requests and served %d pages, want %d each", f.apiRequests, f.pagesServed, pages)
	}
}

func TestEmptyCollection(t *testing.T) {
	for _, counters := range []bool{true, false} {
		f := newFakeAPI(t)
		f.noCounters[endpointUsage.path] = !counters
		setRecords(f, endpointUsage.path, []Usage{})
		got, err := usageRecords(f.client(nil).Usage(context.Background(), Query{}))
		if err != nil || len(got) != 0 {
			t.Errorf("counters=%v: got %d records, %v; want none", counters, len(got), err)
		}
	}
}

// TestConcurrentPagingMatchesLinkFollowing reads the same data with page
// counters, without counters but with a last link, without either (the
// client requests pages speculatively), and with opaque next links (the
// client must follow them one by one): every read is exactly the data.
func TestConcurrentPagingMatchesLinkFollowing(t *testing.T) {
	t.Parallel()
	data := genAccounts(997)
	const pages = 20
	modes := []struct {
		name                         string
		counters, noLast, opaque     bool
		wantConcurrent, wantExactReq bool
	}{
		{name: "counters", counters: true, wantConcurrent: true, wantExactReq: true},
		{name: "last link", wantConcurrent: true, wantExactReq: true},
		{name: "speculative", noLast: true, wantConcurrent: true},
		{name: "opaque next links", noLast: true, opaque: true, wantExactReq: true},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.pageSize = 50 // 20 pages, whatever per_page the client asks for
			f.latency = 2 * time.Millisecond
			f.noCounters[endpointAccounts.path] = !m.counters
			f.noLast, f.opaqueLinks = m.noLast, m.opaque
			setRecords(f, endpointAccounts.path, data)
			c := f.client(nil)
			got, err := c.Accounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, got, data)
			if m.wantExactReq {
				checkPageRequests(t, f, pages)
			} else {
				f.mu.Lock()
				// Speculation may overshoot the end by at most one window.
				if n := f.apiRequests; n < pages || n > pages+2*c.pageWorkers {
					t.Errorf("speculative read sent %d requests for %d pages", n, pages)
				}
				f.mu.Unlock()
			}
			if m.wantConcurrent && f.max < 2 {
				t.Errorf("at most %d request was in flight; want pages fetched concurrently", f.max)
			}
			if !m.wantConcurrent && f.max != 1 {
				t.Errorf("following opaque next links had %d requests in flight, want 1", f.max)
			}
		})
	}
}

// TestCollectionChangedDuringRead inserts a record before page 3 is
// served: once (the client must re-read and return the new collection) or
// on every read (the client must give up with CollectionChangedError).
func TestCollectionChangedDuringRead(t *testing.T) {
	t.Parallel()
	for _, counters := range []bool{true, false} {
		for _, always := range []bool{false, true} {
			name := "counters=" + strconv.FormatBool(counters) + "/always=" + strconv.FormatBool(always)
			t.Run(name, func(t *testing.T) {
				f := newFakeAPI(t)
				f.pageSize = 10
				f.noCounters[endpointUsage.path] = !counters
				data := genUsage(45, 5)
				setRecords(f, endpointUsage.path, data)
				extra := 0
				f.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
					if r.URL.Query().Get("page") != "3" {
						return false
					}
					f.mu.Lock()
					defer f.mu.Unlock()
					if always || extra == 0 {
						extra++
						// A new record at the front shifts every page by one.
						insertLocked(f, endpointUsage.path, 0, Usage{ID: "new-" + strconv.Itoa(extra), Month: Of("2024-01")})
					}
					return false
				}
				got, err := usageRecords(f.client(nil).Usage(context.Background(), Query{}))
				if always {
					var cc *CollectionChangedError
					if !errors.As(err, &cc) {
						t.Fatalf("got %v (%d records), want a CollectionChangedError", err, len(got))
					}
					if cc.Reads != maxConsistentReads || cc.Path != endpointUsage.path {
						t.Errorf("error %+v, want %d reads of %s", cc, maxConsistentReads, endpointUsage.path)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := append([]Usage{{ID: "new-1", Month: Of("2024-01")}}, data...)
				checkExact(t, got, want)
			})
		}
	}
}

// TestSmallerPagesWhenPerPageRefused: per_page up to 250 is documented for
// usage only; an endpoint refusing it is read with smaller pages, exactly,
// and later reads of that endpoint start at the accepted size.
func TestSmallerPagesWhenPerPageRefused(t *testing.T) {
	data := genAccounts(530)
	f := newFakeAPI(t)
	f.maxPerPage = 100
	setRecords(f, endpointAccounts.path, data)
	c := f.client(nil)
	for read := 1; read <= 2; read++ {
		c.snapshot.forget()
		f.mu.Lock()
		f.apiRequests, f.pagesServed = 0, 0
		f.mu.Unlock()
		got, err := c.Accounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, got, data)
		f.mu.Lock()
		refused := f.apiRequests - f.pagesServed
		f.mu.Unlock()
		if want := map[int]int{1: 1, 2: 0}[read]; refused != want {
			t.Errorf("read %d: %d requests refused, want %d", read, refused, want)
		}
		checkPageRequestsServed(t, f, 6) // 530 records in pages of 100
	}

	// An endpoint refusing even the smallest size fails with the API's error.
	f.maxPerPage = 10
	_, err := f.client(nil).Accounts(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusBadRequest {
		t.Errorf("got %v, want the 400", err)
	}
}

// checkPageRequestsServed checks how many pages were served.
func checkPageRequestsServed(t *testing.T, f *fakeAPI, pages int) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pagesServed != pages {
		t.Errorf("served %d pages, want %d", f.pagesServed, pages)
	}
}
