package billing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReauthenticatesOn401 revokes the token after the API accepted it
// (for another listing): the client must fetch exactly one more token and
// succeed.
func TestReauthenticatesOn401(t *testing.T) {
	f := newFakeAPI(t)
	data := genAccounts(3)
	setRecords(f, endpointAccounts.path, data)
	c := f.client(nil)
	f.hook = revokeAt(f, 2)
	proveToken(t, f, c)
	got, err := c.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	api, tokens := f.stats()
	if api != 3 || tokens != 2 {
		t.Errorf("server saw %d API and %d token requests, want 3 and 2", api, tokens)
	}
	if h := f.authHeaders; len(h) != 3 || h[0] != "Bearer tok-1" || h[1] != "Bearer tok-1" || h[2] != "Bearer tok-2" {
		t.Errorf("Authorization headers %q, want tok-1, tok-1 then tok-2", h)
	}
	if st := c.Stats(); st.TokenRequests != 2 {
		t.Errorf("Stats().TokenRequests = %d, want 2", st.TokenRequests)
	}
}

// proveToken has the API accept the client's first token: one request,
// to another listing than the test's.
func proveToken(t *testing.T, f *fakeAPI, c *Client) {
	t.Helper()
	setRecords(f, endpointProducts.path, genProducts(2))
	if _, err := c.Products(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// revokeAt revokes every token when API request n arrives.
func revokeAt(f *fakeAPI, n int) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, got int) bool {
		if got == n {
			f.mu.Lock()
			f.revokeTokensLocked()
			f.mu.Unlock()
		}
		return false
	}
}

// TestFreshToken401IsNotEntitled: a 401 to a token the API never
// accepted is the credentials lacking the API: one token, one request,
// no renewal, KindNotEntitled.
func TestFreshToken401IsNotEntitled(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	f.hook = failFirst(1<<30, status(http.StatusUnauthorized, ""))
	_, err := f.client(nil).Accounts(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusUnauthorized || KindOf(err) != KindNotEntitled {
		t.Fatalf("got %v (kind %v), want a 401 APIError of kind %v", err, KindOf(err), KindNotEntitled)
	}
	if api, tokens := f.stats(); api != 1 || tokens != 1 {
		t.Errorf("server saw %d API and %d token requests, want 1 and 1", api, tokens)
	}
	if strings.Contains(err.Error(), f.clientSecret) {
		t.Errorf("error %q contains the client secret", err)
	}
}

// TestPersistent401 renews a proven token once; when the new token is
// refused too, the read fails as not entitled.
func TestPersistent401(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	c := f.client(nil)
	proveToken(t, f, c)
	f.hook = failFirst(1<<30, status(http.StatusUnauthorized, ""))
	_, err := c.Accounts(context.Background())
	if KindOf(err) != KindNotEntitled {
		t.Fatalf("got %v (kind %v), want kind %v", err, KindOf(err), KindNotEntitled)
	}
	if api, tokens := f.stats(); api != 3 || tokens != 2 {
		t.Errorf("server saw %d API and %d token requests, want 3 and 2", api, tokens)
	}
}

// TestStaticTokenRefused does not renew a configured access token.
func TestStaticTokenRefused(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	c := f.client(func(c *Config) {
		c.ClientID, c.ClientSecret, c.TokenURL, c.AccessToken = "", "", "", "not-a-token"
	})
	_, err := c.Accounts(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusUnauthorized || KindOf(err) != KindTokenRefused {
		t.Fatalf("got %v (kind %v), want a 401 of kind %v", err, KindOf(err), KindTokenRefused)
	}
	if api, tokens := f.stats(); api != 1 || tokens != 0 {
		t.Errorf("server saw %d API and %d token requests, want 1 and 0", api, tokens)
	}
	if strings.Contains(err.Error(), "not-a-token") {
		t.Errorf("error %q contains the access token", err)
	}
}

// TestOneTokenSharedByConcurrentReads reads one listing of 10 pages from
// several goroutines at once: one read of the pages (the snapshot) and one
// token request in all.
func TestOneTokenSharedByConcurrentReads(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.pageSize = 10
	data := genProducts(100) // 10 pages per read
	setRecords(f, endpointProducts.path, data)
	c := f.client(nil)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			got, err := c.Products(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			checkExact(t, got, data)
		})
	}
	wg.Wait()
	if api, tokens := f.stats(); api != 10 || tokens != 1 {
		t.Errorf("server saw %d API and %d token requests, want 10 and 1", api, tokens)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.authHeaders {
		if h != "Bearer tok-1" {
			t.Fatalf("a request carried %q, want the one token", h)
		}
	}
}

// TestTokenEndpointFailure checks that a refused token request yields an
// AuthError naming the client, the token URL and the server's reason,
// never the secret.
func TestTokenEndpointFailure(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFakeAPI(t)
			setRecords(f, endpointAccounts.path, genAccounts(3))
			f.tokenHook = func(w http.ResponseWriter, r *http.Request, n int) bool {
				writeJSON(w, status, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
				return true
			}
			_, err := f.client(nil).Accounts(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("got %T %v, want an AuthError", err, err)
			}
			msg := err.Error()
			for _, want := range []string{f.clientID, f.tokenURL(), "invalid_client", "Client authentication failed"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if strings.Contains(msg, f.clientSecret) {
				t.Errorf("error %q contains the client secret", msg)
			}
			if ae.StatusCode != status || ae.ErrorCode != "invalid_client" {
				t.Errorf("AuthError %+v, want status %d and code invalid_client", ae, status)
			}
			if api, tokens := f.stats(); api != 0 || tokens != 1 {
				t.Errorf("server saw %d API and %d token requests, want 0 and 1 (a refusal is final)", api, tokens)
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		f := newFakeAPI(t)
		const wrong = "wrong-secret-XYZ"
		_, err := f.client(func(c *Config) { c.ClientSecret = wrong }).Accounts(context.Background())
		var ae *AuthError
		if !errors.As(err, &ae) || strings.Contains(err.Error(), wrong) {
			t.Fatalf("got %v, want an AuthError without the secret", err)
		}
	})
	t.Run("unavailable then ok", func(t *testing.T) {
		f := newFakeAPI(t)
		data := genAccounts(3)
		setRecords(f, endpointAccounts.path, data)
		f.tokenHook = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 1 {
				return false
			}
			w.Header().Set("Retry-After", "0.001")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
			return true
		}
		got, err := f.client(nil).Accounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, got, data)
	})
	t.Run("unavailable", func(t *testing.T) {
		f := newFakeAPI(t)
		f.tokenHook = func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
			return true
		}
		_, err := f.client(func(c *Config) { c.MaxRetries = 2 }).Accounts(context.Background())
		var re *RetriesExhaustedError
		var ae *AuthError
		if !errors.As(err, &re) || re.Attempts != 3 || !errors.As(err, &ae) || ae.StatusCode != http.StatusBadGateway {
			t.Fatalf("got %v, want RetriesExhaustedError after 3 attempts wrapping a 502 AuthError", err)
		}
		if msg := err.Error(); !strings.Contains(msg, f.clientID) || !strings.Contains(msg, "an HTML page (text/html, 24 bytes)") || strings.Contains(msg, "<html") || strings.Contains(msg, f.clientSecret) {
			t.Errorf("error %q: want client id and the body's type and length, no HTML, no secret", msg)
		}
	})
}

