package billing

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// FieldError is a per-field detail of an API error.
type FieldError struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// APIError is an error response of the API, or an answer that was not
// the API's (Kind KindNotAPI).
type APIError struct {
	Kind        Kind
	StatusCode  int
	Code        string
	Message     string
	Description string
	Fields      []FieldError
	Method      string
	URL         string
	// ForeignAccountIDs, on a 403 for an account filter, are the requested
	// account ids that are not under the organization.
	ForeignAccountIDs []string
	// Scope is the scope the endpoint requires: the likely cause of a 403
	// that names no foreign account.
	Scope string
	// Body quotes a body that was not the documented JSON (see quoteBody).
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, " (code %q: %s)", e.Code, e.Message)
	case e.Message != "" && e.Message != http.StatusText(e.StatusCode):
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; field %s: %s", f.Name, f.Description)
	}
	if e.Body != "" {
		b.WriteString("; the answer was " + e.Body)
	}
	if len(e.ForeignAccountIDs) > 0 {
		fmt.Fprintf(&b, "; account ids not under the organization: %s", strings.Join(e.ForeignAccountIDs, ", "))
	}
	return b.String()
}

// names reports whether the error is about the named request parameter:
// a field entry, or a mention in the message or description.
func (e *APIError) names(param string) bool {
	for _, f := range e.Fields {
		if f.Name == param {
			return true
		}
	}
	return strings.Contains(e.Message, param) || strings.Contains(e.Description, param)
}

// Throttled reports whether the API answered 429.
func (e *APIError) Throttled() bool { return e.StatusCode == http.StatusTooManyRequests }

// AuthError is a failure to obtain an access token. It names the client
// and token URL, never a secret. Only Kind KindAuthRefused is the token
// endpoint refusing the client; the other kinds say the token endpoint
// could not be reached or was not one.
type AuthError struct {
	Kind        Kind
	ClientID    string
	TokenURL    string
	StatusCode  int
	ErrorCode   string
	Description string
	// Body quotes an answer that was not an OAuth token response.
	Body string
	Err  error
}

func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "obtaining an access token for client %q from %s failed", e.ClientID, e.TokenURL)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, ": %s", e.ErrorCode)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.Body != "" {
		b.WriteString(": the answer was " + e.Body)
	}
	if e.Err != nil && e.ErrorCode == "" {
		var te *TransportError
		if errors.As(e.Err, &te) {
			b.WriteString(": " + te.Cause()) // the URL is named already
		} else {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
	}
	return b.String()
}

func (e *AuthError) Unwrap() error { return e.Err }

// RetriesExhaustedError says a request gave up after Attempts attempts;
// Last is why the last attempt failed (often an *APIError).
type RetriesExhaustedError struct {
	Method   string
	URL      string
	Attempts int
	Last     error
}

func (e *RetriesExhaustedError) Error() string {
	why := "the last attempt failed"
	if e.RateLimited() {
		why = "rate limited by the API"
	}
	attempts := "attempts"
	if e.Attempts == 1 {
		attempts = "attempt"
	}
	// The last error names the same request: say it once.
	last := strings.TrimPrefix(e.Last.Error(), e.Method+" "+e.URL+": ")
	return fmt.Sprintf("%s %s: gave up after %d %s (%s): %s", e.Method, e.URL, e.Attempts, attempts, why, last)
}

func (e *RetriesExhaustedError) Unwrap() error { return e.Last }

// RateLimited reports whether the last attempt was answered 429.
func (e *RetriesExhaustedError) RateLimited() bool {
	var api *APIError
	return errors.As(e.Last, &api) && api.Throttled()
}

// CollectionChangedError says a collection kept changing while it was
// being read, so no consistent result could be returned.
type CollectionChangedError struct {
	Path   string
	Reads  int
	Detail string
}

func (e *CollectionChangedError) Error() string {
	return fmt.Sprintf("%s changed while it was being read (%s); gave up after %d consistent-read attempts rather than return a mix", e.Path, e.Detail, e.Reads)
}

// DecodeError is a response body that is not the documented JSON.
type DecodeError struct {
	URL string
	Err error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decoding the response of GET %s: %v", e.URL, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }
