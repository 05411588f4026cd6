package billing

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// UsageRows is an immutable set of usage rows, held compactly: a usage
// listing of a million rows is what the per-run snapshot keeps, what the
// data sources stream and fold, and what the cache of closed months
// stores, so each row costs about a hundred bytes instead of a struct of
// fifteen fields with a string header and an allocation each.
//
// A row's repeated strings (account, product, month, currency, …) are held
// once per distinct value in the set's table, and a row refers to them by
// number; the id and the numbers' exact decimal text sit in one byte
// arena. Nulls stay distinct from empty strings. A set is never modified
// once built, so any number of readers share it without copying; the
// strings its accessors return share its memory.
type UsageRows struct {
	rows []usageRow
	// arena holds each row's id and number texts, each after its length
	// as a uvarint (0 for a null number).
	arena []byte
	// strs are the distinct string values; a ref r > 0 is strs[r-1], and
	// 0 is null.
	strs []string
	// origin names the builder of the set (0: none): the sets one builder
	// gave out, the rows so far and the whole, extend one another.
	origin uint64
}

// usageRow is one row: refs into the set's table and where its id and
// numbers start in the arena.
type usageRow struct {
	str   [usageStringFields]uint32
	start int
}

// UsageField names a string field of a usage row (the id aside).
type UsageField int

// The string fields of a usage row, in the order of the contract.
const (
	UsageAccountID UsageField = iota
	UsageProductID
	UsageAggrProductID
	UsageMonth
	UsageType
	UsageDescription
	UsageCurrency
	UsageDirection
	UsageResolution
	UsageUnit
	UsageWalletName
	usageStringFields
)

// UsageNumberField names a number field of a usage row.
type UsageNumberField int

// The number fields of a usage row, in the order they sit in the arena.
const (
	UsagePrice UsageNumberField = iota
	UsageNumberOfUnits
	UsageTotalAmount
	usageNumberFields
)

// Len is the number of rows; a nil set has none.
func (s *UsageRows) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rows)
}

// Row is row i (0 ≤ i < Len()).
func (s *UsageRows) Row(i int) UsageRow {
	_ = s.rows[i] // out of range panics here, as a slice would
	return UsageRow{s: s, i: i}
}

// Records returns the rows as Usage records, a copy (tests and small
// sets; the data sources read rows in place).
func (s *UsageRows) Records() []Usage {
	out := make([]Usage, s.Len())
	for i := range out {
		out[i] = s.Row(i).Usage()
	}
	return out
}

// Ref is a number standing for field f's value in row i: within one set,
// rows with equal values (or both null) have equal refs, and null is 0. A
// summary groups rows by refs without comparing strings.
func (s *UsageRows) Ref(i int, f UsageField) uint32 { return s.rows[i].str[f] }

// Refs bounds the refs of this set: every ref is below it, so a caller
// may index a table by ref or pack several refs into one integer.
func (s *UsageRows) Refs() int {
	if s == nil {
		return 1
	}
	return len(s.strs) + 1
}

// RefValue is the value a ref of this set stands for.
func (s *UsageRows) RefValue(ref uint32) Null[string] {
	if ref == 0 {
		return Null[string]{}
	}
	return Of(s.strs[ref-1])
}

// texts returns row i's id and number texts (a nil text is a null number),
// sharing the arena.
func (s *UsageRows) texts(i int) (id string, nums [usageNumberFields][]byte) {
	id, b := s.idAndRest(i)
	for k := range nums {
		n, w := binary.Uvarint(b)
		if n > 0 {
			nums[k] = b[w : w+int(n)]
		}
		b = b[w+int(n):]
	}
	return id, nums
}

// id is row i's id, sharing the arena (the numbers after it are not read).
func (s *UsageRows) id(i int) string {
	id, _ := s.idAndRest(i)
	return id
}

// idAndRest splits row i's arena segment into its id and what follows it.
func (s *UsageRows) idAndRest(i int) (string, []byte) {
	b := s.arena[s.rows[i].start:]
	n, w := binary.Uvarint(b)
	return bytesString(b[w : w+int(n)]), b[w+int(n):]
}

// rowBytes is the whole arena segment of row i.
func (s *UsageRows) rowBytes(i int) []byte {
	b := s.arena[s.rows[i].start:]
	end := 0
	for range 1 + usageNumberFields {
		n, w := binary.Uvarint(b[end:])
		end += w + int(n)
	}
	return b[:end]
}

// bytesString views b as a string without copying: the arena is never
// written once a set is built, so the string stays valid and immutable.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// UsageRow is one row of a UsageRows set.
type UsageRow struct {
	s *UsageRows
	i int
}

// ID is the record id (never empty).
func (r UsageRow) ID() string { return r.s.id(r.i) }

