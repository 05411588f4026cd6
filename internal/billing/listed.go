package billing

import (
	"hash/maphash"
	"slices"
)

// listed is what the paging routine decodes a page into and the snapshot
// holds of a listing: a slice of records, or, for usage, compact rows.
type listed interface {
	[]Account | []Product | []Subscription | []InvoiceLine | *UsageRows
}

// rowsView is what the paging routine reads of a listed value.
type rowsView interface {
	Len() int
	// rowID may share the rows' memory: compare it, don't keep it.
	rowID(i int) string
	// rowAccount is the row's account id; false for a collection without
	// one.
	rowAccount(i int) (string, bool)
	// rowMonth is the row's month; false for a collection without one.
	rowMonth(i int) (string, bool)
}

func view[S listed](s S) rowsView {
	switch v := any(s).(type) {
	case []Account:
		return recordsView[Account](v)
	case []Product:
		return recordsView[Product](v)
	case []Subscription:
		return recordsView[Subscription](v)
	case []InvoiceLine:
		return recordsView[InvoiceLine](v)
	case *UsageRows:
		return usageView{v}
	}
	panic("internal error: not a listing type")
}

type recordsView[T record] []T

func (v recordsView[T]) Len() int                        { return len(v) }
func (v recordsView[T]) rowID(i int) string              { return recordID(&v[i]) }
func (v recordsView[T]) rowAccount(i int) (string, bool) { return recordAccountID(&v[i]) }
func (v recordsView[T]) rowMonth(int) (string, bool)     { return "", false }

type usageView struct{ s *UsageRows }

func (v usageView) Len() int           { return v.s.Len() }
func (v usageView) rowID(i int) string { return v.s.id(i) }
func (v usageView) rowAccount(i int) (string, bool) {
	return v.s.RefValue(v.s.rows[i].str[UsageAccountID]).Value, true
}
func (v usageView) rowMonth(i int) (string, bool) {
	return v.s.RefValue(v.s.rows[i].str[UsageMonth]).Value, true
}

// joiner builds a listed value from chosen rows of others, in order.
type joiner[S listed] interface {
	Add(s S, i int)
	AddAll(s S)
	Build() S
}

// newJoiner is a joiner with room for n rows.
func newJoiner[S listed](n int) joiner[S] {
	var j any
	var zero S
	switch any(zero).(type) {
	case []Account:
		j = newRecordsJoiner[Account](n)
	case []Product:
		j = newRecordsJoiner[Product](n)
	case []Subscription:
		j = newRecordsJoiner[Subscription](n)
	case []InvoiceLine:
		j = newRecordsJoiner[InvoiceLine](n)
	case *UsageRows:
		j = NewUsageRowsBuilder(n)
	}
	out, _ := j.(joiner[S])
	return out
}

type recordsJoiner[T record] struct{ items []T }

func newRecordsJoiner[T record](n int) *recordsJoiner[T] {
	return &recordsJoiner[T]{items: make([]T, 0, n)}
}
func (j *recordsJoiner[T]) Add(s []T, i int) { j.items = append(j.items, s[i]) }
func (j *recordsJoiner[T]) AddAll(s []T)     { j.items = append(j.items, s...) }
func (j *recordsJoiner[T]) Build() []T       { return j.items }

// laterDuplicates are the rows of v whose id an earlier row has, in
// order. Ids are compared by hash first: a million rows cost a sort of
// their hashes (a sort of plain integers, the fastest there is), and only
// rows whose hash repeats have their ids compared.
func laterDuplicates(v rowsView) []int {
	seed := maphash.MakeSeed()
	hashes := make([]uint64, v.Len())
	for i := range hashes {
		hashes[i] = maphash.String(seed, v.rowID(i))
	}
	sorted := sortedHashes(hashes)
	var repeated map[uint64][]int // rows so far of each hash that repeats
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			if repeated == nil {
				repeated = map[uint64][]int{}
			}
			repeated[sorted[i]] = nil
		}
	}
	var dups []int
	for i, h := range hashes {
		earlier, ok := repeated[h]
		if !ok {
			continue
		}
		// Equal hashes need not be equal ids.
		if slices.ContainsFunc(earlier, func(e int) bool { return v.rowID(e) == v.rowID(i) }) {
			dups = append(dups, i)
			continue
		}
		repeated[h] = append(earlier, i)
	}
	return dups
}

// sortedHashes is a sorted copy of hashes: a radix sort, sixteen bits at a
// time, when there are enough of them to repay its tables (a million
// hashes in a quarter of the time of a comparison sort).
func sortedHashes(hashes []uint64) []uint64 {
	a := slices.Clone(hashes)
	if len(a) < 1<<14 {
		slices.Sort(a)
		return a
	}
	b := make([]uint64, len(a))
	var count [1 << 16]int
	for shift := 0; shift < 64; shift += 16 {
		clear(count[:])
		for _, h := range a {
			count[h>>shift&0xffff]++
		}
		at := 0
		for d, n := range count {
			count[d] = at
			at += n
		}
		for _, h := range a {
			d := h >> shift & 0xffff
			b[count[d]] = h
			count[d]++
		}
		a, b = b, a
	}
	return a
}
