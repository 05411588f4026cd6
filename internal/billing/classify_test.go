package billing

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestKindRetryable is the retry decision, kind by kind: only what
// waiting can cure is sent again.
func TestKindRetryable(t *testing.T) {
	retried := map[Kind]bool{KindConnect: true, KindNetwork: true, KindThrottled: true, KindUnavailable: true}
	for k := KindOther; k <= KindRejected; k++ {
		if got := k.Retryable(); got != retried[k] {
			t.Errorf("%v.Retryable() = %v, want %v", k, got, retried[k])
		}
		if strings.HasPrefix(k.String(), "Kind(") {
			t.Errorf("kind %d has no name", int(k))
		}
	}
}

// TestStatusKind classifies answers by status and body.
func TestStatusKind(t *testing.T) {
	cases := []struct {
		status  int
		foreign bool
		want    Kind
	}{
		{400, false, KindRejected}, {422, false, KindRejected}, {405, false, KindRejected},
		{401, false, KindTokenRefused}, {403, false, KindMissingScope},
		{404, false, KindNotAPI}, {404, true, KindNotAPI},
		{400, true, KindNotAPI}, {401, true, KindNotAPI}, {403, true, KindNotAPI},
		{408, false, KindUnavailable}, {429, false, KindThrottled}, {429, true, KindThrottled},
		{500, false, KindUnavailable}, {502, true, KindUnavailable}, {503, false, KindUnavailable}, {504, true, KindUnavailable},
	}
	for _, c := range cases {
		if got := statusKind(c.status, c.foreign); got != c.want {
			t.Errorf("statusKind(%d, foreign=%v) = %v, want %v", c.status, c.foreign, got, c.want)
		}
	}
}

// TestTransportErrorKinds classifies the errors http.Client.Do returns.
func TestTransportErrorKinds(t *testing.T) {
	dial := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
	}
	cases := []struct {
		name   string
		err    error
		want   Kind
		host   string
		reason string
	}{
		{"NXDOMAIN", dial(&net.DNSError{Err: "no such host", Name: "acme.talkdeskid.com", IsNotFound: true}), KindHostNotFound, "acme.talkdeskid.com", "no such host"},
		{"temporary resolver failure", dial(&net.DNSError{Err: "server misbehaving", Name: "acme.talkdeskid.com", IsTemporary: true}), KindNetwork, "acme.talkdeskid.com", "server misbehaving"},
		{"resolver timeout", dial(&net.DNSError{Err: "i/o timeout", Name: "acme.talkdeskid.com", IsTimeout: true, IsNotFound: true}), KindNetwork, "acme.talkdeskid.com", "i/o timeout"},
		{"refused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), KindConnect, "api.example.com:443", "connection refused"},
		{"unreachable", dial(os.NewSyscallError("connect", syscall.ENETUNREACH)), KindConnect, "api.example.com:443", "network is unreachable"},
		{"unknown authority", &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, KindTLS, "api.example.com:443", "certificate signed by unknown authority"},
		{"wrong host name", &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "api.example.com"}}, KindTLS, "api.example.com:443", "x509: certificate is not valid"},
		{"plain HTTP on https", &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: http.ErrSchemeMismatch}, KindTLS, "api.example.com:443", "does not speak TLS"},
		{"redirect off the host", &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: fmt.Errorf("%w from api.example.com to https://login.example.com/", errRedirectRefused)}, KindNotAPI, "api.example.com:443", "refusing a redirect"},
		{"reset", &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}, KindNetwork, "api.example.com:443", "connection reset"},
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	hc := &http.Client{Transport: &http.Transport{}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := newTransportError(hc, req, c.err)
			var te *TransportError
			if !errors.As(err, &te) || KindOf(err) != c.want {
				t.Fatalf("got %v (kind %v), want kind %v", err, KindOf(err), c.want)
			}
			if te.Host != c.host || !strings.Contains(te.Reason, c.reason) {
				t.Errorf("host %q reason %q, want %q and a reason with %q", te.Host, te.Reason, c.host, c.reason)
			}
			if !errors.Is(err, c.err) {
				t.Error("the cause is not wrapped")
			}
		})
	}
}

