package provider

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// Where a URL comes from, as advice: the attributes (and variables) to
// check for each side of the client.
const (
	tokenURLSource = "account_name (" + envAccountName + ") and region (" + envRegion + "), which build the token URL, or token_url (" + envTokenURL + ") when set"
	apiURLSource   = "region (" + envRegion + "), which selects the API host, or api_base_url (" + envAPIBaseURL + ") when set"
	proxyAdvice    = "The proxy comes from the HTTPS_PROXY, HTTP_PROXY and NO_PROXY environment variables."
	caAdvice       = "If a TLS-inspecting (corporate) proxy re-signs HTTPS traffic, add its CA certificate to the system trust store, or point SSL_CERT_FILE (a PEM file) or SSL_CERT_DIR (a directory of certificates) at it. Otherwise check that the URL names the real Talkdesk host."
)

// readError is the one place an API or network failure becomes a
// diagnostic: what was being read, what went wrong (by the client's
// classification), and which attribute or variable to change.
func readError(what string, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var (
		api       *billing.APIError
		auth      *billing.AuthError
		transport *billing.TransportError
		exhausted *billing.RetriesExhaustedError
		changed   *billing.CollectionChangedError
	)
	summary := "Unable to read " + what
	tokenSide := errors.As(err, &auth)
	errors.As(err, &transport)
	errors.As(err, &api)
	// source names the attributes that set the URL that failed.
	source := apiURLSource
	if tokenSide {
		source = tokenURLSource
	}
	detail := "Reading " + what + ": " + err.Error() + "\n\n"
	proxy := ""
	if transport != nil && transport.Proxy != "" {
		proxy = " The request went through the proxy " + transport.Proxy + ". " + proxyAdvice
	}
	switch kind := billing.KindOf(err); {
	case errors.Is(err, context.Canceled):
		diags.AddError(summary, "The read was cancelled: "+err.Error())
	case errors.Is(err, context.DeadlineExceeded) && kind != billing.KindConnect && kind != billing.KindNetwork:
		diags.AddError(summary, "The read timed out: "+err.Error()+"\n\nRaise timeouts.read in the data source's timeouts block if the data is large or the API slow.")
	case kind == billing.KindHostNotFound:
		diags.AddError("Talkdesk host not found: "+transport.Host,
			detail+"The name "+transport.Host+" does not exist, so no request was sent; retrying cannot help. Check "+source+"."+proxy)
	case kind == billing.KindConnect:
		diags.AddError("Cannot connect to "+transport.Host+" while reading "+what,
			detail+"Nothing accepted a connection to "+transport.Host+": the host is down, the port is wrong, or a firewall or proxy blocks it. Check "+source+"."+proxy+" Retry later if the service is down; max_retries bounds the attempts.")
	case kind == billing.KindTLS:
		diags.AddError("TLS verification failed for "+transport.Host,
			detail+"The connection was not trusted, so no request was sent; retrying cannot help. "+caAdvice+" The URL comes from "+source+"."+proxy)
	case kind == billing.KindAuthRefused:
		diags.AddError("Talkdesk authentication failed while reading "+what, detail+
			"The token endpoint refused the client. Check client_id and client_secret (or private_key and key_id), and that they belong to the account whose token URL this is: "+tokenURLSource+". The TALKDESK_* environment variables of the same names apply when the provider block leaves them out.")
	case kind == billing.KindNotAPI && tokenSide:
		diags.AddError("This URL does not serve Talkdesk OAuth tokens: "+auth.TokenURL,
			detail+"The answer was not a token endpoint's, so it was not retried. Check "+source+".")
	case kind == billing.KindNotAPI:
		diags.AddError("This URL does not serve the Billing Insights API: "+siteOf(api, transport),
			detail+"The answer to "+what+" was not the API's, so it was not retried. Check "+source+".")
	case kind == billing.KindNotEntitled:
		diags.AddError("Talkdesk credentials lack Billing Insights access",
			detail+"The token endpoint issued a token for client_id, but the API refused it (401) the first time it was used: the OAuth client, or the account it belongs to, is not entitled to the Billing Insights API. Ask a Talkdesk administrator to enable Billing Insights for it, or use the client_id and client_secret of a client that has it. Also check that region, api_base_url and token_url (or the TALKDESK_* variables of the same names) all point at the same Talkdesk region: a token from one region is refused by another.")
	case kind == billing.KindTokenRefused:
		diags.AddError("The Talkdesk API refused access_token while reading "+what,
			detail+"The configured access_token ("+envAccessToken+") expired (tokens live 10 minutes), was revoked, or does not open Billing Insights. Set a new one, or use client_id with client_secret so that the provider fetches and renews tokens itself.")
	case api != nil && kind == billing.KindMissingScope && len(api.ForeignAccountIDs) > 0:
		diags.AddAttributeError(path.Root("account_ids"), "Accounts not under the organization",
			fmt.Sprintf("Reading %s: the Talkdesk API refused these account ids because they are not under the organization that owns the credentials: %s.\n\nRemove them from account_ids; data.talkdesk_accounts lists the organization's instances.\n\nAPI answer: %v",
				what, strings.Join(api.ForeignAccountIDs, ", "), err))
	case api != nil && kind == billing.KindMissingScope && api.Scope != "":
		diags.AddError("Missing OAuth scope "+api.Scope+" for "+what,
			detail+"The API refused the request (403): the token lacks the scope "+api.Scope+". Add \""+api.Scope+"\" to scopes in the provider block (or leave scopes out to request every read scope), and make sure the OAuth client is granted it in Talkdesk.")
	case kind == billing.KindMissingScope:
		diags.AddError(summary, detail+"The credentials are not allowed to read this: check the OAuth client's scopes and the organization's Billing Insights entitlement.")
	case errors.As(err, &exhausted) && exhausted.RateLimited():
		diags.AddError("Talkdesk API rate limit: "+summary, err.Error()+
			"\n\nThe API kept answering 429 Too Many Requests: other clients of the organization may be using its 25 requests per second. Retry later, lower requests_per_second, or raise max_retries.")
	case exhausted != nil:
		diags.AddError(summary, err.Error()+"\n\nThe API or the network kept failing. Retry later; raise max_retries if the failures are transient."+proxy)
	case errors.As(err, &changed):
		diags.AddError(summary, err.Error()+"\n\nThe data changed on the Talkdesk side during the read. Run the plan again.")
	case kind == billing.KindRejected && tokenSide:
		diags.AddError(summary, detail+"The token endpoint rejected the request without an OAuth error; it was not retried. Check "+source+".")
	case kind == billing.KindRejected:
		diags.AddError(summary, detail+"The API rejected the request as invalid; it was not retried. Check the data source's arguments; if they look right, report the answer above as a provider issue.")
	case kind.Retryable():
		diags.AddError(summary, detail+"The failure looks transient and was not retried (max_retries = 0): retry later, or raise max_retries."+proxy)
	default:
		diags.AddError(summary, err.Error())
	}
	return diags
}

// siteOf is the scheme and host of the URL that answered.
func siteOf(api *billing.APIError, transport *billing.TransportError) string {
	raw := ""
	switch {
	case api != nil:
		raw = api.URL
	case transport != nil:
		raw = transport.URL
	}
	u, err := neturl.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// missingScopeError refuses a data source whose endpoint needs a scope
// the configured scopes lack, before any request.
func missingScopeError(typeName string, endpoint billing.Endpoint, scope string) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddError("Missing OAuth scope "+scope+" for talkdesk_"+typeName,
		fmt.Sprintf("data.talkdesk_%s reads %s, which requires the OAuth scope %q, but the provider's scopes do not include it, so the token would be refused. No request was sent.\n\nAdd %q to scopes in the provider block, or leave scopes out to request every read scope.",
			typeName, endpoint, scope, scope))
	return diags
}

// clientWarnings turns the warnings the client recorded since the last
// call (a cache file it could not use, a cache it could not write) into
// warning diagnostics: the read succeeded, and the user should know.
func clientWarnings(client *billing.Client) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, w := range client.TakeWarnings() {
		diags.AddWarning(w.Summary, w.Detail)
	}
	return diags
}
