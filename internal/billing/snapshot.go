package billing

import (
	"context"
	"sync"
)

// snapshot holds the listings a Client has read, for the life of the
// Client: one provider process, so one Terraform operation (a validate,
// plan or apply). Each distinct listing — an endpoint and the filter sent
// to the server — is read at most once; callers that need a listing while
// it is being read wait for that read, and later callers share its
// records. A later operation starts a new process, so it reads afresh.
//
// A failed read is not remembered: the next caller reads again. The read
// runs on a context of its own, detached from the caller that started it,
// so that a caller whose context ends (its timeout, a cancelled plan)
// stops waiting at once without failing the read for the others; the read
// is cancelled only when no caller waits for it any more.
type snapshot struct {
	mu       sync.Mutex
	listings map[listingKey]*listing
}

// listingKey names one listing: an endpoint path and the filter
// expression sent to the server ("" for the whole collection).
type listingKey struct{ path, filter string }

// listing is one read of a listing, in flight or done.
type listing struct {
	done chan struct{}
	// records (a listed value) and err are set before done is closed.
	records any
	err     error
	// waiters counts the callers waiting for an unfinished read.
	waiters int
	cancel  context.CancelFunc
	// derived holds values computed once from records (indexes), by name.
	derived sync.Map
	// taps are told of a usage listing's rows as its pages arrive, and
	// sofar is what they were told last (tap.go).
	tapMu sync.Mutex
	taps  []RowsTap
	sofar *UsageRows
}

func (l *listing) finished() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// join returns the listing of key as one more waiter, starting its read
// with read when there is none (or only a failed or abandoned one).
func (s *snapshot) join(ctx context.Context, key listingKey, read func(context.Context, *listing) (any, error)) *listing {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.listings[key]; ok {
		l.waiters++
		return l
	}
	if s.listings == nil {
		s.listings = map[listingKey]*listing{}
	}
	// The read keeps the caller's values (its logger) but not its
	// deadline or cancellation: those belong to the caller, not the read.
	readCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &listing{done: make(chan struct{}), waiters: 1, cancel: cancel}
	s.listings[key] = l
	go func() {
		defer cancel()
		records, err := read(readCtx, l)
		l.forgetSofar() // records hold it now
		s.mu.Lock()
		l.records, l.err = records, err
		if err != nil && s.listings[key] == l {
			delete(s.listings, key) // failures are not cached
		}
		s.mu.Unlock()
		close(l.done)
	}()
	return l
}

// joinExisting is join for a listing that is already read or being read;
// nil when there is none.
func (s *snapshot) joinExisting(key listingKey) *listing {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[key]
	if !ok {
		return nil
	}
	l.waiters++
	return l
}

// wait waits, as a waiter of l, for its records or the end of ctx,
// whichever comes first.
func (s *snapshot) wait(ctx context.Context, key listingKey, l *listing) (any, error) {
	select {
	case <-l.done:
	case <-ctx.Done():
	}
	s.leave(key, l)
	if l.finished() {
		return l.records, l.err
	}
	return nil, contextErr(ctx, ctx.Err())
}

// leave drops a waiter of l. A read nobody waits for any more is
// cancelled and forgotten, so that a cancelled plan stops its requests
// and a later caller starts a read of its own.
func (s *snapshot) leave(key listingKey, l *listing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.waiters--
	if l.waiters == 0 && !l.finished() {
		l.cancel()
		if s.listings[key] == l {
			delete(s.listings, key)
		}
	}
}

// forget drops every listing held, so the next reads go to the API
// (tests that read a collection afresh on one Client).
func (s *snapshot) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listings = nil
}

// sharedListing returns the records of ep under the server filter, read
// at most once per Client. They are shared: callers must not modify them.
// A tap, if any, is told of a usage listing's rows while they are read.
func sharedListing[S listed](ctx context.Context, c *Client, ep endpoint, filter string, tap RowsTap) (S, *listing, error) {
	key := listingKey{ep.path, filter}
	l := c.snapshot.join(ctx, key, func(ctx context.Context, l *listing) (any, error) {
		return readCollection[S](ctx, c, ep, filter, l.told)
	})
	if tap != nil {
		l.tap(tap)
		defer l.untap(tap)
	}
	return awaitRecords[S](ctx, c, key, l)
}

// awaitRecords waits for l as one of its waiters and returns its records.
func awaitRecords[S listed](ctx context.Context, c *Client, key listingKey, l *listing) (S, *listing, error) {
	records, err := c.snapshot.wait(ctx, key, l)
	if err != nil {
		var none S
		return none, nil, err
	}
	items, _ := records.(S)
	return items, l, nil
}

// derived returns build(records) for a listing, computed once per
// listing however many callers ask (the lookups' indexes).
func derived[S listed, D any](l *listing, name string, records S, build func(S) D) D {
	f, _ := l.derived.LoadOrStore(name, sync.OnceValue(func() any { return build(records) }))
	v, _ := f.(func() any)().(D)
	return v
}
