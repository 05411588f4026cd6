package sandbox

import (
	"maps"
	"net/http"
	"sync"
	"time"
)

// Pseudo status codes recorded for API requests that got no HTTP status.
const (
	// StatusConnectionReset is recorded when a fault reset the connection
	// instead of answering.
	StatusConnectionReset = 0
	// StatusClientClosed is recorded when the client gave up (its request
	// context ended) while the sandbox was applying Latency.
	StatusClientClosed = 499
)

// maxRequestLog bounds the request log of a long-running sandbox; tests
// never come close.
const maxRequestLog = 100_000

// Stats counts requests since the server started or since ResetStats.
type Stats struct {
	// APIRequests counts requests to anything but the token endpoint.
	APIRequests int
	// TokenRequests counts requests to the token endpoint.
	TokenRequests int
	// ByStatus counts API responses by status code, including the pseudo
	// codes StatusConnectionReset and StatusClientClosed. A truncated
	// response counts as 200, the status it was sent with.
	ByStatus map[int]int
	// Status429 counts rate-limited API requests.
	Status429 int
	// Faults counts injected faults of every kind.
	Faults int
}

// RequestRecord is one API request in the log returned by Requests.
type RequestRecord struct {
	// Time is when the request arrived.
	Time time.Time
	// Endpoint is the request path, e.g. "/express/accounts".
	Endpoint string
	// RawQuery is the query string as received.
	RawQuery string
	// Status is the response status, or a pseudo code (see Stats.ByStatus).
	Status int
}

// recorder holds the counters and the request log.
type recorder struct {
	mu    sync.Mutex
	stats Stats
	log   []RequestRecord
}

func (rc *recorder) reset() {
	rc.mu.Lock()
	rc.stats = Stats{ByStatus: map[int]int{}}
	rc.log = nil
	rc.mu.Unlock()
}

func (rc *recorder) api(arrival time.Time, r *http.Request, status int, fault bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.stats.APIRequests++
	rc.stats.ByStatus[status]++
	if status == http.StatusTooManyRequests {
		rc.stats.Status429++
	}
	if fault {
		rc.stats.Faults++
	}
	if len(rc.log) >= maxRequestLog {
		// Drop the oldest tenth in one go rather than shifting per request.
		rc.log = append(rc.log[:0], rc.log[maxRequestLog/10:]...)
	}
	rc.log = append(rc.log, RequestRecord{Time: arrival, Endpoint: r.URL.Path, RawQuery: r.URL.RawQuery, Status: status})
}

func (rc *recorder) token() {
	rc.mu.Lock()
	rc.stats.TokenRequests++
	rc.mu.Unlock()
}

func (rc *recorder) snapshot() Stats {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.stats
	out.ByStatus = maps.Clone(rc.stats.ByStatus)
	return out
}

func (rc *recorder) requests() []RequestRecord {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]RequestRecord(nil), rc.log...)
}
