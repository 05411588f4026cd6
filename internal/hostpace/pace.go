package hostpace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

const (
	// shareExpiry is how long a share outlives its last operation: a
	// process killed without closing its Pace is gone from the count
	// within it.
	shareExpiry = 2 * time.Second
	// lockPatience bounds the wait for the state file's lock; beyond it
	// (a holder stopped, a broken file system) the operation fails and
	// the caller paces alone for that request.
	lockPatience = time.Second
	// maxAhead bounds how far ahead of the clock a turn or hold may be
	// kept, so that a clock set back, or a garbled value, cannot stall
	// the host.
	maxAhead = 60 * time.Second
	// maxFile bounds the state file read; a larger one is garbled.
	maxFile = 64 << 10
	version = 1
)

// ErrBusy means the state file's lock was held for longer than
// lockPatience.
var ErrBusy = errors.New("hostpace: the state file stayed locked")

var errUnsupported = errors.New("hostpace: no file locks on this system")

// Board is what the processes of one key share, as an operation sees it
// under the lock.
type Board struct {
	// Rate is the number of turns per second the processes share, and
	// Burst how many turns may be taken at once after a quiet spell.
	Rate  float64
	Burst int
	// Hold delays every turn until then.
	Hold time.Time
	// Drain, when set, drops the turns saved up during a quiet spell: the
	// quota's own bucket is empty.
	Drain bool
	// Resume, when set, restarts the turns at the board's Rate from then:
	// the turns booked before (at an earlier Rate) are dropped, and none
	// goes before Resume. Their holders take them again. It stands in for
	// Drain (no saved-up turn goes before it either).
	Resume time.Time
	// Turns counts the turns taken since the file was made.
	Turns uint64
	// Members counts the live shares, this process's included (read only).
	Members int
	// Learned is what the pace-keeper published, opaque to this package;
	// nil until one publishes.
	Learned json.RawMessage
	// Offset, set by a Turn's decide, sends the turn that long after it
	// is due (where the pace-keeper places it within its interval).
	Offset time.Duration
	// Align, set by a Turn's decide, sends the turn at the first whole
	// multiple of Align since the Unix epoch at or after it is due (and
	// its Offset): the turns of every process due within one such span go
	// together at its end.
	Align time.Duration
	// PerWindow, set by a Turn's decide, is the most turns the processes
	// send in any Window: the turn is put off until it is the only one
	// past that count, whatever the Rate, the Burst and the Offsets allow.
	PerWindow int
	Window    time.Duration
	// sent is the state's send times, read through SentBetween.
	sent []int64
}

// SentBetween counts the turns of every process sent in [from, to), among
// the last maxSent kept; covered is false when those do not reach back to
// from (the count may then be short). For a pace-keeper reading a quota
// counted in windows.
func (b Board) SentBetween(from, to time.Time) (n int, covered bool) {
	lo, hi := from.UnixNano(), to.UnixNano()
	for _, t := range b.sent {
		covered = covered || t <= lo
		if t >= lo && t < hi {
			n++
		}
	}
	return n, covered
}

// WindowFree is the earliest time at which a turn sent leaves no window
// of length w holding more than n of the turns sent by now (the last
// maxSent kept; turns booked for later are left out); the zero time when
// those are fewer than n.
func (b Board) WindowFree(n int, w time.Duration, now time.Time) time.Time {
	return windowFree(b.sent, n, w, now.UnixNano())
}

// windowFree is WindowFree over the send times up to upTo (Unix ns).
func windowFree(sent []int64, n int, w time.Duration, upTo int64) time.Time {
	if n <= 0 || len(sent) < n {
		return time.Time{}
	}
	sorted := slices.DeleteFunc(slices.Clone(sent), func(t int64) bool { return t > upTo })
	if len(sorted) < n {
		return time.Time{}
	}
	slices.Sort(sorted)
	return time.Unix(0, sorted[len(sorted)-n]).Add(w)
}

// Pace is this process's share of the pace of one key.
type Pace struct {
	path string
	id   string
	mu   sync.Mutex // one operation of this process at a time
	f    *os.File
	buf  []byte // the file as last read
}

// Open joins the pace of key in Dir. It fails when the directory or the
// file cannot be used; the caller then paces alone.
func Open(key string) (*Pace, error) { return OpenIn(Dir(), key) }

// OpenIn is Open with another directory (tests).
func OpenIn(dir, key string) (*Pace, error) {
	if !supported {
		return nil, errUnsupported
	}
	if !validKey(key) {
		return nil, fmt.Errorf("hostpace: %q is not a file-name-safe key", key)
	}
	if err := usableDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, key+".pace")
	f, err := openState(path, true)
	if err != nil {
		return nil, err
	}
	sweepStale(dir, path, time.Now())
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	return &Pace{path: f.Name(), id: strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(nonce[:]), f: f}, nil
}

func validKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for _, r := range key {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

// Path is the state file's path.
func (p *Pace) Path() string { return p.path }

// Turn takes the next turn: under the lock, decide may change the board
// (the pace-keeper's decisions, with what others published), then the
// turn is placed at the board's Rate and Burst after every turn taken
// before it, and after Hold. It returns when the turn is due; the caller
// waits for it.
func (p *Pace) Turn(ctx context.Context, decide func(b *Board, now time.Time)) (time.Time, error) {
	var at time.Time
	err := p.do(ctx, func(s *state, now time.Time) {
		b := s.board()
		decide(&b, now)
		s.set(b, now)
		at = s.sendAt(s.take(now).Add(b.Offset), now, b)
	})
	return at, err
}

// Update changes the board under the lock without taking a turn.
func (p *Pace) Update(ctx context.Context, change func(b *Board, now time.Time)) error {
	return p.do(ctx, func(s *state, now time.Time) {
		b := s.board()
		change(&b, now)
		s.set(b, now)
	})
}

// Peek shows the board under the lock, changing nothing: a turn waited
// for can be checked against a decision published meanwhile.
func (p *Pace) Peek(ctx context.Context, look func(b Board)) error {
	return p.locked(ctx, func() error {
		look(p.read().board())
		return nil
	})
}

// Close releases this process's share at once.
func (p *Pace) Close() error {
	err := p.do(context.Background(), func(s *state, _ time.Time) { delete(s.Members, p.id) })
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return err
	}
	cerr := p.f.Close()
	p.f = nil
	return errors.Join(err, cerr)
}

// do runs op on the state under the file's lock and writes it back.
func (p *Pace) do(ctx context.Context, op func(s *state, now time.Time)) error {
	return p.locked(ctx, func() error {
		now := time.Now()
		s := p.read()
		s.refresh(p.id, now)
		op(s, now)
		return p.write(s)
	})
}

// locked runs fn holding this process's mutex and the file's lock.
func (p *Pace) locked(ctx context.Context, fn func() error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return os.ErrClosed
	}
	if err := p.lockCurrent(ctx); err != nil {
		return err
	}
	defer func() { _ = unlock(p.f) }()
	return fn()
}

// lockCurrent takes the lock of the file now at p.path. A temporary-file
// cleaner, or the sweep of another process (sweepStale), may have removed
// the file or its directory while this process kept it open; the lock of
// a removed file would be this process's alone, so it makes the file
// again and joins the processes that opened it since.
func (p *Pace) lockCurrent(ctx context.Context) error {
	for range 3 {
		if err := p.lock(ctx); err != nil {
			return err
		}
		if _, ok := stillNamed(p.f, p.path); ok {
			return nil
		}
		_ = unlock(p.f)
		if err := usableDir(filepath.Dir(p.path)); err != nil {
			return err
		}
		f, err := openState(p.path, true)
		if err != nil {
			return err
		}
		_ = p.f.Close()
		p.f = f
	}
	return errors.New("hostpace: the state file kept being removed")
}

// stillNamed reports whether path still names the open file f, and gives
// f's information.
func stillNamed(f *os.File, path string) (os.FileInfo, bool) {
	held, herr := f.Stat()
	named, nerr := os.Lstat(path)
	return held, herr == nil && nerr == nil && os.SameFile(held, named)
}

// lock takes the file's lock, polling so that ctx and lockPatience are
// honoured: every holder keeps it for microseconds only.
func (p *Pace) lock(ctx context.Context) error {
	wait, deadline := 50*time.Microsecond, time.Now().Add(lockPatience)
	for {
		busy, err := tryLock(p.f)
		if err != nil || !busy {
			return err
		}
		if time.Now().After(deadline) {
			return ErrBusy
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Millisecond)
	}
}

// read decodes the file; anything unreadable or garbled yields a fresh
// state, which the write then puts in its place.
func (p *Pace) read() *state {
	if p.buf == nil {
		p.buf = make([]byte, maxFile)
	}
	buf := p.buf
	n, _ := p.f.ReadAt(buf, 0)
	var s state
	if n == 0 || n == maxFile || json.Unmarshal(buf[:n], &s) != nil || !s.valid() {
		return &state{V: version, Members: map[string]int64{}}
	}
	if s.Members == nil {
		s.Members = map[string]int64{}
	}
	return &s
}

func (p *Pace) write(s *state) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if _, err := p.f.WriteAt(data, 0); err != nil {
		return err
	}
	return p.f.Truncate(int64(len(data)))
}

