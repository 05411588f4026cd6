package sandbox

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
)

// faultKind is the failure injected into one API request.
type faultKind int

const (
	faultNone faultKind = iota
	fault503
	fault500
	faultReset
	faultTruncate
)

// faultInjector draws fault decisions from its own seeded RNG, under a
// mutex, so a test sees the same sequence of faults on every run (for a
// given order of requests).
type faultInjector struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

func newFaultInjector(f Faults) *faultInjector {
	fi := &faultInjector{}
	fi.set(f)
	return fi
}

// set replaces the probabilities and restarts the RNG from f.Seed.
func (fi *faultInjector) set(f Faults) {
	fi.mu.Lock()
	fi.f = f
	fi.rng = rand.New(rand.NewPCG(uint64(f.Seed), 0xfa017))
	fi.mu.Unlock()
}

// draw decides the fault for one request. All four draws are made even when
// an earlier one fires, so each request consumes the same amount of
// randomness and the sequence does not depend on which faults are enabled.
func (fi *faultInjector) draw() faultKind {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.f
	if f.Rate503 <= 0 && f.Rate500 <= 0 && f.RateReset <= 0 && f.RateTruncate <= 0 {
		return faultNone
	}
	d503, d500, dReset, dTrunc := fi.rng.Float64(), fi.rng.Float64(), fi.rng.Float64(), fi.rng.Float64()
	switch {
	case d503 < f.Rate503:
		return fault503
	case d500 < f.Rate500:
		return fault500
	case dReset < f.RateReset:
		return faultReset
	case dTrunc < f.RateTruncate:
		return faultTruncate
	}
	return faultNone
}

// hijack takes over the request's connection. It fails with httptest's
// ResponseRecorder and HTTP/2, where callers degrade to a 500.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, bool) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	return conn, buf, err == nil
}

// resetConnection aborts the connection with a TCP RST (SO_LINGER 0), so
// the client sees ECONNRESET (or EOF) instead of a response. beforeClose
// runs just before the connection is closed: the client can observe the
// failure as soon as it is, so anything it may check afterwards (Stats) must
// be recorded first.
func resetConnection(w http.ResponseWriter, beforeClose func()) bool {
	conn, _, ok := hijack(w)
	if !ok {
		return false
	}
	if tc, isTCP := conn.(*net.TCPConn); isTCP {
		_ = tc.SetLinger(0)
	}
	beforeClose()
	_ = conn.Close()
	return true
}

// truncateResponse sends a 200 whose headers announce the full body but
// whose connection closes after about half of it. The cut is before the
// closing brace of the JSON object, so no prefix is a valid document, and
// the Content-Length lets a client detect the short read. beforeClose is as
// for resetConnection.
func truncateResponse(w http.ResponseWriter, body []byte, beforeClose func()) bool {
	conn, buf, ok := hijack(w)
	if !ok {
		return false
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
	beforeClose()
	_ = conn.Close()
	return true
}
