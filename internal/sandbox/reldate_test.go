package sandbox

import (
	"strings"
	"testing"
	"time"
)

func TestResolveRelativeDate(t *testing.T) {
	// A Friday, the last day of a 31-day month, with a time of day, so that
	// clamping, rounding and time keeping can all go wrong.
	now := time.Date(2025, 1, 31, 10, 20, 30, 123456789, time.UTC)
	cases := []struct{ expr, want string }{
		{"now", "2025-01-31T10:20:30.123456789Z"},
		{"now+30d", "2025-03-02T10:20:30.123456789Z"},
		{"now-30d", "2025-01-01T10:20:30.123456789Z"},
		{"now+1M", "2025-02-28T10:20:30.123456789Z"}, // clamped
		{"now+13M", "2026-02-28T10:20:30.123456789Z"},
		{"now-2M", "2024-11-30T10:20:30.123456789Z"},
		{"now+1M+1M", "2025-03-28T10:20:30.123456789Z"}, // left to right
		{"now+2M", "2025-03-31T10:20:30.123456789Z"},
		{"now-1y", "2024-01-31T10:20:30.123456789Z"},
		{"now+2w", "2025-02-14T10:20:30.123456789Z"},
		{"now+36h", "2025-02-01T22:20:30.123456789Z"},
		{"now-90m", "2025-01-31T08:50:30.123456789Z"},
		{"now+45s", "2025-01-31T10:21:15.123456789Z"},
		{"now/d", "2025-01-31T00:00:00Z"},
		{"now+30d/d", "2025-03-02T00:00:00Z"},
		{"now-1M/M", "2024-12-01T00:00:00Z"},
		{"now+1y/y", "2026-01-01T00:00:00Z"},
		{"now/w", "2025-01-27T00:00:00Z"}, // Monday
		{"now/h", "2025-01-31T10:00:00Z"},
		{"now/m", "2025-01-31T10:20:00Z"},
		{"now/s", "2025-01-31T10:20:30Z"},
		{"now+1y-1d/d", "2026-01-30T00:00:00Z"},
		{"now+0d", "2025-01-31T10:20:30.123456789Z"},
	}
	for _, c := range cases {
		got, err := resolveRelativeDate(c.expr, now)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if s := got.Format(time.RFC3339Nano); s != c.want {
			t.Errorf("%s = %s, want %s", c.expr, s, c.want)
		}
	}
	// Leap day: a year later clamps to Feb 28.
	leap := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	if got, _ := resolveRelativeDate("now+1y", leap); !got.Equal(time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("2024-02-29 + 1y = %s", got)
	}
	// A clock in another zone is read in UTC.
	zoned := time.Date(2025, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600))
	if got, _ := resolveRelativeDate("now/d", zoned); !got.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("now/d at 01:00 CET = %s, want the UTC day 2025-01-01", got)
	}
}

func TestResolveRelativeDateErrors(t *testing.T) {
	now := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct{ expr, problem string }{
		{"now+", `expected a number after '+'`},
		{"now-d", `expected a number after '-'`},
		{"now+30", `expected a unit (y, M, w, d, h, m, s) after +30`},
		{"now+30x", `unknown unit 'x'`},
		{"now+30D", `unknown unit 'D'`},
		{"now/", `expected a single unit after "/"`},
		{"now/q", `unknown unit 'q' after "/"`},
		{"now/d+1d", `expected a single unit after "/" at the end`},
		{"now+1d/d/d", `expected a single unit after "/"`},
		{"nowish", `unexpected 'i' at position 3`},
		{"now +1d", `unexpected ' '`},
		{"now+1000000d", `1000000 is too large`},
	}
	for _, c := range cases {
		_, err := resolveRelativeDate(c.expr, now)
		if err == nil || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("%s: error %v, want one containing %q", c.expr, err, c.problem)
		}
	}
}
