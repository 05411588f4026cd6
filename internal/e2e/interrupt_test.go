package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestInterruptStopsReadsPromptly sends SIGINT to `terraform plan` in the
// middle of a slow, many-page read: Terraform must exit within 5 s, no API
// request may arrive at the sandbox more than 3 s after the signal, and
// the provider process must be gone.
//
// SIGINT goes to Terraform alone (which then asks the provider to stop)
// and, as Ctrl-C in a terminal does, to Terraform's whole process group
// (the provider receives it too).
func TestInterruptStopsReadsPromptly(t *testing.T) {
	// Not parallel: the timings must not depend on other Terraform runs.
	t.Run("terraform only", func(t *testing.T) { interruptPlan(t, false) })
	t.Run("process group", func(t *testing.T) { interruptPlan(t, true) })
}

func interruptPlan(t *testing.T, group bool) {
	const latency = 1500 * time.Millisecond
	srv := startSandbox(t, sandbox.Options{
		Accounts: 100, SubscriptionsPerAccount: 300, // 30,000 lines: 120 pages of 250
		Latency: latency, RateLimit: -1,
	})
	cfg, bin := privateProvider(t)
	ws := newWorkspace(t, providerBlock(srv, "requests_per_second = 25")+`
data "talkdesk_subscriptions" "all" {}
output "subscriptions" { value = tostring(length(data.talkdesk_subscriptions.all.subscriptions)) }
`)
	ws.cliConfig = cfg

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := ws.command(ctx, nil, "plan", "-input=false", "-lock=false", "-no-color")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: group}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Wait until the read is well under way: the first page and a few
	// of the concurrent pages after it have been answered.
	for srv.Stats().APIRequests < 3 {
		select {
		case err := <-exited:
			t.Fatalf("terraform exited (%v) before the read got going:\n%s%s", err, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("the sandbox saw fewer than 3 API requests in a minute: %+v", srv.Stats())
		}
	}
	if pids := processesRunning(bin); len(pids) == 0 {
		t.Errorf("no provider process (%s) is running during the read", bin)
	}
	before := srv.Stats()
	signalled := time.Now()
	if group {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	} else if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}

	var exitErr error
	select {
	case exitErr = <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		if err := <-exited; err != nil {
			t.Logf("terraform killed: %v", err)
		}
		t.Fatalf("terraform did not exit within 5s of SIGINT\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	exitAfter := time.Since(signalled)

	// The provider process must be gone (Terraform stops its plugins as
	// it exits; allow a moment for the kernel to reap it).
	var pids []string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if pids = processesRunning(bin); len(pids) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(pids) > 0 {
		t.Errorf("provider processes still running 2s after terraform exited: %v", pids)
	}

	// Requests still in flight are logged when the sandbox notices the
	// closed connection: give them the latency to show up, then check
	// that none arrived more than 3 s after the signal.
	time.Sleep(latency + 500*time.Millisecond)
	reqs := srv.Requests()
	var late []string
	var lastArrival time.Time
	for _, r := range reqs {
		if r.Time.After(lastArrival) {
			lastArrival = r.Time
		}
		if d := r.Time.Sub(signalled); d > 3*time.Second {
			late = append(late, fmt.Sprintf("%s?%s at signal+%v", r.Endpoint, r.RawQuery, d.Round(time.Millisecond)))
		}
	}
	if len(late) > 0 {
		sort.Strings(late)
		t.Errorf("%d API requests arrived more than 3s after SIGINT, e.g. %s", len(late), late[0])
	}
	after := srv.Stats()
	out := stdout.String() + stderr.String()
	if exitErr == nil {
		t.Errorf("terraform plan exited 0 after SIGINT; want a failure\n%s", out)
	}
	// The provider itself stopped (Terraform's StopProvider cancelled the
	// read) rather than being killed in the middle of it.
	if !strings.Contains(out, "The read was cancelled") {
		t.Errorf("Terraform's output does not show the provider's cancelled read")
	}
	if strings.Contains(out, "No changes") || strings.Contains(out, fmt.Sprintf("%q", fmt.Sprint(len(srv.Data().Subscriptions)))) {
		t.Errorf("the plan completed the read despite the interrupt:\n%s", out)
	}
	t.Logf("SIGINT after %v (%d requests answered); terraform exited %v later (%v); last request arrived at signal+%v; %d requests in all (%d abandoned by the client, %d answered 200, %d before the signal)",
		signalled.Sub(start).Round(time.Millisecond), before.APIRequests, exitAfter.Round(time.Millisecond), exitErr,
		lastArrival.Sub(signalled).Round(time.Millisecond), len(reqs), after.ByStatus[sandbox.StatusClientClosed], after.ByStatus[200], before.APIRequests)
	if t.Failed() {
		t.Logf("terraform output:\n%s", out)
	}
}
