package provider

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// brokenHost is a local server standing in for a misconfigured URL: it
// counts what reaches it (connections, token and API requests) and
// answers with the handlers a case gives.
type brokenHost struct {
	srv                *httptest.Server
	conns, token, apis atomic.Int64
}

func newBrokenHost(t *testing.T, tls bool, token, api http.HandlerFunc) *brokenHost {
	t.Helper()
	h := &brokenHost{}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/token", func(w http.ResponseWriter, r *http.Request) { h.token.Add(1); token(w, r) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.apis.Add(1); api(w, r) })
	h.srv = httptest.NewUnstartedServer(mux)
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes
	h.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			h.conns.Add(1)
		}
	}
	if tls {
		h.srv.StartTLS()
	} else {
		h.srv.Start()
	}
	t.Cleanup(h.srv.Close)
	return h
}

// htmlPage is what a web server, a login portal or a proxy sends.
const htmlPage = "<!DOCTYPE html>\n<html><head><title>Page not found</title></head>\n<body><h1>Not here</h1><p>" +
	"The page you asked for does not exist.</p></body></html>\n"

func answerHTML(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, htmlPage)
	}
}

func answerJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

var issueToken = answerJSON(http.StatusOK, `{"access_token": "fresh-token", "token_type": "Bearer", "expires_in": 600}`)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// endpointRequests counts the sandbox's requests to one endpoint path.
func endpointRequests(srv *sandbox.Server, path string) int64 {
	var n int64
	for _, r := range srv.Requests() {
		if r.Endpoint == path {
			n++
		}
	}
	return n
}

// diagnosticWith matches Terraform output holding every phrase, in order,
// and nowhere "<h", "<H" or "<!": no HTML document or tag reaches the
// user. (RE2 has no look-ahead: the filler spells out "no < followed by
// h, H or !".)
func diagnosticWith(phrases ...string) *regexp.Regexp {
	const free = `(?:[^<]|<+[^<hH!])*<*`
	re := `\A` + free
	for _, p := range phrases {
		re += errorText(p).String() + free
	}
	return regexp.MustCompile(re + `\z`)
}

