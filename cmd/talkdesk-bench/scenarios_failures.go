package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// failureScenarios time how long a misconfiguration takes to surface as
// an error with the default retry budget: waiting cannot help these, so
// the error should come at once.
func failureScenarios() []scenario {
	return []scenario{
		{name: "failure: time to error, token host not found", run: func() (result, error) {
			return timeToError("https://acme.nonexistent.invalid/oauth/token", "https://api.nonexistent.invalid", nil)
		}},
		{name: "failure: time to error, untrusted TLS certificate", run: func() (result, error) {
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.NotFoundHandler())
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.StartTLS()
			defer srv.Close()
			return timeToError(srv.URL+"/oauth/token", srv.URL, &conns)
		}},
	}
}

// timeToError reads accounts once with the default retry budget and
// reports how long the error took and how many connections the server saw.
func timeToError(tokenURL, apiURL string, conns *atomic.Int64) (result, error) {
	c, err := billing.New(billing.Config{
		APIBaseURL: apiURL, TokenURL: tokenURL, ClientID: "bench", ClientSecret: "bench-secret", MaxRetries: -1,
	})
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	_, err = c.Accounts(context.Background())
	r := result{wall: time.Since(start), tokenReqs: c.Stats().TokenRequests}
	if err == nil {
		return r, fmt.Errorf("the read succeeded")
	}
	if conns != nil {
		r.requests = int(conns.Load())
	}
	r.note = fmt.Sprintf("%s, after %dms", failureNote(err), r.wall.Milliseconds())
	return r, nil
}

// failureNote is the kind of failure and how many attempts it took.
func failureNote(err error) string {
	note := "error kind: " + billing.KindOf(err).String()
	var ex *billing.RetriesExhaustedError
	if errors.As(err, &ex) {
		note += fmt.Sprintf(", gave up after %d attempts", ex.Attempts)
	} else {
		note += ", not retried"
	}
	return note
}