// TestPrivateKeyJWT authenticates with a signed client assertion; the
// fake token endpoint verifies it (signature, kid, iss, sub, aud, jti,
// lifetime). A 401 to the accepted token forces a second token request
// with a fresh jti.
func TestPrivateKeyJWT(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeAPI(t)
	f.jwtKey, f.jwtKeyID = &key.PublicKey, "key-2024-1"
	data := genAccounts(3)
	setRecords(f, endpointAccounts.path, data)
	f.hook = revokeAt(f, 2)
	c := f.client(func(c *Config) { c.ClientSecret, c.PrivateKey, c.KeyID = "", key, f.jwtKeyID })
	proveToken(t, f, c)
	got, err := c.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, got, data)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tokenRequests != 2 || len(f.jtis) != 2 {
		t.Errorf("%d token requests with %d accepted assertions, want 2 and 2", f.tokenRequests, len(f.jtis))
	}
}

// TestPrivateKeyJWTWrongKey is refused by the token endpoint.
func TestPrivateKeyJWTWrongKey(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newFakeAPI(t)
	f.jwtKey, f.jwtKeyID = &other.PublicKey, "k1"
	_, err := f.client(func(c *Config) { c.ClientSecret, c.PrivateKey, c.KeyID = "", key, "k1" }).Accounts(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || ae.ErrorCode != "invalid_client" {
		t.Fatalf("got %v, want an invalid_client AuthError", err)
	}
}

// TestTokenRenewedBeforeExpiry: a token near its expiry is replaced
// before use, without waiting for a 401.
func TestTokenRenewedBeforeExpiry(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	c := f.client(nil)
	if _, err := c.Accounts(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := c.tokens.(*cachedTokenSource)
	ts.mu.Lock()
	// expires_in 600: renewed 30 s (a tenth of the life, at most 30 s) early.
	if left := time.Until(ts.renewAt); left < 560*time.Second || left > 570*time.Second {
		t.Errorf("token renewed in %v, want about 570s", left)
	}
	ts.renewAt = time.Now().Add(-time.Second)
	ts.mu.Unlock()
	c.snapshot.forget()
	if _, err := c.Accounts(context.Background()); err != nil {
		t.Fatal(err)
	}
	api, tokens := f.stats()
	if api != 2 || tokens != 2 {
		t.Errorf("server saw %d API and %d token requests, want 2 and 2", api, tokens)
	}
	if h := f.authHeaders; h[1] != "Bearer tok-2" {
		t.Errorf("second request carried %q, want the renewed token", h[1])
	}
}

// TestRedirectToAnotherHostRefused: the bearer token never follows a
// redirect off the API host.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
	}))
	defer other.Close()
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	var redirected atomic.Int32
	f.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		redirected.Add(1)
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
		return true
	}
	for _, own := range []bool{false, true} {
		redirected.Store(0)
		_, err := f.client(func(c *Config) {
			c.MaxRetries = 3
			if own { // a caller's client gets the same guard
				c.HTTPClient = &http.Client{}
			}
		}).Accounts(context.Background())
		if err == nil || !strings.Contains(err.Error(), "refusing a redirect") {
			t.Errorf("own client %v: got %v, want a refused redirect", own, err)
		}
		if n := redirected.Load(); n != 1 {
			t.Errorf("own client %v: %d requests redirected; a refused redirect is final, want 1", own, n)
		}
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
