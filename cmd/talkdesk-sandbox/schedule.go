package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// parseRateSchedule reads -rate-schedule: comma-separated RATE@AFTER
// steps, e.g. "8@5s,25@20s" (8 req/s from 5 s after the first API
// request, 25 again from 20 s). An empty value is no schedule.
func parseRateSchedule(v string) ([]sandbox.RateStep, error) {
	var steps []sandbox.RateStep
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		r, after, ok := strings.Cut(part, "@")
		if !ok {
			return nil, fmt.Errorf("-rate-schedule step %q: want RATE@AFTER, e.g. 8@5s", part)
		}
		rate, err := strconv.ParseFloat(r, 64)
		if err != nil || rate == 0 {
			return nil, fmt.Errorf("-rate-schedule step %q: the rate must be a non-zero number (negative = unlimited)", part)
		}
		d, err := time.ParseDuration(after)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("-rate-schedule step %q: the time must be a duration such as 5s", part)
		}
		steps = append(steps, sandbox.RateStep{After: d, Rate: rate})
	}
	return steps, nil
}
