package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
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
}

// staticToken is a ready access token; it cannot be renewed.
type staticToken string

func (s staticToken) Token(context.Context) (string, error) { return string(s), nil }
func (staticToken) Invalidate(string)                       {}
func (staticToken) Renewable() bool                         { return false }

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
	s.token, s.expiry, s.renewAt = tok.AccessToken, now.Add(life), now.Add(life-margin)
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
		t, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, s.httpClient))
		if err == nil {
			tok = t
			return attemptResult{}
		}
		return s.classify(err)
	})
	return tok, err
}

// classify turns an oauth2 error into an AuthError, retryable when the
// token endpoint was unavailable rather than refusing the client.
func (s *cachedTokenSource) classify(err error) attemptResult {
	ae := &AuthError{ClientID: s.clientID, TokenURL: s.tokenURL, Err: err}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ae.ErrorCode, ae.Description = re.ErrorCode, re.ErrorDescription
		ae.Err = nil
		if re.Response != nil {
			ae.StatusCode = re.Response.StatusCode
			if ae.ErrorCode == "" {
				ae.Description = truncateBody(re.Body)
			}
			if retryableStatus(re.Response.StatusCode) {
				return attemptResult{err: ae, retry: true, retryAfter: re.Response.Header.Get("Retry-After")}
			}
		}
		return attemptResult{err: ae}
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return attemptResult{err: ae, retry: true}
	}
	return attemptResult{err: ae}
}

func truncateBody(b []byte) string {
	const limit = 300
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
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
