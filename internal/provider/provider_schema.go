package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// Environment variables the provider falls back to.
const (
	envAccountName       = "TALKDESK_ACCOUNT_NAME"
	envClientID          = "TALKDESK_CLIENT_ID"
	envClientSecret      = "TALKDESK_CLIENT_SECRET"
	envAccessToken       = "TALKDESK_ACCESS_TOKEN"
	envPrivateKey        = "TALKDESK_PRIVATE_KEY"
	envKeyID             = "TALKDESK_KEY_ID"
	envRegion            = "TALKDESK_REGION"
	envAPIBaseURL        = "TALKDESK_API_BASE_URL"
	envTokenURL          = "TALKDESK_TOKEN_URL"
	envRequestsPerSecond = "TALKDESK_REQUESTS_PER_SECOND"
	envMaxRetries        = "TALKDESK_MAX_RETRIES"
)

// Schema describes the provider block.
func (p *TalkdeskProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads Talkdesk Billing Insights (accounts, products, subscriptions, invoices and monthly usage) as data sources.",
		Attributes: map[string]schema.Attribute{
			"account_name": schema.StringAttribute{
				Optional:    true,
				Description: "Talkdesk account name (sub-domain) that owns the OAuth client; builds the regional token URL `https://{account_name}.talkdeskid.com/oauth/token`. Env: `" + envAccountName + "`.",
				Validators:  []validator.String{funcString("a Talkdesk account name", checkAccountName)},
			},
			"client_id": schema.StringAttribute{
				Optional:    true,
				Description: "OAuth client id (client credentials grant). Env: `" + envClientID + "`.",
			},
			"client_secret": schema.StringAttribute{
				Optional: true, Sensitive: true,
				Description: "OAuth client secret, sent in the HTTP Basic header of token requests. Conflicts with `private_key` and `access_token`. Env: `" + envClientSecret + "`.",
				Validators:  []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("private_key"))},
			},
			"access_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				Description: "A ready bearer token to use instead of client credentials; it cannot be renewed, so reads fail once it expires. Conflicts with `client_id`, `client_secret` and `private_key`. Env: `" + envAccessToken + "`.",
				Validators: []validator.String{stringvalidator.ConflictsWith(
					path.MatchRoot("client_id"), path.MatchRoot("client_secret"), path.MatchRoot("private_key"))},
			},
			"private_key": schema.StringAttribute{
				Optional: true, Sensitive: true,
				Description: "EC P-256 private key (PKCS#8 PEM, or the base64 of its DER) for `private_key_jwt` client authentication, required for Talkdesk AppConnect apps: each token request carries a fresh ES256 assertion. Requires `key_id`. Env: `" + envPrivateKey + "`.",
				Validators:  []validator.String{funcString("an EC P-256 PKCS#8 private key", checkPrivateKey)},
			},
			"key_id": schema.StringAttribute{
				Optional:    true,
				Description: "Key id (`kid` header) of `private_key`. Env: `" + envKeyID + "`.",
			},
			"region": schema.StringAttribute{
				Optional:    true,
				Description: "Talkdesk region: `" + strings.Join(billing.RegionNames, "`, `") + "` (default `us`); selects the API and token hosts. Env: `" + envRegion + "`.",
				Validators:  []validator.String{funcString("a region", checkRegion)},
			},
			"api_base_url": schema.StringAttribute{
				Optional:    true,
				Description: "Overrides the region's API base URL, e.g. a proxy or the local sandbox. Must be `https://`, or `http://` on a loopback host. Env: `" + envAPIBaseURL + "`.",
				Validators:  []validator.String{funcString("an https URL", billing.CheckURL)},
			},
			"token_url": schema.StringAttribute{
				Optional:    true,
				Description: "Overrides the OAuth token URL built from `region` and `account_name`. Must be `https://`, or `http://` on a loopback host. Env: `" + envTokenURL + "`.",
				Validators:  []validator.String{funcString("an https URL", billing.CheckURL)},
			},
			"scopes": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				Description: "OAuth scopes to request. Default: the five read scopes `" + strings.Join(billing.DefaultScopes, "`, `") + "`. A data source whose endpoint needs a scope left out of this list fails at plan, before any request.",
				Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"requests_per_second": schema.Float64Attribute{
				Optional:    true,
				Description: fmt.Sprintf("Most API requests per second this provider sends, shared by every data source of the run and by every provider process on this machine that reads the same organization (default %[1]d, the API's limit per organization). The pace drops automatically when the API answers 429 and recovers afterwards. Runs on several machines that read one organization at once can each be given their machine's share, a little under `(%[1]d - what other integrations use) / machines`, to be neither refused nor slowed unequally. Env: `%[2]s`.", billing.DefaultRequestsPerSecond, envRequestsPerSecond),
				Validators:  []validator.Float64{funcFloat64(checkRate)},
			},
			"max_retries": schema.Int64Attribute{
				Optional:    true,
				Description: fmt.Sprintf("Retries of one request after a network error, 429, 500, 502, 503, 504 or an unreadable body, with exponential backoff and jitter, honouring `Retry-After` (default %d, 0 to 20). Env: `%s`.", billing.DefaultMaxRetries, envMaxRetries),
				Validators:  []validator.Int64{funcInt64(checkMaxRetries)},
			},
			"cache_dir":     cacheDirAttribute(),
			"cache_max_age": cacheMaxAgeAttribute(),
		},
	}
}
