package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenBasic(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	form := url.Values{"grant_type": {"client_credentials"}}
	status, body := postToken(t, ts.URL+"/oauth/token", form, DefaultClientID, DefaultClientSecret)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.AccessToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn != 600 {
		t.Errorf("token response %+v", tr)
	}
	if tr.Scope != strings.Join(AllScopes, " ") {
		t.Errorf("scope %q, want all scopes", tr.Scope)
	}
	if st, _, _ := get(t, ts.URL+"/express/accounts", tr.AccessToken); st != http.StatusOK {
		t.Errorf("API with fresh token: %d", st)
	}
}

func TestTokenErrors(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tokenURL := ts.URL + "/oauth/token"
	cc := url.Values{"grant_type": {"client_credentials"}}
	cases := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		errCode    string
	}{
		{"wrong secret", cc, DefaultClientID, "nope", 401, "invalid_client"},
		{"unknown client", cc, "someone", DefaultClientSecret, 401, "invalid_client"},
		{"no credentials", cc, "", "", 401, "invalid_client"},
		{"secret in body", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}, "", "", 401, "invalid_client"},
		{"no grant", url.Values{}, DefaultClientID, DefaultClientSecret, 400, "invalid_request"},
		{"other grant", url.Values{"grant_type": {"password"}}, DefaultClientID, DefaultClientSecret, 400, "unsupported_grant_type"},
		{"unknown scope", url.Values{"grant_type": {"client_credentials"}, "scope": {ScopeAccounts + " admin:write"}}, DefaultClientID, DefaultClientSecret, 400, "invalid_scope"},
		{"assertion not enabled", url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {jwtBearerAssertionType}, "client_assertion": {"x.y.z"}}, "", "", 401, "invalid_client"},
	}
	for _, c := range cases {
		status, body := postToken(t, tokenURL, c.form, c.user, c.pass)
		var e oauthError
		_ = json.Unmarshal(body, &e)
		if status != c.status || e.Error != c.errCode || e.Description == "" {
			t.Errorf("%s: got %d %s, want %d %s", c.name, status, body, c.status, c.errCode)
		}
	}
	if st := s.Stats().TokenRequests; st != len(cases) {
		t.Errorf("TokenRequests = %d, want %d", st, len(cases))
	}
	if st := s.Stats().APIRequests; st != 0 {
		t.Errorf("APIRequests = %d, want 0", st)
	}
}

func TestTokenScopes(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	tok := token(t, ts.URL, ScopeAccounts)
	if st, _, _ := get(t, ts.URL+"/express/accounts", tok); st != http.StatusOK {
		t.Errorf("accounts with its scope: %d", st)
	}
	st, _, body := get(t, ts.URL+"/express/products", tok)
	if e := decodeError(t, body); st != http.StatusForbidden || e.Code != "1003" || !strings.Contains(e.Description, ScopeProducts) {
		t.Errorf("products without its scope: %d %s", st, body)
	}
}

func TestAPIUnauthorized(t *testing.T) {
	s, ts := newTestServer(t, Options{TokenLifetime: 250 * time.Millisecond})
	check := func(name, tok string) {
		t.Helper()
		st, h, body := get(t, ts.URL+"/express/accounts", tok)
		e := decodeError(t, body)
		if st != http.StatusUnauthorized || e.Code != "1001" || e.Message != "Unauthorized" || e.Description == "" {
			t.Errorf("%s: %d %s", name, st, body)
		}
		if h.Get("Content-Type") != "application/json" {
			t.Errorf("%s: content type %q", name, h.Get("Content-Type"))
		}
	}
	check("missing", "")
	check("unknown", "not-a-token")

	tok := token(t, ts.URL, "")
	if st, _, _ := get(t, ts.URL+"/express/accounts", tok); st != http.StatusOK {
		t.Fatalf("fresh token: %d", st)
	}
	time.Sleep(300 * time.Millisecond)
	check("expired", tok)

	tok = token(t, ts.URL, "")
	s.RevokeTokens()
	check("revoked", tok)
	if st, _, _ := get(t, ts.URL+"/express/accounts", token(t, ts.URL, "")); st != http.StatusOK {
		t.Errorf("renewed token: %d", st)
	}
}

