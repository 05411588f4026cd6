package billing

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/hostpace"
)

// hostShare makes the adaptive limiter's pace the pace of every provider
// process of this host that reads the same organization. The limiter
// keeps deciding the pace, as when alone; the decisions and the turns
// live in a hostpace state file: each request takes the next turn at the
// published pace (so that together the processes never exceed it, and
// they take turns fairly), and a decrease made by one process, what it
// measured, and a hold the API announced, are adopted by the others at
// their next turn.
//
// Each process measures the grant from its own answers, as when alone,
// and scales it by the share of the host's turns it took since the last
// decrease: what the processes were granted together.
type hostShare struct {
	pace *hostpace.Pace
	// gen counts the decreases this process made or adopted; the board's
	// is ahead when another process lowered the pace.
	gen uint64
	// turnsAtMark is the board's turn count at the last decrease, and
	// mine holds when this process took its turns since then.
	turnsAtMark uint64
	mine        []time.Time
	// refused holds when the host's last refused requests were sent (Unix
	// ns) since the last decrease, as the board had them at this
	// process's last operation.
	refused []int64
	warned  bool
	// members is how many processes shared the board at the last turn.
	members int
}

// hostDecision is what the limiter publishes on the board beside the
// pace: the state of its decisions, for the other processes to adopt.
type hostDecision struct {
	Gen         uint64        `json:"gen"`
	Mark        int64         `json:"mark"` // the last decrease, Unix ns
	Signals     int           `json:"signals"`
	Estimate    float64       `json:"grant"`
	Quiet       time.Duration `json:"quiet"`
	Spell       time.Duration `json:"spell"`
	Settled     float64       `json:"settled"`
	Probing     bool          `json:"probing"`
	Crowd       int           `json:"crowd"`
	TurnsAtMark uint64        `json:"turns_at_mark"`
	// The quota's model and a trial of the window's reading, with where
	// its failure falls back to (limiter_quota.go).
	Model         quotaModel `json:"model"`
	Trial         bool       `json:"trial"`
	FallbackPace  float64    `json:"fallback_pace"`
	FallbackGrant float64    `json:"fallback_grant"`
	// Refused holds when the host's last refused requests were sent
	// (Unix ns), at most maxRefusedKept, for a second's grant.
	Refused []int64 `json:"refused,omitempty"`
}

// maxRefusedKept bounds the refusals kept on the board since the last
// decrease: more than a second's worth.
const maxRefusedKept = 32

// maxTurnTimes bounds the turn times kept for the share.
const maxTurnTimes = 4096

// hostPace joins the pace of cfg's organization on this host; nil when
// it paces alone (asked to, an organization without a name, or a
// directory that cannot be used, said in one log line).
func hostPace(cfg Config) *hostpace.Pace {
	org, ok := cfg.Organization()
	if cfg.PaceAlone || !ok {
		return nil
	}
	p, err := openHostPace(org.Key())
	if err != nil {
		if cfg.Logger != nil {
			cfg.Logger.Warn(context.Background(), "talkdesk API pace: cannot share the pace with this host's other processes; pacing alone", map[string]any{"error": err.Error()})
		}
		return nil
	}
	return p
}

// hostPaces holds the state files this process opened, one per
// organization: the Clients of one process share it, and it stays open
// for the life of the process (its share ends with it).
var hostPaces struct {
	sync.Mutex
	byKey map[string]*hostpace.Pace
}

func openHostPace(key string) (*hostpace.Pace, error) {
	hostPaces.Lock()
	defer hostPaces.Unlock()
	path := filepath.Join(hostpace.Dir(), key)
	if p := hostPaces.byKey[path]; p != nil {
		return p, nil
	}
	p, err := hostpace.Open(key)
	if err != nil {
		return nil, err
	}
	if hostPaces.byKey == nil {
		hostPaces.byKey = map[string]*hostpace.Pace{}
	}
	hostPaces.byKey[path] = p
	return p, nil
}

// sharedLocked reports whether other processes of this host share the
// pace.
func (a *adaptiveLimiter) sharedLocked() bool { return a.host != nil && a.host.members > 1 }

// shareHost makes a's pace the host's; a nil p leaves it alone.
func (a *adaptiveLimiter) shareHost(p *hostpace.Pace) {
	if p != nil {
		a.host = &hostShare{pace: p}
	}
}

// hostTurn takes this request's turn of the host's pace and waits for it.
//
// Each process holds one turn at a time, placed at the pace of when it was
// taken; a decrease that another process publishes meanwhile voids it, and
// the turn is taken again at the new pace. Otherwise every process's turn
// placed before a 429 still went out at the old pace: with six processes,
// a quarter of a second of requests into a bucket known to be empty, which
// refused the organization's other clients as often as ours.
func (a *adaptiveLimiter) hostTurn(ctx context.Context) error {
	for range maxRetakes {
		gen, err := a.hostTurnOnce(ctx)
		if err != nil {
			return err
		}
		if !a.hostTurnVoided(ctx, gen) {
			return ctx.Err() // cancelled while checking: the request is not sent
		}
	}
	return ctx.Err()
}

