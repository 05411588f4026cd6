package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// providerBinaryName is the file Terraform looks for in a dev_overrides
// directory.
const providerBinaryName = "terraform-provider-talkdesk"

// Set by TestMain.
var (
	terraformBin string // the Terraform CLI
	pluginDir    string // holds the provider binary built for this run
	providerBin  string // pluginDir/terraform-provider-talkdesk
	cliConfig    string // CLI config with dev_overrides for talkdesk/talkdesk
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	terraformBin, err = findTerraform()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	root, err := os.MkdirTemp("", "talkdesk-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(root)
	pluginDir = filepath.Join(root, "plugins")
	providerBin = filepath.Join(pluginDir, providerBinaryName)
	if err := buildProvider(providerBin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cliConfig = filepath.Join(root, "terraformrc")
	if err := os.WriteFile(cliConfig, []byte(devOverrides(pluginDir)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The host's shared pace files of the providers these tests start
	// stay in a directory of their own, removed at the end.
	tmp := filepath.Join(root, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("TMPDIR", tmp)
	return m.Run()
}

func findTerraform() (string, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", fmt.Errorf("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH")
	}
	return p, nil
}

// buildProvider builds the module's main package (the provider) to out.
func buildProvider(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-o", out, root)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the provider: %v\n%s", err, b)
	}
	return nil
}

// terraformHeader declares the provider; dev_overrides resolves it.
const terraformHeader = `terraform {
  required_providers {
    talkdesk = { source = "talkdesk/talkdesk" }
  }
}
`

// workspace is a temporary Terraform working directory with a main.tf.
type workspace struct {
	t   *testing.T
	dir string
	// cliConfig is the CLI configuration used; the shared one by default.
	cliConfig string
}

func newWorkspace(t *testing.T, config string) *workspace {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(terraformHeader+config), 0o600); err != nil {
		t.Fatal(err)
	}
	return &workspace{t: t, dir: dir, cliConfig: cliConfig}
}

// privateProvider copies the provider binary into a directory of the
// test's own and returns a CLI config pointing at it and the copy's path,
// so the test can tell its provider processes from other tests'.
func privateProvider(t *testing.T) (config, bin string) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "plugins", providerBinaryName)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(providerBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	config = filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(config, []byte(devOverrides(filepath.Dir(bin))), 0o600); err != nil {
		t.Fatal(err)
	}
	return config, bin
}

func devOverrides(dir string) string {
	return fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"talkdesk/talkdesk\" = %q\n  }\n  direct {}\n}\n", dir)
}

// tfResult is the outcome of one Terraform command.
type tfResult struct {
	stdout, stderr string
	err            error
	took           time.Duration
}

func (r tfResult) output() string { return r.stdout + r.stderr }

// command prepares a Terraform command in the workspace. Its environment
// is the test process's without any TALKDESK_* or TF_* variable, plus the
// CLI config with dev_overrides, CHECKPOINT_DISABLE and env.
func (w *workspace) command(ctx context.Context, env map[string]string, args ...string) *exec.Cmd {
	full := append([]string{"-chdir=" + w.dir}, args...)
	cmd := exec.CommandContext(ctx, terraformBin, full...)
	cmd.Env = cleanEnv(w.cliConfig, env)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func cleanEnv(cliConfig string, extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TALKDESK_") || strings.HasPrefix(k, "TF_") || k == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// run runs a Terraform command to completion (at most 2 minutes).
func (w *workspace) run(env map[string]string, args ...string) tfResult {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := w.command(ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	return tfResult{stdout: stdout.String(), stderr: stderr.String(), err: err, took: time.Since(start)}
}

// plan runs terraform plan.
func (w *workspace) plan(env map[string]string) tfResult {
	return w.run(env, "plan", "-input=false", "-lock=false", "-no-color")
}

// apply runs terraform apply with a state file in the workspace.
func (w *workspace) apply() tfResult {
	return w.run(nil, "apply", "-auto-approve", "-input=false", "-lock=false", "-no-color",
		"-state="+filepath.Join(w.dir, "e2e.tfstate"))
}

var outputLineRE = regexp.MustCompile(`(?m)^([A-Za-z0-9_]+) = "([^"]*)"$`)

// outputs parses the string outputs apply prints after "Outputs:".
func outputs(stdout string) map[string]string {
	_, after, ok := strings.Cut(stdout, "\nOutputs:\n")
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, m := range outputLineRE.FindAllStringSubmatch(after, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// startSandbox starts a sandbox for one test and closes it at cleanup.
func startSandbox(t *testing.T, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// providerBlock configures the provider for srv with its default client
// credentials; extra lines go inside the block.
func providerBlock(srv *sandbox.Server, extra ...string) string {
	return fmt.Sprintf("provider \"talkdesk\" {\n%s  client_id = %q\n  client_secret = %q\n%s}\n",
		urlsBlock(srv), sandbox.DefaultClientID, sandbox.DefaultClientSecret, indentLines(extra))
}

func indentLines(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// urlsBlock sets the sandbox URLs in a provider block.
func urlsBlock(srv *sandbox.Server) string {
	return fmt.Sprintf("  api_base_url = %q\n  token_url    = %q\n", srv.URL, srv.TokenURL)
}

// ecKey is a generated EC P-256 key in the forms the provider accepts.
type ecKey struct {
	key *ecdsa.PrivateKey
	pem string // PKCS#8 PEM
	der []byte
}

func newECKey(t *testing.T) ecKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return ecKey{key: k, der: der, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
}

// pemBodyLines are the base64 lines of the PEM, each of which must never
// appear anywhere.
func (k ecKey) pemBodyLines() []string {
	var lines []string
	for _, l := range strings.Split(k.pem, "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	return lines
}

// hclHeredoc quotes a multi-line value for HCL.
func hclHeredoc(s string) string {
	return "<<-EOT\n" + strings.TrimRight(s, "\n") + "\nEOT"
}

// processesRunning lists the pids of processes whose executable or
// command line is path.
func processesRunning(path string) []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		name := e.Name()
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", name, "exe"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", name, "cmdline"))
		arg0, _, _ := strings.Cut(string(cmdline), "\x00")
		if exe == path || strings.TrimSuffix(exe, " (deleted)") == path || arg0 == path {
			pids = append(pids, name)
		}
	}
	return pids
}
