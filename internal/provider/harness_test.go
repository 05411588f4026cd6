package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestMain points terraform-plugin-testing at a local Terraform CLI and a
// CLI config file this test controls, so nothing is downloaded and no
// stray user configuration leaks in.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if p, err := exec.LookPath("terraform"); err == nil {
			os.Setenv("TF_ACC_TERRAFORM_PATH", p)
		} else {
			fmt.Fprintln(os.Stderr, "no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH (make test does)")
			os.Exit(1)
		}
	}
	dir, err := os.MkdirTemp("", "tfcli")
	if err != nil {
		panic(err)
	}
	cliConfig := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		panic(err)
	}
	os.Setenv("TF_CLI_CONFIG_FILE", cliConfig)
	// The host's shared pace files of these tests' sandboxes stay in a
	// directory of their own, removed at the end.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		panic(err)
	}
	os.Setenv("TMPDIR", tmp)
	// Provider settings of sandbox tests come from their configuration
	// only; the real API's credentials are kept aside for the TestAcc tests.
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TALKDESK_") {
			realAPIEnv[k] = v
			os.Unsetenv(k)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// realAPIEnv holds the TALKDESK_* variables the tests were started with.
var realAPIEnv = map[string]string{}

// testProviders serves the provider in-process to the Terraform CLI.
func testProviders() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"talkdesk": NewServer("test"),
	}
}

// startSandbox starts a sandbox for one test and stops it at cleanup.
func startSandbox(t testing.TB, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	if opts.RetryAfter == "" {
		opts.RetryAfter = "1"
	}
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// providerBlock configures the provider for srv with client credentials.
func providerBlock(srv *sandbox.Server, extra ...string) string {
	return fmt.Sprintf(`
provider "talkdesk" {
  api_base_url  = %q
  token_url     = %q
  client_id     = %q
  client_secret = %q
  %s
}
`, srv.URL, srv.TokenURL, sandbox.DefaultClientID, sandbox.DefaultClientSecret, strings.Join(extra, "\n  "))
}
