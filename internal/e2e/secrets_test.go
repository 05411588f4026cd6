package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// tokenSandbox is a sandbox behind a wrapper that records every access
// token its token endpoint issues, so a test can look for them in logs.
type tokenSandbox struct {
	*sandbox.Server
	url, tokenURL string

	mu     sync.Mutex
	issued []string
}

func startTokenSandbox(t *testing.T, opts sandbox.Options) *tokenSandbox {
	t.Helper()
	ts := &tokenSandbox{Server: sandbox.New(opts)}
	inner := ts.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" {
			inner.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &body) == nil && body.AccessToken != "" {
			ts.mu.Lock()
			ts.issued = append(ts.issued, body.AccessToken)
			ts.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(hs.Close)
	ts.url, ts.tokenURL = hs.URL, hs.URL+"/oauth/token"
	return ts
}

func (ts *tokenSandbox) tokens() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.issued...)
}

// fetchToken gets an access token from the sandbox with HTTP Basic client
// authentication, as a user would before configuring access_token.
func (ts *tokenSandbox) fetchToken(t *testing.T, id, secret string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.tokenURL, strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &body) != nil || body.AccessToken == "" {
		t.Fatalf("token request: %d %s", resp.StatusCode, b)
	}
	return body.AccessToken
}

const secretsConfig = `
data "talkdesk_accounts" "all" {}
data "talkdesk_subscriptions" "all" {}
output "accounts" { value = tostring(length(data.talkdesk_accounts.all.accounts)) }
output "subscriptions" { value = tostring(length(data.talkdesk_subscriptions.all.subscriptions)) }
`

// bearerRE finds an Authorization value that is not masked.
var bearerRE = regexp.MustCompile(`(?i)bearer\s+([A-Za-z0-9\-._~+/]{8,}=*)`)

