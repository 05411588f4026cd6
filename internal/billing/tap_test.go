package billing

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// recordingTap keeps every set of rows it is told.
type recordingTap struct {
	mu   sync.Mutex
	told []*UsageRows
}

func (r *recordingTap) Rows(sofar *UsageRows) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.told = append(r.told, sofar)
}

func (r *recordingTap) calls() []*UsageRows {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*UsageRows(nil), r.told...)
}

// TestTapToldRowsAsPagesArrive: a tap is told the rows joined so far
// while the pages arrive, before the last one, each set extending the
// one before; the rows Usage returns extend the last set told, which
// holds them all.
func TestTapToldRowsAsPagesArrive(t *testing.T) {
	f := newFakeAPI(t)
	f.pageSize = 10
	data := genUsage(95, 5)
	setRecords(f, endpointUsage.path, data)
	tap := &recordingTap{}
	f.hook = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("page") == "10" {
			// The last page waits (a while) until the rows before it were
			// told.
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) && (len(tap.calls()) == 0 || tap.calls()[len(tap.calls())-1].Len() < 90) {
				time.Sleep(time.Millisecond)
			}
		}
		return false
	}
	rows, err := f.client(nil).Usage(context.Background(), Query{Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, rows.Records(), data)
	told := tap.calls()
	if len(told) < 2 {
		t.Fatalf("the tap was told %d times, want once a page or so", len(told))
	}
	for i, s := range told {
		if s == nil {
			t.Fatalf("told nil (a read started over) at call %d, and the collection did not change", i)
		}
		if i > 0 && !s.Extends(told[i-1]) {
			t.Errorf("call %d: %d rows that do not extend the %d told before", i, s.Len(), told[i-1].Len())
		}
	}
	last := told[len(told)-1]
	if !rows.Extends(last) || last.Len() != rows.Len() {
		t.Errorf("the rows returned (%d) do not extend the last told (%d), or it lacks some", rows.Len(), last.Len())
	}
	if told[0].Len() >= rows.Len() {
		t.Errorf("first told %d rows of %d: not before the last page", told[0].Len(), rows.Len())
	}
	// What was told is what was returned, row for row.
	checkExact(t, last.Records(), data)
}

// TestTapToldAgainWhenReadAgain: a collection that changes during the
// read is read again; the tap is told nil, then the new read's rows, and
// the rows returned extend those, not the first read's.
func TestTapToldAgainWhenReadAgain(t *testing.T) {
	f := newFakeAPI(t)
	f.pageSize = 10
	data := genUsage(45, 5)
	setRecords(f, endpointUsage.path, data)
	inserted := false
	f.hook = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("page") != "3" {
			return false
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if !inserted {
			inserted = true
			insertLocked(f, endpointUsage.path, 0, Usage{ID: "new-1", Month: Of("2024-01")})
		}
		return false
	}
	tap := &recordingTap{}
	rows, err := f.client(nil).Usage(context.Background(), Query{Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	told := tap.calls()
	reset := -1
	for i, s := range told {
		if s == nil {
			reset = i
		}
	}
	if reset <= 0 || reset == len(told)-1 {
		t.Fatalf("told %d times with nil at %d: want rows, nil, then the new read's rows", len(told), reset)
	}
	if rows.Extends(told[0]) {
		t.Error("the rows returned extend the first read's")
	}
	if last := told[len(told)-1]; !rows.Extends(last) || last.Len() != rows.Len() {
		t.Errorf("the rows returned (%d) do not extend the last told (%d)", rows.Len(), last.Len())
	}
	if rows.Len() != len(data)+1 {
		t.Errorf("%d rows, want %d", rows.Len(), len(data)+1)
	}
}

// TestTapOfAListingAlreadyRead: a listing read before is not told again
// (its rows are all there), and rows of another listing, selected or
// merged, extend nothing told.
func TestTapOfAListingAlreadyRead(t *testing.T) {
	f := newFakeAPI(t)
	f.pageSize = 10
	setRecords(f, endpointUsage.path, genUsage(45, 5))
	c := f.client(nil)
	first, err := c.Usage(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	tap := &recordingTap{}
	again, err := c.Usage(context.Background(), Query{Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	if again != first || len(tap.calls()) != 0 {
		t.Errorf("the listing read again (%v) or its tap told %d times, want the same rows and none", again != first, len(tap.calls()))
	}
	// A set built apart from the listing extends none of its rows.
	other := UsageRowsOf(first.Records())
	if other.Extends(first) || first.Extends(other) || first.Extends(nil) || (*UsageRows)(nil).Extends(first) {
		t.Error("sets of different builders extend each other")
	}
	b := NewUsageRowsBuilder(0)
	b.AddAll(first)
	sofar := b.Sofar()
	b.AddAll(first)
	if whole := b.Build(); !whole.Extends(sofar) || sofar.Extends(whole) || sofar.Len() != first.Len() || whole.Len() != 2*first.Len() {
		t.Errorf("a builder's rows so far (%d) and its whole (%d) do not extend as they should", sofar.Len(), first.Len())
	}
	for i := range sofar.Len() {
		if sofar.Row(i).ID() != first.Row(i).ID() {
			t.Fatalf("row %d of the rows so far changed as the builder grew: %s", i, strconv.Quote(sofar.Row(i).ID()))
		}
	}
}

// TestTapAddedLate: a tap added once a read has told more than
// maxCatchUp rows is not told at all (it would hold the read up while it
// caught up); its caller gets the same rows, to fold whole.
func TestTapAddedLate(t *testing.T) {
	f := newFakeAPI(t)
	f.pageSize = 250
	data := genUsage(12000, 50)
	setRecords(f, endpointUsage.path, data)
	release := make(chan struct{})
	f.hook = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("page") == "48" {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		return false
	}
	c := f.client(func(cfg *Config) { cfg.RequestsPerSecond = 1000 })
	early, late := &recordingTap{}, &recordingTap{}
	type result struct {
		rows *UsageRows
		err  error
	}
	first := make(chan result, 1)
	go func() {
		rows, err := c.Usage(context.Background(), Query{Tap: early})
		first <- result{rows, err}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if told := early.calls(); len(told) > 0 && told[len(told)-1].Len() == 47*250 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pages before the last were not told")
		}
	}
	second := make(chan result, 1)
	go func() {
		rows, err := c.Usage(context.Background(), Query{Tap: late})
		second <- result{rows, err}
	}()
	waitForWaiters(t, c, listingKey{endpointUsage.path, ""}, 2)
	close(release)
	a, b := <-first, <-second
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	if a.rows != b.rows || a.rows.Len() != len(data) {
		t.Fatalf("the two callers got different rows, or %d rows of %d", a.rows.Len(), len(data))
	}
	if n := len(late.calls()); n != 0 {
		t.Errorf("a tap added after %d rows was told %d times, want none", 47*250, n)
	}
	if told := early.calls(); !a.rows.Extends(told[len(told)-1]) || told[len(told)-1].Len() != len(data) {
		t.Error("the tap added first was not told every row")
	}
}
