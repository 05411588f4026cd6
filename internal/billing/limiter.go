package billing

import (
	"context"
	"math"
	"math/rand/v2"
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
// among those sent since, over the time they were sent in, is what it
// granted us: exact when we stayed above the grant throughout, a lower
// bound otherwise. Requests are placed by when they were sent, and the
// last round trip is left out (its answers may still be on the way), so
// the figure holds whether the API answers a 429 at once or after the
// same delay as a page. Processes sharing a host's pace measure a refused
// probe over the probe alone (see measureFrom). 429s of requests sent
// before a decrease belong to the burst already answered and are ignored;
// a 429 whose measurement would span less than minMeasure is counted but
// waits for a later one.
//
// Probing: after a quiet spell with no 429 the pace grows exponentially
// from where it settled, so it is slow at first (a server bucket hides a
// small excess) and back at the ceiling within seconds when the other
// client has stopped. A probe refused at the level it started from
// lengthens the next quiet spell.
//
// Unseen peers: runs on other hosts that share the quota each measure a
// small share of the ceiling and, probing alone, their probes would add
// up to a quota always probed. A 429 that comes while the pace is settled
// (not probing) is another client's probe or arrival: each one doubles
// the next quiet spells (crowd), up to the ceiling over the measured
// grant (a small share: peers are likely) and at most crowdMax times.
// Among peers every spell is drawn within ±spellJitter so that runs that
// started together do not probe together. A probe that brings the pace back to
// the ceiling forgets the crowd, so a lone run whose quota returns, which
// sees no such 429, probes as often as ever.
//
// Where the grant measured is a very small share of the ceiling
// (peerShare) and the pace was refused while settled more than once
// (peerCrowd: several peers), measuring is no use: each run's grant is
// whatever the others leave it, so settling under it keeps the shares
// the runs happened to start with, and the first to finish leaves the
// rest to read alone. There the pace follows the rule that evens shares
// out (as TCP's congestion control does): after each 429 it is cut to
// peerCut of itself, so the runs that hold more give back more, and it
// rises again at once by the same amount for every run, slowly at first
// (the quota is almost taken) and faster as time passes without a 429
// (the peers may have left). A pace that rises past twice peerShare of
// the ceiling probes as a lone run does, growing from there (a jump to
// the ceiling emptied the quota for every client).
//
// The API may count its quota in one-second windows rather than a bucket:
// no second holds more requests than the pace (limiter_window.go), and
// the limiter finds out which way the quota counts by trying the
// window's reading of a refusal (limiter_quota.go).
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
	// mark is when the current measurement began (the last decrease);
	// answers holds the requests sent since, as they were answered.
	mark    time.Time
	answers []answer
	// roundTrip and refusalTrip are moving averages of the time to a
	// page and to a 429.
	roundTrip, refusalTrip time.Duration
	signals                int // decreases so far
	lastSignal             time.Time
	estimate               float64       // granted rate measured at the last decrease; 0 if unknown
	quiet                  time.Duration // no 429 for this long before probing upward
	probing                bool          // the pace has risen since the last decrease
	settledRate            float64       // the pace the last decrease chose; a probe starts there
	early                  int           // 429s too soon after the last decrease to measure
	crowd                  int           // 429s while settled since the pace was last at the ceiling
	spell                  time.Duration // this quiet spell: quiet, times the crowd's factor, jittered
	rng                    *rand.Rand
	// model is what the quota was found to be, a bucket or windows;
	// trial is set while a pace settled under the last second's grant
	// tells (limiter_quota.go).
	model    quotaModel
	trial    bool
	fallback trialFallback
	// hold delays every request until then: the API said its quota is
	// spent (RateLimit-Remaining: 0) until that time.
	hold time.Time
	// sends holds when the last requests were sent, for the cap on any
	// second's requests (limiter_window.go); only the turn's holder
	// touches it.
	sends []time.Time
	// host, when set, shares the pace with the other processes of this
	// host that read the same organization (see limiter_host.go).
	host *hostShare
}

