package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenSource hands out the bearer token shared by every request of a
// Client. Invalidate drops a token the API refused so the next call
// fetches a fresh one.
type tokenSource interface {
	Token(ctx context.Context) (string, error)
	Invalidate(token string)
	// Renewable reports whether Invalidate can lead to a different token.
	Renewable() bool
	// Accepted records that the API answered a request made with token.
	Accepted(token string)
	// Proven reports whether the API has accepted token before: a 401 to
	// a proven token means it expired or was revoked, to an unproven one
	// that the credentials do not open the API.
	Proven(token string) bool
}

// staticToken is a ready access token; it cannot be renewed.
type staticToken string

func (s staticToken) Token(context.Context) (string, error) { return string(s), nil }
func (staticToken) Invalidate(string)                       {}
func (staticToken) Renewable() bool                         { return false }
func (staticToken) Accepted(string)                         {}
func (staticToken) Proven(string) bool                      { return false }

// cachedTokenSource fetches tokens with the client credentials grant and
// caches one for the whole process, renewing it shortly before it expires.
// Concurrent callers share one fetch; each waits with its own context.
type cachedTokenSource struct {
	clientID   string
	tokenURL   string
	secret     string
	assertion  func() (string, error) // private_key_jwt; nil with a secret
	scopes     []string
	httpClient *http.Client
	retry      retrier

	sem chan struct{} // one fetch at a time, waited on with a context

	mu        sync.Mutex
	token     string
	proven    bool // the API accepted token
	expiry    time.Time
	renewAt   time.Time
	fetches   int
	onRequest func() // test hook: counts token requests
}

func newCachedTokenSource(cfg Config, tokenURL string, hc *http.Client, r retrier) *cachedTokenSource {
	scopes := cfg.Scopes
	if scopes == nil {
		scopes = DefaultScopes
	}
	ts := &cachedTokenSource{
		clientID: cfg.ClientID, tokenURL: tokenURL, secret: cfg.ClientSecret,
		scopes: scopes, httpClient: hc, retry: r, sem: make(chan struct{}, 1),
	}
	if cfg.PrivateKey != nil {
		signer := jwtSigner{key: cfg, tokenURL: tokenURL}
		ts.assertion = signer.sign
	}
	return ts
}

func (s *cachedTokenSource) Renewable() bool { return true }

func (s *cachedTokenSource) cached(now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.token != "" && now.Before(s.renewAt)
}

func (s *cachedTokenSource) Accepted(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.proven = true
	}
}

func (s *cachedTokenSource) Proven(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A token replaced since was in use long enough to be renewed.
	return s.token != token || s.proven
}

func (s *cachedTokenSource) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.token = ""
	}
}

func (s *cachedTokenSource) Token(ctx context.Context) (string, error) {
	if tok, ok := s.cached(time.Now()); ok {
		return tok, nil
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.sem }()
	// Another caller may have fetched while we waited.
	if tok, ok := s.cached(time.Now()); ok {
		return tok, nil
	}
	tok, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	now := time.Now()
	life := time.Until(tok.Expiry)
	if tok.Expiry.IsZero() {
		life = 10 * time.Minute // the documented lifetime
	}
	// Renew a little early: a tenth of the lifetime, at most 30 s.
	margin := min(life/10, 30*time.Second)
	s.mu.Lock()
	s.token, s.proven, s.expiry, s.renewAt = tok.AccessToken, false, now.Add(life), now.Add(life-margin)
	s.mu.Unlock()
	return tok.AccessToken, nil
}

// fetch runs the token request under the shared retry policy. The context
// is only used for this one call, never stored.
func (s *cachedTokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	var tok *oauth2.Token
	err := s.retry.do(ctx, "POST", s.tokenURL, false, func(ctx context.Context) attemptResult {
		cc := clientcredentials.Config{
			ClientID: s.clientID, ClientSecret: s.secret, TokenURL: s.tokenURL,
			Scopes: s.scopes, AuthStyle: oauth2.AuthStyleInHeader,
		}
		if s.assertion != nil {
			jwtStr, err := s.assertion()
			if err != nil {
				return attemptResult{err: &AuthError{ClientID: s.clientID, TokenURL: s.tokenURL, Description: "signing the client assertion", Err: err}}
			}
			cc.ClientSecret = ""
			cc.AuthStyle = oauth2.AuthStyleInParams
			cc.EndpointParams = url.Values{
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {jwtStr},
			}
		}
		s.mu.Lock()
		s.fetches++
		hook := s.onRequest
		s.mu.Unlock()
		if hook != nil {
			hook()
		}
		probe := &tokenProbe{client: s.httpClient}
		t, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, probe.httpClient()))
		if err == nil {
			tok = t
			return attemptResult{}
		}
		return s.classify(err, probe)
	})
	return tok, err
}

