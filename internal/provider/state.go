package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// stateBuilder assembles a data source's state as a raw value: the
// configuration as given, with the computed attributes filled in.
type stateBuilder struct {
	typ  tftypes.Object
	vals map[string]tftypes.Value
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
	return &stateBuilder{typ: typ, vals: vals}, diags
}

// attrType is the type of a top-level attribute.
func (b *stateBuilder) attrType(name string) tftypes.Type { return b.typ.AttributeTypes[name] }

// list sets a top-level list-of-records attribute.
func setList[T any](b *stateBuilder, name string, cols []column[T], items []T) {
	b.vals[name] = listValue(b.attrType(name).(tftypes.List), cols, items)
}

// record sets top-level attributes from one record (singular data sources).
func setRecord[T any](b *stateBuilder, cols []column[T], r *T) {
	objectFields(b.typ, cols, r, b.vals)
}

func (b *stateBuilder) value() tftypes.Value { return tftypes.NewValue(b.typ, b.vals) }
