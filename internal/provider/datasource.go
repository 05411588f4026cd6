package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// readFunc reads one data source: it reads its inputs from the
// configuration and fills the computed attributes of b, which holds the
// configuration already. It is shared by the framework Read and the
// protocol fast path.
type readFunc func(ctx context.Context, client *billing.Client, config tfsdk.Config, b *stateBuilder) diag.Diagnostics

// readState runs the data source's read into a new state builder, within
// its read timeout. A data source whose endpoint needs a scope missing
// from the configured scopes is refused first: reads run at plan, so
// this fails the plan before any request.
func (d *dataSource) readState(ctx context.Context, client *billing.Client, config tfsdk.Config) (*stateBuilder, diag.Diagnostics) {
	if scope := client.MissingScope(d.endpoint); scope != "" {
		return nil, missingScopeError(d.typeName, d.endpoint, scope)
	}
	var t timeouts.Value
	diags := config.GetAttribute(ctx, path.Root("timeouts"), &t)
	limit, more := t.Read(ctx, defaultReadTimeout)
	diags.Append(more...)
	if diags.HasError() {
		return nil, diags
	}
	ctx, cancel := context.WithTimeoutCause(ctx, limit, fmt.Errorf("the read took longer than its timeout of %s (timeouts.read)", limit))
	defer cancel()
	b, more := newStateBuilder(ctx, config)
	diags.Append(more...)
	if diags.HasError() {
		return nil, diags
	}
	diags.Append(d.read(ctx, client, config, b)...)
	return b, diags
}

// dataSource is the shell every data source shares: the per-type parts
// are its name, the API endpoint it reads, its schema, validators and
// read function.
type dataSource struct {
	typeName string
	// endpoint is the API collection the read function lists: its scope
	// is checked against the configured scopes before any request.
	endpoint   billing.Endpoint
	schema     schema.Schema
	validators []datasource.ConfigValidator
	read       readFunc
	data       *providerData
}

// defaultReadTimeout bounds a read when timeouts.read is not set: ample
// for 100,000 rows at the API's 25 requests per second, finite when the
// API stalls.
const defaultReadTimeout = 20 * time.Minute

// newDataSource completes a data source with what every one has: the
// timeouts block.
func newDataSource(d dataSource) *dataSource {
	if d.schema.Blocks == nil {
		d.schema.Blocks = map[string]schema.Block{}
	}
	block := timeouts.BlockWithOpts(context.Background(), timeouts.Opts{
		ReadDescription: fmt.Sprintf("How long the read may take, as a duration such as `30s` or `10m` (default `%s`). Past it, the read stops and fails.", defaultReadTimeout),
	})
	if nested, ok := block.(schema.SingleNestedBlock); ok {
		nested.Description = "Time limits of this data source's operations."
		block = nested
	}
	d.schema.Blocks["timeouts"] = block
	return &d
}

var (
	_ datasource.DataSource                     = (*dataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*dataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*dataSource)(nil)
)

func (d *dataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.typeName
}

func (d *dataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = d.schema
}

func (d *dataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return d.validators
}

func (d *dataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return // validation runs before the provider is configured
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Internal error", "unexpected provider data")
		return
	}
	d.data = data
}

func (d *dataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The talkdesk provider was not configured before reading "+d.typeName+".")
		return
	}
	ctx = maskSecrets(ctx, d.data.secrets)
	state, diags := d.readState(ctx, d.data.client, req.Config)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	resp.State.Raw = state.value()
}

// matchAttribute is an optional filter on one string field, compared
// exactly but case-insensitively by the provider.
func matchAttribute(desc string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Description: desc, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
}

// productIDsAttribute is the optional list of product codes the provider
// filters by.
func productIDsAttribute(desc string) schema.ListAttribute {
	return schema.ListAttribute{
		Optional: true, ElementType: types.StringType, Description: desc,
		Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
	}
}

// stringInput reads an optional string input; ok is false when null.
func stringInput(ctx context.Context, cfg tfsdk.Config, name string, diags *diag.Diagnostics) (string, bool) {
	var v types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root(name), &v)...)
	return v.ValueString(), !v.IsNull() && !v.IsUnknown()
}

// stringsInput reads an optional list of strings; nil when null.
func stringsInput(ctx context.Context, cfg tfsdk.Config, name string, diags *diag.Diagnostics) []string {
	var v types.List
	diags.Append(cfg.GetAttribute(ctx, path.Root(name), &v)...)
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

// selectRecords returns the records keep accepts, in order, in a new
// slice: the client's slices are shared by every block of the run (its
// snapshot), so a read never filters or sorts them in place.
func selectRecords[T any](records []T, keep func(*T) bool) []T {
	kept := make([]T, 0, len(records))
	for i := range records {
		if keep(&records[i]) {
			kept = append(kept, records[i])
		}
	}
	return kept
}

// stringSet is a lookup set; nil means "no filter".
func stringSet(vs []string) map[string]bool {
	if vs == nil {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// withAttributes merges a data source's own attributes into shared ones.
func withAttributes(shared, own map[string]schema.Attribute) map[string]schema.Attribute {
	for k, v := range own {
		shared[k] = v
	}
	return shared
}