// state is the file's content. Times are Unix nanoseconds: the processes
// share the wall clock, not a monotonic one.
type state struct {
	V     int     `json:"v"`
	Rate  float64 `json:"rate"`
	Burst int     `json:"burst"`
	// Next is the theoretical time of the next turn (a GCRA): a turn is
	// due at Next less the burst's tolerance, and moves Next one
	// interval on.
	Next    int64            `json:"next"`
	Hold    int64            `json:"hold"`
	Turns   uint64           `json:"turns"`
	Members map[string]int64 `json:"members"` // share -> last operation
	Learned json.RawMessage  `json:"learned,omitempty"`
	// Sent holds when the last turns are sent, for Board.PerWindow.
	Sent []int64 `json:"sent,omitempty"`
}

// maxSent bounds the send times kept, and so the PerWindow honoured.
const maxSent = 64

func (s *state) valid() bool {
	return s.V == version && s.Rate >= 0 && !math.IsInf(s.Rate, 0) && !math.IsNaN(s.Rate) && s.Burst >= 0 &&
		(len(s.Learned) == 0 || json.Valid(s.Learned))
}

// refresh renews this process's share and drops the expired ones.
func (s *state) refresh(id string, now time.Time) {
	for m, seen := range s.Members {
		if now.Sub(time.Unix(0, seen)) > shareExpiry {
			delete(s.Members, m)
		}
	}
	s.Members[id] = now.UnixNano()
}

func (s *state) board() Board {
	b := Board{Rate: s.Rate, Burst: s.Burst, Turns: s.Turns, Members: len(s.Members), Learned: s.Learned, sent: s.Sent}
	if s.Hold != 0 {
		b.Hold = time.Unix(0, s.Hold)
	}
	return b
}

func (s *state) set(b Board, now time.Time) {
	s.Rate, s.Burst, s.Learned = b.Rate, b.Burst, b.Learned
	if s.Rate > 0 {
		tolerance := time.Duration(float64(max(s.Burst-1, 0)) * float64(time.Second) / s.Rate)
		switch {
		case !b.Resume.IsZero() && !b.Resume.After(now.Add(maxAhead)):
			s.Next = later(now, b.Resume).Add(tolerance).UnixNano()
			// The turns booked for later are taken again: off the record.
			s.Sent = slices.DeleteFunc(s.Sent, func(t int64) bool { return t > now.UnixNano() })
		case b.Drain:
			s.Next = max(s.Next, now.Add(tolerance).UnixNano())
		}
	}
	s.Hold = 0
	if b.Hold.After(now) {
		s.Hold = b.Hold.UnixNano()
		if b.Hold.After(now.Add(maxAhead)) {
			s.Hold = now.Add(maxAhead).UnixNano()
		}
	}
}

// take places one turn and returns when it is due.
func (s *state) take(now time.Time) time.Time {
	s.Turns++
	if s.Rate <= 0 || math.IsInf(s.Rate, 1) {
		return now
	}
	interval := time.Duration(float64(time.Second) / s.Rate)
	tolerance := time.Duration(max(s.Burst-1, 0)) * interval
	next := time.Unix(0, s.Next)
	if next.After(now.Add(maxAhead)) {
		next = now // a clock set back, or a value from elsewhere
	}
	tat := later(next, now)
	if s.Hold != 0 {
		tat = later(tat, time.Unix(0, s.Hold))
	}
	at := later(now, tat.Add(-tolerance))
	if s.Hold != 0 {
		at = later(at, time.Unix(0, s.Hold))
	}
	s.Next = tat.Add(interval).UnixNano()
	return at
}

// sendAt is when a turn due at `at` is sent so that no window holds more
// than b.PerWindow turns, aligned to b.Align, and records it. A turn no
// earlier than the PerWindow-th latest one sent plus Window leaves every
// window that holds it at most PerWindow-1 others; aligning it later
// still keeps that. A send time further ahead than maxAhead (a clock set
// back, a garbled file) is not waited for.
func (s *state) sendAt(at, now time.Time, b Board) time.Time {
	at = alignUp(at, b.Align)
	if b.Window > 0 {
		if t := windowFree(s.Sent, b.PerWindow, b.Window, math.MaxInt64); t.After(at) && !t.After(now.Add(maxAhead)) {
			at = alignUp(t, b.Align)
		}
	}
	if len(s.Sent) >= maxSent {
		s.Sent = append(s.Sent[:0], s.Sent[len(s.Sent)-maxSent+1:]...)
	}
	s.Sent = append(s.Sent, at.UnixNano())
	return at
}

// alignUp is the first whole multiple of d since the Unix epoch at or
// after t; t itself when d is not positive.
func alignUp(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	ns := t.UnixNano()
	return time.Unix(0, (ns+int64(d)-1)/int64(d)*int64(d))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
