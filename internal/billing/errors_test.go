package billing

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestForeignAccountsNamed: the server answers 403 to a filter naming an
// account outside the organization; the client lists the accounts and
// names exactly the foreign ids.
func TestForeignAccountsNamed(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.orgOnly = true
	setRecords(f, endpointAccounts.path, genAccounts(60))
	setRecords(f, endpointSubscriptions.path, genSubscriptions(200, 60))
	var ids []string
	for i := range 60 {
		ids = append(ids, accountID(i))
	}
	foreign := []string{"ffffffff00000000000000a1", "ffffffff00000000000000b2"}
	// Foreign ids among many, repeated: each is named once, in request order.
	ids = slices.Insert(ids, 7, foreign[0])
	ids = append(ids, foreign[1], foreign[0])
	_, err := f.client(nil).Subscriptions(context.Background(), Query{AccountIDs: ids})
	var api *APIError
	if !errors.As(err, &api) {
		t.Fatalf("got %v, want an APIError", err)
	}
	if api.StatusCode != http.StatusForbidden || api.Code != "1002" || api.Message != "Forbidden" {
		t.Errorf("APIError %+v, want the server's 403", api)
	}
	if !slices.Equal(api.ForeignAccountIDs, foreign) {
		t.Errorf("ForeignAccountIDs = %q, want %q", api.ForeignAccountIDs, foreign)
	}
	for _, id := range foreign {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("error %q does not name %s", err, id)
		}
	}
	var re *RetriesExhaustedError
	if errors.As(err, &re) {
		t.Errorf("a 403 was retried: %v", err)
	}
}

// TestForeignAccountsUsage: the same through the usage endpoint.
func TestForeignAccountsUsage(t *testing.T) {
	f := newFakeAPI(t)
	f.orgOnly = true
	setRecords(f, endpointAccounts.path, genAccounts(3))
	setRecords(f, endpointUsage.path, genUsage(30, 3))
	_, err := f.client(nil).Usage(context.Background(), Query{AccountIDs: []string{accountID(1), "elsewhere"}, Months: []string{"2024-01"}})
	var api *APIError
	if !errors.As(err, &api) || !slices.Equal(api.ForeignAccountIDs, []string{"elsewhere"}) {
		t.Fatalf("got %v, want a 403 naming exactly [elsewhere]", err)
	}
}

// TestBadRequestNotRetried decodes the documented error body.
func TestBadRequestNotRetried(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	f.hook = failFirst(1<<30, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code": 1000, "message": "Bad Request", "description": "invalid filter", "fields": [{"name": "filter", "description": "syntax"}]}`))
	})
	_, err := f.client(nil).Accounts(context.Background())
	var api *APIError
	if !errors.As(err, &api) {
		t.Fatalf("got %v, want an APIError", err)
	}
	if api.StatusCode != 400 || api.Code != "1000" || api.Description != "invalid filter" ||
		!slices.Equal(api.Fields, []FieldError{{"filter", "syntax"}}) || api.Method != "GET" || !strings.Contains(api.URL, "/express/accounts") {
		t.Errorf("APIError %+v", api)
	}
	for _, want := range []string{"400 Bad Request", "invalid filter", "field filter: syntax"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if n, _ := f.stats(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// TestNonJSONErrorBody: an HTML 404 is not the API; the error names its
// type and length, never its markup, after one request.
func TestNonJSONErrorBody(t *testing.T) {
	f := newFakeAPI(t)
	setRecords(f, endpointAccounts.path, genAccounts(3))
	f.hook = failFirst(1<<30, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html>" + strings.Repeat("x", 1000) + "</html>"))
	})
	_, err := f.client(nil).Accounts(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 404 || api.Kind != KindNotAPI || !strings.Contains(err.Error(), "an HTML page (text/html, 1013 bytes)") || strings.Contains(err.Error(), "<html") {
		t.Fatalf("got %+v", err)
	}
	if n, _ := f.stats(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestErrorMessages(t *testing.T) {
	ae := &AuthError{ClientID: "cid", TokenURL: "https://x.talkdeskid.com/oauth/token", StatusCode: 401, ErrorCode: "invalid_client", Description: "nope"}
	if got, want := ae.Error(), `obtaining an access token for client "cid" from https://x.talkdeskid.com/oauth/token failed: 401 Unauthorized: invalid_client: nope`; got != want {
		t.Errorf("AuthError:\n got %s\nwant %s", got, want)
	}
	cause := errors.New("dial tcp: refused")
	ae = &AuthError{ClientID: "cid", TokenURL: "https://t", Err: cause}
	if !errors.Is(ae, cause) || !strings.Contains(ae.Error(), "dial tcp: refused") {
		t.Errorf("AuthError %q does not wrap its cause", ae)
	}
	re := &RetriesExhaustedError{Method: "GET", URL: "https://api/x", Attempts: 7, Last: &APIError{StatusCode: 429, Method: "GET", URL: "https://api/x"}}
	if msg := re.Error(); !re.RateLimited() || !strings.Contains(msg, "gave up after 7 attempts (rate limited by the API)") {
		t.Errorf("RetriesExhaustedError %q", msg)
	}
	cc := &CollectionChangedError{Path: "/express/usage/month", Reads: 3, Detail: "record \"a\" appeared twice"}
	if msg := cc.Error(); !strings.Contains(msg, "/express/usage/month changed") || !strings.Contains(msg, "3") {
		t.Errorf("CollectionChangedError %q", msg)
	}
	de := &DecodeError{URL: "https://api/x", Err: cause}
	if !errors.Is(de, cause) {
		t.Error("DecodeError does not wrap its cause")
	}
}
