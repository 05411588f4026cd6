package billing

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestLimiterPace measures the client's pace from the server's arrival
// times: no 1-second window holds more than rps+burst requests, and the
// sustained rate is close to rps.
// It runs alone (not parallel) so that no other test's load skews the
// arrival times.
func TestLimiterPace(t *testing.T) {
	const rps, pages = 20, 60
	burst := max(1, int(rps/5))
	f := newFakeAPI(t)
	f.pageSize = 5
	data := genAccounts(pages * 5)
	setRecords(f, endpointAccounts.path, data)
	got, err := f.client(func(c *Config) { c.RequestsPerSecond = rps }).Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	at := f.arrivalTimes()
	if len(at) != pages {
		t.Fatalf("server saw %d requests, want %d", len(at), pages)
	}
	// Arrival order may differ from send order by a hair; sort.
	slicesSortTimes(at)
	if worst := mostWithinOneSecond(at); worst > rps+burst {
		t.Errorf("%d requests arrived within one second, want at most %d", worst, rps+burst)
	}
	span := at[len(at)-1].Sub(at[0]).Seconds()
	// A token bucket admits at most burst + rps*span requests in span.
	if sustained := float64(len(at)-burst) / span; sustained > rps*1.05 {
		t.Errorf("sustained rate %.2f req/s over %.2fs, want <= %.2f", sustained, span, rps*1.05)
	}
	if overall := float64(len(at)) / span; overall < rps*0.8 {
		t.Errorf("overall rate %.2f req/s, want >= %.2f (the limiter is far too slow)", overall, rps*0.8)
	}
}

// TestAdaptivePacing: the server grants 8 req/s (a token bucket with a
// burst of 2, 429 beyond), the client starts at 25. The client must slow
// down so that 429s stay a small share, and still return exact data.
// (While 429s keep coming less than a second apart the pace must keep
// dropping; a client stuck at its first decrease, 12.5 req/s, gets ~40%
// 429s here.)
func TestAdaptivePacing(t *testing.T) {
	t.Parallel()
	const granted, ceiling = 8, 25
	f := newFakeAPI(t)
	f.pageSize = 10
	f.limiter = rate.NewLimiter(granted, 2)
	data := genUsage(900, 10) // 90 pages
	setRecords(f, endpointUsage.path, data)
	c := f.client(func(c *Config) { c.RequestsPerSecond = ceiling; c.MaxRetries = 20 })
	got, err := usageRecords(c.Usage(context.Background(), Query{}))
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	st := c.Stats()
	f.mu.Lock()
	total, throttled := f.apiRequests, f.throttled
	f.mu.Unlock()
	share := float64(throttled) / float64(total)
	t.Logf("%d requests, %d throttled (%.0f%%), client rate now %.2f, stats %+v", total, throttled, share*100, st.Rate, st)
	if st.Rate >= ceiling {
		t.Errorf("client rate %.2f, want below %d after 429s", st.Rate, ceiling)
	}
	if share > 0.15 {
		t.Errorf("%.0f%% of requests were throttled, want at most 15%%", share*100)
	}
	if st.Throttled != int64(throttled) {
		t.Errorf("Stats().Throttled = %d, server answered %d 429s", st.Throttled, throttled)
	}
}

func slicesSortTimes(ts []time.Time) {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}

// TestLimiterDecisions drives the limiter with synthetic times.
func TestLimiterDecisions(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	a := newAdaptiveLimiter(25, nil)
	// Pages answer 50 ms after they are sent.
	accept := func(fromMS, toMS, everyMS float64) {
		for ms := fromMS; ms < toMS; ms += everyMS {
			a.observe(ctx, at(ms), at(ms+50), http.StatusOK, http.Header{})
		}
	}
	refuse := func(sentMS, nowMS float64) {
		a.observe(ctx, at(sentMS), at(nowMS), http.StatusTooManyRequests, http.Header{})
	}

	accept(0, 390, 40)
	refuse(390, 391)
	if got := a.Rate(); got != 12.5 {
		t.Fatalf("after a first 429 with nothing measured the pace is %v, want half of 25", got)
	}
	// Requests sent before the decrease belong to the same burst.
	refuse(385, 396)
	if got := a.Rate(); got != 12.5 {
		t.Errorf("a 429 of a request sent before the decrease moved the pace to %v", got)
	}
	// Sent after it, but too soon to measure: counted, no new decrease.
	refuse(480, 481)
	if got := a.Rate(); got != 12.5 {
		t.Errorf("a 429 90 ms after the decrease moved the pace to %v", got)
	}
	// 10 pages accepted among those sent in the second after the
	// decrease: 10 req/s granted, and the pace settles under it. The
	// 429 comes back as late as a page would.
	accept(400, 1391, 100)
	refuse(1391, 1391+62.5)
	if got, want := a.Rate(), settleShare*10.0; math.Abs(got-want) > 0.01 {
		t.Errorf("pace %v after measuring 10 req/s granted, want %v", got, want)
	}
	if got := float64(a.lim.Limit()); math.Abs(got-a.Rate()) > 1e-9 {
		t.Errorf("underlying limiter at %v, pace %v", got, a.Rate())
	}
	last := at(1391 + 62.5)

	// No probe before the quiet spell ends, then growth up to the ceiling
	// and never beyond it. (The 429 came while the pace was settled:
	// peers are likely, and the spell is longer than quietBase.)
	spell := a.spell
	if spell < quietBase {
		t.Errorf("quiet spell %v, want at least %v", spell, quietBase)
	}
	a.raise(ctx, last.Add(spell-time.Millisecond))
	if got := a.Rate(); got != settleShare*10 {
		t.Errorf("pace rose to %v before the quiet spell ended", got)
	}
	prev := a.Rate()
	for ms := 0; ms <= 4000; ms += 100 {
		a.raise(ctx, last.Add(spell+time.Duration(ms)*time.Millisecond))
		if a.Rate() < prev {
			t.Fatalf("pace fell from %v to %v while probing", prev, a.Rate())
		}
		prev = a.Rate()
	}
	if a.Rate() != 25 {
		t.Errorf("pace %v after 4 s of probing, want back at the ceiling 25", a.Rate())
	}
}

// TestLimiterMeasuresAnsweredRequests: a 429 that comes back at once
// while pages sent before it are still on the way does not count those
// pages as refused.
func TestLimiterMeasuresAnsweredRequests(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAdaptiveLimiter(25, nil)
	a.observe(ctx, t0, t0, http.StatusTooManyRequests, http.Header{}) // first 429: 12.5
	// 10 req/s accepted for 2 s, each answered after 300 ms; the 429 for
	// a request sent at 2 s comes back at once, before the last pages.
	now := t0.Add(2 * time.Second)
	for sent := t0.Add(50 * time.Millisecond); sent.Before(now); sent = sent.Add(100 * time.Millisecond) {
		if answered := sent.Add(300 * time.Millisecond); !answered.After(now) {
			a.observe(ctx, sent, answered, http.StatusOK, http.Header{})
		}
	}
	a.observe(ctx, now, now.Add(time.Millisecond), http.StatusTooManyRequests, http.Header{})
	if got := a.Rate(); got < settleShare*10*0.9 || got > settleShare*10*1.05 {
		t.Errorf("pace %v, want about %v of the 10 req/s granted", got, settleShare)
	}
}

// TestLimiterRefusedProbeWaitsLonger: a probe refused where the grant was
// measured before lengthens the quiet spell; a new level resets it.
func TestLimiterRefusedProbeWaitsLonger(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAdaptiveLimiter(25, nil)
	now := t0
	// cycle sends one request every interval for span, as Wait would,
	// each accepted and answered after 50 ms; then the next one is
	// refused (answered as late as a page). It returns the quiet spell
	// chosen.
	cycle := func(span, every time.Duration) time.Duration {
		end := now.Add(span)
		for ; now.Before(end); now = now.Add(every) {
			a.raise(ctx, now)
			a.observe(ctx, now, now.Add(50*time.Millisecond), http.StatusOK, http.Header{})
		}
		now = now.Add(100 * time.Millisecond)
		a.observe(ctx, end, now, http.StatusTooManyRequests, http.Header{})
		return a.quiet
	}
	cycle(time.Second, 40*time.Millisecond) // first 429: halve
	if q := cycle(2*time.Second, 100*time.Millisecond); q != quietBase {
		t.Fatalf("quiet %v after a first measurement, want %v", q, quietBase)
	}
	// A probe (the pace rises after the quiet spell, lengthened by the
	// 429 that came while settled: peers are likely), refused at the
	// same grant (10 req/s): a longer quiet spell.
	if q := cycle(a.spell+2500*time.Millisecond, 100*time.Millisecond); q <= quietBase {
		t.Errorf("quiet %v after a probe refused at the same grant, want longer than %v", q, quietBase)
	}
	// A probe refused at a much lower grant (another client arrived):
	// probe again soon.
	if q := cycle(quietMax+time.Second, 250*time.Millisecond); q != quietBase {
		t.Errorf("quiet %v after a refused probe at a new grant, want %v", q, quietBase)
	}
}

// TestLimiterHoldsWhenQuotaSpent: rate-limit headers saying nothing is
// left hold every request until the reset, capped.
func TestLimiterHoldsWhenQuotaSpent(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAdaptiveLimiter(25, nil)
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", "3")
	a.observe(ctx, now, now, http.StatusOK, h)
	if hold := a.raise(ctx, now.Add(time.Second)); hold != 2*time.Second {
		t.Errorf("hold %v one second after a 3 s reset, want 2s", hold)
	}
	if hold := a.raise(ctx, now.Add(4*time.Second)); hold != 0 {
		t.Errorf("hold %v after the reset", hold)
	}
	if a.Rate() != 25 {
		t.Errorf("a spent quota on a 200 changed the pace to %v", a.Rate())
	}
	h.Set("X-RateLimit-Reset", "86400")
	a.observe(ctx, now, now, http.StatusOK, h)
	if hold := a.raise(ctx, now); hold != maxHold {
		t.Errorf("hold %v for a one-day reset, want the cap %v", hold, maxHold)
	}
}

func TestQuotaSpent(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		headers map[string]string
		want    time.Duration
		ok      bool
	}{
		{"none", nil, 0, false},
		{"x-ratelimit spent", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"}, 2 * time.Second, true},
		{"x-ratelimit left", map[string]string{"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "2"}, 0, false},
		{"x-ratelimit unix reset", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(now.Unix()+5, 10)}, 5 * time.Second, true},
		{"x-ratelimit unix reset passed", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(now.Unix()-5, 10)}, 0, false},
		{"draft 6", map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": "1.5"}, 1500 * time.Millisecond, true},
		{"draft 7 structured", map[string]string{"RateLimit": "limit=100, remaining=0, reset=4"}, 4 * time.Second, true},
		{"draft 8 structured", map[string]string{"RateLimit": `"default";r=0;t=7`}, 7 * time.Second, true},
		{"structured left", map[string]string{"RateLimit": `"default";r=3;t=7`}, 0, false},
		{"garbage", map[string]string{"X-RateLimit-Remaining": "none", "X-RateLimit-Reset": "soon"}, 0, false},
		{"no reset", map[string]string{"X-RateLimit-Remaining": "0"}, 0, false},
	}
	for _, c := range cases {
		h := http.Header{}
		for k, v := range c.headers {
			h.Set(k, v)
		}
		got, ok := quotaSpent(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: quotaSpent = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestLimiterLogsPaceChangesOnly: pace changes are logged at debug level
// with the rate and the reason; answers that change nothing log nothing.
func TestLimiterLogsPaceChangesOnly(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	log := &recordingLogger{}
	a := newAdaptiveLimiter(25, log)
	for i := range 200 {
		now := t0.Add(time.Duration(i) * 40 * time.Millisecond)
		a.observe(ctx, now, now, http.StatusOK, http.Header{})
		a.raise(ctx, now)
	}
	if len(log.debug)+len(log.warn) != 0 {
		t.Fatalf("logged %v %v for successes at the configured pace", log.debug, log.warn)
	}
	now := t0.Add(9 * time.Second)
	a.observe(ctx, now, now, http.StatusTooManyRequests, http.Header{})
	if len(log.debug) != 1 || len(log.warn) != 0 {
		t.Fatalf("logged debug %v warn %v for one 429, want one debug line", log.debug, log.warn)
	}
	if f := log.debug[0].fields; f["rate"] != 12.5 || f["reason"] == "" {
		t.Errorf("pace change logged with fields %v, want the new rate and a reason", f)
	}
}

type logLine struct {
	msg    string
	fields map[string]any
}

type recordingLogger struct {
	mu          sync.Mutex
	debug, warn []logLine
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.debug = append(l.debug, logLine{msg, fields})
}

func (l *recordingLogger) Warn(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warn = append(l.warn, logLine{msg, fields})
}

// TestRetriesWaitForTheLimiter: four concurrent requests refused at once
// (Retry-After: 0) are one signal, one decrease; their retries wait for
// the limiter like any request, so no second of arrivals exceeds the
// pace plus its burst.
func TestRetriesWaitForTheLimiter(t *testing.T) {
	t.Parallel()
	const rps = 20
	f := newFakeAPI(t)
	f.pageSize = 5
	data := genAccounts(40 * 5)
	setRecords(f, endpointAccounts.path, data)
	f.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n < 2 || n > 5 {
			return false
		}
		// Slow enough that all four are sent before the first 429 returns.
		time.Sleep(150 * time.Millisecond)
		w.Header().Set("Retry-After", "0")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"code": "1029", "message": "Too Many Requests"})
		return true
	}
	log := &recordingLogger{}
	c := f.client(func(c *Config) { c.RequestsPerSecond = rps; c.Logger = log })
	got, err := c.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	log.mu.Lock()
	var lowered []logLine
	for _, l := range log.debug {
		if strings.Contains(l.msg, "lowered") {
			lowered = append(lowered, l)
		}
	}
	log.mu.Unlock()
	if len(lowered) != 1 {
		t.Errorf("pace lowered %d times for one burst of 429s: %v", len(lowered), lowered)
	}
	at := f.arrivalTimes()
	slicesSortTimes(at)
	burst := burstFor(rps)
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		if n > rps+burst {
			t.Fatalf("%d requests arrived within one second from %v, want at most %d", n, at[i].Sub(at[0]), rps+burst)
		}
	}
}

