package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
)

// TestEverySchemaAttributeIsDescribed: the docs are generated from the
// schema, so an attribute without a description is an undocumented one.
func TestEverySchemaAttributeIsDescribed(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	var ps provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &ps)
	for name, a := range ps.Schema.Attributes {
		if a.GetDescription() == "" {
			t.Errorf("provider attribute %s has no description", name)
		}
	}
	for _, newDS := range p.DataSources(ctx) {
		ds := newDS()
		var meta datasource.MetadataResponse
		ds.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "talkdesk"}, &meta)
		var resp datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if resp.Schema.Description == "" {
			t.Errorf("%s has no description", meta.TypeName)
		}
		checkDescribed(t, meta.TypeName, resp.Schema.Attributes, resp.Schema.Blocks)
	}
}

func checkDescribed(t *testing.T, prefix string, attrs map[string]dsschema.Attribute, blocks map[string]dsschema.Block) {
	t.Helper()
	for name, a := range attrs {
		if a.GetDescription() == "" {
			t.Errorf("%s.%s has no description", prefix, name)
		}
		if n, ok := a.(dsschema.ListNestedAttribute); ok {
			checkDescribed(t, prefix+"."+name, n.NestedObject.Attributes, nil)
		}
	}
	for name, b := range blocks {
		if b.GetDescription() == "" && b.GetMarkdownDescription() == "" {
			t.Errorf("block %s.%s has no description", prefix, name)
		}
		if sb, ok := b.(dsschema.SingleNestedBlock); ok {
			checkDescribed(t, prefix+"."+name, sb.Attributes, sb.Blocks)
		}
	}
}
