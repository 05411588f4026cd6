package billing

import (
	"context"
	"math"
	"time"
)

// The contract says only "25 requests per second", so the API may count
// its quota in a token bucket or in one-second windows. A bucket lets a
// client that sat idle send a burst; a window refuses every request past
// 25 in a second, and keeps refusing until the burst is a second old.
// The rate.Limiter's burst is what got a lone run at the ceiling refused
// by a window: five requests up front and then 25 a second are 29 in its
// first second (sandbox, sliding window: 3 of 207 requests refused and
// the read at 0.69 of 25 req/s, as the refusals cut the pace; fixed: 1
// refused, 0.87). So, whatever the rate.Limiter allows, a process never
// sends more than the pace's count in any capWindow (0 refused and 0.98
// under a bucket and both windows). The cap only trims bursts: the
// average stays the rate.Limiter's, but for the window's slack (a steady
// 25 req/s becomes 24.5). The processes that share a host's pace keep
// to the configured rate's count together (hostpace's PerWindow): two
// Terraform runs on one host were refused at the ceiling by a sliding
// window, 1.29-1.37 x the quota's time, and read at 1.04 x with it.
//
// capWindow is a second and a little more, for the requests that reach
// the API a few milliseconds closer together than they were sent. The
// slack also keeps a run at the ceiling just under a bucket's refill, so
// that the quota's other clients find a token now and then and the run
// hears of them: a cap of whole seconds until the first 429 (tried to
// win back the 3.3 s the slack costs a read of 4,000 pages), simulated
// beside a 5 req/s client over 16 seeds, sent at exactly the refill in
// one seed, took every token as it came and was never refused, while the
// other client was refused 92% of the time (8.9% on average, 2% before).
const capWindow = time.Second + 20*time.Millisecond

// capCount is how many requests the pace allows in any capWindow: the
// pace's count per second, rounded up (the average is the rate.Limiter's
// to keep; the cap only trims bursts), the fraction over a whole number
// that a float's rounding leaves ignored.
func capCount(pace float64) int {
	return max(1, int(math.Ceil(pace-1e-6)))
}

// capDelay is how long a request that the pace lets go at now must still
// wait so that no capWindow holds more than the pace's count.
func (a *adaptiveLimiter) capDelay(now time.Time, pace float64) time.Duration {
	n := capCount(pace)
	if len(a.sends) < n {
		return 0
	}
	return max(0, a.sends[len(a.sends)-n].Add(capWindow).Sub(now))
}

// sentAt records a request sent at t. Only the holder of the turn sends,
// so the record needs no lock.
func (a *adaptiveLimiter) sentAt(t time.Time) {
	keep := capCount(a.ceiling)
	if len(a.sends) >= 2*keep {
		a.sends = append(a.sends[:0], a.sends[len(a.sends)-keep+1:]...)
	}
	a.sends = append(a.sends, t)
}

// releaseAfter is how long after now, when the pace lets a request go,
// it is sent: at a random point of its interval (placed), and then no
// sooner than the cap allows. It records the request as sent then.
//
// Placed at random within a tenth of its interval: requests exactly one
// interval apart, just under a bucket's refill as the cap keeps them,
// take each token as it comes and leave every refusal to the quota's
// other clients, which this run then never hears of (two runs on one
// bucket, simulated over 16 seeds: with the cap alone the pair took 1.51
// x the quota's time in every seed, as the run that started first starved;
// placed within a tenth, 1.08 x on average, 1.06 x before the cap). A
// wider placement (a quarter, a half, the whole interval) locked as often
// onto the arrivals of a steady foreign client instead, refusing up to
// 63% of them; that was measured while the simulated foreign client sent
// in step with the bucket's refill (see foreignClock in the simulation).
// On a phase of its own, every request placed anywhere in its interval
// refused it 1.8% of the time beside a run alone (2.4% within a tenth,
// 32 seeds), but two unseen peers beside it took 1.12 x the leftover
// quota's time instead of 1.07 x, so a settled pace keeps the tenth. A
// delay within the interval costs the pace nothing: the rate.Limiter's
// next turn is counted from where this one was due.
func (a *adaptiveLimiter) releaseAfter(now time.Time, placed bool) time.Duration {
	a.mu.Lock()
	pace, d := a.current, time.Duration(0)
	if placed {
		share := placeShare
		if a.probing {
			share = probePlaceShare
		}
		d = time.Duration(share * a.rng.Float64() * float64(time.Second) / max(pace, minRate))
	}
	a.mu.Unlock()
	d += a.capDelay(now.Add(d), pace)
	a.sentAt(now.Add(d))
	return d
}

// waitRelease waits out releaseAfter.
func (a *adaptiveLimiter) waitRelease(ctx context.Context, placed bool) error {
	return sleep(ctx, a.releaseAfter(time.Now(), placed))
}

// placeShare is the share of its interval within which a lone process's
// request is placed at random (see releaseAfter).
//
// probePlaceShare is that share while the pace probes upward. A probe
// that reaches the configured rate sends at the bucket's own refill
// rate: placed within a tenth, each request took each token as it was
// made, and the quota's other clients met the empty bucket before the
// probe did (a run alone beside a 5 req/s client, simulated over 16
// seeds with the other client's phase drawn at random: it was refused
// 6.7% of the time on average, 35% in one seed, about one refusal per
// probe, every one while the run probed). Placed anywhere in its
// interval, the probe meets the empty bucket in proportion to what it
// sends: 2.3%, at most 6.7%, and the run's own figures unchanged.
// (Processes that share a host's state place their turns with the
// host's pace instead; see place in limiter_host.go.)
const (
	placeShare      = 0.1
	probePlaceShare = 1.0
)