const (
	// settleShare is the share of the measured grant the pace settles at:
	// the tenth left over lets the API's bucket fill again, so that the
	// jitter of many runs' requests (and their probes) is absorbed there
	// rather than refused to the quota's other clients (six runs on
	// separate hosts beside a 5 req/s client: 3.9-4.6% of ours refused
	// over twelve tries, against 4.4-5.0% settling at 95%);
	// probeSettleShare where the grant was measured over a probe alone,
	// which measures it closely and leaves the quota's other clients
	// less room than the whole span's lower bound did.
	settleShare      = 0.9
	probeSettleShare = 0.9
	// firstCut divides the pace at a 429 that has no measurement yet;
	// sharedFirstCut at the first 429 of processes sharing a host's pace
	// where the host's record tells nothing (read at the ceiling: a
	// bucket's savings spent, or a second across two of a fixed window's).
	firstCut       = 0.5
	sharedFirstCut = 0.7
	// gentlestCut and deepestCut bound the decrease a measurement makes.
	gentlestCut = 0.95
	deepestCut  = 0.25
	// quietBase and quietMax bound the spell without 429s before probing:
	// quietBase after a decrease, half as long again (up to quietMax)
	// after a probe refused at the grant measured before it.
	quietBase = 2 * time.Second
	quietMax  = 3 * time.Second
	// crowdMax bounds the factor of the quiet spells among unseen peers,
	// and spellJitter is the share by which a spell is drawn shorter or
	// longer.
	crowdMax    = 8
	spellJitter = 0.2
	// peerShare is the share of the ceiling under which a measured grant
	// among a crowd means several peers; then a 429 cuts the pace to
	// peerCut of itself, and it rises again at peerSlope of the ceiling
	// per second, a slope that doubles every peerDoubling seconds.
	peerShare    = 0.2
	peerCut      = 0.5
	peerSlope    = 0.002
	peerDoubling = 4.0
	// peerCrowd is how many 429s while settled make a crowd of peers. The
	// first may follow a cut made blind: two unseen runs 300 ms apart on
	// a bucket, the first cut to half at its first refusal, measured 2
	// req/s over the half second the second run took at the ceiling, was
	// refused again, and rose under the rule among peers for 19 s while
	// the other read alone (simulated, 48 seeds: 1.19 x the quota's time,
	// 16 seeds over 1.2 x; 1.12 x and 7 with two; six and twelve runs
	// beside a 5 req/s client unchanged).
	peerCrowd = 2
	// earlyCuts is how many 429s, too soon after a decrease to measure,
	// lower the pace again without a measurement: many runs starting
	// together on one quota come down to their share in a few round
	// trips instead of a measurement each.
	earlyCuts = 2
	// probeGrowth is the factor per second by which a probe raises the
	// pace; it rises at least linearly from the settled pace to the
	// ceiling in probeLinear, so that a pace cut low comes back soon.
	probeGrowth = 2.0
	probeLinear = 3 * time.Second
	probeTrips  = 10
	// minMeasure is the least span a measurement needs.
	minMeasure = 300 * time.Millisecond
	// sameLevel is how close two measurements must be to count as the
	// same grant (a probe refused where it started lengthens the quiet).
	sameLevel = 0.15
	// maxAnswers bounds the answers kept for a measurement.
	maxAnswers = 4096
	// maxHold caps a hold announced by rate-limit headers.
	maxHold = 60 * time.Second
	minRate = 0.5
)

