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
	if w == TokenBucket || lim == rate.Inf {
		return bucket{rate.NewLimiter(lim, burst)}
	}
	return &window{n: max(1, int(lim)), fixed: w == FixedWindow}
}

type bucket struct{ *rate.Limiter }

func (b bucket) allow(now time.Time) bool { return b.AllowN(now, 1) }

// window counts the requests it accepted in the last second (sliding), or
// in the current second since its first request (fixed).
type window struct {
	n     int
	fixed bool

	mu       sync.Mutex
	start    time.Time
	second   int64
	count    int
	accepted []time.Time // sliding: the accepted requests of the last second
}

func (w *window) allow(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fixed {
		if w.start.IsZero() {
			w.start, w.second = now, 0
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
