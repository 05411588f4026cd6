package provider

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
)

// stateBuilder assembles a data source's state: the configuration as
// given, with the computed attributes filled in. It renders either a raw
// tftypes value (the framework path) or, without building that value
// tree, the msgpack bytes Terraform receives (the fast path).
type stateBuilder struct {
	typ tftypes.Object
	// vals are small attributes: the configuration, and computed scalars.
	vals map[string]tftypes.Value
	// records are computed attributes rendered from records on demand.
	records map[string]stateAttr
}

// stateAttr is a computed attribute rendered from records.
type stateAttr interface {
	value(typ tftypes.Type) tftypes.Value
	encode(enc *msgpack.Encoder) error
}

func newStateBuilder(ctx context.Context, config tfsdk.Config) (*stateBuilder, diag.Diagnostics) {
	var diags diag.Diagnostics
	typ, ok := config.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		diags.AddError("Internal error", "the data source schema is not an object")
		return nil, diags
	}
	vals := map[string]tftypes.Value{}
	if err := config.Raw.As(&vals); err != nil {
		diags.AddError("Internal error", fmt.Sprintf("reading the configuration: %v", err))
		return nil, diags
	}
	for name, t := range typ.AttributeTypes {
		if _, ok := vals[name]; !ok {
			vals[name] = tftypes.NewValue(t, nil)
		}
	}
	return &stateBuilder{typ: typ, vals: vals, records: map[string]stateAttr{}}, diags
}

type listAttr[T any] struct {
	cols  []column[T]
	items []T
}

func (a listAttr[T]) value(typ tftypes.Type) tftypes.Value {
	return listValue(typ, a.cols, a.items)
}
func (a listAttr[T]) encode(enc *msgpack.Encoder) error { return encodeList(enc, a.cols, a.items) }

type fieldAttr[T any] struct {
	col column[T]
	r   *T
}

func (a fieldAttr[T]) value(typ tftypes.Type) tftypes.Value { return a.col.value(typ, a.r) }
func (a fieldAttr[T]) encode(enc *msgpack.Encoder) error    { return a.col.encode(enc, a.r) }

// setList sets a top-level list-of-records attribute.
func setList[T any](b *stateBuilder, name string, cols []column[T], items []T) {
	b.records[name] = listAttr[T]{cols: cols, items: items}
}

// setRecord sets top-level attributes from one record (singular data sources).
func setRecord[T any](b *stateBuilder, cols []column[T], r *T) {
	for _, c := range cols {
		b.records[c.name()] = fieldAttr[T]{col: c, r: r}
	}
}

// value renders the state as a raw value.
func (b *stateBuilder) value() tftypes.Value {
	vals := make(map[string]tftypes.Value, len(b.typ.AttributeTypes))
	for name, t := range b.typ.AttributeTypes {
		if a, ok := b.records[name]; ok {
			vals[name] = a.value(t)
		} else {
			vals[name] = b.vals[name]
		}
	}
	return tftypes.NewValue(b.typ, vals)
}

// msgpack renders the state as Terraform's wire encoding, streaming the
// record attributes straight from the records.
func (b *stateBuilder) msgpack() ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	names := make([]string, 0, len(b.typ.AttributeTypes))
	for name := range b.typ.AttributeTypes {
		names = append(names, name)
	}
	slices.Sort(names)
	if err := enc.EncodeMapLen(len(names)); err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := enc.EncodeString(name); err != nil {
			return nil, err
		}
		if a, ok := b.records[name]; ok {
			if err := a.encode(enc); err != nil {
				return nil, fmt.Errorf("encoding %s: %w", name, err)
			}
			continue
		}
		dv, err := tfprotov6.NewDynamicValue(b.typ.AttributeTypes[name], b.vals[name])
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", name, err)
		}
		buf.Write(dv.MsgPack)
	}
	return buf.Bytes(), nil
}
