package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// Relative dates in fixtures, so that a test written today still means the
// same thing next year. The grammar follows the date math of Elasticsearch
// and Grafana, which many users already know:
//
//	relative = "now" { offset } [ "/" unit ]
//	offset   = ( "+" | "-" ) digits unit
//	unit     = "y" | "M" | "w" | "d" | "h" | "m" | "s"
//
// Offsets apply left to right to the moment the sandbox started (UTC). Year
// and month offsets keep the day of month and clamp it to the target
// month's length (Jan 31 + 1M = Feb 28 or 29), as contract terms do. A
// trailing "/unit" rounds down to the start of that unit: "/d" midnight,
// "/M" the first of the month, "/y" January 1st, "/w" Monday, "/h", "/m" and
// "/s" the hour, minute and second. Examples: now+30d, now-2M/M,
// now+1y-1d/d. Units are case-sensitive: M is months, m minutes.
const relativeDateHelp = `a relative date is "now", then any number of +N or -N with a unit ` +
	`(y, M, w, d, h, m, s), then optionally /unit to round down, e.g. now+30d, now-2M/M, now+1y-1d/d`

// maxRelativeAmount bounds N in an offset: far beyond any useful test date,
// and small enough that no arithmetic overflows.
const maxRelativeAmount = 100000

// isRelativeDate reports whether s is written in the relative grammar (and
// must therefore parse as one).
func isRelativeDate(s string) bool { return strings.HasPrefix(s, "now") }

// resolveRelativeDate evaluates s against now.
func resolveRelativeDate(s string, now time.Time) (time.Time, error) {
	t := now.UTC()
	rest := strings.TrimPrefix(s, "now")
	pos := len("now")
	for len(rest) > 0 {
		switch op := rest[0]; op {
		case '+', '-':
			digits := 0
			for digits+1 < len(rest) && rest[digits+1] >= '0' && rest[digits+1] <= '9' {
				digits++
			}
			if digits == 0 {
				return time.Time{}, fmt.Errorf("expected a number after %q at position %d", op, pos+1)
			}
			n := 0
			for _, c := range rest[1 : 1+digits] {
				n = n*10 + int(c-'0')
				if n > maxRelativeAmount {
					return time.Time{}, fmt.Errorf("%s is too large (at most %d)", rest[1:1+digits], maxRelativeAmount)
				}
			}
			if 1+digits == len(rest) {
				return time.Time{}, fmt.Errorf("expected a unit (y, M, w, d, h, m, s) after %s", rest[:1+digits])
			}
			if op == '-' {
				n = -n
			}
			unit := rest[1+digits]
			var err error
			if t, err = shiftDate(t, n, unit); err != nil {
				return time.Time{}, fmt.Errorf("unknown unit %q at position %d", unit, pos+1+digits)
			}
			rest, pos = rest[2+digits:], pos+2+digits
		case '/':
			if len(rest) != 2 {
				return time.Time{}, fmt.Errorf("expected a single unit after \"/\" at the end, got %q", rest)
			}
			var err error
			if t, err = roundDate(t, rest[1]); err != nil {
				return time.Time{}, fmt.Errorf("unknown unit %q after \"/\"", rest[1])
			}
			rest = ""
		default:
			return time.Time{}, fmt.Errorf("unexpected %q at position %d", rest[0], pos)
		}
	}
	return t, nil
}

// shiftDate moves t by n units.
func shiftDate(t time.Time, n int, unit byte) (time.Time, error) {
	switch unit {
	case 'y':
		return shiftMonths(t, 12*n), nil
	case 'M':
		return shiftMonths(t, n), nil
	case 'w':
		return t.AddDate(0, 0, 7*n), nil
	case 'd':
		return t.AddDate(0, 0, n), nil
	case 'h':
		return t.Add(time.Duration(n) * time.Hour), nil
	case 'm':
		return t.Add(time.Duration(n) * time.Minute), nil
	case 's':
		return t.Add(time.Duration(n) * time.Second), nil
	}
	return t, fmt.Errorf("unknown unit")
}

// shiftMonths moves t by n months, keeping the time of day and clamping the
// day to the target month's length.
func shiftMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return first.AddDate(0, 0, min(d, daysIn(first))-1)
}

// roundDate rounds t down to the start of the unit.
func roundDate(t time.Time, unit byte) (time.Time, error) {
	y, m, d := t.Date()
	switch unit {
	case 'y':
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case 'M':
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), nil
	case 'w':
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC), nil
	case 'd':
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case 'h':
		return t.Truncate(time.Hour), nil
	case 'm':
		return t.Truncate(time.Minute), nil
	case 's':
		return t.Truncate(time.Second), nil
	}
	return t, fmt.Errorf("unknown unit")
}