// classify turns a failed token request into an AuthError of one Kind:
// only an OAuth error answer (400/401 with error) is the endpoint
// refusing the client; a transport failure or an answer that is not a
// token endpoint's says where the configuration points instead.
func (s *cachedTokenSource) classify(err error, probe *tokenProbe) attemptResult {
	ae := &AuthError{ClientID: s.clientID, TokenURL: s.tokenURL, Err: err}
	if probe.transportErr != nil {
		ae.Kind = KindOf(probe.transportErr)
		ae.Err = probe.transportErr
		return attemptResult{err: ae, retry: ae.Kind.Retryable()}
	}
	if probe.status == 0 {
		return attemptResult{err: ae} // no request was sent
	}
	ae.StatusCode = probe.status
	foreign := foreignBody(probe.contentType, probe.head)
	var re *oauth2.RetrieveError
	isRetrieve := errors.As(err, &re)
	switch {
	case isRetrieve && re.ErrorCode != "" && !foreign && (probe.status == http.StatusOK || probe.status == http.StatusBadRequest || probe.status == http.StatusUnauthorized):
		ae.Kind, ae.ErrorCode, ae.Description, ae.Err = KindAuthRefused, re.ErrorCode, re.ErrorDescription, nil
	case probe.status == http.StatusOK:
		// A 200 without a token: a web page or another service.
		ae.Kind, ae.Err = KindNotAPI, nil
		ae.Body = quoteBody(probe.contentType, probe.head, probe.length)
		if !foreign {
			ae.Description = "the answer held no access_token"
			ae.Body = ""
		}
	default:
		ae.Kind, ae.Err = statusKind(probe.status, foreign), nil
		if isRetrieve && re.ErrorCode != "" {
			ae.ErrorCode, ae.Description = re.ErrorCode, re.ErrorDescription
		} else {
			ae.Body = quoteBody(probe.contentType, probe.head, probe.length)
		}
	}
	return attemptResult{err: ae, retry: ae.Kind.Retryable(), retryAfter: probe.retryAfter}
}

// tokenProbe watches the one HTTP exchange of a token request, so that a
// failure is classified by what was answered, not by oauth2's error text.
type tokenProbe struct {
	client       *http.Client
	transportErr error
	status       int
	contentType  string
	retryAfter   string
	length       int64 // -1 while unknown
	read         int64
	head         []byte
}

// httpClient is the probe's client for one token request: the token
// client with the exchange recorded.
func (p *tokenProbe) httpClient() *http.Client {
	c := *p.client
	c.Transport = probeTransport{p}
	return &c
}

type probeTransport struct{ p *tokenProbe }

func (t probeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.p.client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		t.p.transportErr = newTransportError(t.p.client, req, err)
		return nil, err
	}
	t.p.status, t.p.contentType, t.p.length = resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength
	t.p.retryAfter = resp.Header.Get("Retry-After")
	resp.Body = &headRecorder{ReadCloser: resp.Body, p: t.p}
	return resp, nil
}

// headRecorder keeps the first sniffLen bytes of a body as it is read.
type headRecorder struct {
	io.ReadCloser
	p *tokenProbe
}

func (h *headRecorder) Read(b []byte) (int, error) {
	n, err := h.ReadCloser.Read(b)
	h.p.read += int64(n)
	if room := sniffLen - len(h.p.head); room > 0 {
		h.p.head = append(h.p.head, b[:min(n, room)]...)
	}
	if err == io.EOF && h.p.length < 0 {
		h.p.length = h.p.read
	}
	return n, err
}

// Fetches returns how many token requests were sent.
func (s *cachedTokenSource) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// jwtSigner signs a fresh private_key_jwt client assertion per token request.
type jwtSigner struct {
	key      Config
	tokenURL string
}

// assertionLifetime keeps exp well within the 5 minutes the API allows.
const assertionLifetime = 2 * time.Minute

func (j jwtSigner) sign() (string, error) {
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	now := time.Now()
	claims := jwt.RegisteredClaims{
		Issuer:    j.key.ClientID,
		Subject:   j.key.ClientID,
		Audience:  jwt.ClaimStrings{j.tokenURL},
		ID:        hex.EncodeToString(jti[:]),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(assertionLifetime)),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = j.key.KeyID
	return t.SignedString(j.key.PrivateKey)
}
