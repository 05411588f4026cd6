package billing

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// adaptiveLimiter is the one pace-keeper of a Client. It never exceeds the
// configured rate (the ceiling). The organization's quota is shared with
// its other integrations and other Terraform runs, so the API may grant
// less: the limiter then learns the granted rate from the API's answers,
// settles just under it, and probes upward only after a quiet spell.
//
// The estimate: a 429 means the server's bucket is empty. A decrease
// starts a measurement; at the next 429 the requests the server accepted
// since (sent minus refused) over that time is what it granted us, exact
// when we stayed above the grant throughout and a lower bound otherwise.
// 429s of requests sent before a decrease belong to the burst already
// answered and are ignored; a 429 less than minMeasure after a decrease
// is counted but waits for a later one to act.
//
// Probing: after a quiet spell with no 429 the pace grows exponentially
// from where it settled, so it is slow at first (a server bucket hides a
// small excess) and back at the ceiling within seconds when the other
// client has stopped. A probe refused at the level it started from
// lengthens the next quiet spell.
//
// Only one caller at a time holds a reservation of the underlying
// rate.Limiter, so a decrease applies to the very next request instead of
// after every reservation already queued at the old pace.
type adaptiveLimiter struct {
	lim     *rate.Limiter
	ceiling float64
	turn    chan struct{}
	log     Logger

	mu      sync.Mutex
	current float64
	// mark is when the current measurement began: the last decrease, or
	// the first request. sent and refused count requests sent since.
	mark          time.Time
	sent, refused int
	signals       int // decreases so far
	lastSignal    time.Time
	estimate      float64       // granted rate measured at the last decrease; 0 if unknown
	quiet         time.Duration // no 429 for this long before probing upward
	probing       bool          // the pace has risen since the last decrease
	settledRate   float64       // the pace the last decrease chose; a probe starts there
	// hold delays every request until then: the API said its quota is
	// spent (RateLimit-Remaining: 0) until that time.
	hold time.Time
}

const (
	// settleShare is the share of the measured grant the pace settles at.
	settleShare = 0.95
	// firstCut divides the pace at a 429 that has no measurement yet.
	firstCut = 0.5
	// gentlestCut and deepestCut bound the decrease a measurement makes.
	gentlestCut = 0.95
	deepestCut  = 0.25
	// quietBase and quietMax bound the spell without 429s before probing:
	// quietBase after a decrease, half as long again (up to quietMax)
	// after a probe refused at the grant measured before it.
	quietBase = 2 * time.Second
	quietMax  = 3 * time.Second
	// probeGrowth is the factor per second by which a probe raises the
	// pace; it rises at least linearly from the settled pace to the
	// ceiling in probeLinear, so that a pace cut low comes back soon.
	probeGrowth = 2.0
	probeLinear = 3 * time.Second
	// minMeasure is the least span a measurement needs.
	minMeasure = 300 * time.Millisecond
	// sameLevel is how close two measurements must be to count as the
	// same grant (a probe refused where it started lengthens the quiet).
	sameLevel = 0.15
	// maxHold caps a hold announced by rate-limit headers.
	maxHold = 60 * time.Second
	minRate = 0.5
)

func newAdaptiveLimiter(rps float64, log Logger) *adaptiveLimiter {
	return &adaptiveLimiter{
		lim: rate.NewLimiter(rate.Limit(rps), burstFor(rps)), ceiling: rps, current: rps,
		turn: make(chan struct{}, 1), log: log, quiet: quietBase,
	}
}

// burstFor keeps the burst small so that a start or a resumption stays
// under a server bucket already drained by others.
func burstFor(rps float64) int { return max(1, int(rps/5)) }

