package billing

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Kind is what went wrong with a request, as far as the user can act on
// it. It decides whether the request is retried and which advice the
// provider gives; every failure of the client has exactly one.
type Kind int

const (
	// KindOther is a failure no other kind describes.
	KindOther Kind = iota
	// KindHostNotFound: the host name does not exist (NXDOMAIN). Final.
	KindHostNotFound
	// KindConnect: the host exists but refused the connection or did not
	// answer it in time. Retried: a restarting server refuses for a while.
	KindConnect
	// KindTLS: the server's certificate failed verification, or the
	// server does not speak TLS. Final.
	KindTLS
	// KindNetwork: a connection dropped, a temporary resolver failure, a
	// timeout mid-answer, a truncated body. Retried.
	KindNetwork
	// KindAuthRefused: the token endpoint refused the client with an
	// OAuth error (400/401 with error and error_description). Final.
	KindAuthRefused
	// KindNotAPI: the URL answered, but not as the API (or the token
	// endpoint) does: a 404, an HTML page, a body that is not JSON, a
	// redirect to another host. Final.
	KindNotAPI
	// KindNotEntitled: the API answered 401 to a token it has never
	// accepted, freshly issued for valid credentials. Final.
	KindNotEntitled
	// KindTokenRefused: the API answered 401 to a configured access token.
	// Final.
	KindTokenRefused
	// KindMissingScope: the API answered 403: the token lacks the
	// endpoint's scope, or (with ForeignAccountIDs) accounts named are not
	// under the organization. Final.
	KindMissingScope
	// KindThrottled: 429. Retried after the server's hint.
	KindThrottled
	// KindUnavailable: 408 or a 5xx. Retried.
	KindUnavailable
	// KindRejected: another 4xx; the request itself is wrong. Final.
	KindRejected
)

var kindNames = [...]string{
	KindOther: "other", KindHostNotFound: "host not found", KindConnect: "cannot connect",
	KindTLS: "TLS verification failed", KindNetwork: "network failure", KindAuthRefused: "authentication refused",
	KindNotAPI: "not the API", KindNotEntitled: "not entitled", KindTokenRefused: "access token refused",
	KindMissingScope: "forbidden", KindThrottled: "rate limited", KindUnavailable: "unavailable",
	KindRejected: "request rejected",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Retryable is the one retry decision: only failures that waiting can
// cure are sent again.
func (k Kind) Retryable() bool {
	switch k {
	case KindConnect, KindNetwork, KindThrottled, KindUnavailable:
		return true
	}
	return false
}

// KindOf is the kind of err: the kind its client error carries, or
// KindOther for anything else (a context error included).
func KindOf(err error) Kind {
	var (
		auth *AuthError
		tr   *TransportError
		api  *APIError
		dec  *DecodeError
	)
	switch {
	case errors.As(err, &auth):
		return auth.Kind
	case errors.As(err, &tr):
		return tr.Kind
	case errors.As(err, &api):
		return api.Kind
	case errors.As(err, &dec):
		return KindNetwork
	}
	return KindOther
}

// statusKind classifies an HTTP answer other than 200 by its status and
// whether it carried a body that is not JSON (foreign). A 401 is KindTokenRefused until the caller
// knows more about the token (see Client.getJSON).
func statusKind(status int, foreign bool) Kind {
	switch {
	case status == http.StatusTooManyRequests:
		return KindThrottled
	case status == http.StatusRequestTimeout || status >= 500:
		return KindUnavailable
	case status == http.StatusNotFound || foreign:
		// A 404 on a collection path, or a page in place of the JSON: the
		// URL is not the API's.
		return KindNotAPI
	case status == http.StatusUnauthorized:
		return KindTokenRefused
	case status == http.StatusForbidden:
		return KindMissingScope
	case status >= 400:
		return KindRejected
	}
	return KindOther
}

// TransportError is a request that got no HTTP answer: the name did not
// resolve, the connection failed, or TLS did.
type TransportError struct {
	Kind   Kind
	Method string
	URL    string
	// Host is the host name (or host:port) at fault: the URL's, or the
	// name that did not resolve.
	Host string
	// Proxy is the proxy the request went through, without credentials;
	// empty when none.
	Proxy string
	// Reason is the cause in a few words, e.g. "connection refused" or
	// "x509: certificate signed by unknown authority".
	Reason string
	Err    error
}

func (e *TransportError) Error() string { return e.Method + " " + e.URL + ": " + e.Cause() }

// Cause is the error without the method and URL.
func (e *TransportError) Cause() string {
	var what string
	switch e.Kind {
	case KindHostNotFound:
		what = fmt.Sprintf("the host name %s does not resolve (%s)", e.Host, e.Reason)
	case KindConnect:
		what = fmt.Sprintf("cannot connect to %s (%s)", e.Host, e.Reason)
	case KindTLS:
		what = fmt.Sprintf("TLS with %s failed: %s", e.Host, e.Reason)
	case KindNotAPI:
		what = fmt.Sprintf("%s answered with a redirect the client does not follow (%s)", e.Host, e.Reason)
	default:
		what = fmt.Sprintf("no answer from %s (%s)", e.Host, e.Reason)
	}
	if e.Proxy != "" {
		what += " through the proxy " + e.Proxy
	}
	return what
}

func (e *TransportError) Unwrap() error { return e.Err }

// newTransportError classifies the error of hc.Do(req).
func newTransportError(hc *http.Client, req *http.Request, err error) error {
	te := &TransportError{Kind: KindNetwork, Method: req.Method, URL: req.URL.Redacted(), Host: hostPort(req.URL), Err: err}
	te.Proxy = proxyOf(hc, req)
	var (
		dns   *net.DNSError
		verif *tls.CertificateVerificationError
		unkCA x509.UnknownAuthorityError
		host  x509.HostnameError
		inval x509.CertificateInvalidError
		rec   tls.RecordHeaderError
		op    *net.OpError
	)
	switch {
	case errors.Is(err, errRedirectRefused):
		// The answer was a redirect off the host: a login page or a
		// moved site, not the API.
		te.Kind, te.Reason = KindNotAPI, unwrapURLError(err)
	case errors.As(err, &dns):
		te.Host, te.Reason = dns.Name, dns.Err
		if dns.IsNotFound && !dns.IsTemporary && !dns.IsTimeout {
			te.Kind = KindHostNotFound
		}
	case errors.As(err, &verif), errors.As(err, &unkCA), errors.As(err, &host), errors.As(err, &inval):
		te.Kind, te.Reason = KindTLS, "the server's certificate is not trusted: "+innermost(err)
	case errors.Is(err, http.ErrSchemeMismatch), errors.As(err, &rec):
		te.Kind, te.Reason = KindTLS, "the server does not speak TLS (it answered plain HTTP)"
	case errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect"):
		te.Kind = KindConnect
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			te.Reason = "connection refused"
		case op.Timeout():
			te.Reason = "connection timed out"
		default:
			te.Reason = innermost(err)
		}
		if op.Op == "proxyconnect" {
			te.Reason += " by the proxy"
		}
	default:
		te.Reason = innermost(err)
	}
	return te
}