// maxRetakes bounds the turns taken for one request while decreases keep
// voiding them; the last is used whatever comes.
const maxRetakes = 3

// hostTurnVoided reports whether the board holds a decrease newer than gen,
// the generation this process knew when it took its turn.
func (a *adaptiveLimiter) hostTurnVoided(ctx context.Context, gen uint64) bool {
	a.mu.Lock()
	own, alone := a.host.gen > gen, a.host.members <= 1
	a.mu.Unlock()
	if own || alone {
		return own // alone on the host: no other process publishes
	}
	voided := false
	err := a.host.pace.Peek(ctx, func(b hostpace.Board) {
		d, ok := decisionOf(b)
		voided = ok && d.Gen > gen
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	return err == nil && (voided || a.host.gen > gen)
}

// hostTurnOnce takes one turn, waits for it and returns the generation of
// decisions it was taken under.
func (a *adaptiveLimiter) hostTurnOnce(ctx context.Context) (uint64, error) {
	var gen uint64
	at, err := a.host.pace.Turn(ctx, func(b *hostpace.Board, now time.Time) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.host.members = b.Members
		a.adoptLocked(ctx, b)
		a.raiseLocked(ctx, now)
		group := probeGroupOf(a.probing, b.Members)
		h := a.host
		if len(h.mine) >= maxTurnTimes {
			h.mine = append(h.mine[:0], h.mine[maxTurnTimes/2:]...)
		}
		h.mine = append(h.mine, now)
		a.publishLocked(b)
		gen = h.gen
		// Placed within its interval, and no second of the host's turns
		// holding more than the configured rate (see limiter_window.go).
		// Not the pace: after a decrease, a second that already holds
		// more than the new pace silenced the host until it had passed,
		// and the turns due meanwhile then went together (six Terraform
		// applies beside a 5 req/s client: the client refused 0-3.4% in
		// three tries, 0-1.5% without).
		place(b, a.current, group, a.model == windowLike)
		b.PerWindow, b.Window = capCount(a.ceiling), capWindow
	})
	if err != nil {
		a.hostFailed(ctx, err)
		return 0, err
	}
	if err := sleep(ctx, time.Until(at)); err != nil {
		return 0, err
	}
	return gen, nil
}

// place sets where a turn of the host's pace is sent, at pace.
//
// Settled, each turn is sent at a random point of its interval: turns
// exactly one interval apart lock onto the refill of the quota's bucket
// and leave every refusal to the organization's other clients, which the
// pace then never hears of. A quota known to count in windows (windows)
// has no refill to lock onto, and there turns at random points put one
// more of them than the pace in some seconds, which the window refuses to
// whoever comes next: settled at 95% of a window's reading, six Terraform
// applies on one host refused the other client 2.4-5.8% of the time at
// random points, 0.3-3.3% one interval apart.
//
// Probing, with several processes on the host, the host's turns go in
// groups: those due within one span of group intervals are sent together
// at its end (spans counted from the Unix epoch, so that every process
// cuts them alike), so that once the probe has spent what the bucket held
// the last of a group is refused: the probe hears its first 429 in the
// first group that finds the bucket empty, before the other clients are
// refused. Spread out, a probe's turns each find the token
// that accrued since the last one, while a client sending every 200 ms
// arrives mid-gap and is refused, and its refusal leaves our next turn its
// token: six Terraform runs on one host refused such a client several
// times in a row at each probe before hearing a 429 themselves (3.1-4.3%
// of its requests in three tries). In pairs they still did, once or twice
// a probe (0-6.0% in six tries), as the client's arrivals kept falling
// just after a pair. A process alone on its host keeps random placement:
// among unseen peers on other hosts, its groups refused the foreign client
// more often (5.6% and 7.6% in two of five tries of six such runs).
//
// Groups were first made of every probeGroup-th turn of the host's
// count, sent when the last of them was due. A probe raises the pace
// faster than the processes take turns, so most turns were due as soon
// as taken, at different moments, and went alone or in threes: the
// other client, arriving just after them, was refused while the probe
// heard nothing (six Terraform applies, the server's log around each of
// its refusals). A group is no larger than the processes on the host:
// each holds one turn at a time, so two processes in spans of four
// intervals sent half the pace (1.36 x the leftover quota's time).
func place(b *hostpace.Board, pace float64, group int, windows bool) {
	interval := time.Duration(float64(time.Second) / max(minRate, pace))
	if group > 1 {
		b.Align = time.Duration(group) * interval
		return
	}
	if windows {
		return
	}
	b.Offset = time.Duration(rand.Float64() * float64(interval))
}

// probeGroupOf is how many of the host's turns go together: none when
// settled or alone on the host, and no more than the processes on it.
func probeGroupOf(probing bool, members int) int {
	if !probing || members < 2 {
		return 0
	}
	return min(probeGroup, members)
}

// probeGroup is how many of the host's turns a probe sends together, at
// most.
const probeGroup = 4

// hostThrottled handles a 429 with the host's board: a 429 of a request
// sent before another process's decrease belongs to the burst it
// answered; otherwise the decrease is this process's to make and publish.
func (a *adaptiveLimiter) hostThrottled(ctx context.Context, sent, now time.Time) error {
	a.mu.Lock()
	shared := a.sharedLocked()
	a.mu.Unlock()
	if shared {
		// The refusal goes on the host's record at once; the decision waits
		// for the refusals of the turns sent with it to be there too.
		err := a.host.pace.Update(ctx, func(b *hostpace.Board, _ time.Time) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.adoptLocked(ctx, b)
			a.recordRefusalLocked(sent)
			a.publishLocked(b)
		})
		if err != nil {
			a.hostFailed(ctx, err)
			return err
		}
		if err := sleep(ctx, mateWait); err != nil {
			return err
		}
	}
	err := a.host.pace.Update(ctx, func(b *hostpace.Board, decided time.Time) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.adoptLocked(ctx, b)
		h := a.host
		scale := grantScale{share: a.hostShareLocked(b), hostSent: b.SentBetween, hostRefused: h.refused}
		if shared {
			scale.group = sent
		}
		lowered := a.throttledLocked(ctx, sent, now, decided, scale)
		// On the host's record of refusals, whether it lowered the pace
		// or not (after the reading, which shares the record's array). A
		// second's grant is read only since the last decrease (see
		// lastSecondGrant), so a decrease empties the record, and a
		// refusal of a request sent before it is not kept.
		a.recordRefusalLocked(sent)
		if lowered {
			h.gen++
			h.turnsAtMark = b.Turns
			h.mine = h.mine[:0]
			a.restartTurnsLocked(b, decided)
		}
		a.publishLocked(b)
	})
	if err != nil {
		a.hostFailed(ctx, err)
	}
	return err
}

