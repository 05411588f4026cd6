package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testNow pins generated dates so that expectations do not depend on the
// day the tests run.
var testNow = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)

// newTestServer serves a sandbox through httptest (no hijacking of
// ResponseRecorders involved: httptest.Server is real TCP).
func newTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	s := New(opts)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// postToken sends a token request with optional Basic credentials.
func postToken(t testing.TB, tokenURL string, form url.Values, user, pass string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// token gets an access token with the default credentials.
func token(t testing.TB, baseURL string, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	status, body := postToken(t, baseURL+"/oauth/token", form, DefaultClientID, DefaultClientSecret)
	if status != http.StatusOK {
		t.Fatalf("token: status %d: %s", status, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatal(err)
	}
	return tr.AccessToken
}

// get sends an API request and returns status, headers and body.
func get(t testing.TB, rawURL, tok string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// errorBody is the /express error body.
type errorBody struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
	Fields      []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"fields"`
}

func decodeError(t *testing.T, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}

// hasField reports whether the error names the parameter.
func (e errorBody) hasField(name string) bool {
	for _, f := range e.Fields {
		if f.Name == name && f.Description != "" {
			return true
		}
	}
	return false
}

// page is a generic collection page.
type page[T any] struct {
	Count      *int                             `json:"count"`
	Page       *int                             `json:"page"`
	PerPage    *int                             `json:"per_page"`
	Total      *int                             `json:"total"`
	TotalPages *int                             `json:"total_pages"`
	Embedded   map[string][]T                   `json:"_embedded"`
	Links      map[string]struct{ Href string } `json:"_links"`
}

func decodePage[T any](t *testing.T, body []byte) page[T] {
	t.Helper()
	var p page[T]
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("page body %q: %v", body, err)
	}
	return p
}

// newServerFor serves an existing sandbox through httptest and returns the
// base URL.
func newServerFor(t testing.TB, s *Server) string {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// urlQuery escapes a query parameter value.
func urlQuery(v string) string { return url.QueryEscape(v) }
