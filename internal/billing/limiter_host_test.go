package billing

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/hostpace"
)

// The host-wide pace is tested with real processes: this test binary
// started again as a helper (BILLING_HOST_HELPER set) builds a Client for
// the parent's fake API and reads every account, as a provider process
// started by Terraform would.
const envHostHelper = "BILLING_HOST_HELPER"

// hostHelper reads the accounts and prints "rows requests throttled".
func hostHelper() int {
	rps, _ := strconv.ParseFloat(os.Getenv("HELPER_RPS"), 64)
	c, err := New(Config{
		APIBaseURL: os.Getenv("HELPER_API"), TokenURL: os.Getenv("HELPER_TOKEN"),
		ClientID: os.Getenv("HELPER_CLIENT_ID"), ClientSecret: os.Getenv("HELPER_CLIENT_SECRET"),
		RequestsPerSecond: rps, MaxRetries: 30, PaceAlone: os.Getenv("HELPER_ALONE") != "",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	got, err := c.Accounts(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	st := c.Stats()
	fmt.Println(len(got), st.Requests, st.Throttled)
	return 0
}

type helperRun struct {
	rows, requests, throttled int
	end                       time.Time
}

// runHelpers starts n helper processes at once over f, sharing tmpdir as
// their TMPDIR, and returns what each read.
func runHelpers(t *testing.T, f *fakeAPI, n int, rps float64, tmpdirs func(i int) string, env ...string) []helperRun {
	t.Helper()
	runs := make([]helperRun, n)
	var wg sync.WaitGroup
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), append(env,
			envHostHelper+"=1", "TMPDIR="+tmpdirs(i), "HELPER_RPS="+strconv.FormatFloat(rps, 'f', -1, 64),
			"HELPER_API="+f.srv.URL, "HELPER_TOKEN="+f.tokenURL(),
			"HELPER_CLIENT_ID="+f.clientID, "HELPER_CLIENT_SECRET="+f.clientSecret)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			line, _ := bufio.NewReader(out).ReadString('\n')
			runs[i].end = time.Now()
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper %d: %v\n%s", i, err, stderr.String())
				return
			}
			if _, err := fmt.Sscan(line, &runs[i].rows, &runs[i].requests, &runs[i].throttled); err != nil {
				t.Errorf("helper %d printed %q: %v", i, line, err)
			}
		}()
	}
	wg.Wait()
	return runs
}

// TestHostPaceAcrossProcesses: three provider processes of one
// organization on one host, each set to 20 req/s, on a quota of 20 req/s:
// together they keep to 20 req/s (alone, each would send at 20), nearly
// without a 429, and they finish close together. On separate hosts (a
// TMPDIR each) the same runs are refused far more often.
func TestHostPaceAcrossProcesses(t *testing.T) {
	const procs, pages, rps = 3, 40, 20
	share := func(t *testing.T, tmpdirs func(int) string) (float64, []helperRun, *fakeAPI) {
		f := newFakeAPI(t)
		f.pageSize = 5
		f.limiter = rate.NewLimiter(rps, 4)
		data := genAccounts(pages * 5)
		setRecords(f, endpointAccounts.path, data)
		runs := runHelpers(t, f, procs, rps, tmpdirs)
		_, _, share := refusedShare(t, runs, len(data))
		return share, runs, f
	}
	shared := t.TempDir()
	one, runs, f := share(t, func(int) string { return shared })
	apart, _, _ := share(t, func(int) string { return t.TempDir() })
	t.Logf("one host: %.1f%% 429s; separate hosts: %.1f%%", 100*one, 100*apart)
	if one > 0.05 {
		t.Errorf("one host: %.1f%% of requests refused, want at most 5%%", 100*one)
	}
	if apart <= one {
		t.Errorf("separate hosts refused %.1f%%, no more than one host's %.1f%%: the test shows nothing", 100*apart, 100*one)
	}
	// No second holds more than the rate and the burst (with a little
	// room for the processes' start).
	at := f.arrivalTimes()
	slicesSortTimes(at)
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		if n > rps+burstFor(rps)+2 {
			t.Fatalf("%d requests arrived within one second, want at most %d", n, rps+burstFor(rps)+2)
		}
	}
	first, last := runs[0].end, runs[0].end
	for _, r := range runs {
		first, last = minTime(first, r.end), maxTime(last, r.end)
	}
	total := at[len(at)-1].Sub(at[0])
	if last.Sub(first) > total/5 {
		t.Errorf("runs ended %v apart in a %v read, want within 20%%", last.Sub(first), total)
	}
	// The state file names the organization by its key, never a secret.
	entries, _ := os.ReadDir(filepath.Join(shared, "talkdesk-pace-"+strconv.Itoa(os.Getuid())))
	for _, e := range entries {
		raw, _ := os.ReadFile(filepath.Join(shared, "talkdesk-pace-"+strconv.Itoa(os.Getuid()), e.Name()))
		if strings.Contains(string(raw), f.clientSecret) || strings.Contains(e.Name(), f.clientSecret) {
			t.Errorf("the state file %s holds the client secret", e.Name())
		}
	}
	if len(entries) != 1 {
		t.Errorf("%d state files for one organization, want 1", len(entries))
	}
}