// restartTurnsLocked restarts the host's turns after this process
// decided a decrease at decided, at the new pace: the turns saved up
// during a quiet spell are dropped (Drain: the quota's bucket is empty).
//
// On a quota known to count in windows the turns restart from when the
// window's own count allows it (the host's record of turns sent: no
// capWindow then holds more than the new pace's count), and the turns
// booked at the refused pace are dropped. Those used to pass unused while
// their holders woke at their old times and took them again after them:
// after each refused probe the host sent nothing for 0.27-0.38 s and 10-14
// of its turns in the next second, where the window, sliding past the
// probe, took 15-17 (six Terraform applies beside a 5 req/s client on a
// sliding window: 1.07-1.11 x the leftover quota's time, 1.10 x on average
// over seven tries; 1.06-1.12 x, 1.08 x on average over sixteen, restarted
// so). Restarting at once instead, into a window the probe still filled,
// was refused (PERFORMANCE.md). A restarted turn may still meet the
// probe's last turns in the window, now and then, and the window's
// reading then settles the pace a request a second lower until the next
// probe (see windowReadingLocked). Keeping every turn to the pace's count
// in any capWindow prevents that but costs the cap's slack (19 turns a
// second became 18.6: 1.08-1.09 x); in any whole second, turns sent late
// met a window's full second (1.07-1.10 x, refused while settled after
// several probes); for the second after a decrease only, the turns due
// meanwhile went together once it had passed (1.14-1.19 x).
func (a *adaptiveLimiter) restartTurnsLocked(b *hostpace.Board, decided time.Time) {
	b.Drain = true
	if a.model != windowLike {
		return
	}
	b.Resume = decided
	if free := b.WindowFree(capCount(a.current), capWindow, decided); free.After(decided) {
		b.Resume = free
	}
}

// mateWait is how long a refusal's decision waits for the refusals of
// its group (the turns sent with it) to reach the host's record: their
// 429s come back together, but each process records its own, and the
// first to decide read the others' as accepted (see lastSecondGrant).
// The next group is a span of several intervals later.
const mateWait = 20 * time.Millisecond

