package billing

import (
	"context"
	"math"
	"time"
)

// Bucket or windows. The contract says only "25 requests per second".
//
// A bucket saves what a pace leaves unused, up to its depth, so a probe
// after a quiet spell is refused only once it has spent the savings: the
// grant is what the API accepted from the last decrease to the refusal,
// over that span (the bucket is empty at both ends), and a probe that
// got more than the pace it started from took it from the quota's other
// clients, so the pace settles no higher than where the probe began.
//
// A window saves nothing past its second: over the whole span the
// measurement counts the quiet spell's own pace, kept under the grant by
// design, and each settle lands lower than the last (a run alone beside
// a 5 req/s client on a sliding window, simulated: settled at 11 of the
// 20 req/s left to it, 1.58 x the leftover quota's time). There the grant
// is what the API accepted in the second before the refusal, and a probe
// that found more may settle higher.
//
// One refusal cannot tell the two apart: a bucket's savings, spent in a
// probe's last second, look like a window's second. So the limiter tries:
// where the window's reading would settle the pace clearly higher (by
// windowEvidence) than the bucket's, and the last second's grant is below
// 90% of the ceiling (at the ceiling, the refusal is another client's
// spending, not the quota's count), it settles under the last second's
// grant. A bucket then refuses while the pace is settled, its savings
// spent and the pace above its grant, within a second or two: the pace
// goes where the bucket's reading had put it, that refusal is not counted
// as another client's, and the quota is read as a bucket for the rest of
// the process's life (a bucket pays that one refusal). A window lets the
// settled pace be until the next probe, and from then on its reading is
// used whenever it is the higher, each time on the same trial. (For a
// process that shares no pace on its host, a settled pace that held for
// trialHeld also reads the quota as windows: a refusal after that is
// another client's, not the bucket's.)
//
// Processes that share a host's pace try it together: the last second's
// grant is the host's (see lastSecondGrant), and the trial, its fallback
// and the model travel with the pace's other decisions.
//
// Simulated over 16 seeds, a run granted 10 req/s took 1.16 x the quota's
// time on a sliding window instead of 1.61 x, and a run beside a 5 req/s
// client 1.15 x the leftover quota's time instead of 1.58 x; on a bucket
// no run was taken for windows. Six Terraform applies on one host beside
// a 5 req/s client: 1.21-1.26 x on a sliding window, 1.08-1.19 x on fixed
// ones (1.32-1.36 x and 1.20-1.21 x while they kept to the bucket's
// reading); reading the second through the refused request's group and,
// once the quota is known to count in windows, settling at windowSettle
// of it: 1.11-1.14 x and 1.07-1.13 x (1.11-1.12 x on a sliding window with
// the first refusal read so too: firstSettleLocked).
type quotaModel int

const (
	unknownModel quotaModel = iota
	bucketLike
	windowLike
)

func (m quotaModel) String() string { return [...]string{"unknown", "a bucket", "windows"}[m] }

// trialCeiling is the share of the ceiling from which a last second's
// grant is not tried: a refusal at the ceiling is another client's
// spending, not the quota's count (two runs on one bucket, simulated:
// the run that took every token measured the whole ceiling in its last
// second, settled near it, and starved the other).
const trialCeiling = 0.9

// windowEvidence is how much higher a window's reading must settle the
// pace than a bucket's for the limiter to try it.
const windowEvidence = 0.05

