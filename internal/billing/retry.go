package billing

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy sets the backoff between attempts.
type RetryPolicy struct {
	// MinBackoff is the first backoff; each retry doubles it, up to MaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After hint.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is used when Config.RetryPolicy is nil.
var DefaultRetryPolicy = RetryPolicy{
	MinBackoff:    250 * time.Millisecond,
	MaxBackoff:    8 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// backoff returns the wait before retry number n (1-based): exponential
// with full jitter in its upper half, so concurrent readers spread out.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header (delay-seconds or HTTP-date),
// capped by MaxRetryAfter. ok is false when the header is absent or invalid.
func (p RetryPolicy) retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(h, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(h); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, p.MaxRetryAfter), true
}
