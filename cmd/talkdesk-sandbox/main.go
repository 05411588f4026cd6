// Command talkdesk-sandbox runs the local Talkdesk Billing Insights API
// sandbox (internal/sandbox) until interrupted, so that the provider can be
// tried end to end, and modules tested in CI, without Talkdesk credentials:
//
//	talkdesk-sandbox -fixture testdata/billing.json -env-file /tmp/talkdesk.env &
//	until [ -s /tmp/talkdesk.env ]; do sleep 0.1; done   # written once it listens
//	. /tmp/talkdesk.env && terraform test
//
// Without -fixture it serves a generated organization. Every flag but
// -version can also be set through the environment as TALKDESK_SANDBOX_<FLAG>
// (upper case, - as _), e.g. TALKDESK_SANDBOX_FIXTURE; a flag on the command
// line wins.
package main

import (
	"context"
	"errors"
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

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

// envPrefix names the environment variables that stand in for flags.
const envPrefix = "TALKDESK_SANDBOX_"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "talkdesk-sandbox:", err)
		os.Exit(1)
	}
}

// config is what the command line and the environment ask for.
type config struct {
	addr, fixture, envFile, envFormat string
	rateSchedule                      string
	clientID, clientSecret            string
	printEnv, version                 bool
	opts                              sandbox.Options
}

// parseConfig reads flags, then the TALKDESK_SANDBOX_* variables for the
// flags not given, and checks the combination.
func parseConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("talkdesk-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address, e.g. 127.0.0.1:8080 (port 0 picks a free port)")
	fs.StringVar(&c.fixture, "fixture", "", "serve exactly the records of this JSON fixture instead of a generated organization (see docs/guides/testing-modules.md)")
	fs.StringVar(&c.clientID, "client-id", sandbox.DefaultClientID, "OAuth client id the token endpoint accepts")
	fs.StringVar(&c.clientSecret, "client-secret", sandbox.DefaultClientSecret, "OAuth client secret the token endpoint accepts (prefer "+envPrefix+"CLIENT_SECRET: flags show in process lists)")
	fs.StringVar(&c.envFile, "env-file", "", "once listening, write the TALKDESK_* settings for the provider to this file (mode 0600, replaced atomically)")
	fs.StringVar(&c.envFormat, "env-format", "shell", `format of -env-file and -print-env: "shell" (export NAME='value') or "dotenv" (NAME=value, e.g. for $GITHUB_ENV)`)
	fs.BoolVar(&c.printEnv, "print-env", false, "print the TALKDESK_* settings on stdout (the banner then goes to stderr)")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.Int64Var(&c.opts.Seed, "seed", 1, "data generation seed (generated organization only)")
	fs.IntVar(&c.opts.Accounts, "accounts", 0, "accounts under the organization (0 = default 8; generated organization only)")
	fs.IntVar(&c.opts.UsagePerAccountMonth, "usage-per-account-month", 0, "usage rows per account and month (0 = default 6; generated organization only)")
	fs.DurationVar(&c.opts.Latency, "latency", 0, "delay added to every API request")
	fs.Float64Var(&c.opts.RateLimit, "rate", 25, "API requests per second for the organization (negative = unlimited)")
	fs.StringVar(&c.opts.RetryAfter, "retry-after", "1", `Retry-After header on 429 responses ("" = none)`)
	fs.StringVar(&c.rateSchedule, "rate-schedule", "", `changes of -rate during a run, timed from the first API request, e.g. "8@5s,25@20s"`)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: talkdesk-sandbox [flags]\n\nA local Talkdesk Billing Insights API. Every flag but -version may also be set as\n%s<FLAG> (upper case, - as _), e.g. %sFIXTURE; the command line wins.\n\n", envPrefix, envPrefix)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	given := map[string]string{} // flag -> where it was set
	fs.Visit(func(f *flag.Flag) { given[f.Name] = "-" + f.Name })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := lookupEnv(name)
		// -version has no variable: CI scripts commonly set
		// TALKDESK_SANDBOX_VERSION to pick the release they download.
		if !ok || given[f.Name] != "" || f.Name == "version" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		given[f.Name] = name
	})
	if c.fixture != "" {
		for _, gen := range []string{"seed", "accounts", "usage-per-account-month"} {
			if given[gen] != "" {
				errs = append(errs, fmt.Errorf("%s applies to the generated organization; a fixture (%s) defines its own records", given[gen], given["fixture"]))
			}
		}
	}
	if c.envFormat != "shell" && c.envFormat != "dotenv" {
		errs = append(errs, fmt.Errorf(`%s: %q is not a format: use "shell" or "dotenv"`, given["env-format"], c.envFormat))
	}
	if c.clientID == "" || c.clientSecret == "" {
		errs = append(errs, errors.New("the client id and secret must not be empty"))
	}
	c.opts.ClientID, c.opts.ClientSecret = c.clientID, c.clientSecret
	return c, errors.Join(errs...)
}

