package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// settings merges one attribute's configured value with its environment
// fallback and validates the result the same way whichever it came from.
type settings struct{ diags diag.Diagnostics }

func (s *settings) unknown(attr, env string) {
	hint := "Set it to a value known at plan time"
	if env != "" {
		hint += ", or leave it out and set the " + env + " environment variable"
	}
	s.diags.AddAttributeError(path.Root(attr), "Unknown value for "+attr,
		"The provider must be configured before planning, but "+attr+" depends on a value known only after apply. "+hint+".")
}

func (s *settings) invalid(attr, env, source string, err error) {
	from := "provider attribute " + attr
	if source == env {
		from = "environment variable " + env
	}
	s.diags.AddAttributeError(path.Root(attr), "Invalid "+attr, fmt.Sprintf("The value of %s is invalid: %v.", from, err))
}

// str returns the configured value, else the environment's.
func (s *settings) str(attr string, v types.String, env string, check func(string) error) string {
	if v.IsUnknown() {
		s.unknown(attr, env)
		return ""
	}
	val, source := v.ValueString(), attr
	if v.IsNull() && env != "" {
		val, source = os.Getenv(env), env
	}
	if val != "" && check != nil {
		if err := check(val); err != nil {
			s.invalid(attr, env, source, err)
		}
	}
	return val
}

func (s *settings) float(attr string, v types.Float64, env string, def float64, check func(float64) error) float64 {
	if v.IsUnknown() {
		s.unknown(attr, env)
		return def
	}
	if !v.IsNull() {
		return v.ValueFloat64() // the schema validator checked it
	}
	raw := os.Getenv(env)
	if raw == "" {
		return def
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		s.invalid(attr, env, env, fmt.Errorf("%q is not a number", raw))
		return def
	}
	if err := check(f); err != nil {
		s.invalid(attr, env, env, err)
	}
	return f
}

func (s *settings) int(attr string, v types.Int64, env string, def int64, check func(int64) error) int64 {
	if v.IsUnknown() {
		s.unknown(attr, env)
		return def
	}
	if !v.IsNull() {
		return v.ValueInt64()
	}
	raw := os.Getenv(env)
	if raw == "" {
		return def
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		s.invalid(attr, env, env, fmt.Errorf("%q is not a whole number", raw))
		return def
	}
	if err := check(n); err != nil {
		s.invalid(attr, env, env, err)
	}
	return n
}

func (s *settings) missing(attr, env, why string) {
	s.diags.AddAttributeError(path.Root(attr), "Missing "+attr,
		fmt.Sprintf("%s Set %s in the provider block or the %s environment variable.", why, attr, env))
}

