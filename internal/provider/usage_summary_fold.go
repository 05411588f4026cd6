package provider

import (
	"cmp"
	"iter"
	"math/bits"
	"slices"
	"strconv"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// summarizeUsage sums the rows keep selects by the keys in by (names of
// usageKeys) and currency, sorted by those keys in that order, null
// first, then currency. The rows are only read, in place: a group is
// found by the ranks of its key's values, without comparing or copying
// strings per row.
func summarizeUsage(rows *billing.UsageRows, keep func(usage) bool, by []string) []usageGroup {
	return summarizeUsageWithin(rows, keep, by, directSlots(rows.Len()))
}

// directSlots bounds the table that finds a group by its key's number
// (4 bytes a slot): 16 MiB at most, and little more than the rows.
func directSlots(rows int) int { return min(1<<22, 8*rows+4096) }

// summarizeUsageWithin is summarizeUsage with the direct table bounded
// by slots (tests force the map of key numbers with 0, and the map of
// ranks, for keys whose numbers overflow, with -1).
//
// A million rows in no particular order are a million lookups, so each
// key value is ranked once (null first, then the strings in order) and a
// key is the number its ranks spell, the first grouping field the most
// significant: where those numbers are few, a table indexed by them finds
// a group without hashing, and walking the table in order lists the
// groups sorted. Other keys go through a map and a sort by the same ranks.
func summarizeUsageWithin(rows *billing.UsageRows, keep func(usage) bool, by []string, slots int) []usageGroup {
	fields, grouped := groupFields(by)
	x := &groupFold{rows: rows, fields: fields}
	x.rankValues(everyRow(rows))
	switch {
	case x.exact && slots >= 0 && x.span <= uint64(slots):
		x.slot = make([]int32, x.span)
	case x.exact && slots >= 0:
		x.index = map[uint64]int32{}
	default:
		x.wide = map[usageGroupKey]int32{}
	}
	x.fold(0, rows.Len(), keep)
	return x.groups(grouped)
}

// groupFields are the fields a summary groups by: those named in by, in
// that order, then currency; grouped marks them.
func groupFields(by []string) (fields []billing.UsageField, grouped *[len(usageGroupKey{})]bool) {
	fields = make([]billing.UsageField, 0, len(by)+1)
	grouped = new([len(usageGroupKey{})]bool)
	for _, name := range by {
		fields = append(fields, usageKeys[name])
		grouped[usageKeys[name]] = true
	}
	fields = append(fields, billing.UsageCurrency)
	grouped[billing.UsageCurrency] = true
	return fields, grouped
}

// everyRow yields the index of every row of rows.
func everyRow(rows *billing.UsageRows) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range rows.Len() {
			if !yield(i) {
				return
			}
		}
	}
}

// rowsAt yields the rows at.
func rowsAt(at []int32) iter.Seq[int] {
	return func(yield func(int) bool) {
		for _, i := range at {
			if !yield(int(i)) {
				return
			}
		}
	}
}

// fold adds rows [from, to) that keep selects to their groups.
func (x *groupFold) fold(from, to int, keep func(usage) bool) {
	for i := from; i < to; i++ {
		if u := x.rows.Row(i); keep(u) {
			x.find(i).add(u, x.rows.Ref(i, billing.UsageUnit))
		}
	}
}

// groupFold is the state of one summary: the rank of every key value
// and the groups found so far, in the order found.
type groupFold struct {
	rows   *billing.UsageRows
	fields []billing.UsageField
	// rank[k][ref] is the rank of fields[k]'s value ref; radix[k] is one
	// more than its highest rank, so a key's number is below span, exact
	// when the product of the radices fits a uint64.
	rank  [][]uint32
	radix []uint64
	span  uint64
	exact bool
	// slot[n] is 1 + the group of key number n where numbers are few;
	// index maps key numbers otherwise, and wide the ranks themselves
	// where the numbers overflow. byRefs maps the key's refs instead, for
	// a fold that starts before every value is known to rank it (a tap).
	slot   []int32
	index  map[uint64]int32
	wide   map[usageGroupKey]int32
	byRefs map[usageGroupKey]int32
	sums   []groupSums
	first  []int32 // a row of each group, for its key
}

// rankValues ranks the values every field takes in the rows of x.rows
// that at yields, and sets the radices and span of the key numbers they
// spell.
func (x *groupFold) rankValues(at iter.Seq[int]) {
	x.rank, x.radix = make([][]uint32, len(x.fields)), make([]uint64, len(x.fields))
	x.span, x.exact = 1, true
	for k, f := range x.fields {
		x.rank[k], x.radix[k] = rankValues(x.rows, f, at)
		hi, lo := bits.Mul64(x.span, x.radix[k])
		x.span, x.exact = lo, x.exact && hi == 0
	}
}

