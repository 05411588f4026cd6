package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// apiCall records one API request exactly once: normally when the handler
// returns (before net/http finishes the response, so a client never sees a
// response that Stats does not count yet), or earlier for faults that close
// the connection themselves.
type apiCall struct {
	s       *Server
	r       *http.Request
	arrival time.Time
	done    bool
}

func (c *apiCall) record(status int, fault bool) {
	if !c.done {
		c.done = true
		c.s.rec.api(c.arrival, c.r, status, fault)
	}
}

// handleAPI serves one /express request and records it.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	call := &apiCall{s: s, r: r, arrival: time.Now()}
	status, fault := s.serveAPI(w, r, call)
	call.record(status, fault)
}

// serveAPI applies, in order: routing, authentication and scope, the rate
// limit, latency, faults, parameter validation (including the 403 account
// check), the OnAPIRequest hook, and finally serves the page. It returns
// the status sent and whether a fault was injected.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, call *apiCall) (int, bool) {
	ep := endpoints[r.URL.Path]
	if ep == nil {
		return writeAPIError(w, http.StatusNotFound, apiError{Code: codeNotFound, Message: "Not Found", Description: "no such endpoint: " + r.URL.Path}), false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return writeAPIError(w, http.StatusMethodNotAllowed, apiError{Code: codeMethod, Message: "Method Not Allowed"}), false
	}
	if st := s.authorize(w, r, ep.scope); st != 0 {
		return st, false
	}

	s.applyRateSchedule(call.arrival)
	latency, quota := s.config()
	if !quota.allow(time.Now()) {
		if s.opts.RetryAfter != "" {
			w.Header().Set("Retry-After", s.opts.RetryAfter)
		}
		return writeAPIError(w, http.StatusTooManyRequests, apiError{
			Code: codeTooMany, Message: "Too Many Requests",
			Description: "the organization's rate limit was exceeded",
		}), false
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return StatusClientClosed, false
		}
	}

	// A truncation is drawn here but applied when the body is written; if
	// the request then fails validation, the error is sent intact and no
	// fault is counted (only 200 responses are truncated).
	fault := s.faults.draw()
	switch fault {
	case fault503:
		return writeAPIError(w, http.StatusServiceUnavailable, apiError{Code: codeUnavailable, Message: "Service Unavailable", Description: "injected fault"}), true
	case fault500:
		return writeAPIError(w, http.StatusInternalServerError, apiError{Code: codeInternal, Message: "Internal Server Error", Description: "injected fault"}), true
	case faultReset:
		if resetConnection(w, func() { call.record(StatusConnectionReset, true) }) {
			return StatusConnectionReset, true
		}
		return writeAPIError(w, http.StatusInternalServerError, apiError{Code: codeInternal, Message: "Internal Server Error", Description: "injected fault (connection reset unavailable)"}), true
	}

	q := r.URL.Query()
	pr, bad := parsePageRequest(q, ep)
	if len(bad) > 0 {
		return writeAPIError(w, http.StatusBadRequest, apiError{Code: codeBadRequest, Message: "Bad Request", Fields: bad}), false
	}
	if !s.accountsOwned(pr.filter.values("account_id")) {
		return writeAPIError(w, http.StatusForbidden, apiError{
			Code: codeForbidden, Message: "Forbidden",
			Description: "This caller is not authorized to query the given accounts. The accounts specified are not under the organization owning the current authentication token.",
			Fields:      []fieldError{{"account_id", "one or more of the given accounts are not under the organization"}},
		}), false
	}
	if hook := s.opts.OnAPIRequest; hook != nil {
		hook(ep.path, q)
	}

	s.dataMu.RLock()
	items, total := ep.page(&s.data, pr.filter, pr.offset(), pr.perPage)
	s.dataMu.RUnlock()
	body := newPageBody(r, ep, pr, items, countOf(items), total)

	if fault == faultTruncate {
		var buf bytes.Buffer
		_ = json.NewEncoder(&buf).Encode(body)
		if truncateResponse(w, buf.Bytes(), func() { call.record(http.StatusOK, true) }) {
			return http.StatusOK, true
		}
		return writeAPIError(w, http.StatusInternalServerError, apiError{Code: codeInternal, Message: "Internal Server Error", Description: "injected fault (truncation unavailable)"}), true
	}
	writeJSON(w, http.StatusOK, body)
	return http.StatusOK, false
}

// accountsOwned reports whether every id is one of the organization's
// accounts. It deliberately does not say which ids are foreign: neither
// does the real API, so clients must find out by listing accounts.
func (s *Server) accountsOwned(ids []string) bool {
	if len(ids) == 0 {
		return true
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	for _, id := range ids {
		if !s.own[id] {
			return false
		}
	}
	return true
}

// countOf returns the length of a page's item slice.
func countOf(items any) int {
	switch v := items.(type) {
	case []Account:
		return len(v)
	case []Product:
		return len(v)
	case []Subscription:
		return len(v)
	case []InvoiceLine:
		return len(v)
	case []UsageRecord:
		return len(v)
	}
	return 0
}
