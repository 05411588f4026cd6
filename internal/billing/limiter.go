package billing

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// adaptiveLimiter is the one pace-keeper of a Client. It never exceeds the
// configured rate; when the API answers 429 although we stay under it
// (another client of the organization shares the quota), it lowers the
// pace to what the API actually granted, then recovers it gradually once
// 429s stop.
type adaptiveLimiter struct {
	lim     *rate.Limiter
	ceiling float64

	mu           sync.Mutex
	current      float64
	lastThrottle time.Time
	lastDecrease time.Time
	lastRaise    time.Time
	// successes holds the arrival times of recent successful responses,
	// to measure the pace the API grants.
	successes []time.Time
}

const (
	// throttleCooldown groups the 429s of one burst into one decrease.
	throttleCooldown = time.Second
	// measureWindow is how far back the granted pace is measured.
	measureWindow = 2 * time.Second
	// recoverEvery and recoverStep set the additive increase.
	recoverEvery = time.Second
	recoverStep  = 0.02 // of the ceiling per recoverEvery
	minRate      = 0.5
)

func newAdaptiveLimiter(rps float64) *adaptiveLimiter {
	burst := max(1, int(rps/5)) // a small burst keeps the start under the server's bucket
	return &adaptiveLimiter{lim: rate.NewLimiter(rate.Limit(rps), burst), ceiling: rps, current: rps}
}

// Wait blocks until a request may be sent, or ctx ends.
func (a *adaptiveLimiter) Wait(ctx context.Context) error {
	a.maybeRecover(time.Now())
	return a.lim.Wait(ctx)
}

// Success records a response that was not throttled.
func (a *adaptiveLimiter) Success(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.successes = append(a.successes, now)
	a.trim(now)
}

func (a *adaptiveLimiter) trim(now time.Time) {
	cut := 0
	for cut < len(a.successes) && now.Sub(a.successes[cut]) > measureWindow {
		cut++
	}
	if cut > 0 {
		a.successes = append(a.successes[:0], a.successes[cut:]...)
	}
}

// Throttled records a 429 and lowers the pace, once per cooldown.
func (a *adaptiveLimiter) Throttled(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastThrottle = now
	// The cooldown runs from the last decrease, not the last 429: 429s
	// that keep coming less than a cooldown apart must lower the pace again.
	if now.Sub(a.lastDecrease) < throttleCooldown {
		return
	}
	a.lastDecrease = now
	a.trim(now)
	granted := float64(len(a.successes)) / measureWindow.Seconds()
	next := a.current * 0.9
	if granted > 0 && granted*0.95 < next {
		next = granted * 0.95
	}
	next = max(next, a.current*0.5, minRate)
	a.setLocked(next, now)
}

func (a *adaptiveLimiter) maybeRecover(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current >= a.ceiling || now.Sub(a.lastThrottle) < 2*recoverEvery || now.Sub(a.lastRaise) < recoverEvery {
		return
	}
	a.setLocked(min(a.ceiling, a.current+a.ceiling*recoverStep), now)
}

func (a *adaptiveLimiter) setLocked(r float64, now time.Time) {
	a.current = r
	a.lastRaise = now
	a.lim.SetLimitAt(now, rate.Limit(r))
}

// Rate returns the current pace in requests per second.
func (a *adaptiveLimiter) Rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current
}