// TestBrokenEnvironments runs Terraform against misconfigurations a new
// user meets, each on a local server: every error names the cause and
// the attribute or variable to change, quotes no HTML, and a failure
// that waiting cannot cure sends exactly one request.
func TestBrokenEnvironments(t *testing.T) {
	t.Parallel()
	creds := fmt.Sprintf("client_id = %q\n  client_secret = %q", sandbox.DefaultClientID, sandbox.DefaultClientSecret)
	block := func(apiURL, tokenURL string, extra ...string) string {
		return fmt.Sprintf("provider \"talkdesk\" {\n  api_base_url = %q\n  token_url = %q\n  %s\n  %s\n}\n", apiURL, tokenURL, creds, strings.Join(extra, "\n  "))
	}
	const products = `data "talkdesk_products" "p" {}`
	type env struct {
		config string
		want   []string
		// sent is how many requests reached the servers; want is -1
		// where no server can count (nothing listens).
		sent     func() int64
		wantSent int64
	}
	cases := []struct {
		name  string
		build func(t *testing.T) env
	}{
		{"unresolvable token host", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			return env{
				config: block(srv.URL, "https://acme.nonexistent.invalid/oauth/token") + products,
				want:   []string{"Talkdesk host not found: acme.nonexistent.invalid", "no request was sent", "account_name (TALKDESK_ACCOUNT_NAME)", "region", "token_url (TALKDESK_TOKEN_URL)"},
				sent:   func() int64 { st := srv.Stats(); return int64(st.APIRequests + st.TokenRequests) }, wantSent: 0,
			}
		}},
		{"unresolvable API host", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			return env{
				config: block("https://api.talkdesk.invalid", srv.TokenURL) + products,
				want:   []string{"Talkdesk host not found: api.talkdesk.invalid", "region (TALKDESK_REGION)", "api_base_url (TALKDESK_API_BASE_URL)"},
				sent:   func() int64 { return int64(srv.Stats().APIRequests) }, wantSent: 0,
			}
		}},
		{"refused port", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			port := closedPort(t)
			return env{
				config:   block(fmt.Sprintf("http://127.0.0.1:%d", port), srv.TokenURL, "max_retries = 1") + products,
				want:     []string{fmt.Sprintf("Cannot connect to 127.0.0.1:%d", port), "gave up after 2 attempts", "connection refused", "api_base_url (TALKDESK_API_BASE_URL)"},
				wantSent: -1,
			}
		}},
		{"refused token port", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			port := closedPort(t)
			return env{
				config: block(srv.URL, fmt.Sprintf("http://127.0.0.1:%d/oauth/token", port), "max_retries = 0") + products,
				want:   []string{fmt.Sprintf("Cannot connect to 127.0.0.1:%d", port), "connection refused", "token_url (TALKDESK_TOKEN_URL)"},
				sent:   func() int64 { return int64(srv.Stats().APIRequests) }, wantSent: 0,
			}
		}},
		{"self-signed HTTPS server", func(t *testing.T) env {
			h := newBrokenHost(t, true, issueToken, answerJSON(http.StatusOK, `{}`))
			host := strings.TrimPrefix(h.srv.URL, "https://")
			return env{
				config: block(h.srv.URL, h.srv.URL+"/oauth/token") + products,
				want:   []string{"TLS verification failed for " + host, "certificate", "SSL_CERT_FILE", "SSL_CERT_DIR", "token_url (TALKDESK_TOKEN_URL)"},
				sent:   h.conns.Load, wantSent: 1,
			}
		}},
		{"API URL answering 404 with HTML", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			h := newBrokenHost(t, false, answerHTML(http.StatusNotFound), answerHTML(http.StatusNotFound))
			return env{
				config: block(h.srv.URL, srv.TokenURL) + products,
				want:   []string{"This URL does not serve the Billing Insights API", "404 Not Found", "an HTML page (text/html", "region", "api_base_url (TALKDESK_API_BASE_URL)"},
				sent:   h.apis.Load, wantSent: 1,
			}
		}},
		{"API URL answering a web page", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			h := newBrokenHost(t, false, answerHTML(http.StatusOK), answerHTML(http.StatusOK))
			return env{
				config: block(h.srv.URL, srv.TokenURL) + products,
				want:   []string{"This URL does not serve the Billing Insights API", "an HTML page", "api_base_url"},
				sent:   h.apis.Load, wantSent: 1,
			}
		}},
		{"token endpoint answering HTML", func(t *testing.T) env {
			h := newBrokenHost(t, false, answerHTML(http.StatusOK), answerJSON(http.StatusOK, `{}`))
			return env{
				config: block(h.srv.URL, h.srv.URL+"/oauth/token") + products,
				want:   []string{"This URL does not serve Talkdesk OAuth tokens: " + h.srv.URL + "/oauth/token", "an HTML page (text/html", "token_url (TALKDESK_TOKEN_URL)"},
				sent:   func() int64 { return h.token.Load() + h.apis.Load() }, wantSent: 1,
			}
		}},
		{"token URL answering 404", func(t *testing.T) env {
			h := newBrokenHost(t, false, answerHTML(http.StatusNotFound), answerJSON(http.StatusOK, `{}`))
			return env{
				config: block(h.srv.URL, h.srv.URL+"/oauth/token") + products,
				want:   []string{"This URL does not serve Talkdesk OAuth tokens", "404 Not Found", "token_url"},
				sent:   func() int64 { return h.token.Load() + h.apis.Load() }, wantSent: 1,
			}
		}},
		{"token endpoint refusing the client", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			wrong := fmt.Sprintf("provider \"talkdesk\" {\n  api_base_url = %q\n  token_url = %q\n  client_id = %q\n  client_secret = \"not-the-secret\"\n}\n", srv.URL, srv.TokenURL, sandbox.DefaultClientID)
			return env{
				config: wrong + products,
				want:   []string{"Talkdesk authentication failed while reading Talkdesk products", "401 Unauthorized: invalid_client", "client_id and client_secret"},
				sent:   func() int64 { st := srv.Stats(); return int64(st.APIRequests + st.TokenRequests) }, wantSent: 1,
			}
		}},
		{"scope missing from scopes", func(t *testing.T) env {
			srv := startTestSandbox(t, sandbox.Options{})
			return env{
				config: block(srv.URL, srv.TokenURL, `scopes = ["express-accounts:read", "express-products:read"]`) + products + "\n" + `data "talkdesk_usage" "u" {}`,
				want:   []string{"Missing OAuth scope express-accounts-usage:read for talkdesk_usage", "data.talkdesk_usage", "No request was sent", `Add "express-accounts-usage:read" to scopes`},
				// talkdesk_products (allowed) may be read; usage is refused first.
				sent: func() int64 { return endpointRequests(srv, "/express/usage/month") }, wantSent: 0,
			}
		}},
		{"API refusing the scope", func(t *testing.T) env {
			h := newBrokenHost(t, false, issueToken, answerJSON(http.StatusForbidden, `{"code": "1002", "message": "Forbidden", "description": "insufficient scope"}`))
			return env{
				config: block(h.srv.URL, h.srv.URL+"/oauth/token") + `data "talkdesk_usage" "u" {}`,
				want:   []string{"Missing OAuth scope express-accounts-usage:read for Talkdesk usage", "403 Forbidden", `Add "express-accounts-usage:read" to scopes`},
				sent:   h.apis.Load, wantSent: 1,
			}
		}},
		{"API refusing a fresh token", func(t *testing.T) env {
			h := newBrokenHost(t, false, issueToken, answerJSON(http.StatusUnauthorized, `{"code": "1001", "message": "Unauthorized"}`))
			return env{
				config: block(h.srv.URL, h.srv.URL+"/oauth/token") + products,
				want:   []string{"Talkdesk credentials lack Billing Insights access", "401 Unauthorized", "not entitled to the Billing Insights API", "client_id and client_secret", "region"},
				sent:   func() int64 { return h.token.Load() + h.apis.Load() }, wantSent: 2, // one token, one API request
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := c.build(t)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviders(),
				Steps: []resource.TestStep{{
					Config:      e.config,
					ExpectError: diagnosticWith(e.want...),
				}},
			})
			if e.wantSent >= 0 {
				if got := e.sent(); got != e.wantSent {
					t.Errorf("the servers saw %d requests, want %d", got, e.wantSent)
				}
			}
		})
	}
}

// TestEveryDataSourceDeclaresItsEndpoint: the scope check before a read
// knows a data source's scope only through the endpoint it declares.
func TestEveryDataSourceDeclaresItsEndpoint(t *testing.T) {
	p := New("test")()
	for _, newDS := range p.DataSources(t.Context()) {
		ds, ok := newDS().(*dataSource)
		if !ok {
			t.Errorf("%T is not built on the shared dataSource shell", newDS())
			continue
		}
		if ds.endpoint.Scope() == "" {
			t.Errorf("talkdesk_%s declares no API endpoint with a scope (endpoint %q)", ds.typeName, ds.endpoint)
		}
	}
}
