package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/rowstore"
)

// DefaultCacheMaxAge is how long a closed month read from the API is
// served from the cache before it is read again.
const DefaultCacheMaxAge = 720 * time.Hour

// monthCache is the lower layer of the usage snapshot: closed months
// (final, see calendar.go) are served from files of a rowstore, and only
// what the files lack — the open months, and any closed month missing,
// unusable or older than maxAge — is read from the API, in one listing
// filtered by month that every usage read of the run shares. A listing
// is joined from both before any data source sees it.
//
// The cache is kept per scope: the listing of all the organization's
// accounts, or of one set of accounts (a read by account_ids). A narrower
// read is served from the scope of all accounts whenever that scope can
// answer it without the API for closed months, so that every block of a
// configuration shares one listing of the open months.
type monthCache struct {
	store   *rowstore.Store
	org     string // Organization.Key(): no secret
	maxAge  time.Duration
	refresh bool
	clock   func() time.Time
	// now is the clock when the Client was made: which months are open is
	// decided once per run, so every read of the run agrees.
	now    time.Time
	scopes sync.Map // scope key -> *cacheScope
	warn   func(key, summary, detail string)
	log    func(ctx context.Context, msg string, fields map[string]any)
}

// cacheScope is the cache of one account filter, loaded from disk once
// per run.
type cacheScope struct {
	key      string
	accounts []string // nil: every account
	once     sync.Once
	// history says which closed months the scope's entries cover: valid
	// only when histOK.
	hist      history
	histOK    bool
	histStamp time.Time
	mu        sync.Mutex
	// months memoizes the month entries looked up in this run (ok false:
	// not usable), so every read of the run sees the same answer.
	months map[string]cachedMonth
	// whole is the joined listing of all history once a read built it:
	// later blocks of the run share it rather than join it again.
	whole usageRows
}

type cachedMonth struct {
	rows usageRows
	ok   bool
}

// history is the manifest of a scope: at its stamp, every month up to
// and including Through was read, and Months are those that had rows (the
// others had none). It is what lets a read of all history skip the API
// for every closed month.
type history struct {
	Through string   `json:"through"`
	Months  []string `json:"months"`
}

