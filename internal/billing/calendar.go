package billing

import "time"

// Usage of a month can change until it has been invoiced: the month
// itself and the month after it are open, and a month is closed (final)
// from 00:00 UTC on the first day of the second month after it. On
// 2026-12-01, 2026-10 and every earlier month are closed; 2026-11 and
// 2026-12 are open.

// monthLayout is the API's month format.
const monthLayout = "2006-01"

// monthStart is 00:00 UTC on the first day of month m (YYYY-MM).
func monthStart(m string) (time.Time, bool) {
	t, err := time.Parse(monthLayout, m)
	return t, err == nil
}

// monthClose is when month m becomes closed.
func monthClose(m string) (time.Time, bool) {
	t, ok := monthStart(m)
	return t.AddDate(0, 2, 0), ok
}

// monthClosed reports whether month m is closed at now. A string that is
// not a month is never closed (it is read from the API).
func monthClosed(m string, now time.Time) bool {
	c, ok := monthClose(m)
	return ok && !now.Before(c)
}

// lastClosedMonth is the latest month closed at now.
func lastClosedMonth(now time.Time) string {
	u := now.UTC()
	return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -2, 0).Format(monthLayout)
}

// openMonths are the two months open at now, earlier first.
func openMonths(now time.Time) []string {
	u := now.UTC()
	this := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
	return []string{this.AddDate(0, -1, 0).Format(monthLayout), this.Format(monthLayout)}
}

// nextMonth is the month after m (m valid).
func nextMonth(m string) string {
	t, _ := monthStart(m)
	return t.AddDate(0, 1, 0).Format(monthLayout)
}
