package billing

import "slices"

// RowsTap is told of a usage listing's rows while its pages arrive, so
// that a caller can fold them as they come instead of after the last
// page (a million rows summed in the quarter second after the last page
// otherwise). It only speeds the caller's work up: the rows that Usage
// returns are the whole answer either way, and they extend (Extends) the
// last rows told when, and only when, they are the listing the tap saw.
type RowsTap interface {
	// Rows is told the rows joined so far, in page order: each call's
	// rows extend the previous call's unless the listing is read again,
	// when Rows is told nil first (forget what was told). Calls come one
	// at a time, from the read, and hold it up: do little.
	Rows(sofar *UsageRows)
}

// tap adds t to the taps of l while it is read, telling it at once of the
// rows read so far. A listing already read is not tapped: its records
// are all there. Nor is one that has read more than maxCatchUp rows: the
// tap would hold the read up while it caught up (a summary folds a
// million rows by their keys' refs in about a sixth of a second, and each
// tap added late would take as long), and its caller folds them once
// whole instead.
func (l *listing) tap(t RowsTap) {
	l.tapMu.Lock()
	defer l.tapMu.Unlock()
	if l.finished() || l.sofar.Len() > maxCatchUp {
		return
	}
	l.taps = append(l.taps, t)
	if l.sofar != nil {
		t.Rows(l.sofar)
	}
}

// maxCatchUp is the most rows a tap added during a read is told at once:
// forty pages, a few milliseconds of a summary's fold.
const maxCatchUp = 10_000

// untap removes t from the taps of l.
func (l *listing) untap(t RowsTap) {
	l.tapMu.Lock()
	defer l.tapMu.Unlock()
	l.taps = slices.DeleteFunc(l.taps, func(u RowsTap) bool { return u == t })
}

// forgetSofar drops the rows kept for a tap added later: the read is
// over.
func (l *listing) forgetSofar() {
	l.tapMu.Lock()
	defer l.tapMu.Unlock()
	l.sofar = nil
}

// told tells the taps of l the rows read so far (nil: the listing is
// read again), and keeps them for a tap added later.
func (l *listing) told(sofar *UsageRows) {
	l.tapMu.Lock()
	defer l.tapMu.Unlock()
	l.sofar = sofar
	for _, t := range l.taps {
		t.Rows(sofar)
	}
}
