package billing

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// quotaSpent reads the rate-limit headers some APIs send (the Billing
// Insights API documents none, so they are used only when present):
// X-RateLimit-Remaining / X-RateLimit-Reset, the IETF draft's
// RateLimit-Remaining / RateLimit-Reset, and its structured
// RateLimit: limit=…, remaining=…, reset=… (or "policy";r=…;t=…).
// It returns how long until the quota refills when none is left.
func quotaSpent(h http.Header, now time.Time) (time.Duration, bool) {
	remaining, reset := h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset")
	if remaining == "" {
		remaining, reset = h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset")
	}
	if remaining == "" {
		remaining, reset = structuredRateLimit(h.Get("RateLimit"))
	}
	if remaining == "" || reset == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(remaining), 64)
	if err != nil || n >= 1 {
		return 0, false
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(reset), 64)
	if err != nil || secs <= 0 {
		return 0, false
	}
	// Some APIs send the reset as a Unix time rather than a delay.
	if secs > 1e9 {
		d := time.Unix(0, int64(secs*float64(time.Second))).Sub(now)
		if d <= 0 {
			return 0, false
		}
		return d, true
	}
	return time.Duration(secs * float64(time.Second)), true
}

// structuredRateLimit picks remaining and reset out of a RateLimit header
// in either draft form: "limit=100, remaining=0, reset=5" or
// `"default";r=0;t=5`.
func structuredRateLimit(v string) (remaining, reset string) {
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "remaining", "r":
			remaining = val
		case "reset", "t":
			reset = val
		}
	}
	return remaining, reset
}
