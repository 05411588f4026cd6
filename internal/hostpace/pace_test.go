package hostpace

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests start this test binary again as helper processes (the way
// Terraform starts several provider processes): HOSTPACE_HELPER names
// what the helper does, over the directory and key in the environment.
const (
	envHelper = "HOSTPACE_HELPER"
	envDir    = "HOSTPACE_DIR"
	envKey    = "HOSTPACE_KEY"
	envTurns  = "HOSTPACE_TURNS"
)

func TestMain(m *testing.M) {
	if h := os.Getenv(envHelper); h != "" {
		if err := helper(h); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testRate is the shared pace of the helpers' turns.
const testRate = 40

// helper runs one helper process: "turns" takes HOSTPACE_TURNS turns at
// testRate and prints when each was due; "share" joins, says "ready" and
// waits to be killed; "lock" holds the state file's lock until killed.
func helper(what string) error {
	p, err := OpenIn(os.Getenv(envDir), os.Getenv(envKey))
	if err != nil {
		return err
	}
	ctx := context.Background()
	switch what {
	case "turns":
		n, _ := strconv.Atoi(os.Getenv(envTurns))
		for range n {
			at, err := p.Turn(ctx, func(b *Board, _ time.Time) { b.Rate, b.Burst = testRate, 1 })
			if err != nil {
				return err
			}
			time.Sleep(time.Until(at))
			fmt.Println(at.UnixNano())
		}
		return p.Close()
	case "share":
		if _, err := p.Turn(ctx, func(*Board, time.Time) {}); err != nil {
			return err
		}
	case "lock":
		if busy, err := tryLock(p.f); err != nil || busy {
			return fmt.Errorf("lock: busy %v, %v", busy, err)
		}
	default:
		return fmt.Errorf("unknown helper %q", what)
	}
	fmt.Println("ready")
	// Sleep rather than select{}: with no other goroutine alive the
	// runtime would call a bare select{} a deadlock and exit, dropping
	// the lock the test relies on.
	for {
		time.Sleep(time.Hour)
	}
}

// startHelper starts a helper over dir and key; its stdout lines arrive
// on the returned channel, closed when it exits.
func startHelper(t *testing.T, what, dir, key string, env ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, envHelper+"="+what, envDir+"="+dir, envKey+"="+key)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, lines
}

func waitReady(t *testing.T, lines <-chan string) {
	t.Helper()
	select {
	case l := <-lines:
		if l != "ready" {
			t.Fatalf("helper said %q, want ready", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper not ready after 10s")
	}
}

func stateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pace")
	if err := usableDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestProcessesShareOneRate: three processes taking turns of one key
// together keep to the shared rate, and each gets its fair part.
func TestProcessesShareOneRate(t *testing.T) {
	dir, key := stateDir(t), "org1"
	const procs, turns = 3, 40
	var all [][]time.Time
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range procs {
		cmd, lines := startHelper(t, "turns", dir, key, envTurns+"="+strconv.Itoa(turns))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got []time.Time
			for l := range lines {
				ns, err := strconv.ParseInt(l, 10, 64)
				if err != nil {
					t.Errorf("helper printed %q", l)
					continue
				}
				got = append(got, time.Unix(0, ns))
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper: %v", err)
			}
			mu.Lock()
			all = append(all, got)
			mu.Unlock()
		}()
	}
	wg.Wait()
	var merged []time.Time
	var ends []time.Time
	for _, got := range all {
		if len(got) != turns {
			t.Fatalf("a helper took %d turns, want %d", len(got), turns)
		}
		merged = append(merged, got...)
		ends = append(ends, got[len(got)-1])
	}
	slices.SortFunc(merged, time.Time.Compare)
	// Turns are due one interval apart, whoever takes them (a little
	// rounding aside).
	interval := time.Second / testRate
	for i := 1; i < len(merged); i++ {
		if gap := merged[i].Sub(merged[i-1]); gap < interval-time.Millisecond {
			t.Fatalf("turns %d and %d due %v apart, want at least %v", i-1, i, gap, interval)
		}
	}
	// The processes were started one after another but share the turns
	// from then on: they finish close together.
	first, last := slices.MinFunc(ends, time.Time.Compare), slices.MaxFunc(ends, time.Time.Compare)
	total := merged[len(merged)-1].Sub(merged[0])
	if spread := last.Sub(first); spread > total/5 {
		t.Errorf("finish times spread over %v of %v, want within 20%%", spread, total)
	}
}

// TestKilledShareExpires: a process killed with SIGKILL cannot close its
// Pace; its share is gone within shareExpiry.
func TestKilledShareExpires(t *testing.T) {
	dir, key := stateDir(t), "org2"
	p, err := OpenIn(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cmd, lines := startHelper(t, "share", dir, key)
	waitReady(t, lines)
	if n := members(t, p); n != 2 {
		t.Fatalf("%d shares with the helper alive, want 2", n)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()
	for members(t, p) != 1 {
		if time.Since(killed) > shareExpiry+time.Second {
			t.Fatalf("the killed helper's share still counted %v after the kill", time.Since(killed))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCloseReleasesShare: a process that closes its Pace leaves at once.
func TestCloseReleasesShare(t *testing.T) {
	dir, key := stateDir(t), "org3"
	a, err := OpenIn(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenIn(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	members(t, b)
	if n := members(t, a); n != 2 {
		t.Fatalf("%d shares, want 2", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := members(t, a); n != 1 {
		t.Errorf("%d shares after one closed, want 1", n)
	}
	if _, err := b.Turn(context.Background(), func(*Board, time.Time) {}); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Turn after Close: %v, want os.ErrClosed", err)
	}
}

// TestKilledLockHolder: the state file's lock dies with a process killed
// while holding it; until then a waiter's context still ends its wait.
func TestKilledLockHolder(t *testing.T) {
	dir, key := stateDir(t), "org4"
	p, err := OpenIn(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cmd, lines := startHelper(t, "lock", dir, key)
	waitReady(t, lines)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Update(ctx, func(*Board, time.Time) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Update while another process holds the lock: %v, want the context's end", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := p.Update(context.Background(), func(*Board, time.Time) {}); err != nil {
		t.Fatalf("Update after the holder was killed: %v", err)
	}
}

// TestGarbledStateReplaced: a garbled file, or one from a clock far
// ahead, is replaced and never stalls a turn.
func TestGarbledStateReplaced(t *testing.T) {
	far := time.Now().Add(time.Hour).UnixNano()
	for name, content := range map[string]string{
		"junk":      "\x00\x01not json at all",
		"truncated": `{"v":1,"rate":25,"next":17`,
		"version":   `{"v":99,"rate":25}`,
		"negative":  `{"v":1,"rate":-3}`,
		"learned":   `{"v":1,"rate":5,"learned":"x`,
		"ahead":     fmt.Sprintf(`{"v":1,"rate":5,"burst":1,"next":%d,"hold":%d}`, far, far),
	} {
		t.Run(name, func(t *testing.T) {
			dir := stateDir(t)
			path := filepath.Join(dir, "org.pace")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := OpenIn(dir, "org")
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			before := time.Now()
			at, err := p.Turn(context.Background(), func(b *Board, _ time.Time) {
				if b.Rate == 0 {
					b.Rate, b.Burst = 10, 1
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if wait := at.Sub(before); wait > maxAhead+time.Second {
				t.Errorf("first turn due in %v", wait)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var s state
			if err := json.Unmarshal(raw, &s); err != nil || !s.valid() {
				t.Errorf("state file after a turn: %q (%v)", raw, err)
			}
		})
	}
}

// TestUnusableDirectory: a directory others can write to, or a file in
// its place, is refused, and so is a state file through a symbolic link.
func TestUnusableDirectory(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIn(open, "org"); err == nil || !strings.Contains(err.Error(), "writable") {
		t.Errorf("a world-writable directory: %v, want refused", err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIn(file, "org"); err == nil {
		t.Error("a file as the directory: accepted")
	}
	if _, err := OpenIn(filepath.Join(file, "sub"), "org"); err == nil {
		t.Error("a directory under a file: accepted")
	}
	if os.Getuid() == 0 {
		// As root, a directory handed to another user can be made.
		theirs := filepath.Join(base, "theirs")
		if err := os.Mkdir(theirs, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenIn(theirs, "org"); err == nil || !strings.Contains(err.Error(), "owned by") {
			t.Errorf("a directory of another user: %v, want refused", err)
		}
	}
	dir := stateDir(t)
	if err := os.Symlink(filepath.Join(base, "elsewhere"), filepath.Join(dir, "org.pace")); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIn(dir, "org"); err == nil {
		t.Error("a state file through a symbolic link: accepted")
	}
	if _, err := OpenIn(dir, "../org"); err == nil {
		t.Error("a key with a path in it: accepted")
	}
}

// TestModes: the directory is 0700 and the state file 0600.
func TestModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pace")
	p, err := OpenIn(dir, "org")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, p.Path(): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
}

// TestDirHonoursTMPDIR: the directory is under os.TempDir.
func TestDirHonoursTMPDIR(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if got := filepath.Dir(Dir()); got != tmp {
		t.Errorf("Dir() under %s, want under TMPDIR %s", got, tmp)
	}
}

// TestHoldDelaysTurns: a hold published by one process delays the turns
// of another.
func TestHoldDelaysTurns(t *testing.T) {
	a, b := twoShares(t)
	until := time.Now().Add(5 * time.Second)
	if err := a.Update(context.Background(), func(bd *Board, _ time.Time) { bd.Rate, bd.Hold = 10, until }); err != nil {
		t.Fatal(err)
	}
	at, err := b.Turn(context.Background(), func(*Board, time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	if at.Before(until) {
		t.Errorf("turn due at %v, before the hold until %v", at, until)
	}
}

// twoShares opens two shares of one key in a new state directory, as two
// processes would, closed when the test ends.
func twoShares(t *testing.T) (a, b *Pace) {
	t.Helper()
	dir := stateDir(t)
	for _, p := range []**Pace{&a, &b} {
		var err error
		if *p, err = OpenIn(dir, "org"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = (*p).Close() })
	}
	return a, b
}

func members(t *testing.T, p *Pace) int {
	t.Helper()
	n := 0
	if err := p.Update(context.Background(), func(b *Board, _ time.Time) { n = b.Members }); err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkTurn is the cost of one turn (lock, read, decide, write,
// unlock) that every request of a shared pace pays.
func BenchmarkTurn(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "pace")
	p, err := OpenIn(dir, "org")
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := p.Turn(ctx, func(bd *Board, _ time.Time) { bd.Rate, bd.Learned = 1e9, json.RawMessage(`{"gen":3,"rate":19.5}`) }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTurnsKeepToPerWindow: whatever the rate, the burst and the offsets
// allow, the processes' turns are sent no more than PerWindow in any
// Window, each at least its offset after it is due.
func TestTurnsKeepToPerWindow(t *testing.T) {
	a, b := twoShares(t)
	const perWindow, window = 5, 200 * time.Millisecond
	var at []time.Time
	for i := range 24 {
		p := a
		if i%2 == 1 {
			p = b
		}
		offset := time.Duration(i%3) * 7 * time.Millisecond // placements out of order
		when, err := p.Turn(context.Background(), func(bd *Board, _ time.Time) {
			bd.Rate, bd.Burst = 1000, 50
			bd.Offset, bd.PerWindow, bd.Window = offset, perWindow, window
		})
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, when)
	}
	slices.SortFunc(at, func(x, y time.Time) int { return x.Compare(y) })
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < window; j++ {
			n++
		}
		if n > perWindow {
			t.Fatalf("%d turns within %v from the %dth, want at most %d", n, window, i, perWindow)
		}
	}
	if span := at[len(at)-1].Sub(at[0]); span < window*(24/perWindow-1) {
		t.Errorf("24 turns over %v, faster than %d per %v allows", span, perWindow, window)
	}
}

// TestGarbledSendTimesDoNotStall: send times far ahead of the clock (set
// back, or a garbled file) do not hold the next turn.
func TestGarbledSendTimesDoNotStall(t *testing.T) {
	dir := stateDir(t)
	p, _ := OpenIn(dir, "org")
	defer p.Close()
	future := time.Now().Add(time.Hour).UnixNano()
	state := fmt.Sprintf(`{"v":%d,"rate":1000,"burst":10,"next":0,"hold":0,"turns":3,"members":{},"sent":[%d,%d,%d]}`, version, future, future, future)
	if err := os.WriteFile(p.Path(), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	at, err := p.Turn(context.Background(), func(bd *Board, _ time.Time) { bd.PerWindow, bd.Window = 2, time.Second })
	if err != nil {
		t.Fatal(err)
	}
	if wait := time.Until(at); wait > maxAhead {
		t.Errorf("turn due in %v, want no longer than %v", wait, maxAhead)
	}
}

// TestBoardShowsSendTimes: every share counts the host's turns sent in
// a span, whichever process took them, among the last maxSent, and is
// told when those do not reach back to the span's start.
func TestBoardShowsSendTimes(t *testing.T) {
	a, b := twoShares(t)
	var at []time.Time
	for i := range maxSent + 6 {
		p := a
		if i%2 == 1 {
			p = b
		}
		offset := time.Duration(i%3) * time.Millisecond // placements out of order
		when, err := p.Turn(context.Background(), func(bd *Board, _ time.Time) { bd.Rate, bd.Burst, bd.Offset = 1e6, 100, offset })
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, when)
	}
	kept := at[len(at)-maxSent:]
	from, to := slices.MinFunc(kept, time.Time.Compare), slices.MaxFunc(kept, time.Time.Compare).Add(time.Nanosecond)
	var n, early int
	var covered, earlyCovered bool
	err := a.Peek(context.Background(), func(bd Board) {
		n, covered = bd.SentBetween(from, to)
		early, earlyCovered = bd.SentBetween(at[0], to)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != maxSent || !covered {
		t.Errorf("the last %d turns' span: %d counted (covered %v), want all, covered", maxSent, n, covered)
	}
	if early != maxSent || earlyCovered {
		t.Errorf("from the first turn, no longer kept: %d counted, covered %v; want %d, not covered", early, earlyCovered, maxSent)
	}
}

// TestTurnsAlignToSpans: turns with an Align are sent at whole multiples
// of it, never before they are due, so that the turns of both processes
// due within one span go together, at the rate on average.
func TestTurnsAlignToSpans(t *testing.T) {
	a, b := twoShares(t)
	const align = 40 * time.Millisecond
	var at []time.Time
	start := time.Now()
	for i := range 20 {
		p := a
		if i%2 == 1 {
			p = b
		}
		when, err := p.Turn(context.Background(), func(bd *Board, _ time.Time) { bd.Rate, bd.Burst, bd.Align = 100, 1, align })
		if err != nil {
			t.Fatal(err)
		}
		if when.UnixNano()%int64(align) != 0 {
			t.Fatalf("turn %d sent at %v, not a multiple of %v", i, when, align)
		}
		due := start.Add(time.Duration(i) * 10 * time.Millisecond) // at 100 a second from the first
		if when.Before(due.Add(-time.Millisecond)) {
			t.Fatalf("turn %d sent at %v, before it was due at %v", i, when.Sub(start), due.Sub(start))
		}
		at = append(at, when)
	}
	groups := map[time.Time]int{}
	for _, w := range at {
		groups[w]++
	}
	if len(groups) > 20/4+2 {
		t.Errorf("20 turns at 100 a second aligned to %v went at %d moments, want about 5 groups of 4", align, len(groups))
	}
	if span := at[len(at)-1].Sub(at[0]); span < 150*time.Millisecond || span > 280*time.Millisecond {
		t.Errorf("20 turns at 100 a second spanned %v, want about 200 ms", span)
	}
}

// TestResumeRestartsTurns: a Resume drops the turns booked at an earlier
// rate (their holders take them again) and restarts the turns at the new
// rate from then, while a Drain alone keeps them where they were booked.
func TestResumeRestartsTurns(t *testing.T) {
	for _, resume := range []bool{false, true} {
		a, b := twoShares(t)
		ctx := context.Background()
		var booked time.Time
		for range 10 { // a second of turns at 10 a second
			at, err := a.Turn(ctx, func(bd *Board, _ time.Time) { bd.Rate, bd.Burst = 10, 1 })
			if err != nil {
				t.Fatal(err)
			}
			booked = at
		}
		var from time.Time
		err := b.Update(ctx, func(bd *Board, now time.Time) {
			bd.Rate, bd.Burst, bd.Drain = 5, 1, true
			if resume {
				from = now.Add(500 * time.Millisecond) // before the booked ones end, 0.9 s on, with room for a slow machine
				bd.Resume = from
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		first, err := b.Turn(ctx, func(*Board, time.Time) {})
		if err != nil {
			t.Fatal(err)
		}
		second, err := a.Turn(ctx, func(*Board, time.Time) {})
		if err != nil {
			t.Fatal(err)
		}
		if !resume {
			if !first.After(booked) {
				t.Errorf("drain: next turn at %v, before the last turn booked (%v)", first, booked)
			}
			continue
		}
		if first.Before(from) || first.Sub(from) > 20*time.Millisecond {
			t.Errorf("resume: next turn %v after the resumption, want at it (the booked ones end %v after it)", first.Sub(from), booked.Sub(from))
		}
		if gap := second.Sub(first); gap < 190*time.Millisecond || gap > 210*time.Millisecond {
			t.Errorf("resume: turns %v apart, want the new rate's 200ms", gap)
		}
		var sent int
		if err := a.Peek(ctx, func(bd Board) { sent, _ = bd.SentBetween(from, from.Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		if sent != 2 {
			t.Errorf("resume: %d turns on the record since the resumption, want the two taken since (the booked ones dropped)", sent)
		}
	}
}

// TestWindowFree: the earliest time a turn leaves no window holding more
// than n turns sent by then; turns booked for later are left out.
func TestWindowFree(t *testing.T) {
	base := time.Unix(1000, 0)
	sent := []int64{}
	for _, ms := range []int{0, 100, 200, 300, 900} { // the last one booked for later
		sent = append(sent, base.Add(time.Duration(ms)*time.Millisecond).UnixNano())
	}
	b := Board{sent: sent}
	now := base.Add(500 * time.Millisecond)
	if got, want := b.WindowFree(3, time.Second, now), base.Add(1100*time.Millisecond); !got.Equal(want) {
		t.Errorf("WindowFree(3) = %v, want %v", got.Sub(base), want.Sub(base))
	}
	if got := b.WindowFree(5, time.Second, now); !got.IsZero() {
		t.Errorf("WindowFree(5) with four turns sent = %v, want none", got.Sub(base))
	}
}