// Str is the string field f.
func (r UsageRow) Str(f UsageField) Null[string] { return r.s.RefValue(r.s.rows[r.i].str[f]) }

// Num is the number field f, as the exact text the API sent.
func (r UsageRow) Num(f UsageNumberField) Null[Number] {
	b := r.s.arena[r.s.rows[r.i].start:]
	for k := UsageNumberField(-1); ; k++ {
		n, w := binary.Uvarint(b)
		if k == f {
			if n == 0 {
				return Null[Number]{}
			}
			return Of(Number(bytesString(b[w : w+int(n)])))
		}
		b = b[w+int(n):]
	}
}

// AccountID is the account_id field.
func (r UsageRow) AccountID() Null[string] { return r.Str(UsageAccountID) }

// ProductID is the product_id field.
func (r UsageRow) ProductID() Null[string] { return r.Str(UsageProductID) }

// AggrProductID is the aggr_product_id field.
func (r UsageRow) AggrProductID() Null[string] { return r.Str(UsageAggrProductID) }

// Month is the month field.
func (r UsageRow) Month() Null[string] { return r.Str(UsageMonth) }

// Type is the type field.
func (r UsageRow) Type() Null[string] { return r.Str(UsageType) }

// Description is the description field.
func (r UsageRow) Description() Null[string] { return r.Str(UsageDescription) }

// Currency is the currency field.
func (r UsageRow) Currency() Null[string] { return r.Str(UsageCurrency) }

// Direction is the direction field.
func (r UsageRow) Direction() Null[string] { return r.Str(UsageDirection) }

// Resolution is the resolution field.
func (r UsageRow) Resolution() Null[string] { return r.Str(UsageResolution) }

// Unit is the unit field.
func (r UsageRow) Unit() Null[string] { return r.Str(UsageUnit) }

// WalletName is the wallet_name field.
func (r UsageRow) WalletName() Null[string] { return r.Str(UsageWalletName) }

// Price is the price field.
func (r UsageRow) Price() Null[Number] { return r.Num(UsagePrice) }

// NumberOfUnits is the number_of_units field.
func (r UsageRow) NumberOfUnits() Null[Number] { return r.Num(UsageNumberOfUnits) }

// TotalAmount is the total_amount field.
func (r UsageRow) TotalAmount() Null[Number] { return r.Num(UsageTotalAmount) }

// Usage is the row as a Usage record.
func (r UsageRow) Usage() Usage {
	id, nums := r.s.texts(r.i)
	u := Usage{ID: id}
	for f, p := range usageStringPtrs(&u) {
		*p = r.Str(UsageField(f))
	}
	for k, p := range usageNumberPtrs(&u) {
		if nums[k] != nil {
			*p = Of(Number(bytesString(nums[k])))
		}
	}
	return u
}

// usageStringPtrs are u's string fields in UsageField order.
func usageStringPtrs(u *Usage) [usageStringFields]*Null[string] {
	return [...]*Null[string]{&u.AccountID, &u.ProductID, &u.AggrProductID, &u.Month, &u.Type,
		&u.Description, &u.Currency, &u.Direction, &u.Resolution, &u.Unit, &u.WalletName}
}

// usageNumberPtrs are u's number fields in UsageNumberField order.
func usageNumberPtrs(u *Usage) [usageNumberFields]*Null[Number] {
	return [...]*Null[Number]{&u.Price, &u.NumberOfUnits, &u.TotalAmount}
}

// UsageRowsOf builds a set from records (tests, and records from
// elsewhere than the API).
func UsageRowsOf(records []Usage) *UsageRows {
	b := NewUsageRowsBuilder(len(records))
	for i := range records {
		b.addRecord(&records[i])
	}
	return b.Build()
}

// UsageRowsBuilder builds a set from rows of other sets (or records), in
// the order added: selecting months or accounts of a listing, joining
// months read from disk with months read from the API. The zero value is
// ready to use; a builder is not safe for concurrent use.
type UsageRowsBuilder struct {
	set   UsageRows
	index map[string]uint32
	// remaps translate a source set's refs to this set's (0: not yet).
	remaps map[*UsageRows][]uint32
}

// NewUsageRowsBuilder is a builder with room for n rows.
func NewUsageRowsBuilder(n int) *UsageRowsBuilder {
	return &UsageRowsBuilder{set: UsageRows{rows: make([]usageRow, 0, n)}}
}

// Add appends row i of set.
func (b *UsageRowsBuilder) Add(set *UsageRows, i int) {
	remap := b.remapOf(set)
	src := &set.rows[i]
	row := usageRow{start: len(b.set.arena)}
	for f, ref := range src.str {
		if ref == 0 {
			continue
		}
		if remap[ref-1] == 0 {
			remap[ref-1] = b.intern(set.strs[ref-1])
		}
		row.str[f] = remap[ref-1]
	}
	b.set.arena = append(b.set.arena, set.rowBytes(i)...)
	b.set.rows = append(b.set.rows, row)
}

