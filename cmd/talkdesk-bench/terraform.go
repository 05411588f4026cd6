package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

const fiveDataSources = `
data "talkdesk_accounts" "all" {}
data "talkdesk_products" "all" {}
data "talkdesk_subscriptions" "all" {}
data "talkdesk_invoices" "all" {}
data "talkdesk_usage" "all" {}
output "rows" {
  value = join(" ", [length(data.talkdesk_accounts.all.accounts), length(data.talkdesk_products.all.products),
    length(data.talkdesk_subscriptions.all.subscriptions), sum([for i in data.talkdesk_invoices.all.invoices : length(i.lines)]),
    length(data.talkdesk_usage.all.usage)])
}
`

const allUsage = `
data "talkdesk_usage" "all" {}
output "rows" { value = tostring(length(data.talkdesk_usage.all.usage)) }
`

func countFive(d sandbox.Dataset) string {
	return fmt.Sprintf("%d %d %d %d %d", len(d.Accounts), len(d.Products), len(d.Subscriptions), len(d.Invoices), len(d.Usage))
}

func countUsage(d sandbox.Dataset) string { return strconv.Itoa(len(d.Usage)) }

// terraformRun plans config with the real Terraform CLI and the provider
// binary, and checks the row counts against the sandbox's data.
func terraformRun(opts sandbox.Options, config string, want func(sandbox.Dataset) string) (result, error) {
	return terraformRunFor(opts, func(sandbox.Dataset) string { return config }, want)
}

// terraformRunFor is terraformRun with a configuration written for the
// sandbox's data (lookups of records it holds).
func terraformRunFor(opts sandbox.Options, configFor func(sandbox.Dataset) string, want func(sandbox.Dataset) string) (result, error) {
	srv, dir, pluginDir, cleanup, err := terraformBench(opts)
	if err != nil {
		return result{}, err
	}
	defer cleanup()
	ws, err := newTFWorkspace(filepath.Join(dir, "run"), pluginDir, srv, configFor(srv.Data()))
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	got, err := ws.apply()
	wall := time.Since(start)
	if err != nil {
		return result{}, err
	}
	r := fromServer(srv, wall)
	if reqs := srv.Requests(); len(reqs) > 0 {
		r.afterLast = start.Add(wall).Sub(reqs[len(reqs)-1].Time)
	}
	r.limit = providerRate
	w := want(srv.Data())
	r.exact = got == w
	for _, f := range strings.Fields(w) {
		n, _ := strconv.Atoi(f)
		r.rows += n
	}
	if !r.exact {
		r.note = fmt.Sprintf("got %q want %q", got, w)
	}
	r.peakRSS = ws.peakRSS()
	r.terraformRSS = ws.terraformRSS
	if st, err := os.Stat(filepath.Join(ws.dir, "state")); err == nil {
		r.stateBytes = st.Size()
	}
	return r, nil
}

// terraformBench starts a sandbox (429s with Retry-After: 1) and builds
// the provider with the bench's wrapper into a temporary directory;
// cleanup stops the one and removes the other.
func terraformBench(opts sandbox.Options) (srv *sandbox.Server, dir, pluginDir string, cleanup func(), err error) {
	opts.RetryAfter = "1"
	if srv, err = startSandbox(opts); err != nil {
		return nil, "", "", nil, err
	}
	if dir, err = os.MkdirTemp("", "talkdesk-bench"); err != nil {
		srv.Close()
		return nil, "", "", nil, err
	}
	cleanup = func() { srv.Close(); _ = os.RemoveAll(dir) }
	if pluginDir, err = providerWithWrapper(dir); err != nil {
		cleanup()
		return nil, "", "", nil, err
	}
	return srv, dir, pluginDir, cleanup, nil
}

// tfWorkspace is a Terraform working directory whose provider is the
// bench's wrapper around the provider binary, pointed at a sandbox.
type tfWorkspace struct {
	dir, work, cliConfig, rssFile string
	srv                           *sandbox.Server
	// env is added to the environment of every terraform command.
	env []string
	// terraformRSS is Terraform's own peak resident set in the last
	// apply, in bytes.
	terraformRSS int64
}