// newMonthCache opens dir for org. An unsafe directory is an error; a
// directory that cannot be created gives a warning and no cache.
func newMonthCache(cfg Config, org Organization, warn func(key, summary, detail string), log func(context.Context, string, map[string]any)) (*monthCache, error) {
	store, err := rowstore.Open(cfg.CacheDir)
	var unsafe *rowstore.UnsafeDirError
	if errors.As(err, &unsafe) {
		return nil, &CacheDirError{Dir: cfg.CacheDir, Err: err}
	}
	if err != nil {
		warn("cache-open", "The cache of closed usage months is off for this run",
			fmt.Sprintf("cache_dir %s cannot be used (%v); every month is read from the API.", cfg.CacheDir, err))
		return nil, nil //nolint:nilnil // no cache, and no error: reads go to the API
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	maxAge := cfg.CacheMaxAge
	if maxAge <= 0 {
		maxAge = DefaultCacheMaxAge
	}
	return &monthCache{store: store, org: org.Key(), maxAge: maxAge, refresh: cfg.CacheRefresh,
		clock: clock, now: clock().UTC(), warn: warn, log: log}, nil
}

// CacheDirError refuses a cache directory that is not safe for billing
// data (writable by others, or another user's).
type CacheDirError struct {
	Dir string
	Err error
}

func (e *CacheDirError) Error() string { return e.Err.Error() }
func (e *CacheDirError) Unwrap() error { return e.Err }

// scope returns the cache of the account filter accounts (nil: all).
func (mc *monthCache) scope(accounts []string) *cacheScope {
	key := "all"
	var ids []string
	if accounts != nil {
		ids = slices.Sorted(slices.Values(uniqueStrings(accounts)))
		h := sha256.Sum256([]byte(strings.Join(ids, "\n")))
		key = "accounts-" + hex.EncodeToString(h[:12])
	}
	s, _ := mc.scopes.LoadOrStore(key, &cacheScope{key: key, accounts: ids, months: map[string]cachedMonth{}})
	return s.(*cacheScope) //nolint:forcetypeassert // only *cacheScope is stored
}

func (mc *monthCache) entryKey(s *cacheScope, name string) []string {
	return []string{mc.org, endpointUsage.collection, s.key, name}
}

// fresh reports whether data read at stamp is still served at now for a
// month that closed at closed.
func (mc *monthCache) fresh(stamp, closed time.Time) bool {
	return !stamp.Before(closed) && mc.now.Sub(stamp) <= mc.maxAge
}

// get reads one entry; a fault is a warning naming the file, and no entry.
func (mc *monthCache) get(key []string) (time.Time, []byte, bool) {
	stamp, data, err := mc.store.Get(key)
	var corrupt *rowstore.CorruptError
	switch {
	case errors.As(err, &corrupt):
		mc.warnCorrupt(corrupt.Path, corrupt.Reason)
		return time.Time{}, nil, false
	case err != nil:
		return time.Time{}, nil, false
	}
	return stamp, data, true
}

func (mc *monthCache) warnCorrupt(path, reason string) {
	mc.warn(path, "Ignored an unusable file of the usage cache",
		fmt.Sprintf("%s: %s. Its months are read from the API and the file is written again.", path, reason))
}

// load reads the scope's history and the entries it lists, once per run.
func (mc *monthCache) load(s *cacheScope) {
	s.once.Do(func() {
		if mc.refresh {
			return // every month is read from the API and written again
		}
		key := mc.entryKey(s, "history")
		stamp, data, ok := mc.get(key)
		if !ok {
			return
		}
		var h history
		if err := json.Unmarshal(data, &h); err != nil || !validHistory(h) {
			path, _ := mc.store.Path(key)
			mc.warnCorrupt(path, "not a history of cached months")
			return
		}
		// Every month of a history was read after it closed (only closed
		// months are written); its stamp is the oldest of those reads.
		if mc.now.Sub(stamp) > mc.maxAge || h.Through > lastClosedMonth(mc.now) {
			return
		}
		s.hist, s.histOK, s.histStamp = h, true, stamp
		for _, m := range h.Months {
			mc.month(s, m)
		}
	})
}

func validHistory(h history) bool {
	if _, ok := monthStart(h.Through); !ok {
		return false
	}
	for i, m := range h.Months {
		if _, ok := monthStart(m); !ok || m > h.Through || i > 0 && m <= h.Months[i-1] {
			return false
		}
	}
	return true
}

// month returns the cached rows of closed month m, read from disk once
// per run; ok is false when the cache cannot serve it.
func (mc *monthCache) month(s *cacheScope, m string) (usageRows, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, seen := s.months[m]; seen {
		return e.rows, e.ok
	}
	e := mc.readMonth(s, m)
	s.months[m] = e
	return e.rows, e.ok
}

func (mc *monthCache) readMonth(s *cacheScope, m string) cachedMonth {
	closed, ok := monthClose(m)
	if !ok || mc.refresh || closed.After(mc.now) {
		return cachedMonth{}
	}
	if s.histOK && m <= s.hist.Through && !slices.Contains(s.hist.Months, m) {
		return cachedMonth{rows: noRows(), ok: true} // read, and empty
	}
	key := mc.entryKey(s, "month-"+m)
	stamp, data, found := mc.get(key)
	if !found || !mc.fresh(stamp, closed) {
		return cachedMonth{}
	}
	rows, err := decodeMonthRows(data)
	if err != nil {
		path, _ := mc.store.Path(key)
		mc.warnCorrupt(path, err.Error())
		return cachedMonth{}
	}
	return cachedMonth{rows: rows, ok: true}
}

// covers reports whether the scope answers every closed month of months
// (nil: all history) without the API.
func (mc *monthCache) covers(s *cacheScope, months []string) bool {
	mc.load(s)
	if months == nil {
		return s.histOK && len(mc.missing(s)) == 0
	}
	for _, m := range months {
		if monthClosed(m, mc.now) {
			if _, ok := mc.month(s, m); !ok {
				return false
			}
		}
	}
	return true
}

// missing are the closed months a valid history lists or has not reached
// yet whose entries cannot be served.
func (mc *monthCache) missing(s *cacheScope) []string {
	var out []string
	for _, m := range s.hist.Months {
		if _, ok := mc.month(s, m); !ok {
			out = append(out, m)
		}
	}
	last := lastClosedMonth(mc.now)
	for m := nextMonth(s.hist.Through); m <= last; m = nextMonth(m) {
		out = append(out, m)
	}
	return out
}

// read returns the scope's rows of months (nil: all history), closed
// months from disk and the rest from the API, joined.
func (mc *monthCache) read(ctx context.Context, c *Client, s *cacheScope, months []string) (usageRows, error) {
	mc.load(s)
	if months == nil && !s.histOK {
		return mc.readWhole(ctx, c, s)
	}
	need := months
	if need == nil {
		need = slices.Concat(s.hist.Months, mc.missing(s))
	}
	var parts []usageRows
	var fromAPI []string
	for _, m := range need {
		if monthClosed(m, mc.now) {
			if rows, ok := mc.month(s, m); ok {
				parts = append(parts, rows)
				continue
			}
		}
		fromAPI = append(fromAPI, m)
	}
	if months == nil || len(fromAPI) > 0 {
		rows, err := mc.readMonths(ctx, c, s, mc.apiMonths(s, fromAPI))
		if err != nil {
			return nil, err
		}
		parts = append(parts, rows)
	}
	if months != nil {
		return joinRows(parts), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.whole == nil {
		s.whole = joinRows(parts)
	}
	return s.whole, nil
}

// apiMonths is the listing of months read from the API for a read that
// lacks fromAPI: always the open months, and with a valid history every
// month it lacks, so that every read of the run asks the API the same
// question and shares one listing.
func (mc *monthCache) apiMonths(s *cacheScope, fromAPI []string) []string {
	months := slices.Concat(openMonths(mc.now), fromAPI)
	if s.histOK {
		months = append(months, mc.missing(s)...)
	}
	slices.Sort(months)
	return slices.Compact(months)
}

// readMonths reads months of the scope from the API, once per run, and
// writes the closed ones to disk.
func (mc *monthCache) readMonths(ctx context.Context, c *Client, s *cacheScope, months []string) (usageRows, error) {
	key := listingKey{endpointUsage.path, "month-cache " + s.key + " " + strings.Join(months, ",")}
	l := c.snapshot.join(ctx, key, func(ctx context.Context, _ *listing) (any, error) {
		stamp := mc.clock().UTC()
		rows, err := list[usageRows](ctx, c, endpointUsage, Query{AccountIDs: s.accounts, Months: months})
		if err == nil {
			mc.writeMonths(ctx, s, months, rows, stamp)
		}
		return rows, err
	})
	rows, _, err := awaitRecords[usageRows](ctx, c, key, l)
	return rows, err
}

// readWhole reads the scope's whole listing from the API, once per run,
// and writes every closed month and the history.
func (mc *monthCache) readWhole(ctx context.Context, c *Client, s *cacheScope) (usageRows, error) {
	key := listingKey{endpointUsage.path, "month-cache " + s.key + " whole"}
	l := c.snapshot.join(ctx, key, func(ctx context.Context, _ *listing) (any, error) {
		stamp := mc.clock().UTC()
		rows, err := list[usageRows](ctx, c, endpointUsage, Query{AccountIDs: s.accounts})
		if err == nil {
			mc.writeWhole(ctx, s, rows, stamp)
		}
		return rows, err
	})
	rows, _, err := awaitRecords[usageRows](ctx, c, key, l)
	return rows, err
}

// writeMonths writes the closed months among months (read at stamp),
// empty ones included, and extends a valid history to them.
func (mc *monthCache) writeMonths(ctx context.Context, s *cacheScope, months []string, rows usageRows, stamp time.Time) {
	byMonth := monthIndex(rows)
	last := lastClosedMonth(stamp)
	written := map[string]bool{}
	for _, m := range months {
		if m > last {
			continue
		}
		if !mc.put(ctx, mc.entryKey(s, "month-"+m), stamp, rowsAt(rows, byMonth[m])) {
			return
		}
		written[m] = true
	}
	if !s.histOK || len(written) == 0 {
		return
	}
	h := history{Through: s.hist.Through}
	for _, m := range s.hist.Months {
		if !written[m] {
			h.Months = append(h.Months, m)
		}
	}
	for m := nextMonth(h.Through); written[m]; m = nextMonth(m) {
		h.Through = m
	}
	for m := range written {
		if m <= h.Through && len(byMonth[m]) > 0 {
			h.Months = append(h.Months, m)
		}
	}
	slices.Sort(h.Months)
	// The months the history does not list were seen empty at its
	// stamp: the extended history keeps that stamp.
	mc.putHistory(ctx, s, h, s.histStamp)
}

// writeWhole writes every closed month of a whole listing read at stamp,
// then the history that names them.
func (mc *monthCache) writeWhole(ctx context.Context, s *cacheScope, rows usageRows, stamp time.Time) {
	byMonth := monthIndex(rows)
	h := history{Through: lastClosedMonth(stamp)}
	complete := true
	for m, idx := range byMonth {
		if _, ok := monthStart(m); !ok {
			// A row without a month is never read by month: no history
			// may claim to cover the listing without it.
			complete = false
			continue
		}
		if m > h.Through {
			continue
		}
		if !mc.put(ctx, mc.entryKey(s, "month-"+m), stamp, rowsAt(rows, idx)) {
			return
		}
		h.Months = append(h.Months, m)
	}
	slices.Sort(h.Months)
	if complete {
		mc.putHistory(ctx, s, h, stamp)
	}
}

func (mc *monthCache) putHistory(ctx context.Context, s *cacheScope, h history, stamp time.Time) {
	data, err := json.Marshal(h)
	if err == nil {
		mc.putData(ctx, mc.entryKey(s, "history"), stamp, data)
	}
}

// put writes one month's rows; false (with one warning per run) when the
// cache cannot be written.
func (mc *monthCache) put(ctx context.Context, key []string, stamp time.Time, rows usageRows) bool {
	data, err := encodeMonthRows(rows)
	if err != nil {
		mc.warn("cache-write", "Could not write the cache of closed usage months", err.Error())
		return false
	}
	return mc.putData(ctx, key, stamp, data)
}

func (mc *monthCache) putData(ctx context.Context, key []string, stamp time.Time, data []byte) bool {
	if err := mc.store.Put(key, stamp, data); err != nil {
		mc.warn("cache-write", "Could not write the cache of closed usage months",
			fmt.Sprintf("%v. The usage was read from the API; the cache in %s is not updated in this run.", err, mc.store.Dir()))
		return false
	}
	mc.log(ctx, "wrote a cached usage entry", map[string]any{"entry": strings.Join(key[1:], "_")})
	return true
}

// cachedUsage is Client.Usage with the cache on.
func (c *Client) cachedUsage(ctx context.Context, q Query) (usageRows, error) {
	mc := c.cache
	all := mc.scope(nil)
	if len(q.AccountIDs) == 0 {
		rows, err := mc.read(ctx, c, all, q.Months)
		if err != nil {
			return nil, err
		}
		return selectRows(rows, q), nil
	}
	if mc.covers(all, q.Months) {
		// Narrower from wider, as the API would answer: its 403 for
		// accounts not under the organization comes from the accounts
		// listing. Without that listing (a failure, a scope left out) the
		// read falls back to the API's own answer for these accounts.
		foreign, err := c.foreignAccounts(ctx, q.AccountIDs)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, err
		case err == nil && len(foreign) > 0:
			return nil, c.foreignAccountsError(endpointUsage, foreign)
		case err == nil:
			rows, err := mc.read(ctx, c, all, q.Months)
			if err != nil {
				return nil, err
			}
			return selectRows(rows, q), nil
		}
	}
	rows, err := mc.read(ctx, c, mc.scope(q.AccountIDs), q.Months)
	if err != nil {
		return nil, err
	}
	return selectRows(rows, q), nil
}

// openCache turns the cache on when cfg names a directory and the
// organization can be named without a secret.
func (c *Client) openCache(cfg Config) error {
	if cfg.CacheDir == "" {
		return nil
	}
	org, ok := cfg.Organization()
	if !ok {
		c.warnings.add("cache-org", "The cache of closed usage months is off",
			"cache_dir is set, but with a ready access_token and neither client_id nor account_name the organization cannot be named without a secret, so nothing is cached. Set account_name (or use client credentials) to turn the cache on.")
		return nil
	}
	debug := func(ctx context.Context, msg string, fields map[string]any) {
		if cfg.Logger != nil {
			cfg.Logger.Debug(ctx, msg, fields)
		}
	}
	mc, err := newMonthCache(cfg, org, c.warnings.add, debug)
	if err != nil {
		return err
	}
	c.cache = mc
	return nil
}