// TestLimiterAmongPeers: where 429s come while settled and the grant
// measured is a small share of the ceiling, a 429 cuts every run to the
// same share of its own pace, and the pace rises again by the same
// amount for every run, whatever its own pace: the rule that evens out
// the shares of runs that cannot see each other. A pace that rose past
// twice that share probes as a lone run does.
func TestLimiterAmongPeers(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	among := func(pace float64) *adaptiveLimiter {
		a := newAdaptiveLimiter(25, nil)
		a.mu.Lock()
		defer a.mu.Unlock()
		a.signals, a.crowd, a.estimate = 3, peerCrowd, pace
		a.decreasedLocked(t0, pace)
		return a
	}
	// One 429 while settled may follow a cut made blind: no crowd yet.
	once := among(4)
	once.mu.Lock()
	once.crowd = peerCrowd - 1
	if once.peersLocked() {
		t.Error("a single 429 while settled makes a crowd of peers")
	}
	once.mu.Unlock()
	small, large := among(2), among(4)
	for _, a := range []*adaptiveLimiter{small, large} {
		a.observe(ctx, t0.Add(time.Second), t0.Add(time.Second+time.Millisecond), http.StatusTooManyRequests, http.Header{})
	}
	cut := t0.Add(time.Second + time.Millisecond)
	if got, want := small.Rate(), 2*peerCut; math.Abs(got-want) > 1e-9 {
		t.Errorf("the run at 2 req/s cut to %v, want %v", got, want)
	}
	if got, want := large.Rate(), 4*peerCut; math.Abs(got-want) > 1e-9 {
		t.Errorf("the run at 4 req/s cut to %v, want %v", got, want)
	}
	// A 429 of a request sent before the cut is the same burst.
	large.observe(ctx, t0.Add(time.Second), cut.Add(time.Millisecond), http.StatusTooManyRequests, http.Header{})
	if got := large.Rate(); math.Abs(got-4*peerCut) > 1e-9 {
		t.Errorf("a 429 sent before the cut moved the pace to %v", got)
	}
	var rises []float64
	for _, later := range []time.Duration{2 * time.Second, 6 * time.Second} {
		for _, a := range []*adaptiveLimiter{small, large} {
			before := a.Rate()
			a.raise(ctx, cut.Add(later))
			rises = append(rises, a.Rate()-before)
		}
	}
	if rises[0] <= 0 || math.Abs(rises[0]-rises[1]) > 1e-9 || math.Abs(rises[2]-rises[3]) > 1e-9 {
		t.Errorf("rises %v: want the same positive rise for both runs at each time", rises)
	}
	if rises[2] <= rises[0] {
		t.Errorf("the rise from 2 s to 6 s (%v) is not larger than in the first 2 s (%v): the slope should grow without 429s", rises[2], rises[0])
	}
	// A process that shares its host's pace with others keeps to
	// measuring: its measured share is the host's.
	shared := among(4)
	shared.host = &hostShare{members: 2}
	if shared.mu.Lock(); shared.peersLocked() {
		t.Error("a process sharing its host's pace with another follows the rule among unseen peers")
	}
	shared.mu.Unlock()
	shared.host.members = 1
	if shared.mu.Lock(); !shared.peersLocked() {
		t.Error("a process alone on its host's pace does not follow the rule among unseen peers")
	}
	shared.mu.Unlock()
	// Long without a 429 the pace passes twice the share and probes as
	// alone, up to the ceiling.
	small.raise(ctx, cut.Add(40*time.Second))
	small.raise(ctx, cut.Add(80*time.Second))
	if got := small.Rate(); got != 25 {
		t.Errorf("pace %v after 80 s without a 429, want back at the ceiling", got)
	}
}