// Wait blocks until a request may be sent, or ctx ends.
func (a *adaptiveLimiter) Wait(ctx context.Context) error {
	select {
	case a.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.turn }()
	now := time.Now()
	if hold := a.raise(ctx, now); hold > 0 {
		t := time.NewTimer(hold)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := a.lim.Wait(ctx); err != nil {
		return err
	}
	a.sentAt(time.Now())
	return nil
}

// sentAt counts a request sent at now in the current measurement.
func (a *adaptiveLimiter) sentAt(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mark.IsZero() {
		a.mark = now
	}
	a.sent++
}

// raise applies the probe's growth due at now and returns how long the
// API asked every request to hold off, if it did.
func (a *adaptiveLimiter) raise(ctx context.Context, now time.Time) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	hold := a.hold.Sub(now)
	if a.current >= a.ceiling || a.signals == 0 {
		return max(hold, 0)
	}
	start := a.lastSignal.Add(a.quiet)
	if now.Before(start) {
		return max(hold, 0)
	}
	// Exponential from where it settled, and at least linear to the
	// ceiling within probeLinear, so that a pace cut low comes back fast.
	t := now.Sub(start).Seconds()
	next := min(a.ceiling, max(a.settledRate*math.Pow(probeGrowth, t), a.settledRate+a.ceiling*t/probeLinear.Seconds()))
	// Small steps are skipped: rate.Limiter takes its lock on each change.
	if next >= a.current*1.02 || next == a.ceiling {
		if !a.probing {
			a.debug(ctx, "talkdesk API pace: probing upward after a quiet spell", map[string]any{"rate": round2(a.current), "quiet": a.quiet.String()})
		}
		a.probing = true
		a.setLocked(now, next)
		if next == a.ceiling {
			a.debug(ctx, "talkdesk API pace: back at the configured rate", map[string]any{"rate": round2(next)})
		}
	}
	return max(hold, 0)
}

// observe feeds one API answer to the limiter: a 429 lowers the pace;
// rate-limit headers, when the API sends them, may hold every request.
func (a *adaptiveLimiter) observe(ctx context.Context, sent, now time.Time, status int, h http.Header) {
	if d, ok := quotaSpent(h, now); ok {
		a.holdFor(ctx, now, d)
	}
	if status == http.StatusTooManyRequests {
		a.throttled(ctx, sent, now)
	}
}

// throttled handles a 429 for a request sent at sent.
func (a *adaptiveLimiter) throttled(ctx context.Context, sent, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if sent.Before(a.mark) {
		return // sent before the last decrease: the same burst
	}
	a.refused++
	span := now.Sub(a.mark)
	if a.signals > 0 && span < minMeasure {
		// Too soon after the last decrease to measure anything: count it,
		// and let a later 429 decide with a measurement.
		return
	}
	granted := 0.0
	if a.signals > 0 {
		granted = float64(a.sent-a.refused) / span.Seconds()
	}
	why := "429 without a measurement yet"
	if a.signals > 0 {
		why = "429: every request refused since the last decrease"
	}
	next := a.current * firstCut
	if granted > 0 {
		why = "429: settling under the measured grant"
		next = min(max(granted*settleShare, a.current*deepestCut), a.current*gentlestCut)
		// A probe refused at the grant it started from: wait longer before
		// the next one. A new level of grant: probe again soon.
		if a.probing && a.estimate > 0 && math.Abs(granted-a.estimate) <= sameLevel*a.estimate {
			a.quiet = min(a.quiet*3/2, quietMax)
		} else {
			a.quiet = quietBase
		}
		a.estimate = granted
	}
	next = max(next, minRate)
	a.debug(ctx, "talkdesk API pace lowered", map[string]any{
		"reason": why, "from": round2(a.current), "rate": round2(next), "measured_grant": round2(granted), "next_probe_after": a.quiet.String(),
	})
	a.signals++
	a.lastSignal, a.mark, a.sent, a.refused = now, now, 0, 0
	a.probing = false
	a.settledRate = next
	a.setLocked(now, next)
	// Drop saved-up tokens: the server's bucket is empty now.
	if tokens := a.lim.TokensAt(now); tokens >= 1 {
		a.lim.ReserveN(now, int(tokens))
	}
}

// holdFor holds every request for d, as the API's headers asked.
func (a *adaptiveLimiter) holdFor(ctx context.Context, now time.Time, d time.Duration) {
	d = min(d, maxHold)
	a.mu.Lock()
	defer a.mu.Unlock()
	if until := now.Add(d); until.After(a.hold) {
		if !a.hold.After(now) {
			a.debug(ctx, "talkdesk API pace: quota spent, holding requests", map[string]any{"hold": d.String()})
		}
		a.hold = until
	}
}

func (a *adaptiveLimiter) setLocked(now time.Time, r float64) {
	a.current = r
	a.lim.SetLimitAt(now, rate.Limit(r))
	a.lim.SetBurstAt(now, burstFor(r))
}

func (a *adaptiveLimiter) debug(ctx context.Context, msg string, fields map[string]any) {
	if a.log != nil {
		a.log.Debug(ctx, msg, fields)
	}
}

// Rate returns the current pace in requests per second.
func (a *adaptiveLimiter) Rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