// innermost is the text of the deepest wrapped error: the cause without
// the method and URL that the callers name themselves.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// unwrapURLError drops the method and URL *url.Error adds.
func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// hostPort is the URL's host with its port made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "443"
	if u.Scheme == "http" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// proxyOf is the proxy hc sends req through, without its credentials.
func proxyOf(hc *http.Client, req *http.Request) string {
	t, ok := hc.Transport.(*http.Transport)
	if hc.Transport == nil {
		t, ok = http.DefaultTransport.(*http.Transport)
	}
	if !ok || t.Proxy == nil {
		return ""
	}
	p, err := t.Proxy(req)
	if err != nil || p == nil {
		return ""
	}
	bare := *p
	bare.User = nil
	return bare.String()
}

// isJSONBody reports whether a body looks like a JSON document: a JSON or
// unnamed content type and a body that opens an object or array. A
// server that sends JSON without a content type gets one sniffed as
// text/plain, so only markup types are refused outright.
func isJSONBody(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || mt == "application/xhtml+xml" || strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml") {
		return false
	}
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// sniffLen is how much of a body is looked at to tell JSON from a page.
const sniffLen = 512

// foreignBody reports whether a body is present and is not JSON: the
// answer of something other than the API. An empty body is no evidence.
func foreignBody(contentType string, head []byte) bool {
	return len(bytes.TrimSpace(head)) > 0 && !isJSONBody(contentType, head)
}

// maxQuotedLine is the longest body line an error quotes.
const maxQuotedLine = 120

// quoteBody describes an unexpected body for an error: the body itself
// when it is one short line of text, else its content type and length.
// Never an HTML page.
func quoteBody(contentType string, body []byte, length int64) string {
	if length < 0 {
		length = int64(len(body))
	}
	text := strings.TrimSpace(string(body))
	mt, _, _ := mime.ParseMediaType(contentType)
	markup := strings.HasPrefix(text, "<") || strings.Contains(mt, "html") || strings.Contains(mt, "xml")
	if text != "" && !markup && len(text) <= maxQuotedLine && !strings.ContainsAny(text, "\r\n") && utf8.ValidString(text) && int64(len(body)) == length {
		return fmt.Sprintf("%q", text)
	}
	kind := "a body"
	if markup && (strings.Contains(mt, "html") || strings.HasPrefix(strings.ToLower(text), "<!doctype html") || strings.HasPrefix(strings.ToLower(text), "<html")) {
		kind = "an HTML page"
	}
	if mt == "" {
		mt = "no content type"
	}
	if length == 0 && text == "" {
		return fmt.Sprintf("an empty body (%s)", mt)
	}
	return fmt.Sprintf("%s (%s, %d bytes)", kind, mt, length)
}