// lastSecondGrant is the rate of accepted requests among those sent in
// the second before a refusal, or 0 when the measurement spans less.
//
// A process alone reads its own answers over the second before end
// (answers to requests sent since may be on the way), and a process alone
// on its host the host's record over that second. Processes that share
// the host's pace read the host's record over the second that ends with
// the refused request's group (scale.group: the turns sent at the same
// instant, which the window let through or refused alike): the host's
// turns sent in it less the host's refusals among them, the group's
// included, which the decision waited for (mateWait).
//
// Six Terraform applies beside a 5 req/s client on a sliding window,
// where the server counted 20 of ours in the second before each refusal:
// their own answers scaled by their share of the span's turns read up to
// 22, enough for a trial to settle above the quota and be refused; the
// host's record over the second before end, a round trip before the
// refusal, read 16-20 (a probe's last round trip is its densest), and the
// pace settled at 15-18 req/s (1.21-1.27 x the leftover quota's time);
// ending before the refused request's group, 17; with the group before
// its mates' refusals were on the record, 20-23; as here, 19-21. Where
// the host's record does not reach back a second, there is no reading,
// but at the first refusal of processes sharing the pace.
func (a *adaptiveLimiter) lastSecondGrant(end time.Time, scale grantScale) float64 {
	refusedTo := end
	if !scale.group.IsZero() {
		end = scale.groupEnd()
		refusedTo = end.Add(sameInstant)
	}
	from, since := a.secondSinceMark(end)
	if !since {
		return 0
	}
	if scale.hostSent == nil {
		return a.grantedBetween(from, end)
	}
	n, covered := scale.hostSent(from, end)
	if !covered && (a.signals > 0 || scale.group.IsZero()) {
		// At the first refusal of processes sharing the pace, a record
		// under a second long is read as it is: a window may fill within
		// its first second (see firstSettleLocked).
		return 0
	}
	for _, t := range scale.hostRefused {
		if t >= from.UnixNano() && t < refusedTo.UnixNano() {
			n--
		}
	}
	return float64(max(n, 0)) / end.Sub(from).Seconds()
}

// sameInstant is how close to a refused request's send time the host's
// turns are taken for its group, sent with it (the host's record holds
// when turns were due; a process sends a little after).
const sameInstant = 5 * time.Millisecond

// secondSinceMark is the start of the second that ends at end, and
// whether that second lies wholly since the last decrease: one that began
// before it holds requests sent at the old pace, and reads neither the
// grant nor the pace's count.
func (a *adaptiveLimiter) secondSinceMark(end time.Time) (from time.Time, since bool) {
	from = end.Add(-time.Second)
	return from, !from.Before(a.mark)
}

// groupEnd is where the second read through the refused request's group
// ends: just after the group, whose turns went with it.
func (s grantScale) groupEnd() time.Time { return s.group.Add(sameInstant) }

// windowSettle is the share of a window's reading the pace settles at
// once the quota is known to count in windows, and windowQuietMax the
// longest quiet spell between its probes there. A window saves nothing
// for a probe: the tenth under the grant that lets a bucket fill again is
// only time lost there, and each probe fills the window, is refused, and
// waits for it to slide. Six Terraform applies on one host beside a 5
// req/s client on a sliding window, with the host's reading of 19-21:
// settled at 90% and probing every 2-3 s, 1.19-1.27 x the leftover
// quota's time; at 95% and up to 6 s, 1.11-1.15 x; with the spell doubled
// after each probe refused at the same grant, up to 12 s (a refusal while
// settled had started it over: probes came every 4-5 s), 1.07-1.12 x,
// 1.09 x on average (fixed windows 1.07 x, our 429s 1.5-1.8%).
//
// The quota is known to count in windows once a trial of the window's
// reading lasted a quiet spell (see trialFailedLocked); from then on no
// trial is made, and a refusal while settled, which a window gives when
// the other clients' arrivals meet a full second, lowers the pace
// (windowRefusedLocked) instead of taking the quota for a bucket (that verdict,
// on a window, settled each probe lower than the last: 13 req/s of the 20
// left, 1.38-1.40 x).
const (
	windowSettle   = 0.95
	windowQuietMax = 12 * time.Second
)