// TestHostPaceLearnsTogether: the quota grants 10 req/s to processes set
// to 25: what one learns, the others use at once, so few are refused.
func TestHostPaceLearnsTogether(t *testing.T) {
	const procs, pages = 3, 30
	f := newFakeAPI(t)
	f.pageSize = 5
	f.limiter = rate.NewLimiter(10, 10)
	data := genAccounts(pages * 5)
	setRecords(f, endpointAccounts.path, data)
	shared := t.TempDir()
	runs := runHelpers(t, f, procs, 25, func(int) string { return shared })
	requests, throttled, share := refusedShare(t, runs, len(data))
	t.Logf("%d requests, %d refused (%.1f%%)", requests, throttled, 100*share)
	if share > 0.08 {
		t.Errorf("%.1f%% of requests refused, want at most 8%%", 100*share)
	}
}

// TestUnusablePaceDirectory: when the host's directory cannot be used,
// the client paces alone, and says so once.
func TestUnusablePaceDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := os.WriteFile(filepath.Join(tmp, "talkdesk-pace-"+strconv.Itoa(os.Getuid())), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(10))
	log := &recordingLogger{}
	c := f.client(func(c *Config) { c.Logger = log })
	if c.limiter.host != nil {
		t.Fatal("the client shares a pace through an unusable directory")
	}
	if _, err := c.Accounts(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	log.mu.Lock()
	for _, l := range log.warn {
		if strings.Contains(l.msg, "cannot share the pace") {
			n++
		}
	}
	log.mu.Unlock()
	if n != 1 {
		t.Errorf("%d log lines about the unusable directory, want 1", n)
	}
}