// AddAll appends every row of set.
func (b *UsageRowsBuilder) AddAll(set *UsageRows) {
	if set.Len() == 0 {
		return
	}
	b.set.rows = growRows(b.set.rows, set.Len())
	for i := range set.rows {
		b.Add(set, i)
	}
	// A set added whole is usually done with (a page joined into its
	// listing): its remap must not keep it alive until Build.
	delete(b.remaps, set)
}

// Len is the number of rows added so far.
func (b *UsageRowsBuilder) Len() int { return len(b.set.rows) }

// Sofar is the set of the rows added so far, which the builder keeps
// extending: it shares the builder's memory, which only ever grows, so
// it stays valid and unchanged, and the set Build returns extends it.
func (b *UsageRowsBuilder) Sofar() *UsageRows {
	s := b.set
	s.origin = b.originOf()
	return &s
}

// Extends reports whether s holds prefix's rows as its first rows, with
// the same refs: both came from one builder, prefix before s. A caller
// that folded prefix then folds only the rows after it.
func (s *UsageRows) Extends(prefix *UsageRows) bool {
	return s != nil && prefix != nil && s.origin != 0 && s.origin == prefix.origin && prefix.Len() <= s.Len()
}

// originOf names the builder, once.
func (b *UsageRowsBuilder) originOf() uint64 {
	if b.set.origin == 0 {
		b.set.origin = builderOrigins.Add(1)
	}
	return b.set.origin
}

// builderOrigins counts the builders named (see UsageRows.origin).
var builderOrigins atomic.Uint64

// Build returns the set of the rows added; the builder must not be used
// after.
func (b *UsageRowsBuilder) Build() *UsageRows {
	b.originOf()
	s := b.set
	b.set, b.index, b.remaps = UsageRows{}, nil, nil
	return &s
}

func (b *UsageRowsBuilder) remapOf(set *UsageRows) []uint32 {
	if r, ok := b.remaps[set]; ok {
		return r
	}
	if b.remaps == nil {
		b.remaps = map[*UsageRows][]uint32{}
	}
	r := make([]uint32, len(set.strs))
	b.remaps[set] = r
	return r
}

// intern returns the ref of v, adding it to the table if new.
func (b *UsageRowsBuilder) intern(v string) uint32 {
	if ref, ok := b.index[v]; ok {
		return ref
	}
	if b.index == nil {
		b.index = map[string]uint32{}
	}
	b.set.strs = append(b.set.strs, v)
	ref := uint32(len(b.set.strs))
	b.index[v] = ref
	return ref
}

// internBytes is intern for bytes; the lookup of a known value does not
// allocate.
func (b *UsageRowsBuilder) internBytes(v []byte) uint32 {
	if ref, ok := b.index[string(v)]; ok {
		return ref
	}
	return b.intern(string(v))
}

// appendText appends one length-prefixed text to the arena.
func (b *UsageRowsBuilder) appendText(t []byte) {
	b.set.arena = binary.AppendUvarint(b.set.arena, uint64(len(t)))
	b.set.arena = append(b.set.arena, t...)
}

func (b *UsageRowsBuilder) addRecord(u *Usage) {
	row := usageRow{start: len(b.set.arena)}
	for f, p := range usageStringPtrs(u) {
		if p.Valid {
			row.str[f] = b.intern(p.Value)
		}
	}
	b.appendText([]byte(u.ID))
	for _, p := range usageNumberPtrs(u) {
		if p.Valid {
			b.appendText([]byte(p.Value))
		} else {
			b.appendText(nil)
		}
	}
	b.set.rows = append(b.set.rows, row)
}

// reserveLike makes room in the arena for rows rows of about the size of
// like's, so that a listing's arena is not copied as it grows.
func (b *UsageRowsBuilder) reserveLike(like *UsageRows, rows int) {
	if like.Len() == 0 || len(b.set.arena) > 0 {
		return
	}
	// A tenth more than the first page's average, as ids and amounts vary.
	perRow := len(like.arena)/like.Len() + len(like.arena)/like.Len()/10 + 1
	b.reserveArena(perRow * rows)
}

// reserveArena makes room for n bytes of an empty builder's arena at
// once, so that it is not copied as it grows.
func (b *UsageRowsBuilder) reserveArena(n int) {
	if len(b.set.arena) == 0 && cap(b.set.arena) < n {
		b.set.arena = make([]byte, 0, n)
	}
}

// growRows makes room for n more rows at once.
func growRows(rows []usageRow, n int) []usageRow {
	if cap(rows)-len(rows) >= n {
		return rows
	}
	grown := make([]usageRow, len(rows), len(rows)+max(n, len(rows)/4))
	copy(grown, rows)
	return grown
}
