package sandbox

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Server is a sandbox Billing Insights API. Build one with New (for use with
// httptest or Handler) or Start/StartAt (listening on real TCP, which the
// connection-reset and truncation faults need).
type Server struct {
	// URL is the API base URL, e.g. http://127.0.0.1:PORT. Empty for a
	// server built with New.
	URL string
	// TokenURL is URL + "/oauth/token". Empty for a server built with New.
	TokenURL string

	opts   Options // defaults applied; read-only after New
	tokens *tokenStore
	faults *faultInjector
	rec    recorder

	dataMu sync.RWMutex
	data   Dataset
	own    map[string]bool // ids of the organization's accounts

	cfgMu   sync.Mutex
	latency time.Duration
	quota   quota
	// schedule changes quota during a run (Options.RateSchedule).
	schedule rateSchedule

	httpSrv *http.Server
}

// New builds the data set and a server that is not listening; use Handler
// to serve it (e.g. with httptest.NewServer).
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:    opts,
		tokens:  newTokenStore(),
		faults:  newFaultInjector(opts.Faults),
		data:    opts.dataset(),
		latency: opts.Latency,
		quota:   bucket{rate.NewLimiter(rate.Inf, 1)},
	}
	s.rec.reset()
	s.indexAccounts()
	s.SetRateLimit(opts.RateLimit, opts.RateBurst)
	s.schedule.steps = slices.Clone(opts.RateSchedule)
	slices.SortStableFunc(s.schedule.steps, func(a, b RateStep) int { return cmp.Compare(a.After, b.After) })
	return s
}

// Start builds a server and listens on 127.0.0.1 on a free port.
func Start(opts Options) (*Server, error) { return StartAt("127.0.0.1:0", opts) }

// StartAt builds a server and listens on addr. URL and TokenURL are set
// before it starts serving.
func StartAt(addr string, opts Options) (*Server, error) {
	s := New(opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.URL = "http://" + dialableAddr(ln.Addr())
	s.TokenURL = s.URL + "/oauth/token"
	s.httpSrv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// dialableAddr turns a listener address into one a client can dial: a
// wildcard host (":8080", "[::]:8080") becomes 127.0.0.1.
func dialableAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP == nil || tcp.IP.IsUnspecified() {
		host := "127.0.0.1"
		if ok {
			return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
		}
		return a.String()
	}
	return tcp.String()
}

// Close stops a listening server immediately, closing open connections.
// It is a no-op for a server built with New.
func (s *Server) Close() {
	if s.httpSrv != nil {
		_ = s.httpSrv.Close()
	}
}

// Shutdown stops a listening server gracefully: it stops accepting
// connections and waits, until ctx ends, for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.httpSrv == nil {
		return nil
	}
	err := s.httpSrv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		_ = s.httpSrv.Close()
	}
	return err
}

// Handler returns the HTTP handler serving the token endpoint and the API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		s.handleToken(w, r)
		return
	}
	s.handleAPI(w, r)
}

// Data returns a deep copy of the current data set, in serving order (id
// descending), for tests that compute expected values.
func (s *Server) Data() Dataset {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.data.clone()
}

// Mutate runs fn on the live data set under the write lock, then restores
// the serving order. Requests that start afterwards see the change; a page
// being served concurrently sees the data either before or after it.
func (s *Server) Mutate(fn func(d *Dataset)) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	fn(&s.data)
	sortDataset(&s.data)
	s.indexAccounts()
}

// indexAccounts rebuilds the set of the organization's account ids used
// by the 403 check. The caller holds the write lock (or owns s).
func (s *Server) indexAccounts() {
	s.own = make(map[string]bool, len(s.data.Accounts))
	for _, a := range s.data.Accounts {
		s.own[a.ID] = true
	}
}

// SetFaults replaces the fault probabilities and restarts the fault RNG
// from f.Seed.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// SetLatency changes the delay added to every API request.
func (s *Server) SetLatency(d time.Duration) {
	s.cfgMu.Lock()
	s.latency = d
	s.cfgMu.Unlock()
}

// SetRateLimit changes the organization's rate limit with the same rules
// as Options: rps 0 means 25, negative means unlimited; burst 0 means
// max(1, int(rps)). The bucket starts full (a window, empty), counted as
// Options.RateWindow says.
func (s *Server) SetRateLimit(rps float64, burst int) {
	lim := rate.Limit(rps)
	switch {
	case rps == 0:
		lim = DefaultRateLimit
	case rps < 0:
		lim = rate.Inf
	}
	if burst <= 0 {
		burst = 1
		if lim != rate.Inf {
			burst = max(1, int(lim))
		}
	}
	q := newQuota(s.opts.RateWindow, lim, burst)
	s.cfgMu.Lock()
	s.quota = q
	s.cfgMu.Unlock()
}

// Stats returns the counters since start or the last ResetStats.
func (s *Server) Stats() Stats { return s.rec.snapshot() }

// ResetStats zeroes the counters and clears the request log.
func (s *Server) ResetStats() { s.rec.reset() }

// Requests returns the log of API requests (oldest first; at most the
// latest 100,000 are kept).
func (s *Server) Requests() []RequestRecord { return s.rec.requests() }

// RevokeTokens invalidates every access token issued so far, so that the
// next API request gets 401 and the client must renew its token.
func (s *Server) RevokeTokens() { s.tokens.revoke() }

func (s *Server) countTokenRequest() { s.rec.token() }

// config returns the current latency and quota.
func (s *Server) config() (time.Duration, quota) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.latency, s.quota
}