// refusedShare checks that every run read want rows and sums their
// requests and 429s.
func refusedShare(t *testing.T, runs []helperRun, want int) (requests, throttled int, share float64) {
	t.Helper()
	for i, r := range runs {
		if r.rows != want {
			t.Errorf("process %d read %d rows, want %d", i, r.rows, want)
		}
		requests += r.requests
		throttled += r.throttled
	}
	return requests, throttled, float64(throttled) / float64(max(requests, 1))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// TestProbeTurnsInGroups: settled, turns are sent at random points of
// their intervals (at their starts where the quota counts in windows);
// probing, the host's turns are aligned to spans of a
// group's intervals, so that those due within one span go together.
func TestProbeTurnsInGroups(t *testing.T) {
	const pace = 25
	interval := time.Second / pace
	distinct := map[time.Duration]bool{}
	for range 100 {
		var b hostpace.Board
		place(&b, pace, 0, false)
		if b.Offset < 0 || b.Offset >= interval || b.Align != 0 {
			t.Fatalf("settled turn placed %v into its interval of %v, aligned to %v", b.Offset, interval, b.Align)
		}
		distinct[b.Offset] = true
	}
	if len(distinct) < 50 {
		t.Errorf("settled turns took %d distinct places of 100", len(distinct))
	}
	var known hostpace.Board
	if place(&known, pace, 0, true); known.Offset != 0 || known.Align != 0 {
		t.Errorf("settled turn against windows placed %v into its interval, aligned to %v; want at its start, not aligned", known.Offset, known.Align)
	}
	for _, c := range []struct {
		probing       bool
		members, want int
	}{{false, 6, 0}, {true, 1, 0}, {true, 2, 2}, {true, 3, 3}, {true, 6, probeGroup}, {true, 12, probeGroup}} {
		if got := probeGroupOf(c.probing, c.members); got != c.want {
			t.Errorf("probing %v with %d processes: groups of %d, want %d", c.probing, c.members, got, c.want)
		}
	}
	for _, group := range []int{2, probeGroup} {
		var b hostpace.Board
		place(&b, pace, group, false)
		if want := time.Duration(group) * interval; b.Align != want || b.Offset != 0 {
			t.Errorf("probing turn in groups of %d aligned to %v with offset %v, want %v and none", group, b.Align, b.Offset, want)
		}
	}
}

// twoLimitersOfOneHost is two limiters at rps sharing one host's pace, as
// two processes would.
func twoLimitersOfOneHost(t *testing.T, rps float64) (a, b *adaptiveLimiter) {
	t.Helper()
	dir := t.TempDir()
	join := func() *adaptiveLimiter {
		p, err := hostpace.OpenIn(dir, "org")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		l := newAdaptiveLimiter(rps, nil)
		l.shareHost(p)
		return l
	}
	return join(), join()
}

// TestDecreaseVoidsHeldTurn: a process waits for a turn placed at the old
// pace when another process lowers the pace after a 429. The turn is
// taken again at the new pace instead of being sent into the empty bucket.
func TestDecreaseVoidsHeldTurn(t *testing.T) {
	a, b := twoLimitersOfOneHost(t, 4) // a turn every 250 ms, no burst
	ctx := context.Background()
	t0 := time.Now() // a's turn is due at once, b's 250 ms later
	if err := a.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan time.Time, 1)
	go func() {
		if err := b.Wait(ctx); err != nil {
			t.Error(err)
		}
		done <- time.Now()
	}()
	time.Sleep(20 * time.Millisecond) // b holds its turn
	a.observe(ctx, time.Now(), time.Now(), http.StatusTooManyRequests, http.Header{})
	if got := a.Rate(); got != 2 {
		t.Fatalf("pace after the 429: %v, want 2 (the first cut)", got)
	}
	sent := (<-done).Sub(t0)
	// Held at the old pace, b's turn went within its interval, 250-500 ms
	// after t0; taken again, it comes after the turns placed before the
	// decrease, at 500 ms or later.
	if sent < 500*time.Millisecond {
		t.Errorf("the held turn went %v after the first, want it taken again at the new pace (500 ms or later)", sent)
	}
	if got := b.Rate(); got != 2 {
		t.Errorf("the other process's pace: %v, want the decrease adopted (2)", got)
	}
}