// TestLimiterMeasuresTheProbe: a probe refused after a quiet spell is
// measured over the probe when the pace is the host's (the spell, kept
// under the grant by design, would make every probe settle lower), and
// over the whole span by a run alone on its host whose quota is known to
// save unused requests (a bucket). A run alone that does not know yet
// tries the last second's grant (a window's reading), 0.3 s at 12 req/s
// and 0.7 s at 20 here.
func TestLimiterMeasuresTheProbe(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		members  int
		model    quotaModel
		low, top float64 // the pace expected after the probe
		trial    bool
	}{
		{2, unknownModel, probeSettleShare * 20 * 0.9, probeSettleShare * 20 * 1.05, false},
		{1, bucketLike, settleShare * 12, settleShare * 15, false},
		{1, unknownModel, settleShare * 17, settleShare * 18.5, true},
	} {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		a := newAdaptiveLimiter(25, nil)
		a.model = tc.model
		if tc.members > 1 {
			a.host = &hostShare{members: tc.members}
		}
		refuse := func(sent, now time.Time) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.throttledLocked(ctx, sent, now, now, alone)
		}
		refuse(t0, t0) // first 429: 12.5
		// The quiet spell at 12 req/s, all accepted; then the probe, at
		// the 20 req/s the API grants, until a request is refused.
		now := t0
		send := func(until time.Time, every time.Duration) {
			for ; now.Before(until); now = now.Add(every) {
				a.raise(ctx, now)
				a.accepted(now, now.Add(50*time.Millisecond))
			}
		}
		send(t0.Add(a.spell), time.Second/12)
		send(now.Add(700*time.Millisecond), time.Second/20)
		refuse(now, now.Add(50*time.Millisecond))
		if got := a.Rate(); got < tc.low || got > tc.top {
			t.Errorf("%d processes on the host, quota read as %v: pace %.2f after the probe, want %.2f-%.2f", tc.members, tc.model, got, tc.low, tc.top)
		}
		if a.trial != tc.trial {
			t.Errorf("%d processes on the host, quota read as %v: trying the window's reading %v, want %v", tc.members, tc.model, a.trial, tc.trial)
		}
	}
}

// TestLimiterWindowTrial: a pace settled under the last second's grant
// and refused while settled goes where the bucket's reading had put it,
// and the quota is read as a bucket from then on; one that lasts a whole
// quiet spell reads the quota as windows, and so does one refused while
// settled after it held for trialHeld (a window's refusal, another
// client's: the pace is not sent back to the bucket's reading).
func TestLimiterWindowTrial(t *testing.T) {
	ctx := context.Background()
	for _, refusedAfter := range []time.Duration{500 * time.Millisecond, trialHeld + 100*time.Millisecond, 0} {
		refusedWhileSettled := refusedAfter > 0
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		a := newAdaptiveLimiter(25, nil)
		refuse := func(sent, now time.Time) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.throttledLocked(ctx, sent, now, now, alone)
		}
		now := t0
		send := func(until time.Time, every time.Duration) {
			for ; now.Before(until); now = now.Add(every) {
				a.raise(ctx, now)
				a.accepted(now, now.Add(50*time.Millisecond))
			}
		}
		refuse(t0, t0)
		send(t0.Add(a.spell), time.Second/12)
		send(now.Add(700*time.Millisecond), time.Second/20)
		refuse(now, now.Add(50*time.Millisecond))
		a.mu.Lock()
		tried, fallback := a.trial, a.fallback.pace
		a.mu.Unlock()
		if !tried {
			t.Fatalf("the window's reading was not tried")
		}
		if refusedWhileSettled && refusedAfter >= trialHeld {
			settled := a.Rate()
			send(now.Add(refusedAfter), time.Second/15)
			refuse(now, now.Add(50*time.Millisecond))
			// The pace may settle under the new window's reading, on trial
			// again, as every reading of it is.
			if a.model != windowLike {
				t.Errorf("refused while settled %v after the trial began: quota read as %v, want windows", refusedAfter, a.model)
			}
			if got := a.Rate(); math.Abs(got-fallback) < 0.01 || got > settled {
				t.Errorf("refused while settled %v after the trial began: pace %.2f, want under %.2f and not the bucket's reading %.2f", refusedAfter, got, settled, fallback)
			}
			continue
		}
		if refusedWhileSettled {
			send(now.Add(refusedAfter), time.Second/15)
			refuse(now, now.Add(50*time.Millisecond))
			if a.model != bucketLike || a.trial {
				t.Errorf("refused while settled: quota read as %v (trial %v), want a bucket", a.model, a.trial)
			}
			if got := a.Rate(); math.Abs(got-fallback) > 0.01 {
				t.Errorf("refused while settled: pace %.2f, want the bucket's reading %.2f", got, fallback)
			}
			if a.crowd != 0 {
				t.Errorf("refused while settled on trial: counted as another client's refusal (crowd %d)", a.crowd)
			}
			continue
		}
		send(now.Add(a.spell+time.Second), time.Second/15)
		if a.model != windowLike || a.trial {
			t.Errorf("a quiet spell under the window's reading: quota read as %v (trial %v), want windows", a.model, a.trial)
		}
	}
}

