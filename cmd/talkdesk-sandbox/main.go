// Command talkdesk-sandbox runs the local Talkdesk Billing Insights API
// sandbox (internal/sandbox) until interrupted, so that the provider can be
// tried end to end without Talkdesk credentials:
//
//	go run ./cmd/talkdesk-sandbox -env-file /tmp/talkdesk.env &
//	. /tmp/talkdesk.env && terraform plan
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "talkdesk-sandbox:", err)
		os.Exit(1)
	}
}

// run parses flags, starts the sandbox and serves until SIGINT or SIGTERM.
func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("talkdesk-sandbox", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	seed := fs.Int64("seed", 1, "data generation seed")
	accounts := fs.Int("accounts", 0, "accounts under the organization (0 = default 8)")
	usage := fs.Int("usage-per-account-month", 0, "usage rows per account and month (0 = default 6)")
	latency := fs.Duration("latency", 0, "delay added to every API request")
	rps := fs.Float64("rate", 25, "API requests per second for the organization (negative = unlimited)")
	retryAfter := fs.String("retry-after", "1", `Retry-After header on 429 responses ("" = none)`)
	rateSchedule := fs.String("rate-schedule", "", `changes of -rate during a run, timed from the first API request, e.g. "8@5s,25@20s"`)
	envFile := fs.String("env-file", "", "write shell export lines for the TALKDESK_* variables to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	schedule, err := parseRateSchedule(*rateSchedule)
	if err != nil {
		return err
	}
	s, err := sandbox.StartAt(*addr, sandbox.Options{
		Seed:                 *seed,
		Accounts:             *accounts,
		UsagePerAccountMonth: *usage,
		Latency:              *latency,
		RateLimit:            *rps,
		RetryAfter:           *retryAfter,
		RateSchedule:         schedule,
	})
	if err != nil {
		return err
	}
	env := [][2]string{
		{"TALKDESK_API_BASE_URL", s.URL},
		{"TALKDESK_TOKEN_URL", s.TokenURL},
		{"TALKDESK_CLIENT_ID", sandbox.DefaultClientID},
		{"TALKDESK_CLIENT_SECRET", sandbox.DefaultClientSecret},
	}
	fmt.Fprintf(out, "Talkdesk Billing Insights sandbox\n  API base URL:  %s\n  token URL:     %s\n  client id:     %s\n  client secret: %s\n",
		s.URL, s.TokenURL, sandbox.DefaultClientID, sandbox.DefaultClientSecret)
	if *envFile != "" {
		if err := writeEnvFile(*envFile, env); err != nil {
			s.Close()
			return err
		}
		fmt.Fprintf(out, "  env file:      %s\n", *envFile)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	stop()

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(out, "Sandbox stopped.")
	return nil
}

// writeEnvFile writes "export NAME='value'" lines to a temporary file next
// to path and renames it into place, so that a script polling for path
// never reads a partial file.
func writeEnvFile(path string, env [][2]string) error {
	var b strings.Builder
	for _, kv := range env {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
