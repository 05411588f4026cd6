package sandbox

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Window is how the organization's quota is counted (Options.RateWindow).
type Window int

const (
	// TokenBucket refills RateLimit requests a second up to RateBurst
	// (the default).
	TokenBucket Window = iota
	// SlidingWindow accepts at most RateLimit requests in any one second.
	SlidingWindow
	// FixedWindow accepts at most RateLimit requests in each whole
	// second since the quota's first request.
	FixedWindow
)

// quota decides whether a request arriving at now is within the
// organization's rate limit.
type quota interface{ allow(now time.Time) bool }

func newQuota(w Window, lim rate.Limit, burst int) quota {
	n := max(1, int(lim))
	switch {
	case w == TokenBucket || lim == rate.Inf:
		return bucket{rate.NewLimiter(lim, burst)}
	case w == FixedWindow:
		return &fixedWindow{n: n}
	default:
		return &slidingWindow{n: n}
	}
}

type bucket struct{ *rate.Limiter }

func (b bucket) allow(now time.Time) bool { return b.AllowN(now, 1) }

// slidingWindow accepts at most n requests in any one second.
type slidingWindow struct {
	n        int
	mu       sync.Mutex
	accepted []time.Time // the requests accepted in the last second
}

func (w *slidingWindow) allow(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	expired := 0
	for expired < len(w.accepted) && now.Sub(w.accepted[expired]) >= time.Second {
		expired++
	}
	w.accepted = w.accepted[expired:]
	if len(w.accepted) >= w.n {
		return false
	}
	w.accepted = append(w.accepted, now)
	return true
}

// fixedWindow accepts at most n requests in each whole second since its
// first request.
type fixedWindow struct {
	n      int
	mu     sync.Mutex
	start  time.Time // the first request
	second int64     // the second of the count, since start
	count  int
}

func (w *fixedWindow) allow(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.start.IsZero() {
		w.start = now
	}
	if s := int64(now.Sub(w.start) / time.Second); s != w.second {
		w.second, w.count = s, 0
	}
	if w.count >= w.n {
		return false
	}
	w.count++
	return true
}