// TestLimiterLeavesPeersWithoutAJump: a pace that rises out of the rule
// among peers (twice peerShare of the ceiling) probes from there as a
// lone run does, at once and growing, not straight to the ceiling: the
// jump from 10 to 25 req/s emptied the quota for every client, the
// organization's other integrations included.
func TestLimiterLeavesPeersWithoutAJump(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAdaptiveLimiter(25, nil)
	a.mu.Lock()
	a.signals, a.crowd, a.estimate = 3, 3, 3
	a.decreasedLocked(t0, 2)
	a.spell = 20 * time.Second // a long spell among a crowd
	a.mu.Unlock()
	bound := 2 * peerShare * 25
	now := t0
	for ; a.Rate() <= bound; now = now.Add(10 * time.Millisecond) {
		if now.Sub(t0) > time.Minute {
			t.Fatalf("pace %v after a minute without a 429, want above %v", a.Rate(), bound)
		}
		a.raise(ctx, now)
	}
	left := a.Rate()
	if left > bound*1.1 {
		t.Errorf("pace %v on leaving the rule among peers, want just over %v", left, bound)
	}
	// A tenth of a second later: growing, far from the ceiling.
	a.raise(ctx, now.Add(100*time.Millisecond))
	if got := a.Rate(); got <= left || got > bound*1.5 {
		t.Errorf("pace %v 0.1 s after leaving the rule among peers at %v, want above it and at most %v", got, left, bound*1.5)
	}
	// Within the quiet spell still, yet back at the ceiling in a few
	// seconds: the rise among peers was the quiet.
	for ms := 100; ms <= 3000; ms += 100 {
		a.raise(ctx, now.Add(time.Duration(ms)*time.Millisecond))
	}
	if got := a.Rate(); got != 25 {
		t.Errorf("pace %v 3 s after leaving the rule among peers, want back at the ceiling", got)
	}
}

// TestLimiterNeverExceedsThePaceInAnySecond: whatever burst the
// rate.Limiter allows, at the start or after an idle spell, no second
// holds more requests than the pace's count, so a quota counted in
// one-second windows refuses none of a lone run's; and the cap costs the
// pace little.
func TestLimiterNeverExceedsThePaceInAnySecond(t *testing.T) {
	for _, pace := range []float64{25, 10, 3.1} {
		a := newAdaptiveLimiter(pace, nil)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var sent []time.Time
		for i := range 200 {
			if i == 100 {
				now = now.Add(5 * time.Second) // idle: the rate.Limiter's burst is back
			}
			now = now.Add(a.simRelease(now, 0))
			sent = append(sent, now)
		}
		if worst := mostWithinOneSecond(sent); worst > capCount(pace) {
			t.Errorf("pace %v: %d requests within one second, want at most %d", pace, worst, capCount(pace))
		}
		if got := 99 / sent[99].Sub(sent[0]).Seconds(); got < 0.95*pace {
			t.Errorf("pace %v: sent at %.2f req/s, want at least %.2f", pace, got, 0.95*pace)
		}
	}
}

// mostWithinOneSecond is the most of the sorted times that fall within
// one second of one another.
func mostWithinOneSecond(times []time.Time) int {
	most := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		most = max(most, j-i)
	}
	return most
}