// firstSettleLocked is the pace at the first 429, which has no
// measurement, for processes that share a host's pace: where the host's
// record through the refused request's group reads as a window's count,
// settling under it is tried (a bucket refuses that pace within a second
// or two and the pace goes to cut), and ok is false where it does not.
// A window may fill within the record's first second, which is read as it
// is: six Terraform applies beside a 5 req/s client on a sliding window
// were first refused before their record reached back a second, and until
// their first measured decrease 3-4 s later they read at 10-14 req/s of
// the 20 left, cut to half; settled under such a reading (20-21), at
// 18-19 from their second second (1.11-1.12 x the leftover quota's time,
// two tries, against 1.11-1.14 x).
// On a bucket the first refusal comes once its savings are spent, at the
// ceiling, whose reading is not tried: the pace goes to cut
// (sharedFirstCut of itself).
// The reading is tried where it settles clearly above half the pace (a
// lone run's first cut), not above cut: cut is close to a window's usual
// reading (17.5 against 18 under a reading of 20), and after a pace kept
// near the grant the next refusal reads the same grant as a bucket's and
// as a window's, so no trial follows there either and the quota's count
// stays unknown for a probe or more (six Terraform applies on a sliding
// window, two tries first cut to 17.5: 19 req/s, the windows' settle, 6 s
// and 9 s after the first refusal).
func (a *adaptiveLimiter) firstSettleLocked(end time.Time, scale grantScale, cut float64) (next, grant float64, ok bool) {
	if !a.firstSharedLocked(scale) || a.model != unknownModel {
		return 0, 0, false
	}
	last := a.lastSecondGrant(end, scale)
	next = a.bounded(last, settleShare)
	if !a.readingUsable(last) || next <= a.current*firstCut*(1+windowEvidence) {
		return 0, 0, false
	}
	a.trial, a.fallback, a.estimate = true, trialFallback{pace: cut}, last
	return next, last, true
}

// firstSharedLocked reports whether a 429 is the first of processes that
// share a host's pace (scale.group is set only where they do).
func (a *adaptiveLimiter) firstSharedLocked(scale grantScale) bool {
	return a.signals == 0 && !scale.group.IsZero()
}

// settleLocked chooses the pace after a 429 measured a grant over the
// span (granted) and over its last second (last), given the window's
// reading of it where the quota is known to count in windows (reading,
// from windowReadingLocked; 0 elsewhere) and the share of the grant to
// settle at; it returns the pace and the grant it settled under.
func (a *adaptiveLimiter) settleLocked(granted, last, reading, settle float64) (next, grant float64) {
	if reading > 0 {
		return a.windowRefusedLocked(reading)
	}
	sameLevel := a.pauseAfterProbeLocked(granted, quietMax)
	bucketNext := a.bounded(granted, settle)
	if sameLevel {
		bucketNext = min(bucketNext, a.settledRate)
	}
	next, grant = bucketNext, granted
	windowNext := a.bounded(last, settle)
	evidence := 1 + windowEvidence
	if a.model == windowLike {
		evidence = 1
	}
	if a.readingUsable(last) && a.model != bucketLike && windowNext > bucketNext*evidence {
		a.trial, a.fallback = true, trialFallback{pace: bucketNext, grant: granted}
		next, grant = windowNext, last
	}
	a.estimate = grant
	return next, grant
}

// windowReadingLocked is the grant a refusal reads on a quota known to
// count in windows, through the refused request's group (throughGroup):
// the last second's (last), or, where there is none (a record under a
// second long) or it is at the ceiling, which a second straddling two of
// a fixed window's gives, the grant read before. (Measured over the span
// instead, six Terraform applies on fixed windows settled at 23.75 and
// then 12.86, and at 15-18 after others.) It is 0 elsewhere: the grant is
// measured over the span.
//
// The span's measurement is not needed for it: where this process's own
// answers hold none accepted over a probe refused within half a second,
// the pace went to half of itself instead (six Terraform applies on a
// sliding window: 12 req/s of the 20 left for the 12 s to the next probe,
// 1.16 x the leftover quota's time).
func (a *adaptiveLimiter) windowReadingLocked(last float64, throughGroup bool) float64 {
	if a.model != windowLike || !throughGroup {
		return 0
	}
	if a.readingUsable(last) {
		return last
	}
	return a.estimate
}

// readingUsable reports whether a last second's grant reads the quota's
// count: there is one, and it is under trialCeiling of the ceiling.
func (a *adaptiveLimiter) readingUsable(last float64) bool {
	return last > 0 && last < trialCeiling*a.ceiling
}

// bounded is share of the grant g as the next pace, within the deepest
// and the gentlest decrease from the current one.
func (a *adaptiveLimiter) bounded(g, share float64) float64 {
	return min(max(g*share, a.current*deepestCut), a.current*gentlestCut)
}

