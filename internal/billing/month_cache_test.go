package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMonthCalendar(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		month, now string
		closed     bool
	}{
		{"2026-10", "2026-10-31T23:59:59Z", false}, // its last day
		{"2026-10", "2026-11-01T00:00:00Z", false}, // the first of the next month
		{"2026-10", "2026-11-30T23:59:59Z", false},
		{"2026-10", "2026-12-01T00:00:00Z", true}, // the first of the month after
		{"2026-11", "2026-12-01T00:00:00Z", false},
		{"2026-12", "2027-02-01T00:00:00Z", true},
		{"2026-12", "2027-01-31T23:59:59Z", false},
		{"not-a-month", "2030-01-01T00:00:00Z", false},
	} {
		if got := monthClosed(c.month, at(c.now)); got != c.closed {
			t.Errorf("monthClosed(%s, %s) = %v, want %v", c.month, c.now, got, c.closed)
		}
	}
	now := at("2026-12-01T00:00:00Z")
	if got := lastClosedMonth(now); got != "2026-10" {
		t.Errorf("lastClosedMonth = %s, want 2026-10", got)
	}
	if got := openMonths(now); !slices.Equal(got, []string{"2026-11", "2026-12"}) {
		t.Errorf("openMonths = %v", got)
	}
	if got := openMonths(at("2027-01-15T10:00:00+05:00")); !slices.Equal(got, []string{"2026-12", "2027-01"}) {
		t.Errorf("openMonths in January = %v", got)
	}
}

// cacheFixture is a fake API serving usage of 2025-01..2026-12 and a
// clock the test moves.
type cacheFixture struct {
	f    *fakeAPI
	dir  string
	data []Usage
	mu   sync.Mutex
	now  time.Time
	// usageRequests are the filters of the usage requests received
	// ("" for an unfiltered page).
	usageRequests []string
}

// newCacheFixture serves usage of the months from 2025-01 to last (two
// rows per account and month), in the API's order (id descending).
func newCacheFixture(t *testing.T, now, last string) *cacheFixture {
	t.Helper()
	fx := &cacheFixture{f: newFakeAPI(t), dir: filepath.Join(t.TempDir(), "cache")}
	fx.setNow(now)
	fx.f.hook = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Path == endpointUsage.path {
			fx.mu.Lock()
			fx.usageRequests = append(fx.usageRequests, r.URL.Query().Get("filter"))
			fx.mu.Unlock()
		}
		return false
	}
	const accounts, perAccount = 5, 2
	first, _ := monthStart("2025-01")
	for i := 0; ; i++ {
		month := first.AddDate(0, i/(accounts*perAccount), 0).Format(monthLayout)
		if month > last {
			break
		}
		fx.data = append(fx.data, Usage{
			ID: hexID("77aa88bb", 100000-i), AccountID: Of(accountID(i % accounts)), ProductID: Of(fmt.Sprintf("TD-%d", i%3)),
			Month: Of(month), Currency: Of("USD"), Price: nullableNumber(i), TotalAmount: Of(Number(fmt.Sprintf("%d.10", i))),
			Direction: nullableString(i, "INBOUND"),
		})
	}
	setRecords(fx.f, endpointUsage.path, fx.data)
	var accts []Account
	for i := range accounts {
		accts = append(accts, Account{ID: accountID(i)})
	}
	setRecords(fx.f, endpointAccounts.path, accts)
	return fx
}

func (fx *cacheFixture) setNow(s string) {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	fx.mu.Lock()
	fx.now = v
	fx.mu.Unlock()
}

func (fx *cacheFixture) clock() time.Time {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return fx.now
}

// run is one provider process: a new Client on the cache directory.
func (fx *cacheFixture) run(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	return fx.f.client(func(c *Config) {
		c.CacheDir, c.Clock = fx.dir, fx.clock
		if mod != nil {
			mod(c)
		}
	})
}

// usage reads q on c and returns the rows and the filters of the usage
// requests it sent ("" for the whole listing).
func (fx *cacheFixture) usage(t *testing.T, c *Client, q Query) ([]Usage, []string) {
	t.Helper()
	fx.mu.Lock()
	before := len(fx.usageRequests)
	fx.mu.Unlock()
	rows, err := c.Usage(context.Background(), q)
	if err != nil {
		t.Fatalf("Usage(%+v): %v", q, err)
	}
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return rows.Records(), slices.Clone(fx.usageRequests[before:])
}