// run starts the sandbox and serves until ctx ends (SIGINT or SIGTERM).
// Nothing listens until the fixture, if any, has been checked completely.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	start := time.Now()
	c, err := parseConfig(args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	if c.version {
		_, err := fmt.Fprintf(stdout, "talkdesk-sandbox %s\n", version)
		return err
	}
	source := "a generated organization"
	if c.fixture != "" {
		data, err := sandbox.LoadFixture(c.fixture, start)
		if err != nil {
			return err
		}
		c.opts.Data = data
		source = fmt.Sprintf("fixture %s (%s), relative dates from %s", c.fixture, describe(data), start.UTC().Format(time.RFC3339))
	}

	if c.opts.RateSchedule, err = parseRateSchedule(c.rateSchedule); err != nil {
		return err
	}
	s, err := sandbox.StartAt(c.addr, c.opts)
	if err != nil {
		return err
	}
	env := [][2]string{
		{"TALKDESK_API_BASE_URL", s.URL},
		{"TALKDESK_TOKEN_URL", s.TokenURL},
		{"TALKDESK_CLIENT_ID", c.clientID},
		{"TALKDESK_CLIENT_SECRET", c.clientSecret},
	}
	envText, err := formatEnv(env, c.envFormat)
	if err != nil {
		s.Close()
		return err
	}
	banner := stdout
	if c.printEnv {
		banner = stderr
		if _, err := io.WriteString(stdout, envText); err != nil {
			s.Close()
			return err
		}
	}
	secret := c.clientSecret
	if secret != sandbox.DefaultClientSecret {
		secret = "(as given; not shown)"
	}
	fmt.Fprintf(banner, "Talkdesk Billing Insights sandbox serving %s\n  API base URL:  %s\n  token URL:     %s\n  client id:     %s\n  client secret: %s\n",
		source, s.URL, s.TokenURL, c.clientID, secret)
	if c.envFile != "" {
		if err := writeFileAtomic(c.envFile, envText); err != nil {
			s.Close()
			return err
		}
		fmt.Fprintf(banner, "  env file:      %s\n", c.envFile)
	}
	fmt.Fprintf(banner, "Ready in %s. Stop with Ctrl-C or SIGTERM.\n", time.Since(start).Round(time.Millisecond))

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(banner, "Sandbox stopped.")
	return nil
}

// describe counts a data set's records for the banner.
func describe(d *sandbox.Dataset) string {
	return fmt.Sprintf("%d accounts, %d products, %d subscription lines, %d invoice lines, %d usage records",
		len(d.Accounts), len(d.Products), len(d.Subscriptions), len(d.Invoices), len(d.Usage))
}

// formatEnv renders the settings as shell export lines or dotenv lines.
func formatEnv(env [][2]string, format string) (string, error) {
	var b strings.Builder
	for _, kv := range env {
		if format == "dotenv" {
			if strings.ContainsAny(kv[1], "\r\n") {
				return "", fmt.Errorf("%s contains a line break, which the dotenv format cannot carry; use -env-format shell", kv[0])
			}
			fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
			continue
		}
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return b.String(), nil
}

// writeFileAtomic writes text to a temporary file (mode 0600: it holds the
// client secret) next to path and renames it into place, so that a script
// polling for path never reads a partial file.
func writeFileAtomic(path, text string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.WriteString(text); err != nil {
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