// windowPaceLocked is the pace under a window's grant: windowSettle of
// it, in whole requests a second, and at least one whole request under
// it. A window counts whole requests, and a pace's fraction over a whole
// number puts one request more in most of its seconds, which the quota's
// other clients then miss: six Terraform applies beside a 5 req/s client
// on a sliding window, settled at 95% of a reading of 21 (19.95), sent 20
// a second, and the other client was refused in every other second while
// they did (4.3% and 3.4% of its requests in two tries of five; 0.8-1.4%
// in the three that read 20 and kept to 19).
func (a *adaptiveLimiter) windowPaceLocked(grant float64) float64 {
	p := a.bounded(grant, windowSettle)
	if p < 2 {
		return p
	}
	return max(1, min(math.Round(p), wholeUnder(grant), math.Floor(a.current*gentlestCut)))
}

// wholeUnder is one request a second fewer than a pace of r puts in most
// of its seconds (its cap's count, capCount).
func wholeUnder(r float64) float64 { return float64(capCount(r) - 1) }

// pauseAfterProbeLocked sets the next quiet spell after a probe refused
// at grant: a probe refused at the grant it started from waits longer
// before the next one (up to longest); a new level of grant probes again
// soon. It reports whether the level was the same.
func (a *adaptiveLimiter) pauseAfterProbeLocked(grant float64, longest time.Duration) bool {
	same := a.probing && a.sameGrant(grant)
	if same {
		a.quiet = min(a.quiet*3/2, longest)
	} else {
		a.quiet = quietBase
	}
	return same
}

// windowRefusedLocked settles the pace after a refusal on a quota known
// to count in windows, read through the refused request's group (last:
// the host's requests let through in the second before it), and returns
// the pace and the grant it keeps to. It also sets the quiet spell before
// the next probe.
//   - A probe refused at about the grant read before (sameGrant) doubles
//     the quiet spell, up to windowQuietMax: the grant holds. The grant
//     becomes the mean of the two readings: a reading is 25 less the other
//     clients' requests in that one second, which move by one or two with
//     their jitter (19-21 of the 20 left beside a 5 req/s client); under
//     the last reading alone, the pace kept to 18 for the 12 s after each
//     reading of 19.
//   - A refusal while settled at that grant reads the pace, not the grant
//     (the other clients' arrivals met a full second): the pace sends one
//     request a second fewer (settled under the reading, a pace of 19
//     read 18 and kept to 17 for 8 s), and the quiet spell is halved, so
//     that a probe soon finds the grant again (kept whole, a pace cut to
//     17 of the 20 left stayed there 12 s). The grant is no more than
//     the pace refused: a fixed window's reading straddles two of its
//     seconds and reads one or two over what the window leaves (21-22 of
//     the 20 left beside a 5 req/s client), and with the grant kept there
//     every probe settled again at 21, was refused while settled and
//     probed again soon (six Terraform applies, two tries: 2.0% and 2.3%
//     of ours refused, over the 2%, the other client 3.8% and
//     1.7%; 1.1-1.6% and 0.3-2.0% in six tries since).
//   - A grant that moved starts the quiet spell over from quietBase.
func (a *adaptiveLimiter) windowRefusedLocked(last float64) (next, grant float64) {
	switch {
	case !a.sameGrant(last):
		a.quiet = quietBase
		a.estimate = last
	case a.probing:
		a.quiet = min(a.quiet*2, windowQuietMax)
		a.estimate = (a.estimate + last) / 2
	default:
		a.quiet = max(quietBase, a.quiet/2)
		a.estimate = min(a.estimate, a.current)
		return max(a.windowPaceLocked(last), wholeUnder(a.current)), a.estimate
	}
	return a.windowPaceLocked(a.estimate), a.estimate
}

// sameGrant reports whether grant is the grant measured before, within
// sameLevel.
func (a *adaptiveLimiter) sameGrant(grant float64) bool {
	return a.estimate > 0 && math.Abs(grant-a.estimate) <= sameLevel*a.estimate
}

// trialFallback is where the bucket's reading settled the pace when the
// window's was tried instead: where the pace goes if the trial fails,
// rather than under the grant measured over the short span since.
type trialFallback struct{ pace, grant float64 }