// TestTransportErrorNamesProxy names the proxy a request went through,
// without its credentials.
func TestTransportErrorNamesProxy(t *testing.T) {
	proxy, _ := url.Parse("http://alice:pr0xy-pass@proxy.corp.example:3128")
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	req, _ := http.NewRequest(http.MethodGet, "https://api.talkdeskapp.com/express/accounts", nil)
	err := newTransportError(hc, req, &url.Error{Op: "Get", URL: req.URL.String(), Err: &net.OpError{Op: "proxyconnect", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}})
	msg := err.Error()
	if KindOf(err) != KindConnect || !strings.Contains(msg, "http://proxy.corp.example:3128") || !strings.Contains(msg, "api.talkdeskapp.com:443") {
		t.Errorf("got %q (kind %v), want a connect failure naming the host and the proxy", msg, KindOf(err))
	}
	if strings.Contains(msg, "alice") || strings.Contains(msg, "pr0xy-pass") {
		t.Errorf("%q names the proxy's credentials", msg)
	}
}

// TestQuoteBody quotes one short line, describes anything else, and
// never returns markup.
func TestQuoteBody(t *testing.T) {
	long := strings.Repeat("word ", 40)
	cases := []struct{ ctype, body, want string }{
		{"text/plain", "upstream connect error", `"upstream connect error"`},
		{"application/json", `{"message": "nope"}`, `"{\"message\": \"nope\"}"`},
		{"text/html", "<html><body>Not found</body></html>", "an HTML page (text/html, 35 bytes)"},
		{"", "<!DOCTYPE html><html></html>", "an HTML page (no content type, 28 bytes)"},
		{"text/plain", "Not found", `"Not found"`},
		{"text/plain", "line one\nline two", "a body (text/plain, 17 bytes)"},
		{"text/plain", long, fmt.Sprintf("a body (text/plain, %d bytes)", len(long))},
		{"application/xml", "<error>x</error>", "a body (application/xml, 16 bytes)"},
		{"text/plain", "", "an empty body (text/plain)"},
	}
	for _, c := range cases {
		if got := quoteBody(c.ctype, []byte(c.body), -1); got != c.want {
			t.Errorf("quoteBody(%q, %q) = %s, want %s", c.ctype, c.body, got, c.want)
		}
	}
	// Only the head of a long body was read: its declared length counts.
	if got := quoteBody("text/plain", []byte("short"), 9000); got != "a body (text/plain, 9000 bytes)" {
		t.Errorf("a partly read body quoted as %s", got)
	}
}

