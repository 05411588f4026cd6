package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := ParseTimestamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseTimestamp(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2024-08-31T00:00:00Z", "2024-08-31T00:00:00Z"},
		{"2024-08-31T00:00:00.000Z", "2024-08-31T00:00:00Z"}, // the API's form
		{"2024-08-31T00:00:00.250Z", "2024-08-31T00:00:00.25Z"},
		{"2024-08-31T01:30:00+02:00", "2024-08-30T23:30:00Z"}, // to UTC
	} {
		got, err := ParseTimestamp(tc.in)
		if err != nil {
			t.Errorf("ParseTimestamp(%q): %v", tc.in, err)
			continue
		}
		if s := FormatTimestamp(got); s != tc.want {
			t.Errorf("ParseTimestamp(%q) = %s, want %s", tc.in, s, tc.want)
		}
	}
	for _, in := range []string{"", "2024-08-31", "2024-08-31 00:00:00Z", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "yesterday"} {
		_, err := ParseTimestamp(in)
		if err == nil || !strings.Contains(err.Error(), `"`+in+`"`) || !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("ParseTimestamp(%q) error = %v, want one quoting the value and naming RFC 3339", in, err)
		}
	}
}

func TestDaysBetween(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     int64
	}{
		{"2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", 0},
		{"2024-01-01T00:00:00Z", "2024-01-02T12:00:00Z", 1},  // 36 h
		{"2024-01-02T12:00:00Z", "2024-01-01T00:00:00Z", -1}, // -36 h
		{"2024-01-01T00:00:00Z", "2024-01-01T23:59:59.999Z", 0},
		{"2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 1},
		{"2024-01-01T00:00:00.5Z", "2024-01-02T00:00:00Z", 0},    // half a second short
		{"2024-01-02T00:00:00Z", "2024-01-01T00:00:00.5Z", 0},    // and backwards
		{"2024-01-02T00:00:00.5Z", "2024-01-01T00:00:00Z", -1},   // more than a day back
		{"2024-02-28T00:00:00Z", "2024-03-01T00:00:00Z", 2},      // leap year
		{"2023-02-28T00:00:00Z", "2023-03-01T00:00:00Z", 1},      // common year
		{"2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", 366},    // leap year
		{"2024-08-31T00:00:00.000Z", "2024-10-30T00:00:00Z", 60}, // the API's form
		{"2024-01-01T00:00:00+02:00", "2024-01-01T22:00:00Z", 1}, // offsets in UTC
		{"0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", 3652058},
	} {
		got := DaysBetween(mustTime(t, tc.from), mustTime(t, tc.to))
		if got != tc.want {
			t.Errorf("DaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		want string
	}{
		{"2024-01-31T00:00:00Z", 1, "2024-02-29T00:00:00Z"}, // clamped, leap year
		{"2023-01-31T00:00:00Z", 1, "2023-02-28T00:00:00Z"}, // clamped, common year
		{"2024-03-31T10:20:30Z", -1, "2024-02-29T10:20:30Z"},
		{"2024-02-29T00:00:00Z", 12, "2025-02-28T00:00:00Z"},
		{"2024-02-29T00:00:00Z", 48, "2028-02-29T00:00:00Z"},
		{"2024-08-31T00:00:00.000Z", 1, "2024-09-30T00:00:00Z"},
		{"2024-05-31T00:00:00Z", 0, "2024-05-31T00:00:00Z"},
		{"2025-12-15T23:59:59.5Z", 1, "2026-01-15T23:59:59.5Z"}, // year wrap, time of day kept
		{"2026-01-15T08:00:00Z", -1, "2025-12-15T08:00:00Z"},
		{"2026-01-15T08:00:00Z", -25, "2023-12-15T08:00:00Z"},
		{"2024-01-31T23:00:00-02:00", 1, "2024-03-01T01:00:00Z"}, // in UTC: Feb 1 01:00 plus 1 month
		{"9999-11-30T00:00:00Z", 1, "9999-12-30T00:00:00Z"},
	} {
		got, err := AddMonths(mustTime(t, tc.in), tc.n)
		if err != nil {
			t.Errorf("AddMonths(%s, %d): %v", tc.in, tc.n, err)
			continue
		}
		if s := FormatTimestamp(got); s != tc.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tc.in, tc.n, s, tc.want)
		}
	}
	for _, tc := range []struct {
		in string
		n  int64
	}{
		{"9999-12-01T00:00:00Z", 1},
		{"0000-01-01T00:00:00Z", -1},
		{"2024-01-01T00:00:00Z", 1 << 62},
		{"2024-01-01T00:00:00Z", -1 << 63},
	} {
		if _, err := AddMonths(mustTime(t, tc.in), tc.n); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("AddMonths(%s, %d) error = %v, want ErrOutOfRange", tc.in, tc.n, err)
		}
	}
}

func TestMonthAdd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		want string
	}{
		{"2026-01", -1, "2025-12"},
		{"2025-12", 1, "2026-01"},
		{"2026-01", 0, "2026-01"},
		{"2026-01", -12, "2025-01"},
		{"2026-01", -13, "2024-12"},
		{"2024-02", 24, "2026-02"},
		{"0000-01", 0, "0000-01"},
		{"9999-12", -119999, "0000-01"},
	} {
		m, err := ParseMonth(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Add(tc.n)
		if err != nil {
			t.Errorf("%s.Add(%d): %v", tc.in, tc.n, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("%s.Add(%d) = %s, want %s", tc.in, tc.n, got, tc.want)
		}
	}
	m, _ := ParseMonth("9999-12")
	if _, err := m.Add(1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("9999-12 plus 1: error = %v, want ErrOutOfRange", err)
	}
}

func TestParseMonth(t *testing.T) {
	for _, in := range []string{"", "2026-1", "2026-13", "2026-00", "26-01", "2026/01", "+026-01", "2026-01-01", "２０２６-01"} {
		_, err := ParseMonth(in)
		if err == nil || !strings.Contains(err.Error(), `"`+in+`"`) || !strings.Contains(err.Error(), "YYYY-MM") {
			t.Errorf("ParseMonth(%q) error = %v, want one quoting the value and naming YYYY-MM", in, err)
		}
	}
}

func TestMonths(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     string
	}{
		{"2025-11", "2026-02", "2025-11 2025-12 2026-01 2026-02"},
		{"2026-01", "2026-01", "2026-01"},
		{"2024-01", "2024-12", "2024-01 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07 2024-08 2024-09 2024-10 2024-11 2024-12"},
	} {
		from, _ := ParseMonth(tc.from)
		to, _ := ParseMonth(tc.to)
		got, err := Months(from, to)
		if err != nil {
			t.Errorf("Months(%s, %s): %v", tc.from, tc.to, err)
			continue
		}
		var s []string
		for _, m := range got {
			s = append(s, m.String())
		}
		if strings.Join(s, " ") != tc.want {
			t.Errorf("Months(%s, %s) = %v, want %s", tc.from, tc.to, s, tc.want)
		}
	}
	from, _ := ParseMonth("2026-03")
	to, _ := ParseMonth("2026-01")
	_, err := Months(from, to)
	if err == nil || !strings.Contains(err.Error(), "2026-03") || !strings.Contains(err.Error(), "2026-01") ||
		!strings.Contains(err.Error(), "from_month") || !strings.Contains(err.Error(), "to_month") {
		t.Errorf("Months(2026-03, 2026-01) error = %v, want one naming both months", err)
	}
}