// Configure merges the provider block with the TALKDESK_* environment,
// validates the result and builds the one API client of this process.
func (p *TalkdeskProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := &settings{}
	cfg := billing.Config{
		AccountName:  s.str("account_name", m.AccountName, envAccountName, checkAccountName),
		ClientID:     s.str("client_id", m.ClientID, envClientID, nil),
		ClientSecret: s.str("client_secret", m.ClientSecret, envClientSecret, nil),
		AccessToken:  s.str("access_token", m.AccessToken, envAccessToken, nil),
		KeyID:        s.str("key_id", m.KeyID, envKeyID, nil),
		Region:       s.str("region", m.Region, envRegion, checkRegion),
		APIBaseURL:   s.str("api_base_url", m.APIBaseURL, envAPIBaseURL, billing.CheckURL),
		TokenURL:     s.str("token_url", m.TokenURL, envTokenURL, billing.CheckURL),
	}
	privateKey := s.str("private_key", m.PrivateKey, envPrivateKey, checkPrivateKey)
	cfg.RequestsPerSecond = s.float("requests_per_second", m.RequestsPerSecond, envRequestsPerSecond, billing.DefaultRequestsPerSecond, checkRate)
	cfg.MaxRetries = int(s.int("max_retries", m.MaxRetries, envMaxRetries, billing.DefaultMaxRetries, checkMaxRetries))
	if m.Scopes.IsUnknown() {
		s.unknown("scopes", "")
	} else if !m.Scopes.IsNull() {
		s.diags.Append(m.Scopes.ElementsAs(ctx, &cfg.Scopes, false)...)
	}
	if privateKey != "" && !s.diags.HasError() {
		key, err := billing.ParsePrivateKey(privateKey)
		if err != nil {
			s.invalid("private_key", envPrivateKey, "", err)
		}
		cfg.PrivateKey = key
	}
	s.checkCredentials(cfg, privateKey != "")
	s.cache(m, &cfg)
	resp.Diagnostics.Append(s.diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	cfg.UserAgent = fmt.Sprintf("terraform-provider-talkdesk/%s Terraform/%s", p.version, req.TerraformVersion)
	cfg.Logger = tflogLogger{}
	client, err := billing.New(cfg)
	if refused := (*billing.CacheDirError)(nil); errors.As(err, &refused) {
		s.cacheDirRefused(refused)
		resp.Diagnostics.Append(s.diags...)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Invalid Talkdesk provider configuration", err.Error())
		return
	}
	resp.Diagnostics.Append(clientWarnings(client)...)
	data := &providerData{client: client}
	for _, secret := range []string{cfg.ClientSecret, cfg.AccessToken, privateKey} {
		if secret != "" {
			data.secrets = append(data.secrets, secret)
		}
	}
	p.data.Store(data)
	resp.DataSourceData = data
	tflog.Debug(maskSecrets(ctx, data.secrets), "configured the Talkdesk client", map[string]any{
		"api_base_url": client.BaseURL(), "requests_per_second": cfg.RequestsPerSecond, "max_retries": cfg.MaxRetries,
	})
}

// checkCredentials reports each missing or conflicting credential on its
// own attribute, saying how to set it.
func (s *settings) checkCredentials(cfg billing.Config, hasKey bool) {
	if cfg.AccessToken != "" {
		if cfg.ClientID != "" || cfg.ClientSecret != "" || hasKey {
			s.diags.AddAttributeError(path.Root("access_token"), "Conflicting credentials",
				"access_token (or "+envAccessToken+") cannot be combined with client_id, client_secret or private_key (or their TALKDESK_* variables). Use one authentication mode.")
		}
		return
	}
	if cfg.ClientID == "" {
		s.missing("client_id", envClientID, "Talkdesk credentials are required: a client id with a client secret or private key, or an access token ("+envAccessToken+").")
		if cfg.ClientSecret == "" && !hasKey {
			s.missing("client_secret", envClientSecret, "A client secret (or private_key with key_id) authenticates the client id.")
		}
	} else if cfg.ClientSecret == "" && !hasKey {
		s.missing("client_secret", envClientSecret, "The client id needs a client secret (or private_key with key_id).")
	}
	if cfg.ClientSecret != "" && hasKey {
		s.diags.AddAttributeError(path.Root("private_key"), "Conflicting credentials",
			"client_secret and private_key are two client authentication methods; set only one (check "+envClientSecret+" and "+envPrivateKey+").")
	}
	if hasKey && cfg.KeyID == "" {
		s.missing("key_id", envKeyID, "private_key needs the id of its key.")
	}
	if cfg.TokenURL == "" && cfg.AccountName == "" {
		s.missing("account_name", envAccountName, "The account name builds the token URL (or set token_url / "+envTokenURL+").")
	}
}

// tflogLogger bridges client events into the provider's log.
type tflogLogger struct{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}
func (tflogLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(ctx, msg, fields)
}

// maskSecrets hides every configured secret from the log lines of ctx.
func maskSecrets(ctx context.Context, secrets []string) context.Context {
	if len(secrets) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, secrets...)
	ctx = tflog.MaskMessageStrings(ctx, secrets...)
	return tflog.MaskFieldValuesWithFieldKeys(ctx, "client_secret", "access_token", "private_key", "token", "Authorization")
}