// trialFailedLocked reports whether this 429, which came at now while
// the pace was settled under the last second's grant, ends its trial: the
// quota saves what a pace leaves unused, a bucket. For a process that
// shares no pace on its host, a trial that has held for trialHeld ends
// the other way: the quota counts in windows, and this refusal is read as
// a window's.
func (a *adaptiveLimiter) trialFailedLocked(ctx context.Context, now time.Time) bool {
	if !a.trial || a.probing {
		return false
	}
	if !a.sharedLocked() && now.Sub(a.lastSignal) >= trialHeld {
		a.trialPassedLocked()
		a.debug(ctx, "talkdesk API pace: the quota counts in one-second windows (a pace under the last second's grant held)", nil)
		return false
	}
	a.trial, a.model = false, bucketLike
	a.debug(ctx, "talkdesk API pace: the quota saves unused requests (a bucket)", nil)
	return true
}

// trialHeld is how long a pace settled under the last second's grant
// must have held for a refusal while settled not to end its trial in a
// bucket's favour, where the process shares no pace on its host. A bucket
// refuses such a pace within a second or two, once the savings that let
// it through are spent; a window lets it be, and a refusal later is
// another client's probe or arrival meeting a full second. Two runs on
// different hosts against one window: the run refused while settled
// during the other's probe took the quota for a bucket for good, fell
// under the rule among peers with a fifth of the quota, and rose slowly
// there once the other had finished (simulated, 48 seeds, the second run
// started 0 / 0.3 / 0.7 / 3 s after the first: a sliding window 1.20 /
// 1.30 / 1.35 / 1.15 x the quota's time before, 1.17 / 1.28 / 1.30 /
// 1.14 x after; fixed windows 1.21 / 1.54 / 1.47 / 1.10 x before, 1.20 /
// 1.53 / 1.39 / 1.06 x after; beside a 5 req/s client on a sliding
// window 1.20 x before, the worst seed 1.61 x, and 1.15 x after, 1.37 x,
// the other client refused 8.9 and 9.3% of the time; one, six and twelve
// runs as before, on windows and on buckets of 5 to 100 requests).
// Processes that share a host's pace read the refused request's group
// instead, and keep their trial as it is.
const trialHeld = 1500 * time.Millisecond

// trialOverPaceLocked reports whether a 429 that would end a trial of the
// window's reading came in a second through the refused request's group
// in which the host's processes sent more turns than the pace's count: a
// window refuses that whatever the pace, so it says nothing of how the
// quota counts, and the trial goes on at the same pace. (The turns that a
// decrease voids are retaken after it, up to the pace's burst at once:
// six Terraform applies settled at 18 under a sliding window's reading of
// 20 sent 21 in the second after, a refusal read as a bucket's, and the
// pace kept to a bucket's reading for the rest of the run, 1.38 x the
// leftover quota's time.) Only a second wholly since the decrease counts:
// one that began before it holds turns sent at the old pace, and a bucket
// that refuses soon after the decrease is telling (three processes on a
// bucket of 10 req/s: up to 9% of their requests refused, 3-5% before,
// while such seconds held off the verdict). A process alone keeps to the
// pace's count in any second of its own (capDelay).
func (a *adaptiveLimiter) trialOverPaceLocked(scale grantScale) bool {
	if !a.trial || a.probing || scale.group.IsZero() || scale.hostSent == nil {
		return false
	}
	end := scale.groupEnd()
	from, since := a.secondSinceMark(end)
	if !since {
		return false
	}
	n, covered := scale.hostSent(from, end)
	return covered && n > capCount(a.current)
}

// fallBackLocked is the pace and the grant after a failed trial: where the
// bucket's reading had put them.
func (a *adaptiveLimiter) fallBackLocked() (next, grant float64) {
	a.estimate = a.fallback.grant
	return min(a.fallback.pace, a.current*gentlestCut), a.fallback.grant
}

// trialPassedLocked ends a trial of the window's reading in the windows'
// favour: the pace stayed settled under the last second's grant for a
// whole quiet spell, or, for a process pacing alone, for trialHeld before
// a refusal (trialFailedLocked). (Among unseen peers the pace rises
// without a quiet spell: no verdict.)
func (a *adaptiveLimiter) trialPassedLocked() {
	if a.trial {
		a.trial, a.model = false, windowLike
	}
}
