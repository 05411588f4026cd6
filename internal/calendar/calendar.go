// Package calendar is the calendar arithmetic behind the provider's
// functions: whole days between two instants, months added to an instant
// or to a YYYY-MM month, and ranges of months. Everything is in UTC and
// pure: the same arguments always give the same result. It knows nothing
// of Terraform or of the Billing Insights API.
package calendar

import (
	"errors"
	"fmt"
	"time"
)

// The years a timestamp or month may have: RFC 3339 and YYYY-MM have four
// digits of year.
const (
	minYear = 0
	maxYear = 9999
)

// ErrOutOfRange is returned when a result falls outside the years 0000 to
// 9999, which RFC 3339 and YYYY-MM cannot write.
var ErrOutOfRange = errors.New("outside the years 0000 to 9999")

// ParseTimestamp reads an RFC 3339 timestamp, with or without fractional
// seconds (the API writes 2024-08-31T00:00:00.000Z), and returns it in UTC.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp such as 2024-08-31T00:00:00Z", s)
	}
	return t.UTC(), nil
}

// FormatTimestamp writes t in UTC as RFC 3339, with fractional seconds
// only when it has some.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// DaysBetween is the number of whole days (of 24 hours) from from to to,
// truncated toward zero: 36 hours is 1, minus 36 hours is -1.
func DaysBetween(from, to time.Time) int64 {
	const day = 24 * 60 * 60
	// Seconds and nanoseconds apart, not a time.Duration, which cannot
	// hold more than 292 years.
	secs := to.Unix() - from.Unix()
	nanos := to.Nanosecond() - from.Nanosecond()
	days := secs / day // Go truncates toward zero
	if secs%day == 0 {
		// A whole number of days in seconds: the nanoseconds decide
		// whether the last day is complete.
		switch {
		case secs > 0 && nanos < 0:
			days--
		case secs < 0 && nanos > 0:
			days++
		}
	}
	return days
}

// AddMonths returns t plus n calendar months (n may be negative) in UTC,
// with the time of day kept and the day clamped to the last day of a
// shorter month: 2024-01-31 plus 1 month is 2024-02-29.
func AddMonths(t time.Time, n int64) (time.Time, error) {
	t = t.UTC()
	year, month, ok := shift(t.Year(), t.Month(), n)
	if !ok {
		return time.Time{}, ErrOutOfRange
	}
	day := min(t.Day(), daysIn(year, month))
	return time.Date(year, month, day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
}

// Month is a calendar month.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads a month written YYYY-MM.
func ParseMonth(s string) (Month, error) {
	bad := fmt.Errorf("%q is not a month written YYYY-MM such as 2026-01", s)
	if len(s) != 7 || s[4] != '-' {
		return Month{}, bad
	}
	year, ok1 := digits(s[:4])
	month, ok2 := digits(s[5:])
	if !ok1 || !ok2 || month < 1 || month > 12 {
		return Month{}, bad
	}
	return Month{Year: year, Month: time.Month(month)}, nil
}

// String writes m as YYYY-MM.
func (m Month) String() string {
	return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month))
}

// Add returns the month n months after m (before it when n is negative).
func (m Month) Add(n int64) (Month, error) {
	year, month, ok := shift(m.Year, m.Month, n)
	if !ok {
		return Month{}, ErrOutOfRange
	}
	return Month{Year: year, Month: month}, nil
}

// index counts months from January of year 0.
func (m Month) index() int64 {
	return int64(m.Year)*12 + int64(m.Month) - 1
}

// Months lists every month from from to to, both included, in order. It
// fails when to is before from.
func Months(from, to Month) ([]Month, error) {
	first, last := from.index(), to.index()
	if last < first {
		return nil, fmt.Errorf("to_month %s is before from_month %s", to, from)
	}
	out := make([]Month, 0, last-first+1)
	for i := first; i <= last; i++ {
		out = append(out, monthAt(i))
	}
	return out, nil
}

// monthAt is the month index months after January of year 0.
func monthAt(index int64) Month {
	return Month{Year: int(index / 12), Month: time.Month(index%12 + 1)}
}

// shift adds n months to year and month; ok is false when the result is
// outside the years RFC 3339 can write.
func shift(year int, month time.Month, n int64) (int, time.Month, bool) {
	// Bounding n first keeps the sum far from overflowing.
	const maxShift = (maxYear - minYear + 1) * 12
	if n > maxShift || n < -maxShift {
		return 0, 0, false
	}
	i := Month{Year: year, Month: month}.index() + n
	if i < minYear*12 || i > maxYear*12+11 {
		return 0, 0, false
	}
	m := monthAt(i)
	return m.Year, m.Month, true
}

// daysIn is the number of days of month in year.
func daysIn(year int, month time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// digits reads a string of ASCII digits only (no sign, no spaces).
func digits(s string) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
