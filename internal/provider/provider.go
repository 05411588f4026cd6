// Package provider maps the Billing Insights API client's typed records to
// Terraform data sources. It holds no HTTP detail: every request goes
// through the billing client configured here.
package provider

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// TalkdeskProvider is the talkdesk provider.
type TalkdeskProvider struct {
	version string
	// data is what Configure built, kept so the protocol fast path
	// (fastread.go) can serve reads with the same client.
	data atomic.Pointer[providerData]
}

var (
	_ provider.Provider              = (*TalkdeskProvider)(nil)
	_ provider.ProviderWithFunctions = (*TalkdeskProvider)(nil)
)

// New returns a constructor of the provider at version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &TalkdeskProvider{version: version} }
}

// providerModel is the provider block.
type providerModel struct {
	AccountName       types.String  `tfsdk:"account_name"`
	ClientID          types.String  `tfsdk:"client_id"`
	ClientSecret      types.String  `tfsdk:"client_secret"`
	AccessToken       types.String  `tfsdk:"access_token"`
	PrivateKey        types.String  `tfsdk:"private_key"`
	KeyID             types.String  `tfsdk:"key_id"`
	Region            types.String  `tfsdk:"region"`
	APIBaseURL        types.String  `tfsdk:"api_base_url"`
	TokenURL          types.String  `tfsdk:"token_url"`
	Scopes            types.List    `tfsdk:"scopes"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
	MaxRetries        types.Int64   `tfsdk:"max_retries"`
	CacheDir          types.String  `tfsdk:"cache_dir"`
	CacheMaxAge       types.String  `tfsdk:"cache_max_age"`
}

// providerData is handed to every data source.
type providerData struct {
	client *billing.Client
	// secrets are masked out of every log line of a read.
	secrets []string
}

// Metadata names the provider.
func (p *TalkdeskProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "talkdesk"
	resp.Version = p.version
}

// Resources is empty: the provider is read-only.
func (p *TalkdeskProvider) Resources(context.Context) []func() resource.Resource { return nil }

// DataSources lists every data source.
func (p *TalkdeskProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAccountsDataSource, NewAccountDataSource, NewProductsDataSource,
		NewSubscriptionsDataSource, NewInvoicesDataSource, NewInvoiceDataSource,
		NewUsageDataSource, NewContractsDataSource, NewUsageSummaryDataSource,
	}
}

// Functions lists the provider-defined functions (functions.go).
func (p *TalkdeskProvider) Functions(context.Context) []func() function.Function {
	return calendarFunctions()
}

// Address is the provider's registry source address.
const Address = "registry.terraform.io/talkdesk/talkdesk"
