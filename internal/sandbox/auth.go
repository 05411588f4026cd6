package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenInfo is what the sandbox remembers about an issued access token.
type tokenInfo struct {
	expires time.Time
	scopes  []string
}

// tokenStore holds issued access tokens and the JWT ids already used in
// client assertions (to reject replays).
type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]tokenInfo
	jtis   map[string]time.Time // jti -> assertion expiry
	issued int
}

func newTokenStore() *tokenStore {
	return &tokenStore{tokens: map[string]tokenInfo{}, jtis: map[string]time.Time{}}
}

// issue creates a random opaque token. Expired entries are swept now and
// then so that a long-running sandbox does not grow without bound.
func (ts *tokenStore) issue(scopes []string, lifetime time.Duration) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.issued++
	if ts.issued%256 == 0 {
		for k, v := range ts.tokens {
			if now.After(v.expires) {
				delete(ts.tokens, k)
			}
		}
	}
	ts.tokens[tok] = tokenInfo{expires: now.Add(lifetime), scopes: scopes}
	return tok
}

// lookup returns the token's scopes, or a description of why it is not
// acceptable.
func (ts *tokenStore) lookup(tok string) ([]string, string) {
	ts.mu.Lock()
	info, ok := ts.tokens[tok]
	ts.mu.Unlock()
	switch {
	case !ok:
		return nil, "invalid access token"
	case time.Now().After(info.expires):
		return nil, "access token expired"
	}
	return info.scopes, ""
}

// revoke forgets every issued token.
func (ts *tokenStore) revoke() {
	ts.mu.Lock()
	ts.tokens = map[string]tokenInfo{}
	ts.mu.Unlock()
}

// useJTI records a JWT id and reports false if it was seen before. Ids are
// kept until their assertion expires, after which a replay is rejected by
// the expiry check anyway.
func (ts *tokenStore) useJTI(jti string, expires time.Time) bool {
	now := time.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if _, seen := ts.jtis[jti]; seen {
		return false
	}
	for k, exp := range ts.jtis {
		if now.Sub(exp) > time.Minute {
			delete(ts.jtis, k)
		}
	}
	ts.jtis[jti] = expires
	return true
}

// handleToken implements POST /oauth/token (client credentials grant with
// HTTP Basic or private_key_jwt client authentication). Token requests are
// never rate limited, delayed or faulted: the contract only limits the API.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.countTokenRequest()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, oauthError{"invalid_request", "the token endpoint accepts POST only"})
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the body must be application/x-www-form-urlencoded"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "malformed form body"})
		return
	}
	form := r.PostForm

	if status, e := s.authenticateClient(r, form); e != nil {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="talkdesk-sandbox"`)
		}
		writeJSON(w, status, e)
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "grant_type is required"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "only client_credentials is supported, not " + gt})
		return
	}
	scopes, e := grantScopes(form.Get("scope"))
	if e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	lifetime := s.opts.TokenLifetime
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": s.tokens.issue(scopes, lifetime),
		"token_type":   "Bearer",
		// Rounded up so that a sub-second test lifetime is not reported
		// as 0 (which clients may read as "no expiry given").
		"expires_in": int64(math.Ceil(lifetime.Seconds())),
		"scope":      strings.Join(scopes, " "),
	})
}

// authenticateClient checks the client's credentials: exactly one of HTTP
// Basic or a JWT client assertion (RFC 7523). It returns the error status
// and body when authentication fails.
func (s *Server) authenticateClient(r *http.Request, form url.Values) (int, *oauthError) {
	user, pass, hasBasic := r.BasicAuth()
	hasAssertion := form.Has("client_assertion") || form.Has("client_assertion_type")
	switch {
	case hasBasic && hasAssertion:
		return http.StatusBadRequest, &oauthError{"invalid_request", "use one client authentication method, not both"}
	case form.Has("client_secret"):
		return http.StatusUnauthorized, &oauthError{"invalid_client", "client_secret in the body is not supported; use HTTP Basic authentication"}
	case hasBasic:
		if !s.checkBasic(user, pass) {
			return http.StatusUnauthorized, &oauthError{"invalid_client", "unknown client or wrong secret"}
		}
		return 0, nil
	case hasAssertion:
		if msg := s.verifyAssertion(r, form); msg != "" {
			return http.StatusUnauthorized, &oauthError{"invalid_client", msg}
		}
		return 0, nil
	}
	return http.StatusUnauthorized, &oauthError{"invalid_client", "client authentication is required"}
}

// checkBasic compares the Basic credentials in constant time. RFC 6749
// says they are form-encoded before base64, so both the raw and the decoded
// forms are accepted.
func (s *Server) checkBasic(user, pass string) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	match := func(u, p string) bool { return eq(u, s.opts.ClientID) && eq(p, s.opts.ClientSecret) }
	if match(user, pass) {
		return true
	}
	u, err1 := url.QueryUnescape(user)
	p, err2 := url.QueryUnescape(pass)
	return err1 == nil && err2 == nil && match(u, p)
}

// grantScopes validates a requested scope list; an absent or empty one is
// granted every scope, as documented.
func grantScopes(requested string) ([]string, *oauthError) {
	fields := strings.Fields(requested)
	if len(fields) == 0 {
		return append([]string(nil), AllScopes...), nil
	}
	var out []string
	for _, sc := range fields {
		if !contains(AllScopes, sc) {
			return nil, &oauthError{"invalid_scope", "unknown scope " + sc}
		}
		if !contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// authorize checks the bearer token of an API request and its scope. It
// writes the 401/403 response and returns its status when the request may
// not proceed, or 0.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope string) int {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	var why string
	switch {
	case h == "":
		why = "missing Authorization header"
	case !strings.EqualFold(scheme, "Bearer") || tok == "":
		why = "the Authorization header must be 'Bearer <access token>'"
	}
	var scopes []string
	if why == "" {
		scopes, why = s.tokens.lookup(tok)
	}
	if why != "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return writeAPIError(w, http.StatusUnauthorized, apiError{Code: codeUnauthorized, Message: "Unauthorized", Description: why})
	}
	if scope != "" && !contains(scopes, scope) {
		return writeAPIError(w, http.StatusForbidden, apiError{
			Code: codeScope, Message: "Forbidden",
			Description: "insufficient scope: this endpoint requires " + scope,
		})
	}
	return 0
}
