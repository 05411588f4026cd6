package provider

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// A column is one field of a record: it declares the schema attribute and
// produces that attribute's raw value from a record. Keeping both in one
// place means the schema and the state cannot drift apart, and rows are
// built straight into tftypes values without reflection.
type column[T any] interface {
	name() string
	attribute() schema.Attribute
	value(typ tftypes.Type, r *T) tftypes.Value
	// encode writes the value as msgpack, as the fast read path sends it.
	encode(enc *msgpack.Encoder, r *T) error
}

type kind int

const (
	kindString kind = iota
	kindTimestamp
	kindNumber
	kindBool
)

// scalar is a column holding a string, timestamp, number or bool.
type scalar[T any] struct {
	key, desc string
	kind      kind
	str       func(*T) billing.Null[string]
	num       func(*T) billing.Null[billing.Number]
	boolean   func(*T) billing.Null[bool]
}

func strCol[T any](key, desc string, get func(*T) billing.Null[string]) column[T] {
	return scalar[T]{key: key, desc: desc, kind: kindString, str: get}
}

// timeCol is an RFC 3339 timestamp passed through exactly as the API sent it.
func timeCol[T any](key, desc string, get func(*T) billing.Null[string]) column[T] {
	return scalar[T]{key: key, desc: desc, kind: kindTimestamp, str: get}
}

func numCol[T any](key, desc string, get func(*T) billing.Null[billing.Number]) column[T] {
	return scalar[T]{key: key, desc: desc, kind: kindNumber, num: get}
}

func boolCol[T any](key, desc string, get func(*T) billing.Null[bool]) column[T] {
	return scalar[T]{key: key, desc: desc, kind: kindBool, boolean: get}
}

// idCol is the record id, which the client guarantees is present.
func idCol[T any](desc string, get func(*T) string) column[T] {
	return strCol("id", desc, func(r *T) billing.Null[string] { return billing.Of(get(r)) })
}

func (c scalar[T]) name() string { return c.key }

func (c scalar[T]) attribute() schema.Attribute {
	switch c.kind {
	case kindTimestamp:
		return schema.StringAttribute{Computed: true, Description: c.desc, CustomType: timetypes.RFC3339Type{}}
	case kindNumber:
		return schema.NumberAttribute{Computed: true, Description: c.desc}
	case kindBool:
		return schema.BoolAttribute{Computed: true, Description: c.desc}
	}
	return schema.StringAttribute{Computed: true, Description: c.desc}
}

func (c scalar[T]) value(typ tftypes.Type, r *T) tftypes.Value {
	switch c.kind {
	case kindNumber:
		return numberValue(c.num(r))
	case kindBool:
		v := c.boolean(r)
		if !v.Valid {
			return tftypes.NewValue(tftypes.Bool, nil)
		}
		return tftypes.NewValue(tftypes.Bool, v.Value)
	}
	v := c.str(r)
	if !v.Valid {
		return tftypes.NewValue(tftypes.String, nil)
	}
	return tftypes.NewValue(tftypes.String, v.Value)
}

func (c scalar[T]) encode(enc *msgpack.Encoder, r *T) error {
	switch c.kind {
	case kindNumber:
		return encodeNumber(enc, c.num(r))
	case kindBool:
		v := c.boolean(r)
		if !v.Valid {
			return enc.EncodeNil()
		}
		return enc.EncodeBool(v.Value)
	}
	v := c.str(r)
	if !v.Valid {
		return enc.EncodeNil()
	}
	return enc.EncodeString(v.Value)
}

// encodeNumber writes a number the way Terraform reads it exactly: an
// integer that fits as an integer, anything else as its decimal literal,
// which Terraform parses at its own 512-bit precision. (Formatting a
// 512-bit float back to decimal, as tftypes does, costs far more.)
func encodeNumber(enc *msgpack.Encoder, n billing.Null[billing.Number]) error {
	if !n.Valid {
		return enc.EncodeNil()
	}
	if isIntLiteral(n.Value) {
		if i, err := strconv.ParseInt(string(n.Value), 10, 64); err == nil {
			return enc.EncodeInt(i)
		}
	}
	return enc.EncodeString(string(n.Value))
}

// isIntLiteral reports whether n is written as a plain integer; checked
// first because a failed ParseInt allocates its error.
func isIntLiteral(n billing.Number) bool {
	s := strings.TrimPrefix(string(n), "-")
	return s != "" && allDigits(s)
}

// numberPrecision is Terraform's own number precision, so a decimal the
// API sent arrives in Terraform exactly as it was written.
const numberPrecision = 512

func numberValue(n billing.Null[billing.Number]) tftypes.Value {
	if !n.Valid {
		return tftypes.NewValue(tftypes.Number, nil)
	}
	f, err := n.Value.Float(numberPrecision)
	if err != nil { // the client only admits valid JSON numbers
		return tftypes.NewValue(tftypes.Number, nil)
	}
	return tftypes.NewValue(tftypes.Number, f)
}

func ratValue(r *big.Rat) tftypes.Value {
	return tftypes.NewValue(tftypes.Number, new(big.Float).SetPrec(numberPrecision).SetRat(r))
}

// nested is a column holding a list of sub-records, e.g. invoice lines.
type nested[T, U any] struct {
	key, desc string
	cols      []column[U]
	get       func(*T) []U
}

func nestedCol[T, U any](key, desc string, cols []column[U], get func(*T) []U) column[T] {
	return nested[T, U]{key: key, desc: desc, cols: cols, get: get}
}

func (c nested[T, U]) name() string { return c.key }