func (fx *cacheFixture) want(q Query) []Usage {
	return mergeSelected([]*UsageRows{UsageRowsOf(fx.data)}, q).Records()
}

func monthFilter(months ...string) string {
	terms := make([]string, len(months))
	for i, m := range months {
		terms[i] = Eq(FieldMonth, m)
	}
	return Or(terms...)
}

func TestMonthCacheColdThenWarm(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	cold, filters := fx.usage(t, fx.run(t, nil), Query{})
	if !reflect.DeepEqual(cold, fx.data) || !slices.Equal(filters, []string{""}) {
		t.Fatalf("cold read: %d rows (want %d), filters %q", len(cold), len(fx.data), filters)
	}
	c := fx.run(t, nil)
	warm, filters := fx.usage(t, c, Query{})
	if !reflect.DeepEqual(warm, fx.data) {
		t.Errorf("the warm read differs from the cold read (%d rows, %d)", len(warm), len(cold))
	}
	if want := []string{monthFilter("2026-11", "2026-12")}; !slices.Equal(filters, want) {
		t.Errorf("the warm read asked %q; want only the open months %q", filters, want)
	}
	// Narrower reads of the same run: from the cached read of all accounts
	// and the run's listing of the open months, without a usage request.
	for _, q := range []Query{
		{AccountIDs: []string{accountID(1), accountID(3)}},
		{Months: []string{"2025-03", "2025-04"}},
		{AccountIDs: []string{accountID(2)}, Months: []string{"2026-10", "2026-11", "2026-12"}},
	} {
		rows, filters := fx.usage(t, c, q)
		if !reflect.DeepEqual(rows, fx.want(q)) {
			t.Errorf("%+v: %d rows, want %d", q, len(rows), len(fx.want(q)))
		}
		if len(filters) > 0 {
			t.Errorf("%+v sent usage requests: %q", q, filters)
		}
	}
	if w := c.TakeWarnings(); len(w) > 0 {
		t.Errorf("warnings: %v", w)
	}
}

// A window of closed months alone costs no usage request on a warm cache,
// even as the first read of a run.
func TestMonthCacheClosedWindowAlone(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	fx.usage(t, fx.run(t, nil), Query{})
	q := Query{AccountIDs: []string{accountID(4)}, Months: []string{"2025-06", "2025-07"}}
	rows, filters := fx.usage(t, fx.run(t, nil), q)
	if !reflect.DeepEqual(rows, fx.want(q)) {
		t.Errorf("%d rows, want %d", len(rows), len(fx.want(q)))
	}
	if len(filters) > 0 {
		t.Errorf("a window of closed months sent usage requests: %q", filters)
	}
}

func TestMonthCacheBoundary(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-11-30T23:00:00Z", "2026-11") // the last day of 2026-11: 2026-10 is open
	fx.usage(t, fx.run(t, nil), Query{})
	if _, filters := fx.usage(t, fx.run(t, nil), Query{}); !slices.Equal(filters, []string{monthFilter("2026-10", "2026-11")}) {
		t.Errorf("on the last day of 2026-11 a warm read asked %q", filters)
	}
	// 2026-10 closed at 00:00 on 2026-12-01; the copy read before is not served.
	fx.setNow("2026-12-01T00:00:00Z")
	rows, filters := fx.usage(t, fx.run(t, nil), Query{})
	if !slices.Equal(filters, []string{monthFilter("2026-10", "2026-11", "2026-12")}) {
		t.Errorf("on the first of 2026-12 a warm read asked %q; 2026-10 was read before it closed", filters)
	}
	if !reflect.DeepEqual(rows, fx.data) {
		t.Error("the read differs from the API's data")
	}
	fx.setNow("2026-12-01T00:00:01Z")
	if _, filters := fx.usage(t, fx.run(t, nil), Query{}); !slices.Equal(filters, []string{monthFilter("2026-11", "2026-12")}) {
		t.Errorf("once 2026-10 was read after it closed, a warm read asked %q", filters)
	}
}