// TestHostRefusalRecordedBeforeDecision: a 429 goes on the host's record
// at once, and the decrease waits mateWait for the refusals of the turns
// sent with it to be there too: the second's grant it reads counts the
// turns of the group that the window let through, and only those.
func TestHostRefusalRecordedBeforeDecision(t *testing.T) {
	a, b := twoLimitersOfOneHost(t, 25)
	ctx := context.Background()
	for _, l := range []*adaptiveLimiter{a, b, a} { // a's second turn sees b
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sent := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.observe(ctx, sent, time.Now(), http.StatusTooManyRequests, http.Header{})
	}()
	time.Sleep(mateWait / 4)
	var refused []int64
	var rate float64
	if err := b.host.pace.Peek(ctx, func(bd hostpace.Board) {
		d, _ := decisionOf(bd)
		refused, rate = d.Refused, bd.Rate
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(refused, sent.UnixNano()) || rate != 25 {
		t.Errorf("during the wait: the host's refusals %v (want %d among them), pace %v (want 25, not lowered yet)", refused, sent.UnixNano(), rate)
	}
	<-done
	if got, want := a.Rate(), 25*sharedFirstCut; got != want {
		t.Errorf("pace after the wait: %v, want the first cut (%v)", got, want)
	}
}

// TestHostLastSecondGrant: processes sharing the host's pace read a
// second's grant from the host's send times less the host's refusals
// (not their own answers scaled), over the second that ends with the
// refused request's own group (the turns sent with it, which the window
// let through or refused like it), and have no reading where the host's
// record does not reach back a second.
func TestHostLastSecondGrant(t *testing.T) {
	a := newAdaptiveLimiter(25, nil)
	t0 := time.Now()
	a.mark, a.signals = t0, 1 // a refusal after a decrease (the first is TestHostFirstRefusal's)
	refusedAt := t0.Add(3 * time.Second)
	var sent []time.Time
	for i := range 60 { // 20 a second over the 3 s before the refused one's group
		sent = append(sent, t0.Add(time.Duration(i)*50*time.Millisecond+10*time.Millisecond))
	}
	for range 4 { // the refused request's group
		sent = append(sent, refusedAt)
	}
	// Refused: one turn 300 ms before, one 2 s before (outside the second),
	// and two of the group, the refused request itself included.
	refused := []int64{refusedAt.Add(-300 * time.Millisecond).UnixNano(), refusedAt.Add(-2 * time.Second).UnixNano(), refusedAt.UnixNano(), refusedAt.Add(time.Millisecond).UnixNano()}
	// This process's own answers: 2 accepted in the second, which scaled
	// by a share of 6 would read 12.
	a.answers = []answer{{sent: refusedAt.Add(-500 * time.Millisecond), accepted: true}, {sent: refusedAt.Add(-100 * time.Millisecond), accepted: true}}
	// The request's answer came back a round trip after it was sent: the
	// reading still ends with its group.
	end := refusedAt.Add(-60 * time.Millisecond)
	got := a.lastSecondGrant(end, grantScale{share: 6, hostSent: hostRecord(sent), hostRefused: refused, group: refusedAt})
	if got != 21 { // 20 + 4 sent in the second, 1 + 2 of them refused
		t.Errorf("host's last second: %v req/s, want 21", got)
	}
	if got := a.lastSecondGrant(end, grantScale{share: 6, hostSent: hostRecord(sent[50:]), group: refusedAt}); got != 0 {
		t.Errorf("a record that begins within the second: %v req/s, want no reading (0)", got)
	}
	if got := a.lastSecondGrant(refusedAt, alone); got != 2 {
		t.Errorf("alone: %v req/s, want its own accepted answers (2)", got)
	}
}

// hostRecord counts the host's turns sent in [from, to) as the board's
// SentBetween does.
func hostRecord(sent []time.Time) func(from, to time.Time) (int, bool) {
	return func(from, to time.Time) (n int, covered bool) {
		for _, t := range sent {
			covered = covered || !t.After(from)
			if !t.Before(from) && t.Before(to) {
				n++
			}
		}
		return n, covered
	}
}

// acceptTurns adds to sent n of the host's turns, per apart from from,
// each let through and answered to a.
func acceptTurns(a *adaptiveLimiter, sent []time.Time, from time.Time, n int, per time.Duration) []time.Time {
	for i := range n {
		at := from.Add(time.Duration(i) * per)
		sent = append(sent, at)
		a.accepted(at, at.Add(50*time.Millisecond))
	}
	return sent
}

// refuseOnHost hands a the 429 of the request sent at refused, the host's
// record holding the turns sent (refused among them); throughGroup reads
// the second through the refused request's group, as processes sharing
// the pace do.
func refuseOnHost(a *adaptiveLimiter, sent []time.Time, refused time.Time, throughGroup bool) {
	scale := grantScale{share: 1, hostSent: hostRecord(sent), hostRefused: []int64{refused.UnixNano()}}
	if throughGroup {
		scale.group = refused
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttledLocked(context.Background(), refused, refused.Add(time.Millisecond), refused.Add(mateWait), scale)
}

// TestHostKnownWindows: processes sharing the host's pace, once their
// quota is known to count in windows, settle at windowSettle of the
// host's last second in whole requests a second (a reading of 21 keeps
// them at 19, not 19.95, which sends 20 in most seconds), with no trial.
// A probe refused at about the grant it started from doubles the quiet
// spell before the next probe and takes the mean of the two readings as
// the grant; a refusal while settled at that grant (the other clients'
// arrivals met a full window) lowers the grant to the pace refused instead
// of taking the quota for a bucket, halves the spell and lowers the pace by
// one request a second; one at a grant that moved starts the spell over; a reading at
// the ceiling keeps the grant read before; and the reading holds where
// this process's own answers measure nothing over the span.
func TestHostKnownWindows(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAdaptiveLimiter(25, nil)
	a.host = &hostShare{members: 2}
	a.model, a.signals, a.estimate, a.settledRate, a.probing = windowLike, 3, 20, 19, true
	a.mark, a.lastSignal, a.roundTrip, a.quiet = t0, t0, 50*time.Millisecond, 4*time.Second
	a.setLocked(t0, 25)
	var sent []time.Time
	send := func(from time.Time, n int, per time.Duration) { sent = acceptTurns(a, sent, from, n, per) }
	refuse := func(at time.Time) {
		sent = append(sent, at)
		refuseOnHost(a, sent, at, true)
	}
	check := func(when string, pace, grant float64, quiet time.Duration) {
		t.Helper()
		if got := a.Rate(); math.Abs(got-pace) > 0.01 || a.trial || a.model != windowLike || math.Abs(a.estimate-grant) > 0.01 || a.quiet != quiet {
			t.Errorf("%s: pace %.2f, grant %.2f, quiet spell %v, trial %v, quota read as %v; want %.2f, %.2f, %v, no trial, windows",
				when, got, a.estimate, a.quiet, a.trial, a.model, pace, grant, quiet)
		}
	}
	send(t0.Add(10*time.Millisecond), 40, 50*time.Millisecond) // 20 a second
	refuse(t0.Add(2 * time.Second))
	check("a probe refused at the grant before", 19, 20, 8*time.Second)

	send(t0.Add(2*time.Second+mateWait+time.Second/19), 19, time.Second/19) // settled, 19 a second
	refuse(t0.Add(3*time.Second + 100*time.Millisecond))                    // 18 let through in the second before
	check("refused while settled", 18, 19, 4*time.Second)                   // the grant no more than the pace refused

	a.probing = true // back at the ceiling
	a.setLocked(t0.Add(3200*time.Millisecond), 25)
	send(t0.Add(3200*time.Millisecond), 22, time.Second/22)
	refuse(t0.Add(4200 * time.Millisecond)) // 21 let through in the second before
	check("a probe refused at about the grant before", 19, 20, 8*time.Second)

	send(t0.Add(4310*time.Millisecond), 12, time.Second/12) // settled; the other clients took more
	refuse(t0.Add(5300 * time.Millisecond))
	check("refused at a grant that moved", 11, 12, quietBase)

	a.probing = true // back at the ceiling
	a.setLocked(t0.Add(5400*time.Millisecond), 25)
	send(t0.Add(5400*time.Millisecond), 24, time.Second/24)
	refuse(t0.Add(6400 * time.Millisecond)) // 24 let through: a second across two of a fixed window's
	check("a probe that read the ceiling", 11, 12, 2*quietBase)

	a.probing = true // back at the ceiling
	a.setLocked(t0.Add(7*time.Second), 25)
	for i := range 18 { // the other processes' turns: none of them this process's answers
		sent = append(sent, t0.Add(7*time.Second+time.Duration(i)*time.Second/18))
	}
	refuse(t0.Add(8 * time.Second)) // 17 let through
	check("a probe refused with none of this process's own answers since the decrease", 16, 17, quietBase)
}

// TestHostFirstRefusal: the first 429 of processes sharing the host's
// pace settles under the host's record through the refused request's
// group, even a record under a second long, as a trial that falls back to
// their first cut; a reading at the ceiling (a bucket's savings spent)
// cuts their pace to sharedFirstCut of itself, and a process alone on its
// host cuts it to half.
func TestHostFirstRefusal(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		lasting     time.Duration // the host's turns, 25 a second since t0, all let through
		shared      bool
		pace        float64
		trial       bool
		measurement float64
	}{
		{"a window filled in 0.8 s", 800 * time.Millisecond, true, settleShare * 20, true, 20},
		{"a bucket's savings spent at the ceiling", 5 * time.Second, true, 25 * sharedFirstCut, false, 0},
		{"alone on its host", 800 * time.Millisecond, false, 25 * firstCut, false, 0},
	} {
		a := newAdaptiveLimiter(25, nil)
		a.host = &hostShare{members: 1}
		if tc.shared {
			a.host.members = 2
		}
		sent := acceptTurns(a, nil, t0, int(tc.lasting/(40*time.Millisecond)), 40*time.Millisecond)
		refused := t0.Add(tc.lasting)
		refuseOnHost(a, append(sent, refused), refused, tc.shared)
		if got := a.Rate(); math.Abs(got-tc.pace) > 0.01 || a.trial != tc.trial || a.estimate != tc.measurement {
			t.Errorf("%s: pace %.2f, trial %v, grant %v; want %.2f, %v, %v", tc.name, got, a.trial, a.estimate, tc.pace, tc.trial, tc.measurement)
		}
		if tc.trial && a.fallback.pace != 25*sharedFirstCut {
			t.Errorf("%s: the trial falls back to %v, want the first cut (%v)", tc.name, a.fallback.pace, 25*sharedFirstCut)
		}
	}
}

// TestHostTrialOverPace: a trial of the window's reading settled at 18
// ends in a bucket's verdict at a 429 while settled, unless the host sent
// more than the pace's count in a second, wholly since the decrease,
// through the refused request's group: a window refuses that whatever the
// pace, so the trial goes on at the same pace.
func TestHostTrialOverPace(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		from  time.Duration // since the decrease, when the second before the refusal begins
		sent  int           // the host's turns in it, all let through
		pace  float64
		trial bool
		model quotaModel
	}{
		{"18 sent at a pace of 18: a bucket", 500 * time.Millisecond, 18, 12.5, false, bucketLike},
		{"21 sent at a pace of 18: no verdict", 500 * time.Millisecond, 21, 18, true, unknownModel},
		{"21 sent in a second that began before the decrease: a bucket", -300 * time.Millisecond, 21, 12.5, false, bucketLike},
	} {
		a := newAdaptiveLimiter(25, nil)
		a.host = &hostShare{members: 2}
		a.signals, a.estimate, a.trial, a.fallback = 1, 20, true, trialFallback{pace: 12.5}
		a.decreasedLocked(t0, 18)
		a.roundTrip = 50 * time.Millisecond
		from := t0.Add(tc.from)
		sent := acceptTurns(a, nil, from, tc.sent, time.Second/time.Duration(tc.sent))
		refused := from.Add(time.Second)
		refuseOnHost(a, append(sent, refused), refused, true)
		if got := a.Rate(); math.Abs(got-tc.pace) > 0.01 || a.trial != tc.trial || a.model != tc.model {
			t.Errorf("%s: pace %.2f, trial %v, quota read as %v; want %.2f, %v, %v", tc.name, got, a.trial, a.model, tc.pace, tc.trial, tc.model)
		}
	}
}

// TestHostTrialTravels: a trial of the window's reading that one process
// starts is the other processes' too, and the verdict one of them reaches
// (a 429 while settled: a bucket) is everyone's; the host's record of
// refusals then starts afresh.
func TestHostTrialTravels(t *testing.T) {
	a, b := twoLimitersOfOneHost(t, 25)
	ctx := context.Background()
	for _, l := range []*adaptiveLimiter{a, b} {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// a settles under a second's grant of 18, the span's reading having
	// put it at 12.
	err := a.host.pace.Update(ctx, func(bd *hostpace.Board, now time.Time) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.adoptLocked(ctx, bd)
		a.host.gen++
		a.signals, a.estimate, a.trial, a.fallback = 1, 18, true, trialFallback{pace: 12, grant: 13}
		a.decreasedLocked(now, 16.2)
		a.publishLocked(bd)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	trial, fallback, pace := b.trial, b.fallback, b.current
	b.mu.Unlock()
	if !trial || fallback != (trialFallback{pace: 12, grant: 13}) || pace != 16.2 {
		t.Fatalf("the other process: trial %v, fallback %+v, pace %v; want a's trial, its fallback and 16.2", trial, fallback, pace)
	}
	time.Sleep(minMeasure) // a 429 that can be measured
	sent := time.Now().Add(-time.Millisecond)
	b.observe(ctx, sent, time.Now(), http.StatusTooManyRequests, http.Header{})
	if err := a.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.model != bucketLike || a.trial || a.current != 12 {
		t.Errorf("after b's 429 while settled: a reads %v, trial %v, pace %v; want a bucket, no trial, the fallback's 12", a.model, a.trial, a.current)
	}
	if n := len(a.host.refused); n != 0 {
		t.Errorf("host's refusals as a sees them after the decrease: %v, want none (a second's grant is read since it)", a.host.refused)
	}
	a.mu.Unlock()
	// A 429 too soon after the decrease to lower the pace goes on the
	// record, for the next reading; one of a request sent before it does not.
	early := time.Now()
	b.observe(ctx, early, time.Now(), http.StatusTooManyRequests, http.Header{})
	b.observe(ctx, sent, time.Now(), http.StatusTooManyRequests, http.Header{})
	if err := a.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	if n := len(a.host.refused); n != 1 || a.host.refused[0] != early.UnixNano() {
		t.Errorf("host's refusals as a sees them: %v, want b's one at %v", a.host.refused, early)
	}
}

// TestDecreaseRestartsTurns: after a decrease on a quota known to count in
// windows, the host's turns restart from when the window's own count
// allows the new pace (the host's record of turns sent), or at once where
// the record leaves room; on a bucket, or a quota not known yet, they only
// drain.
func TestDecreaseRestartsTurns(t *testing.T) {
	a, _ := twoLimitersOfOneHost(t, 1000)
	ctx := context.Background()
	var sent []time.Time
	for range 10 {
		at, err := a.host.pace.Turn(ctx, func(b *hostpace.Board, _ time.Time) { b.Rate, b.Burst = 1000, 1 })
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, at)
	}
	time.Sleep(20 * time.Millisecond) // every turn sent
	decided := time.Now()
	for _, tc := range []struct {
		model    quotaModel
		pace     float64
		from, to time.Time // the restart, within
	}{
		{windowLike, 5, sent[5].Add(capWindow), sent[5].Add(capWindow)}, // the fifth latest turn out of the window
		{windowLike, 20, decided, decided},                              // room for 20 already
		{bucketLike, 5, time.Time{}, time.Time{}},
		{unknownModel, 5, time.Time{}, time.Time{}},
	} {
		a.mu.Lock()
		a.model, a.current = tc.model, tc.pace
		a.mu.Unlock()
		err := a.host.pace.Peek(ctx, func(b hostpace.Board) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.restartTurnsLocked(&b, decided)
			if !b.Drain || b.Resume.Before(tc.from) || b.Resume.After(tc.to) {
				t.Errorf("%v, pace %v: drain %v, restart %v after the decision; want a drain and a restart %v-%v after it",
					tc.model, tc.pace, b.Drain, b.Resume.Sub(decided), tc.from.Sub(decided), tc.to.Sub(decided))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