// TestTraceLogHasNoSecrets plans a read of accounts and subscriptions
// with TF_LOG=TRACE into a file, in each authentication mode and with the
// secrets given in the provider block or in TALKDESK_* variables, and
// checks that no secret (client secret, access token, issued tokens,
// private key in any form) is in the log or in Terraform's output.
func TestTraceLogHasNoSecrets(t *testing.T) {
	t.Parallel()
	const clientID = "e2e-trace-client"
	clientSecret := "s3cr3t-value-XYZ-" + randomHex(t, 8)
	key := newECKey(t)
	const keyID = "e2e-trace-key"

	type mode struct {
		name string
		// setup returns the provider block's extra attributes, the
		// environment, and the secrets that must not leak.
		setup func(t *testing.T, ts *tokenSandbox) (block string, env map[string]string, secrets []string)
	}
	keySecrets := append([]string{strings.TrimSpace(key.pem), base64.StdEncoding.EncodeToString(key.der)}, key.pemBodyLines()...)
	modes := []mode{
		{"client_secret via env", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			return "", map[string]string{
				"TALKDESK_API_BASE_URL": ts.url, "TALKDESK_TOKEN_URL": ts.tokenURL,
				"TALKDESK_CLIENT_ID": clientID, "TALKDESK_CLIENT_SECRET": clientSecret,
			}, []string{clientSecret}
		}},
		{"client_secret in provider block", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			return fmt.Sprintf("  api_base_url = %q\n  token_url = %q\n  client_id = %q\n  client_secret = %q\n", ts.url, ts.tokenURL, clientID, clientSecret),
				nil, []string{clientSecret}
		}},
		{"access_token in provider block", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			tok := ts.fetchToken(t, clientID, clientSecret)
			return fmt.Sprintf("  api_base_url = %q\n  access_token = %q\n", ts.url, tok), nil, []string{tok, clientSecret}
		}},
		{"access_token via env", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			tok := ts.fetchToken(t, clientID, clientSecret)
			return "", map[string]string{"TALKDESK_API_BASE_URL": ts.url, "TALKDESK_ACCESS_TOKEN": tok}, []string{tok, clientSecret}
		}},
		{"private_key in provider block", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			return fmt.Sprintf("  api_base_url = %q\n  token_url = %q\n  client_id = %q\n  key_id = %q\n  private_key = %s\n", ts.url, ts.tokenURL, clientID, keyID, hclHeredoc(key.pem)),
				nil, keySecrets
		}},
		{"private_key via env", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			return "", map[string]string{
				"TALKDESK_API_BASE_URL": ts.url, "TALKDESK_TOKEN_URL": ts.tokenURL,
				"TALKDESK_CLIENT_ID": clientID, "TALKDESK_KEY_ID": keyID, "TALKDESK_PRIVATE_KEY": key.pem,
			}, keySecrets
		}},
		{"private_key as base64 DER via env", func(t *testing.T, ts *tokenSandbox) (string, map[string]string, []string) {
			return "", map[string]string{
				"TALKDESK_API_BASE_URL": ts.url, "TALKDESK_TOKEN_URL": ts.tokenURL,
				"TALKDESK_CLIENT_ID": clientID, "TALKDESK_KEY_ID": keyID,
				"TALKDESK_PRIVATE_KEY": base64.StdEncoding.EncodeToString(key.der),
			}, keySecrets
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			// Some 503s make the client log retries (with their error
			// text); with renewable credentials, the tokens are revoked
			// after the second request so that the 401 and the renewal
			// paths log too.
			staticToken := strings.Contains(m.name, "access_token")
			var ts *tokenSandbox
			var revoked sync.Once
			var requests atomic.Int32
			ts = startTokenSandbox(t, sandbox.Options{
				ClientID: clientID, ClientSecret: clientSecret,
				JWTPublicKey: &key.key.PublicKey, KeyID: keyID,
				Accounts: 20, SubscriptionsPerAccount: 40, RateLimit: -1,
				Faults: sandbox.Faults{Rate503: 0.3, Seed: 7},
				OnAPIRequest: func(string, url.Values) {
					if requests.Add(1) == 2 && !staticToken {
						revoked.Do(ts.RevokeTokens)
					}
				},
			})
			block, env, secrets := m.setup(t, ts)
			ws := newWorkspace(t, "provider \"talkdesk\" {\n  max_retries = 12\n"+block+"}\n"+secretsConfig)
			logFile := filepath.Join(t.TempDir(), "terraform.log")
			if env == nil {
				env = map[string]string{}
			}
			env["TF_LOG"] = "TRACE"
			env["TF_LOG_PROVIDER"] = "TRACE"
			env["TF_LOG_PATH"] = logFile
			res := ws.plan(env)
			if res.err != nil {
				t.Fatalf("terraform plan failed: %v\n%s", res.err, redact(res.output(), secrets))
			}
			data := ts.Data()
			for name, n := range map[string]int{"accounts": len(data.Accounts), "subscriptions": len(data.Subscriptions)} {
				want := regexp.MustCompile(`\+ ` + name + `\s+= "` + fmt.Sprint(n) + `"`)
				if !want.MatchString(res.stdout) {
					t.Errorf("the plan does not show output %s = %d (the sandbox's count):\n%s", name, n, redact(res.stdout, secrets))
				}
			}
			logBytes, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatal(err)
			}
			log := string(logBytes)
			// The log must really hold the provider's TRACE/DEBUG lines,
			// or the test proves nothing.
			for _, want := range []string{"talkdesk_subscriptions", "@module=talkdesk", "configured the Talkdesk client", "[TRACE]"} {
				if !strings.Contains(log, want) {
					t.Errorf("the TRACE log (%d bytes) lacks %q: it does not capture the provider's logging", len(log), want)
				}
			}
			st := ts.Stats()
			if st.ByStatus[http.StatusServiceUnavailable] > 0 && !strings.Contains(log, "retrying request") {
				t.Errorf("the sandbox answered %d requests 503 but the log shows no retry", st.ByStatus[http.StatusServiceUnavailable])
			}
			issued := ts.tokens()
			if !staticToken && len(issued) < 2 {
				t.Errorf("the provider obtained %d tokens; want a renewal after the revocation", len(issued))
			}
			if staticToken {
				if len(issued) != 1 { // only the one the test fetched
					t.Errorf("the token endpoint issued %d tokens; want only the test's own", len(issued))
				}
			} else if len(issued) == 0 {
				t.Error("the provider obtained no token: the read did not authenticate")
			}
			all := append(append([]string(nil), secrets...), issued...)
			for where, text := range map[string]string{"TRACE log " + logFile: log, "terraform stdout": res.stdout, "terraform stderr": res.stderr} {
				for _, s := range all {
					if s != "" && strings.Contains(text, s) {
						t.Errorf("a secret (%s) appears in the %s: %s", describeSecret(s), where, excerpt(text, s))
					}
				}
				for _, m := range bearerRE.FindAllStringSubmatch(text, -1) {
					if !strings.Contains(m[1], "***") {
						t.Errorf("an unmasked bearer token appears in the %s: %s", where, excerpt(text, m[0]))
					}
				}
			}
			t.Logf("plan took %v; TRACE log %d bytes; %d tokens issued; sandbox: %d API requests, %d answered 503, %d 401",
				res.took, len(log), len(issued), st.APIRequests, st.ByStatus[http.StatusServiceUnavailable], st.ByStatus[http.StatusUnauthorized])
		})
	}
}

func describeSecret(s string) string {
	if len(s) <= 8 {
		return "a short secret"
	}
	return fmt.Sprintf("%d characters, starting %q", len(s), s[:4])
}

// excerpt shows where s appears in text, with s itself redacted.
func excerpt(text, s string) string {
	i := strings.Index(text, s)
	if i < 0 {
		return ""
	}
	lo, hi := max(0, i-200), min(len(text), i+len(s)+100)
	return strings.ReplaceAll(text[lo:hi], s, "<SECRET>")
}

// redact hides secrets from text the test prints.
func redact(text string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "<SECRET>")
		}
	}
	return text
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