func TestMonthCacheMaxAge(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	fx.usage(t, fx.run(t, func(c *Config) { c.CacheMaxAge = 48 * time.Hour }), Query{})
	fx.setNow("2026-12-17T10:00:00Z") // exactly the max age
	if _, filters := fx.usage(t, fx.run(t, func(c *Config) { c.CacheMaxAge = 48 * time.Hour }), Query{}); len(filters) != 1 || !strings.Contains(filters[0], "month") {
		t.Errorf("within the max age a read asked %q", filters)
	}
	fx.setNow("2026-12-17T10:00:01Z")
	rows, filters := fx.usage(t, fx.run(t, func(c *Config) { c.CacheMaxAge = 48 * time.Hour }), Query{})
	if !slices.Equal(filters, []string{""}) || !reflect.DeepEqual(rows, fx.data) {
		t.Errorf("past the max age a read asked %q; want the whole listing again", filters)
	}
	fx.setNow("2026-12-18T10:00:00Z")
	if _, filters := fx.usage(t, fx.run(t, func(c *Config) { c.CacheMaxAge = 48 * time.Hour }), Query{}); !slices.Equal(filters, []string{monthFilter("2026-11", "2026-12")}) {
		t.Errorf("after the re-read a warm read asked %q", filters)
	}
}

func TestMonthCacheRefresh(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	fx.usage(t, fx.run(t, nil), Query{})
	// The API's data of a closed month changed (a correction): refresh.
	fx.data[len(fx.data)-1].TotalAmount = Of(Number("999.99"))
	setRecords(fx.f, endpointUsage.path, fx.data)
	rows, filters := fx.usage(t, fx.run(t, func(c *Config) { c.CacheRefresh = true }), Query{})
	if !slices.Equal(filters, []string{""}) || !reflect.DeepEqual(rows, fx.data) {
		t.Errorf("a refresh asked %q (want the whole listing) and returned the new data: %v", filters, reflect.DeepEqual(rows, fx.data))
	}
	rows, filters = fx.usage(t, fx.run(t, nil), Query{})
	if !slices.Equal(filters, []string{monthFilter("2026-11", "2026-12")}) || !reflect.DeepEqual(rows, fx.data) {
		t.Errorf("after a refresh a warm read asked %q; rows exact: %v", filters, reflect.DeepEqual(rows, fx.data))
	}
}

