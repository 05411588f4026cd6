package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

func TestFormatEnvAndWriteFile(t *testing.T) {
	env := [][2]string{{"TALKDESK_API_BASE_URL", "http://127.0.0.1:1234"}, {"TALKDESK_CLIENT_SECRET", "it's"}}
	text, err := formatEnv(env, "shell")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "talkdesk.env")
	if err := writeFileAtomic(path, text); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "export TALKDESK_API_BASE_URL='http://127.0.0.1:1234'\nexport TALKDESK_CLIENT_SECRET='it'\\''s'\n"
	if string(b) != want {
		t.Errorf("env file:\n%s\nwant:\n%s", b, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %v, want 0600 (it holds the client secret)", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
	if sh, err := exec.LookPath("sh"); err == nil {
		out, err := exec.Command(sh, "-c", ". "+path+" && printf %s \"$TALKDESK_CLIENT_SECRET\"").Output()
		if err != nil || strings.TrimSpace(string(out)) != "it's" {
			t.Errorf("sourcing the file: %q %v", out, err)
		}
	}

	if text, _ := formatEnv(env, "dotenv"); text != "TALKDESK_API_BASE_URL=http://127.0.0.1:1234\nTALKDESK_CLIENT_SECRET=it's\n" {
		t.Errorf("dotenv:\n%s", text)
	}
	if _, err := formatEnv([][2]string{{"TALKDESK_CLIENT_SECRET", "a\nb"}}, "dotenv"); err == nil {
		t.Error("a line break in a dotenv value was accepted")
	}
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseConfig(t *testing.T) {
	var stderr bytes.Buffer
	c, err := parseConfig([]string{"-addr", "127.0.0.1:9999", "-client-id", "flag-id"}, envOf(map[string]string{
		"TALKDESK_SANDBOX_ADDR":          "127.0.0.1:1111", // the flag wins
		"TALKDESK_SANDBOX_CLIENT_ID":     "env-id",
		"TALKDESK_SANDBOX_CLIENT_SECRET": "env-secret",
		"TALKDESK_SANDBOX_FIXTURE":       "f.json",
		"TALKDESK_SANDBOX_RATE":          "-1",
		"TALKDESK_SANDBOX_ENV_FORMAT":    "dotenv",
		"TALKDESK_SANDBOX_PRINT_ENV":     "true",
		"TALKDESK_SANDBOX_VERSION":       "1.2.3", // a CI script's own variable, not -version
	}), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:9999" || c.opts.ClientID != "flag-id" || c.opts.ClientSecret != "env-secret" ||
		c.fixture != "f.json" || c.opts.RateLimit != -1 || c.envFormat != "dotenv" || !c.printEnv || c.version {
		t.Errorf("config %+v", c)
	}

	for _, bad := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-fixture", "f.json", "-accounts", "3"}, nil, "-accounts applies to the generated organization; a fixture (-fixture)"},
		{nil, map[string]string{"TALKDESK_SANDBOX_FIXTURE": "f.json", "TALKDESK_SANDBOX_SEED": "4"}, "TALKDESK_SANDBOX_SEED applies to the generated organization; a fixture (TALKDESK_SANDBOX_FIXTURE)"},
		{nil, map[string]string{"TALKDESK_SANDBOX_RATE": "fast"}, `TALKDESK_SANDBOX_RATE: parse error`},
		{[]string{"-env-format", "yaml"}, nil, `-env-format: "yaml" is not a format`},
		{[]string{"-client-secret", ""}, nil, "must not be empty"},
		{[]string{"extra"}, nil, "unexpected arguments: extra"},
	} {
		_, err := parseConfig(bad.args, envOf(bad.env), &stderr)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %v: error %v, want %q", bad.args, bad.env, err, bad.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestBadFixtureServesNothing(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(dir, "bad.json")
	envFile := filepath.Join(dir, "talkdesk.env")
	if err := os.WriteFile(fixture, []byte(`{"accounts":[{"id":"a"}],"subscriptions":[{"id":"s","account_id":"b"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"-fixture", fixture, "-env-file", envFile, "-print-env"}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), fixture+`:1: subscriptions[0] (id "s"): field "account_id": account "b" is not in accounts`) {
		t.Fatalf("error %v", err)
	}
	if _, statErr := os.Stat(envFile); !errors.Is(statErr, os.ErrNotExist) {
		t.Error("the env file was written for a bad fixture")
	}
	if stdout.String() != "" || stderr.String() != "" {
		t.Errorf("output for a bad fixture: %q %q", stdout.String(), stderr.String())
	}
}

// TestRunServesFixture runs the command in process: custom credentials,
// dotenv settings on stdout, the fixture's records served, a clean stop
// when the context ends.
func TestRunServesFixture(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(dir, "f.json")
	if err := os.WriteFile(fixture, []byte(`{"accounts":[{"id":"acme","name":"acme"}],"subscriptions":[{"id":"s","account_id":"acme","end_date":"now+30d/d"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-fixture", fixture, "-print-env", "-env-format", "dotenv"},
			envOf(map[string]string{"TALKDESK_SANDBOX_CLIENT_ID": "ci-id", "TALKDESK_SANDBOX_CLIENT_SECRET": "ci-secret"}), &stdout, &stderr)
	}()
	var env map[string]string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(stderr.String(), "Ready in") {
			env = parseDotenv(stdout.String())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %q %q", stdout.String(), stderr.String())
		}
	}
	if env["TALKDESK_CLIENT_ID"] != "ci-id" || env["TALKDESK_CLIENT_SECRET"] != "ci-secret" || env["TALKDESK_TOKEN_URL"] != env["TALKDESK_API_BASE_URL"]+"/oauth/token" {
		t.Errorf("settings %v", env)
	}
	if strings.Contains(stderr.String(), "ci-secret") {
		t.Errorf("the banner shows a user-chosen secret: %s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "1 accounts, 0 products, 1 subscription lines") {
		t.Errorf("banner: %s", stderr.String())
	}

	tok := fetchToken(t, env["TALKDESK_TOKEN_URL"], "ci-id", "ci-secret")
	req, _ := http.NewRequest(http.MethodGet, env["TALKDESK_API_BASE_URL"]+"/express/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Embedded struct {
			Subscriptions []struct{ ID, EndDate string } `json:"subscriptions"`
		} `json:"_embedded"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Embedded.Subscriptions) != 1 || page.Embedded.Subscriptions[0].ID != "s" {
		t.Errorf("subscriptions: %+v %v", page, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
	if !strings.HasSuffix(stderr.String(), "Sandbox stopped.\n") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func parseDotenv(s string) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}

// fetchToken gets a token the way the provider does: OAuth 2.0 client
// credentials with HTTP Basic client authentication.
func fetchToken(t *testing.T, tokenURL, id, secret string) string {
	t.Helper()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}

// TestCommand builds the command. A bad fixture exits with status 1 and
// the problem on stderr, before anything listens; SIGTERM and SIGINT stop a
// running sandbox with exit status 0, "Sandbox stopped.", and the port
// closed.
func TestCommand(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "talkdesk-sandbox")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fixture := filepath.Join(dir, "f.json")
	if err := os.WriteFile(fixture, []byte(`{"accounts":[{"id":"acme"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("bad fixture", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		envFile := filepath.Join(t.TempDir(), "talkdesk.env")
		if err := os.WriteFile(bad, []byte(`{"accounts":[{"id":"acme","status":1}]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, "-fixture", bad, "-env-file", envFile)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("exit: %v", err)
		}
		want := "talkdesk-sandbox: fixture " + bad + " is invalid (1 problem); nothing is served:\n  " + bad +
			`:1: accounts[0] (id "acme"): field "status": want a string, got a number (1)` + "\n"
		if stderr.String() != want || stdout.Len() != 0 {
			t.Errorf("stderr:\n%s\nwant:\n%s\nstdout: %q", stderr.String(), want, stdout.String())
		}
		if _, err := os.Stat(envFile); !errors.Is(err, os.ErrNotExist) {
			t.Error("env file written for a bad fixture")
		}
	})

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			envFile := filepath.Join(t.TempDir(), "talkdesk.env")
			cmd := exec.Command(bin, "-fixture", fixture, "-env-file", envFile)
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var base string
			for deadline := time.Now().Add(30 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
				if b, err := os.ReadFile(envFile); err == nil {
					sc := bufio.NewScanner(bytes.NewReader(b))
					for sc.Scan() {
						if v, ok := strings.CutPrefix(sc.Text(), "export TALKDESK_API_BASE_URL="); ok {
							base = strings.Trim(v, "'")
						}
					}
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("no env file; output:\n%s", out.String())
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit after %v: %v\n%s", sig, err, out.String())
				}
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 15s after %v", sig)
			}
			if !strings.Contains(out.String(), "Sandbox stopped.") {
				t.Errorf("output:\n%s", out.String())
			}
			if resp, err := http.Get(base + "/express/accounts"); err == nil {
				resp.Body.Close()
				t.Errorf("%s still answers after %v", base, sig)
			}
		})
	}
}
