package sandbox

import "time"

// Amounts are generated as integers (cents, or 1/10000 for unit prices of
// usage) and converted to float64 only at the end. Dividing an integer by a
// power of ten gives the float64 nearest to the decimal, and encoding/json
// writes the shortest representation that round-trips, so 16150 cents is
// served as 161.5 and never as 161.50000000000003.

func fromCents(c int64) float64 { return float64(c) / 100 }

func fromTenThousandths(v int64) float64 { return float64(v) / 10000 }

// roundDiv divides a non-negative n by d, rounding half up.
func roundDiv(n, d int64) int64 { return (n + d/2) / d }

// timestampLayout is the API's date-time format, e.g. 2024-08-31T00:00:00.000Z.
const timestampLayout = "2006-01-02T15:04:05.000Z"

func timestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// addMonths moves t by n months, clamping the day to the target month's
// length (Jan 31 + 1 month = Feb 28/29), as contract terms do, instead of
// overflowing into the next month like time.AddDate.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := daysIn(first); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}

// daysIn returns the number of days in t's month.
func daysIn(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// monthEnd returns the last day of t's month.
func monthEnd(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC)
}