// signES256 builds a compact JWS by hand (stdlib only), so the test also
// checks interoperability with any conforming client library.
func signES256(t *testing.T, key *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(header) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestTokenJWT(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, err := Start(Options{Now: testNow, JWTPublicKey: &key.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	jti := 0
	claims := func(mod func(map[string]any)) map[string]any {
		jti++
		now := time.Now()
		c := map[string]any{
			"iss": DefaultClientID, "sub": DefaultClientID, "aud": s.TokenURL,
			"iat": now.Unix(), "exp": now.Add(4 * time.Minute).Unix(), "jti": "jti-" + string(rune('a'+jti)),
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	header := map[string]any{"alg": "ES256", "typ": "JWT", "kid": DefaultKeyID}
	send := func(assertion string) (int, oauthError) {
		form := url.Values{
			"grant_type":            {"client_credentials"},
			"client_assertion_type": {jwtBearerAssertionType},
			"client_assertion":      {assertion},
		}
		status, body := postToken(t, s.TokenURL, form, "", "")
		var e oauthError
		_ = json.Unmarshal(body, &e)
		return status, e
	}

	good := signES256(t, key, header, claims(nil))
	if st, e := send(good); st != http.StatusOK {
		t.Fatalf("valid assertion: %d %+v", st, e)
	}
	if st, e := send(good); st != 401 || e.Error != "invalid_client" || !strings.Contains(e.Description, "jti") {
		t.Errorf("replayed jti: %d %+v", st, e)
	}

	// The token URL as the client reached it (another Host spelling) is
	// an acceptable audience too.
	alt := strings.Replace(s.TokenURL, "127.0.0.1", "localhost", 1)
	form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {jwtBearerAssertionType},
		"client_assertion": {signES256(t, key, header, claims(func(c map[string]any) { c["aud"] = []string{alt} }))}}
	if st, body := postToken(t, alt, form, "", ""); st != http.StatusOK {
		t.Errorf("aud = URL as reached: %d %s", st, body)
	}

	bad := map[string]string{
		"wrong key":   signES256(t, other, header, claims(nil)),
		"wrong kid":   signES256(t, key, map[string]any{"alg": "ES256", "kid": "other"}, claims(nil)),
		"exp too far": signES256(t, key, header, claims(func(c map[string]any) { c["exp"] = time.Now().Add(10 * time.Minute).Unix() })),
		"expired": signES256(t, key, header, claims(func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-5*time.Minute).Unix(), time.Now().Add(-2*time.Minute).Unix()
		})),
		"no exp":        signES256(t, key, header, claims(func(c map[string]any) { delete(c, "exp") })),
		"no jti":        signES256(t, key, header, claims(func(c map[string]any) { delete(c, "jti") })),
		"wrong aud":     signES256(t, key, header, claims(func(c map[string]any) { c["aud"] = "https://example.com/oauth/token" })),
		"wrong iss":     signES256(t, key, header, claims(func(c map[string]any) { c["iss"] = "someone" })),
		"alg none":      strings.Join(strings.Split(signES256(t, key, map[string]any{"alg": "none", "kid": DefaultKeyID}, claims(nil)), ".")[:2], ".") + ".",
		"garbage":       "not-a-jwt",
		"tampered body": tamper(signES256(t, key, header, claims(nil))),
	}
	for name, assertion := range bad {
		st, e := send(assertion)
		t.Logf("%s: %s", name, e.Description)
		if st != http.StatusUnauthorized || e.Error != "invalid_client" {
			t.Errorf("%s: %d %+v", name, st, e)
		}
	}
}

// tamper replaces the claims of a JWS with different ones, keeping the
// signature.
func tamper(jws string) string {
	parts := strings.Split(jws, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"x","sub":"x"}`))
	return strings.Join(parts, ".")
}