// recordRefusalLocked puts a refusal of a request sent at sent on the
// host's record, once.
func (a *adaptiveLimiter) recordRefusalLocked(sent time.Time) {
	h := a.host
	mark := a.mark.UnixNano()
	h.refused = slices.DeleteFunc(h.refused, func(t int64) bool { return t < mark })
	t := sent.UnixNano()
	if t < mark || slices.Contains(h.refused, t) {
		return
	}
	if len(h.refused) >= maxRefusedKept {
		h.refused = append(h.refused[:0], h.refused[1:]...)
	}
	h.refused = append(h.refused, t)
}

// hostHold publishes a hold the API announced.
func (a *adaptiveLimiter) hostHold(ctx context.Context, until time.Time) error {
	err := a.host.pace.Update(ctx, func(b *hostpace.Board, now time.Time) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.adoptLocked(ctx, b)
		a.holdLocked(ctx, now, until)
		a.publishLocked(b)
	})
	if err != nil {
		a.hostFailed(ctx, err)
	}
	return err
}

// hostShareLocked is the factor from this process's grant to the host's:
// the turns every process took since the last decrease over this
// process's own.
func (a *adaptiveLimiter) hostShareLocked(b *hostpace.Board) float64 {
	h := a.host
	mine := 0
	for _, t := range h.mine {
		if !t.Before(a.lastSignal) {
			mine++
		}
	}
	if mine == 0 || b.Turns <= h.turnsAtMark {
		return 1
	}
	return max(1, float64(b.Turns-h.turnsAtMark)/float64(mine))
}

// adoptLocked takes up what the board holds that this process does not
// know yet: another process's decrease, a probe's rise, a hold.
func (a *adaptiveLimiter) adoptLocked(ctx context.Context, b *hostpace.Board) {
	h := a.host
	d, ok := decisionOf(*b)
	if b.Rate <= 0 || !ok || d.Gen < h.gen {
		return // a new or replaced board: ours is published after
	}
	h.refused = append(h.refused[:0], d.Refused...)
	if b.Hold.After(a.hold) {
		a.hold = b.Hold
	}
	now := time.Now()
	if d.Gen == h.gen {
		if b.Rate != a.current {
			a.probing = d.Probing
			a.setLocked(now, min(b.Rate, a.ceiling))
		}
		return
	}
	mark := time.Unix(0, d.Mark)
	a.debug(ctx, "talkdesk API pace: adopting another process's decrease", map[string]any{
		"from": round2(a.current), "rate": round2(b.Rate), "measured_grant": round2(d.Estimate), "processes": b.Members,
	})
	h.gen, h.turnsAtMark = d.Gen, d.TurnsAtMark
	a.signals, a.estimate, a.quiet, a.spell, a.settledRate, a.probing, a.crowd = d.Signals, d.Estimate, d.Quiet, d.Spell, d.Settled, d.Probing, d.Crowd
	a.model, a.trial, a.fallback = d.Model, d.Trial, trialFallback{pace: d.FallbackPace, grant: d.FallbackGrant}
	a.lastSignal, a.mark = mark, mark
	kept := a.answers[:0]
	for _, ans := range a.answers {
		if !ans.sent.Before(mark) {
			kept = append(kept, ans)
		}
	}
	a.answers = kept
	a.setLocked(now, min(b.Rate, a.ceiling))
}

// decisionOf reads the decisions a limiter published on b; ok is false on
// a board where none is, or a garbled one.
func decisionOf(b hostpace.Board) (d hostDecision, ok bool) {
	return d, len(b.Learned) > 0 && json.Unmarshal(b.Learned, &d) == nil
}

// publishLocked writes this process's decisions to the board.
func (a *adaptiveLimiter) publishLocked(b *hostpace.Board) {
	h := a.host
	b.Rate, b.Burst = a.current, burstFor(a.current)
	if a.hold.After(b.Hold) {
		b.Hold = a.hold
	}
	raw, err := json.Marshal(hostDecision{
		Gen: h.gen, Mark: a.lastSignal.UnixNano(), Signals: a.signals, Estimate: a.estimate,
		Quiet: a.quiet, Spell: a.spell, Settled: a.settledRate, Probing: a.probing, Crowd: a.crowd, TurnsAtMark: h.turnsAtMark,
		Model: a.model, Trial: a.trial, FallbackPace: a.fallback.pace, FallbackGrant: a.fallback.grant,
		Refused: h.refused,
	})
	if err == nil {
		b.Learned = raw
	}
}

// hostFailed notes, once, that the state file failed: the request paces
// alone.
func (a *adaptiveLimiter) hostFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	a.mu.Lock()
	warned := a.host.warned
	a.host.warned = true
	a.mu.Unlock()
	if !warned && a.log != nil {
		a.log.Warn(ctx, "talkdesk API pace: the host's shared pace failed; pacing this process alone where it does", map[string]any{"error": err.Error()})
	}
}