func newAdaptiveLimiter(rps float64, log Logger) *adaptiveLimiter {
	return &adaptiveLimiter{
		lim: rate.NewLimiter(rate.Limit(rps), burstFor(rps)), ceiling: rps, current: rps,
		turn: make(chan struct{}, 1), log: log, quiet: quietBase, spell: quietBase,
		rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
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
	if a.host != nil {
		err := a.hostTurn(ctx)
		if err == nil {
			return a.waitRelease(ctx, false) // the host's turns are placed already
		}
		if ctx.Err() != nil {
			return err
		}
		// The state file failed this once: pace alone for this request.
	}
	now := time.Now()
	if err := sleep(ctx, a.raise(ctx, now)); err != nil {
		return err
	}
	if err := a.lim.Wait(ctx); err != nil {
		return err
	}
	return a.waitRelease(ctx, true)
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// answer is one request of the current measurement.
type answer struct {
	sent     time.Time
	accepted bool
}

// raise applies the probe's growth due at now and returns how long the
// API asked every request to hold off, if it did.
func (a *adaptiveLimiter) raise(ctx context.Context, now time.Time) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.raiseLocked(ctx, now)
}

func (a *adaptiveLimiter) raiseLocked(ctx context.Context, now time.Time) time.Duration {
	hold := a.hold.Sub(now)
	if a.current >= a.ceiling || a.signals == 0 {
		return max(hold, 0)
	}
	var next float64
	leaving := false
	if a.peersLocked() {
		next = min(a.ceiling, a.peerPace(now)) // rising since the last decrease
		leaving = next > 2*a.ceiling*peerShare
	} else {
		start := a.lastSignal.Add(a.spell)
		if now.Before(start) {
			return max(hold, 0)
		}
		a.trialPassedLocked() // a quiet spell under the trial's pace
		// Exponential from where it settled, and at least linear to the
		// ceiling within probeLinear, so that a pace cut low comes back
		// fast. When 429s take long to come back, everything sent
		// meanwhile above the grant is refused too: the probe then rises
		// more slowly.
		unit := max(time.Second, a.refusalTrip*probeTrips)
		t := now.Sub(start).Seconds() / unit.Seconds()
		next = min(a.ceiling, max(a.settledRate*math.Pow(probeGrowth, t), a.settledRate+a.ceiling*t/probeLinear.Seconds()))
	}
	if leaving {
		// Out of the rule among peers: from here the pace probes as a
		// lone run's does, from this pace and this moment (the rise among
		// peers was its quiet spell), not from where the last decrease
		// left it long ago (straight to the ceiling, which emptied the
		// quota for every client).
		a.settledRate, a.spell = next, now.Sub(a.lastSignal)
	}
	// Small steps are skipped: rate.Limiter takes its lock on each change.
	if leaving || next >= a.current*1.02 || next == a.ceiling {
		if !a.probing {
			a.debug(ctx, "talkdesk API pace: probing upward", map[string]any{"rate": round2(a.current), "quiet": a.quiet.String()})
		}
		a.probing = true
		a.setLocked(now, next)
		if next == a.ceiling {
			a.crowd = 0
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
		if a.host == nil || a.hostThrottled(ctx, sent, now) != nil {
			a.mu.Lock()
			a.throttledLocked(ctx, sent, now, now, alone)
			a.mu.Unlock()
		}
		return
	}
	a.accepted(sent, now)
}

// accepted records an answer other than 429: the quota let it through.
func (a *adaptiveLimiter) accepted(sent, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	average(&a.roundTrip, now.Sub(sent))
	a.record(answer{sent: sent, accepted: true})
}

// average moves a moving average toward sample.
func average(avg *time.Duration, sample time.Duration) {
	if *avg == 0 {
		*avg = sample
		return
	}
	*avg += (sample - *avg) / 8
}

// record keeps an answer for the current measurement, if it belongs to it.
func (a *adaptiveLimiter) record(ans answer) {
	if ans.sent.Before(a.mark) {
		return
	}
	if len(a.answers) >= maxAnswers {
		// A long spell without 429s: measure over its recent half.
		a.answers = append(a.answers[:0], a.answers[maxAnswers/2:]...)
		a.mark = a.answers[0].sent
	}
	a.answers = append(a.answers, ans)
}

// grantedBetween is the rate of accepted requests among those sent in
// [from, to).
func (a *adaptiveLimiter) grantedBetween(from, to time.Time) float64 {
	n := 0
	for _, ans := range a.answers {
		if ans.accepted && !ans.sent.Before(from) && ans.sent.Before(to) {
			n++
		}
	}
	return float64(n) / to.Sub(from).Seconds()
}

// grantScale turns what this process's own answers measured into what
// every process sharing its pace was granted: share scales the grant of
// a span; hostSent (the board's SentBetween) and hostRefused (Unix ns),
// when the host's processes share the pace, count their turns sent and
// their requests refused, which give a second's grant directly; group,
// set where several processes share the pace, is when the refused
// request's group was sent, through which that second is read (see
// lastSecondGrant).
type grantScale struct {
	share       float64
	hostSent    func(from, to time.Time) (n int, covered bool)
	hostRefused []int64
	group       time.Time
}

// alone is the scale of a process that shares its pace with none.
var alone = grantScale{share: 1}

// throttledLocked handles a 429 for a request sent at sent and answered
// at answered, decided at now, and reports whether it lowered the pace;
// scale turns what this process measured into what every process sharing
// its pace was granted. A decrease starts at now: a request sent before
// it was sent at the old pace.
func (a *adaptiveLimiter) throttledLocked(ctx context.Context, sent, answered, now time.Time, scale grantScale) bool {
	average(&a.refusalTrip, answered.Sub(sent))
	if sent.Before(a.mark) {
		return false // sent before the last decrease: the same burst
	}
	a.record(answer{sent: sent})
	if a.peersLocked() {
		// Among peers the pace is not measured: a trial of the window's
		// reading ends without a verdict (its fallback would be stale).
		a.trial = false
		next := max(a.current*peerCut, minRate)
		a.debug(ctx, "talkdesk API pace lowered", map[string]any{
			"reason": "429 among peers sharing the quota", "from": round2(a.current), "rate": round2(next), "measured_grant": round2(a.estimate),
		})
		a.decreasedLocked(now, next)
		return true
	}
	// Requests sent in the last round trip may not be answered yet.
	end := answered.Add(-a.roundTrip * 5 / 4)
	if sent.Before(end) {
		end = sent
	}
	span := end.Sub(a.mark)
	unmeasured := a.signals == 0
	if a.signals > 0 && span < minMeasure {
		// Too soon after the last decrease to measure anything: count it,
		// and let a later 429 decide with a measurement.
		a.early++
		if a.early < earlyCuts {
			return false
		}
		unmeasured = true
	}
	if a.trialOverPaceLocked(scale) {
		a.debug(ctx, "talkdesk API pace: 429 in a second the host sent above its pace, no verdict on the quota", map[string]any{"rate": round2(a.current)})
		return false
	}
	granted, last, settle := 0.0, 0.0, settleShare
	trialFailed := a.trialFailedLocked(ctx, now)
	if !unmeasured {
		from, probe := a.measureFrom(end)
		granted = a.grantedBetween(from, end) * scale.share
		last = a.lastSecondGrant(end, scale)
		if probe {
			settle = probeSettleShare
		}
	}
	why := "429 without a measurement yet"
	if a.signals > 0 {
		why = "429: every request refused since the last decrease"
	}
	if a.early > 0 {
		why = "429s too soon after the last decrease to measure"
	}
	next := a.current * firstCut
	if a.firstSharedLocked(scale) {
		next = a.current * sharedFirstCut
	}
	first, firstGrant, firstTrial := a.firstSettleLocked(end, scale, next)
	reading := a.windowReadingLocked(last, !scale.group.IsZero())
	switch {
	case firstTrial:
		why = "first 429: settling under the host's last second's grant"
		next, granted = first, firstGrant
	case trialFailed:
		why = "429 while settled under the last second's grant: settling under the grant measured before"
		next, granted = a.fallBackLocked()
	case granted > 0 || reading > 0:
		why = "429: settling under the measured grant"
		if reading > 0 {
			why = "429: settling under the window's reading"
		}
		next, granted = a.settleLocked(granted, last, reading, settle)
	}
	if a.signals > 0 && !a.probing && !trialFailed {
		a.crowd++ // settled, and still refused
	}
	a.spell = a.quietSpell()
	next = max(next, minRate)
	a.debug(ctx, "talkdesk API pace lowered", map[string]any{
		"reason": why, "from": round2(a.current), "rate": round2(next), "measured_grant": round2(granted), "next_probe_after": a.spell.String(),
	})
	a.decreasedLocked(now, next)
	return true
}

// measureFrom is where the measurement that ends at end starts: the last
// decrease, or, for the processes sharing this host's pace when a probe
// is refused, where the probe began (at least minMeasure before end).
// The quiet spell before a probe is spent under the grant by design:
// counted, it measures the pace the spell kept rather than the grant, and
// where the API's bucket holds few requests the probe is refused within a
// second, so the spell is most of the span and each probe settled lower
// than the last (six processes of one host beside a 5 req/s client:
// 1.23 x the leftover quota's time on a bucket of 10, 1.88 x on one of 5).
// A run alone on its host keeps the whole span: among unseen peers the
// probe's span counts what it took from the others, and the runs that
// probed last would settle highest.
func (a *adaptiveLimiter) measureFrom(end time.Time) (from time.Time, probe bool) {
	from = a.mark
	if !a.probing || !a.sharedLocked() {
		return from, false
	}
	start := a.lastSignal.Add(a.spell)
	if latest := end.Add(-minMeasure); start.After(latest) {
		start = latest
	}
	if !start.After(from) {
		return from, false
	}
	return start, true
}

// decreasedLocked lowers the pace to next at now and starts a new
// measurement.
func (a *adaptiveLimiter) decreasedLocked(now time.Time, next float64) {
	a.signals++
	a.early = 0
	a.lastSignal, a.mark, a.answers = now, now, a.answers[:0]
	a.probing = false
	a.settledRate = next
	a.setLocked(now, next)
	// Drop saved-up tokens: the server's bucket is empty now.
	if tokens := a.lim.TokensAt(now); tokens >= 1 {
		a.lim.ReserveN(now, int(tokens))
	}
}

// peersLocked reports whether several unseen peers share the quota:
// peerCrowd 429s came while settled, the grant measured is a very small
// share of the ceiling, and the pace has not risen far beyond it since.
// Processes that share this host's pace keep to measuring: what each
// measures is scaled to the host's share, and the rule among peers,
// applied by each, made their common pace fall short of the quota.
func (a *adaptiveLimiter) peersLocked() bool {
	if a.sharedLocked() {
		return false
	}
	return a.crowd >= peerCrowd && a.estimate > 0 && a.estimate <= a.ceiling*peerShare && a.current <= 2*a.ceiling*peerShare
}

// peerPace is the pace among peers at now: from where the last decrease
// left it, a rise by the same amount for every run (a share of the
// ceiling, not of its own pace), whose slope doubles every peerDoubling.
func (a *adaptiveLimiter) peerPace(now time.Time) float64 {
	el := now.Sub(a.lastSignal).Seconds()
	return a.settledRate + peerSlope*a.ceiling*peerDoubling/math.Ln2*(math.Pow(2, el/peerDoubling)-1)
}

// quietSpell draws the next quiet spell: quiet, lengthened among a crowd
// of unseen peers, jittered.
func (a *adaptiveLimiter) quietSpell() time.Duration {
	if a.crowd == 0 || a.estimate <= 0 {
		return a.quiet // alone, as far as this run can tell
	}
	factor := max(1, min(math.Pow(2, float64(a.crowd)), a.ceiling/a.estimate, crowdMax))
	jitter := 1 + spellJitter*(2*a.rng.Float64()-1)
	return time.Duration(float64(a.quiet) * factor * jitter)
}

// holdFor holds every request for d, as the API's headers asked.
func (a *adaptiveLimiter) holdFor(ctx context.Context, now time.Time, d time.Duration) {
	d = min(d, maxHold)
	if a.host != nil && a.hostHold(ctx, now.Add(d)) == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.holdLocked(ctx, now, now.Add(d))
}

// holdLocked holds every request until then.
func (a *adaptiveLimiter) holdLocked(ctx context.Context, now, until time.Time) {
	if until.After(a.hold) {
		if !a.hold.After(now) {
			a.debug(ctx, "talkdesk API pace: quota spent, holding requests", map[string]any{"hold": until.Sub(now).String()})
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
