package sandbox

import (
	"sync"
	"time"
)

// RateStep changes the organization's rate limit during a run, as when
// another integration of the organization starts or stops using the
// shared quota.
type RateStep struct {
	// After is measured from the first API request the server receives,
	// so that a client's start-up time does not shift the schedule.
	After time.Duration
	// Rate and Burst follow the rules of Options.RateLimit and
	// Options.RateBurst. The bucket starts full at each step.
	Rate  float64
	Burst int
}

// rateSchedule applies Options.RateSchedule lazily, on API requests.
type rateSchedule struct {
	mu    sync.Mutex
	steps []RateStep // sorted by After
	first time.Time  // arrival of the first API request; zero before it
	next  int        // index of the next step to apply
}

// due returns the latest step whose time has come at arrival, if any
// step became due since the last call.
func (rs *rateSchedule) due(arrival time.Time) (RateStep, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.next >= len(rs.steps) {
		return RateStep{}, false
	}
	if rs.first.IsZero() {
		rs.first = arrival
	}
	elapsed := arrival.Sub(rs.first)
	applied := false
	var step RateStep
	for rs.next < len(rs.steps) && rs.steps[rs.next].After <= elapsed {
		step, applied = rs.steps[rs.next], true
		rs.next++
	}
	return step, applied
}

// applyRateSchedule switches to the step due at arrival, if any.
func (s *Server) applyRateSchedule(arrival time.Time) {
	if step, ok := s.schedule.due(arrival); ok {
		s.SetRateLimit(step.Rate, step.Burst)
	}
}