// rankValues ranks the values field f takes in the rows at yields: null
// 0, then the distinct strings in order from 1 (equal strings rank
// equal). It returns the ranks by ref and the number of ranks.
func rankValues(rows *billing.UsageRows, f billing.UsageField, at iter.Seq[int]) ([]uint32, uint64) {
	rank := make([]uint32, rows.Refs())
	var used []uint32
	for i := range at {
		if r := rows.Ref(i, f); r != 0 && rank[r] == 0 {
			rank[r] = 1
			used = append(used, r)
		}
	}
	value := func(r uint32) string { return rows.RefValue(r).Value }
	slices.SortFunc(used, func(a, b uint32) int { return cmp.Compare(value(a), value(b)) })
	next := uint32(0)
	for i, r := range used {
		if i == 0 || value(r) != value(used[i-1]) {
			next++
		}
		rank[r] = next
	}
	return rank, uint64(next) + 1
}

// rankOf is the rank of row i's value of fields[k].
func (x *groupFold) rankOf(i, k int) uint32 { return x.rank[k][x.rows.Ref(i, x.fields[k])] }

// ranks is row i's key as the ranks of its values, in fields' order.
func (x *groupFold) ranks(i int) (r usageGroupKey) {
	for k := range x.fields {
		r[k] = x.rankOf(i, k)
	}
	return r
}

// refs is row i's key as the refs of its values, in fields' order.
func (x *groupFold) refs(i int) (r usageGroupKey) {
	for k, f := range x.fields {
		r[k] = x.rows.Ref(i, f)
	}
	return r
}

// number is row i's key number: its ranks in mixed radix, so that numbers
// order as the keys sort (exact only when x.exact).
func (x *groupFold) number(i int) uint64 {
	var n uint64
	for k := range x.fields {
		n = n*x.radix[k] + uint64(x.rankOf(i, k))
	}
	return n
}

// find is row i's group, added when it is the first row of its key.
func (x *groupFold) find(i int) *groupSums {
	switch {
	case x.slot != nil:
		n := x.number(i)
		if x.slot[n] == 0 {
			x.slot[n] = x.start(i) + 1
		}
		return &x.sums[x.slot[n]-1]
	case x.index != nil:
		return &x.sums[groupOf(x, x.index, x.number(i), i)]
	case x.byRefs != nil:
		return &x.sums[groupOf(x, x.byRefs, x.refs(i), i)]
	}
	return &x.sums[groupOf(x, x.wide, x.ranks(i), i)]
}

// groupOf is the group of key in m, started at row i when it is new.
func groupOf[K comparable](x *groupFold, m map[K]int32, key K, i int) int32 {
	g, ok := m[key]
	if !ok {
		g = x.start(i)
		m[key] = g
	}
	return g
}

// start adds the group whose first row is row i.
func (x *groupFold) start(i int) int32 {
	x.sums = append(x.sums, groupSums{unit: x.rows.Ref(i, billing.UsageUnit)})
	x.first = append(x.first, int32(i))
	return int32(len(x.sums) - 1)
}

// add counts row u, whose unit ref is unit, into the group.
func (g *groupSums) add(u usage, unit uint32) {
	g.n++
	g.mixedUnits = g.mixedUnits || unit != g.unit
	if v := u.TotalAmount(); v.Valid {
		g.total.add(v.Value)
	}
	if v := u.NumberOfUnits(); v.Valid {
		g.units.add(v.Value)
	}
}

// groups lists the groups sorted by their keys, with the sums as the
// state shows them.
func (x *groupFold) groups(grouped *[len(usageGroupKey{})]bool) []usageGroup {
	var order []int32
	if x.slot != nil {
		order = make([]int32, 0, len(x.sums))
		for _, s := range x.slot {
			if s != 0 {
				order = append(order, s-1)
			}
		}
	} else {
		order = make([]int32, len(x.sums))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int {
			ka, kb := x.ranks(int(x.first[a])), x.ranks(int(x.first[b]))
			for k := range x.fields {
				if c := cmp.Compare(ka[k], kb[k]); c != 0 {
					return c
				}
			}
			return 0
		})
	}
	out := make([]usageGroup, len(order))
	for i, g := range order {
		o := &out[i]
		o.rows, o.grouped, o.groupSums = x.rows, grouped, x.sums[g]
		for _, f := range x.fields {
			o.key[f] = x.rows.Ref(int(x.first[g]), f)
		}
		o.count = billing.Of(billing.Number(strconv.Itoa(o.n)))
		if o.total.set {
			o.totalAmount = billing.Of(o.total.number())
		}
		if o.units.set && !o.mixedUnits {
			o.numberOfUnits = billing.Of(o.units.number())
		}
	}
	return out
}