func TestMonthCacheGarbledEntry(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	fx.usage(t, fx.run(t, nil), Query{})
	files, _ := filepath.Glob(filepath.Join(fx.dir, "*month-2025-05.rows"))
	if len(files) != 1 {
		t.Fatalf("entry files of 2025-05: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)-3] ^= 0x55
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	c := fx.run(t, nil)
	rows, filters := fx.usage(t, c, Query{})
	if !reflect.DeepEqual(rows, fx.data) {
		t.Error("a garbled entry changed the result")
	}
	if !slices.Equal(filters, []string{monthFilter("2025-05", "2026-11", "2026-12")}) {
		t.Errorf("with 2025-05 garbled a read asked %q", filters)
	}
	w := c.TakeWarnings()
	if len(w) != 1 || !strings.Contains(w[0].Detail, files[0]) {
		t.Errorf("want one warning naming %s, got %v", files[0], w)
	}
	if _, filters := fx.usage(t, fx.run(t, nil), Query{}); !slices.Equal(filters, []string{monthFilter("2026-11", "2026-12")}) {
		t.Errorf("the run after asked %q: the entry was not rewritten", filters)
	}
}

func TestMonthCacheConcurrentWriters(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	var wg sync.WaitGroup
	results := make([][]Usage, 6)
	errs := make([]error, len(results))
	warnings := make([][]Warning, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := fx.run(t, nil)
			rows, err := c.Usage(context.Background(), Query{})
			results[i], errs[i] = rows.Records(), err
			warnings[i] = c.TakeWarnings()
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || !reflect.DeepEqual(results[i], fx.data) || len(warnings[i]) > 0 {
			t.Errorf("writer %d: err %v, exact %v, warnings %v", i, errs[i], reflect.DeepEqual(results[i], fx.data), warnings[i])
		}
	}
	c := fx.run(t, nil)
	rows, filters := fx.usage(t, c, Query{})
	if !reflect.DeepEqual(rows, fx.data) || !slices.Equal(filters, []string{monthFilter("2026-11", "2026-12")}) || len(c.TakeWarnings()) > 0 {
		t.Errorf("after concurrent writers a warm read asked %q", filters)
	}
	leftovers, _ := filepath.Glob(filepath.Join(fx.dir, ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestMonthCacheFilesAndSecrets(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	c := fx.run(t, nil)
	fx.usage(t, c, Query{})
	fi, err := os.Stat(fx.dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir: %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(fx.dir)
	if len(entries) < 20 {
		t.Fatalf("%d files in the cache", len(entries))
	}
	token, err := c.tokens.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", e.Name(), info.Mode())
		}
		b, _ := os.ReadFile(filepath.Join(fx.dir, e.Name()))
		for _, secret := range []string{fx.f.clientSecret, token} {
			if strings.Contains(string(b), secret) || strings.Contains(e.Name(), secret) {
				t.Errorf("%s holds a secret", e.Name())
			}
		}
	}
}

func TestMonthCacheUnsafeDir(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cfg := f.config()
	cfg.CacheDir = dir
	_, err := New(cfg)
	var refused *CacheDirError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("New with a world-writable cache dir: %v", err)
	}
	// A directory that cannot be created: a warning, and reads from the API.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.CacheDir = filepath.Join(blocker, "cache")
	c, err := New(cfg)
	if err != nil || c.cache != nil || len(c.TakeWarnings()) != 1 {
		t.Errorf("New with a cache dir that cannot be created: %v", err)
	}
}

// An organization that cannot be named without a secret is not cached.
func TestMonthCacheNeedsOrganization(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	c, err := New(Config{APIBaseURL: f.srv.URL, AccessToken: "tok", CacheDir: t.TempDir()})
	if err != nil || c.cache != nil {
		t.Fatalf("New: %v, cache %v", err, c.cache != nil)
	}
	if w := c.TakeWarnings(); len(w) != 1 || !strings.Contains(w[0].Detail, "account_name") {
		t.Errorf("warnings: %v", w)
	}
}

// A cache that cannot be written (here its directory became a file, which
// stops root too): one warning, and the read succeeds from the API.
func TestMonthCacheUnwritable(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	c := fx.run(t, nil)
	if err := os.RemoveAll(fx.dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rows, _ := fx.usage(t, c, Query{})
	if w := c.TakeWarnings(); !reflect.DeepEqual(rows, fx.data) || len(w) != 1 {
		t.Errorf("an unwritable cache must give one warning and the API's rows; got %d warnings", len(w))
	}
}

// Without the accounts listing (here the API refuses it), a read of a few
// accounts is the API's own answer for them, not a failure.
func TestMonthCacheNarrowReadWithoutAccounts(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	fx.usage(t, fx.run(t, nil), Query{})
	fx.f.mu.Lock()
	delete(fx.f.data, endpointAccounts.path) // 404
	fx.f.mu.Unlock()
	q := Query{AccountIDs: []string{accountID(2)}, Months: []string{"2025-03", "2026-12"}}
	rows, filters := fx.usage(t, fx.run(t, nil), q)
	if !reflect.DeepEqual(rows, fx.want(q)) || len(filters) == 0 || !strings.Contains(filters[0], accountID(2)) {
		t.Errorf("%d rows (want %d), usage requests %q", len(rows), len(fx.want(q)), filters)
	}
}

// A read of accounts not under the organization, answered from the cache,
// fails as the API's 403 does, naming them.
func TestMonthCacheForeignAccount(t *testing.T) {
	t.Parallel()
	fx := newCacheFixture(t, "2026-12-15T10:00:00Z", "2026-12")
	fx.usage(t, fx.run(t, nil), Query{})
	foreign := hexID("deadbeef", 1)
	_, err := fx.run(t, nil).Usage(context.Background(), Query{AccountIDs: []string{accountID(1), foreign}, Months: []string{"2025-03"}})
	var api *APIError
	if !errors.As(err, &api) || !slices.Equal(api.ForeignAccountIDs, []string{foreign}) {
		t.Errorf("Usage with a foreign account: %v", err)
	}
}