func newTFWorkspace(dir, pluginDir string, srv *sandbox.Server, config string) (*tfWorkspace, error) {
	ws := &tfWorkspace{dir: dir, work: filepath.Join(dir, "config"), cliConfig: filepath.Join(dir, "terraformrc"), rssFile: filepath.Join(dir, "rss"), srv: srv}
	if err := os.MkdirAll(ws.work, 0o755); err != nil {
		return nil, err
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"talkdesk/talkdesk\" = %q\n  }\n  direct {}\n}\n", pluginDir)
	if err := os.WriteFile(ws.cliConfig, []byte(rc), 0o600); err != nil {
		return nil, err
	}
	tf := "terraform {\n  required_providers {\n    talkdesk = { source = \"talkdesk/talkdesk\" }\n  }\n}\n" + config
	if err := os.WriteFile(filepath.Join(ws.work, "main.tf"), []byte(tf), 0o600); err != nil {
		return nil, err
	}
	return ws, nil
}

// apply runs terraform apply and returns the "rows" output.
func (ws *tfWorkspace) apply() (string, error) {
	state := "-state=" + filepath.Join(ws.dir, "state")
	cmd := exec.Command(terraformPath(), "-chdir="+ws.work, "apply", "-auto-approve", "-input=false", "-lock=false", "-no-color", state)
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+ws.cliConfig, "TF_IN_AUTOMATION=1",
		"TALKDESK_API_BASE_URL="+ws.srv.URL, "TALKDESK_TOKEN_URL="+ws.srv.TokenURL,
		"TALKDESK_CLIENT_ID="+sandbox.DefaultClientID, "TALKDESK_CLIENT_SECRET="+sandbox.DefaultClientSecret,
		envRSSFile+"="+ws.rssFile)
	cmd.Env = append(cmd.Env, ws.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("terraform apply: %v", err)
	}
	tfRSS := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	ws.terraformRSS = tfRSS()
	if err != nil {
		return "", fmt.Errorf("terraform apply: %v\n%s", err, tail(out.String(), 2000))
	}
	outCmd := exec.Command(terraformPath(), "-chdir="+ws.work, "output", "-raw", state, "rows")
	outCmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+ws.cliConfig)
	got, err := outCmd.Output()
	if err != nil {
		return "", fmt.Errorf("terraform output: %v", err)
	}
	return strings.TrimSpace(string(got)), nil
}

// peakRSS is the largest resident set of the provider processes this
// workspace's runs started, in bytes; 0 when not recorded.
func (ws *tfWorkspace) peakRSS() int64 {
	var peak int64
	if b, err := os.ReadFile(ws.rssFile); err == nil {
		for _, line := range strings.Fields(string(b)) {
			if n, err := strconv.ParseInt(line, 10, 64); err == nil {
				peak = max(peak, n)
			}
		}
	}
	return peak
}

func terraformPath() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	if p, err := exec.LookPath("terraform"); err == nil {
		return p
	}
	return "terraform"
}

// providerWithWrapper builds the provider and installs this program,
// under the provider's name, as a wrapper that records its peak RSS.
func providerWithWrapper(dir string) (string, error) {
	realBinary := filepath.Join(dir, "real", "terraform-provider-talkdesk")
	build := exec.Command("go", "build", "-o", realBinary, ".")
	build.Dir = moduleRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	pluginDir := filepath.Join(dir, "plugins")
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		return "", err
	}
	wrapper := filepath.Join(pluginDir, "terraform-provider-talkdesk")
	script := fmt.Sprintf("#!/bin/sh\nexec env %s=%q %q \"$@\"\n", envWrapReal, realBinary, self)
	return pluginDir, os.WriteFile(wrapper, []byte(script), 0o755)
}

func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "."
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// watchPeakRSS samples the peak resident set (VmHWM) of process pid
// itself, not of its children (the provider is measured on its own), until
// the process ends; the returned function gives the last sample. The
// kernel's rusage of a waited-for process would include its children.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		status := fmt.Sprintf("/proc/%d/status", pid)
		for {
			b, err := os.ReadFile(status)
			if err != nil {
				return
			}
			_, after, ok := strings.Cut(string(b), "VmHWM:")
			if !ok {
				return // a zombie has no memory left to report
			}
			fields := strings.Fields(after)
			if kb, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
				peak.Store(max(peak.Load(), kb*1024))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() int64 {
		<-done
		return peak.Load()
	}
}