// TestFailureClassification drives the client against broken servers:
// each failure has its kind, the retry decision that kind implies (count
// on the server), and a message with what went wrong and no markup.
func TestFailureClassification(t *testing.T) {
	html := func(status int) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<!DOCTYPE html><html><body><h1>Oops</h1></body></html>")
		}
	}
	text := func(status int, body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	oauthErr := func(status int, code string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, status, map[string]string{"error": code, "error_description": "refused by the test"})
		}
	}
	always := func(h func(http.ResponseWriter, *http.Request)) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool { h(w, r); return true }
	}
	cases := []struct {
		name             string
		api, token       func(http.ResponseWriter, *http.Request) // nil: the fake's own
		want             Kind
		apiSent, tokSent int
		says             []string
	}{
		// API side; MaxRetries is 2, so a retried failure is sent 3 times.
		{name: "API 404 HTML", api: html(404), want: KindNotAPI, apiSent: 1, tokSent: 1, says: []string{"404 Not Found", "an HTML page (text/html"}},
		{name: "API 200 HTML", api: html(200), want: KindNotAPI, apiSent: 1, tokSent: 1, says: []string{"an HTML page"}},
		{name: "API 200 plain text", api: text(200, "Hello from nginx"), want: KindNotAPI, apiSent: 1, tokSent: 1, says: []string{`"Hello from nginx"`}},
		{name: "API 404 JSON", api: status(404, ""), want: KindNotAPI, apiSent: 1, tokSent: 1, says: []string{"404 Not Found"}},
		{name: "API 400", api: status(400, ""), want: KindRejected, apiSent: 1, tokSent: 1, says: []string{"400 Bad Request"}},
		{name: "API 422", api: status(422, ""), want: KindRejected, apiSent: 1, tokSent: 1, says: []string{"422"}},
		{name: "API 401 to a fresh token", api: status(401, ""), want: KindNotEntitled, apiSent: 1, tokSent: 1, says: []string{"401 Unauthorized"}},
		{name: "API 403", api: status(403, ""), want: KindMissingScope, apiSent: 1, tokSent: 1, says: []string{"403 Forbidden"}},
		{name: "API 408", api: status(408, ""), want: KindUnavailable, apiSent: 3, tokSent: 1, says: []string{"gave up after 3 attempts"}},
		{name: "API 429", api: status(429, "0"), want: KindThrottled, apiSent: 3, tokSent: 1, says: []string{"rate limited"}},
		{name: "API 502 HTML", api: html(502), want: KindUnavailable, apiSent: 3, tokSent: 1, says: []string{"502 Bad Gateway", "an HTML page"}},
		{name: "API 503", api: status(503, ""), want: KindUnavailable, apiSent: 3, tokSent: 1},
		{name: "API truncated body", api: truncated, want: KindNetwork, apiSent: 3, tokSent: 1},
		// Token side.
		{name: "token 401 invalid_client", token: oauthErr(401, "invalid_client"), want: KindAuthRefused, tokSent: 1, says: []string{"invalid_client", "refused by the test"}},
		{name: "token 400 invalid_scope", token: oauthErr(400, "invalid_scope"), want: KindAuthRefused, tokSent: 1, says: []string{"invalid_scope"}},
		{name: "token 200 HTML", token: html(200), want: KindNotAPI, tokSent: 1, says: []string{"200 OK", "an HTML page (text/html"}},
		{name: "token 404 HTML", token: html(404), want: KindNotAPI, tokSent: 1, says: []string{"404 Not Found", "an HTML page"}},
		{name: "token 401 HTML", token: html(401), want: KindNotAPI, tokSent: 1, says: []string{"401 Unauthorized", "an HTML page"}},
		{name: "token 200 JSON without a token", token: func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"hello": "world"}) }, want: KindNotAPI, tokSent: 1, says: []string{"no access_token"}},
		{name: "token 403 JSON without error", token: func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 403, map[string]string{"message": "Forbidden"})
		}, want: KindMissingScope, tokSent: 1, says: []string{"403 Forbidden"}},
		{name: "token 503", token: oauthErr(503, "temporarily_unavailable"), want: KindUnavailable, tokSent: 3, says: []string{"gave up after 3 attempts"}},
		{name: "token 429", token: text(429, "slow down"), want: KindThrottled, tokSent: 3, says: []string{`"slow down"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeAPI(t)
			setRecords(f, endpointAccounts.path, genAccounts(3))
			if c.api != nil {
				f.hook = always(c.api)
			}
			if c.token != nil {
				f.tokenHook = always(c.token)
			}
			_, err := f.client(func(c *Config) { c.MaxRetries = 2 }).Accounts(context.Background())
			if got := KindOf(err); got != c.want {
				t.Fatalf("got %v (kind %v), want kind %v", err, got, c.want)
			}
			var re *RetriesExhaustedError
			if errors.As(err, &re) != c.want.Retryable() {
				t.Errorf("retries exhausted: %v, want %v (%v)", re != nil, c.want.Retryable(), err)
			}
			if api, tok := f.stats(); api != c.apiSent || tok != c.tokSent {
				t.Errorf("server saw %d API and %d token requests, want %d and %d", api, tok, c.apiSent, c.tokSent)
			}
			msg := err.Error()
			for _, s := range c.says {
				if !strings.Contains(msg, s) {
					t.Errorf("%q does not say %q", msg, s)
				}
			}
			if strings.Contains(msg, "<") || strings.Contains(msg, f.clientSecret) {
				t.Errorf("%q quotes markup or the secret", msg)
			}
		})
	}
}

// TestMissingScopeNamed: a 403 without foreign accounts carries the
// scope of the endpoint that refused.
func TestMissingScopeNamed(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointUsage.path, genUsage(3, 1))
	f.hook = failFirst(1<<30, status(http.StatusForbidden, ""))
	_, err := f.client(nil).Usage(context.Background(), Query{})
	var api *APIError
	if !errors.As(err, &api) || api.Kind != KindMissingScope || api.Scope != ScopeUsage {
		t.Fatalf("got %+v, want a 403 naming %s", err, ScopeUsage)
	}
}

// TestMissingScopeBeforeRequest: configured scopes decide per endpoint;
// default scopes and a ready access token never refuse.
func TestMissingScopeBeforeRequest(t *testing.T) {
	f := newFakeAPI(t)
	c := f.client(func(c *Config) { c.Scopes = []string{ScopeAccounts, ScopeProducts} })
	for e, want := range map[Endpoint]string{
		EndpointAccounts: "", EndpointProducts: "", EndpointUsage: ScopeUsage,
		EndpointSubscriptions: ScopeSubscriptions, EndpointInvoices: ScopeInvoices,
	} {
		if got := c.MissingScope(e); got != want {
			t.Errorf("MissingScope(%s) = %q, want %q", e, got, want)
		}
	}
	if got := f.client(nil).MissingScope(EndpointUsage); got != "" {
		t.Errorf("default scopes: MissingScope(usage) = %q", got)
	}
	static := f.client(func(c *Config) { c.ClientID, c.ClientSecret, c.TokenURL, c.AccessToken = "", "", "", "tok" })
	if got := static.MissingScope(EndpointUsage); got != "" {
		t.Errorf("access token: MissingScope(usage) = %q", got)
	}
	for e := range endpointScopes {
		if !strings.HasPrefix(e.Scope(), "express-") {
			t.Errorf("endpoint %s has scope %q", e, e.Scope())
		}
	}
}

// TestFailFastTransport: a name under .invalid and an untrusted
// certificate fail on the first attempt; a refused port is retried.
func TestFailFastTransport(t *testing.T) {
	var conns atomic.Int64
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	_ = l.Close()

	cases := []struct {
		name, tokenURL string
		want           Kind
		attempts       int
		says           string
	}{
		{"host not found", "https://acme.nonexistent.invalid/oauth/token", KindHostNotFound, 1, "acme.nonexistent.invalid does not resolve"},
		{"untrusted certificate", tlsSrv.URL + "/oauth/token", KindTLS, 1, "certificate"},
		{"refused port", "http://" + closed + "/oauth/token", KindConnect, 3, "cannot connect to " + closed + " (connection refused)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := New(Config{
				APIBaseURL: "http://127.0.0.1:1", TokenURL: c.tokenURL, ClientID: "id", ClientSecret: "secret", MaxRetries: 2,
				RetryPolicy: &RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Accounts(context.Background())
			var auth *AuthError
			if KindOf(err) != c.want || !errors.As(err, &auth) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v (kind %v), want a token-side %v saying %q", err, KindOf(err), c.want, c.says)
			}
			if got := cl.Stats().TokenRequests; got != c.attempts {
				t.Errorf("%d token attempts, want %d", got, c.attempts)
			}
		})
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the TLS server saw %d connections, want 1", n)
	}
}

// TestUndocumentedErrorBodyQuoted: a JSON error in another shape than the
// documented one is quoted rather than lost.
func TestUndocumentedErrorBodyQuoted(t *testing.T) {
	f := newFakeAPI(t)
	f.hook = failFirst(1<<30, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "page out of range"})
	})
	_, err := f.client(nil).Accounts(context.Background())
	if KindOf(err) != KindRejected || !strings.Contains(err.Error(), `page out of range`) {
		t.Fatalf("got %v (kind %v), want a rejected request quoting the body", err, KindOf(err))
	}
}
