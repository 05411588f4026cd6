package sandbox

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// maxAssertionLifetime is the documented maximum of exp - iat.
	maxAssertionLifetime = 5 * time.Minute
	// assertionLeeway tolerates small clock differences between client and
	// server for exp and iat.
	assertionLeeway = 30 * time.Second
)

// verifyAssertion checks a private_key_jwt client assertion and returns
// why it is rejected, or "" when it is acceptable.
func (s *Server) verifyAssertion(r *http.Request, form url.Values) string {
	get := form.Get
	if s.opts.JWTPublicKey == nil {
		return "private_key_jwt client authentication is not enabled for this client"
	}
	if get("client_assertion_type") != jwtBearerAssertionType {
		return "client_assertion_type must be " + jwtBearerAssertionType
	}
	raw := get("client_assertion")
	if raw == "" {
		return "client_assertion is required"
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(assertionLeeway),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.opts.KeyID {
			return nil, errors.New("unknown key id (kid)")
		}
		return s.opts.JWTPublicKey, nil
	})
	if err != nil {
		return "invalid client assertion: " + err.Error()
	}
	iss, _ := claims.GetIssuer()
	sub, _ := claims.GetSubject()
	if iss != s.opts.ClientID || sub != s.opts.ClientID {
		return "iss and sub must both be the client id"
	}
	if id := get("client_id"); id != "" && id != s.opts.ClientID {
		return "client_id does not match the assertion"
	}
	aud, _ := claims.GetAudience()
	if !s.audienceOK(r, aud) {
		return "aud must be the token endpoint URL"
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if iat == nil {
		return "iat is required"
	}
	if exp.Sub(iat.Time) > maxAssertionLifetime {
		return "exp must be at most 5 minutes after iat"
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return "jti is required"
	}
	if !s.tokens.useJTI(jti, exp.Time) {
		return "jti has already been used"
	}
	return ""
}

// audienceOK accepts the token URL as configured and as the client reached
// it (the Host it used), since a sandbox behind a proxy or httptest has no
// single canonical URL.
func (s *Server) audienceOK(r *http.Request, aud []string) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	want := []string{scheme + "://" + r.Host + "/oauth/token"}
	if s.TokenURL != "" {
		want = append(want, s.TokenURL)
	}
	for _, a := range aud {
		if contains(want, a) {
			return true
		}
	}
	return false
}