func (c nested[T, U]) attribute() schema.Attribute { return listNested(c.desc, c.cols) }

func (c nested[T, U]) value(typ tftypes.Type, r *T) tftypes.Value {
	return listValue(typ, c.cols, c.get(r))
}

func (c nested[T, U]) encode(enc *msgpack.Encoder, r *T) error {
	return encodeList(enc, c.cols, c.get(r))
}

// encodeList writes a list of objects straight from records. The
// attribute names, the same in every object, are encoded once: encoded
// for each object they took a fifth of the time of a usage row.
func encodeList[T any](enc *msgpack.Encoder, cols []column[T], items []T) error {
	if err := enc.EncodeArrayLen(len(items)); err != nil {
		return err
	}
	names, err := encodedNames(cols)
	if err != nil {
		return err
	}
	w := enc.Writer()
	for i := range items {
		if err := enc.EncodeMapLen(len(cols)); err != nil {
			return err
		}
		for j, c := range cols {
			if _, err := w.Write(names[j]); err != nil {
				return err
			}
			if err := c.encode(enc, &items[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// encodedNames are the columns' names as msgpack strings, in one buffer.
func encodedNames[T any](cols []column[T]) ([][]byte, error) {
	size := 0
	for _, c := range cols {
		size += 2 + len(c.name()) // a str8 header at most
	}
	all, names := make([]byte, 0, size), make([][]byte, len(cols))
	for j, c := range cols {
		start, name := len(all), c.name()
		switch n := len(name); {
		case n <= 31: // fixstr
			all = append(all, 0xa0|byte(n))
		case n <= math.MaxUint8: // str8
			all = append(all, 0xd9, byte(n))
		default:
			return nil, fmt.Errorf("attribute name of %d bytes", n)
		}
		all = append(all, name...)
		names[j] = all[start:len(all):len(all)]
	}
	return names, nil
}

// attributes declares the schema attributes of cols.
func attributes[T any](cols []column[T]) map[string]schema.Attribute {
	m := make(map[string]schema.Attribute, len(cols))
	for _, c := range cols {
		m[c.name()] = c.attribute()
	}
	return m
}

// listNested declares a computed list of records.
func listNested[T any](desc string, cols []column[T]) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true, Description: desc,
		NestedObject: schema.NestedAttributeObject{Attributes: attributes(cols)},
	}
}

// objectFields fills vals with the columns of one record.
func objectFields[T any](obj tftypes.Object, cols []column[T], r *T, vals map[string]tftypes.Value) {
	for _, c := range cols {
		vals[c.name()] = c.value(obj.AttributeTypes[c.name()], r)
	}
}

// listValue builds a list of objects straight from records. typ comes
// from the schema the same columns declared, so a mismatch is a bug.
func listValue[T any](typ tftypes.Type, cols []column[T], items []T) tftypes.Value {
	list, ok := typ.(tftypes.List)
	if !ok {
		panic(fmt.Sprintf("internal error: %s is not a list type", typ))
	}
	obj, ok := list.ElementType.(tftypes.Object)
	if !ok {
		panic(fmt.Sprintf("internal error: %s is not a list of objects", typ))
	}
	elems := make([]tftypes.Value, len(items))
	for i := range items {
		vals := make(map[string]tftypes.Value, len(cols))
		objectFields(obj, cols, &items[i], vals)
		elems[i] = tftypes.NewValue(obj, vals)
	}
	return tftypes.NewValue(typ, elems)
}

// pick returns the columns of cols with these names, in this order: a
// data source that shows some fields of a record declares them once.
func pick[T any](cols []column[T], names ...string) []column[T] {
	out := make([]column[T], 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(cols, func(c column[T]) bool { return c.name() == n })
		if i < 0 {
			panic("internal error: no column " + n)
		}
		out = append(out, cols[i])
	}
	return out
}

// through shows columns of U on a T that holds a U, e.g. the
// contract-level fields of a contract, which are a contract line's.
func through[T, U any](cols []column[U], get func(*T) *U) []column[T] {
	out := make([]column[T], len(cols))
	for i, c := range cols {
		out[i] = throughCol[T, U]{col: c, get: get}
	}
	return out
}

type throughCol[T, U any] struct {
	col column[U]
	get func(*T) *U
}

func (c throughCol[T, U]) name() string                { return c.col.name() }
func (c throughCol[T, U]) attribute() schema.Attribute { return c.col.attribute() }
func (c throughCol[T, U]) value(typ tftypes.Type, r *T) tftypes.Value {
	return c.col.value(typ, c.get(r))
}
func (c throughCol[T, U]) encode(enc *msgpack.Encoder, r *T) error {
	return c.col.encode(enc, c.get(r))
}

// noted appends a note to the description of each column, e.g. what a
// field of a record means once records are grouped.
func noted[T any](cols []column[T], note string) []column[T] {
	out := make([]column[T], len(cols))
	for i, c := range cols {
		out[i] = notedCol[T]{column: c, note: note}
	}
	return out
}

type notedCol[T any] struct {
	column[T]
	note string
}

func (c notedCol[T]) attribute() schema.Attribute {
	switch a := c.column.attribute().(type) {
	case schema.StringAttribute:
		a.Description += c.note
		return a
	case schema.NumberAttribute:
		a.Description += c.note
		return a
	case schema.BoolAttribute:
		a.Description += c.note
		return a
	case schema.ListNestedAttribute:
		a.Description += c.note
		return a
	default:
		panic(fmt.Sprintf("internal error: cannot note %T", a))
	}
}
