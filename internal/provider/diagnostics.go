package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// readError is the one place an API or network failure becomes a
// diagnostic: what was being read, what the API said, what to do.
func readError(what string, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var (
		api       *billing.APIError
		auth      *billing.AuthError
		exhausted *billing.RetriesExhaustedError
		changed   *billing.CollectionChangedError
	)
	summary := "Unable to read " + what
	switch {
	case errors.As(err, &auth):
		diags.AddError("Talkdesk authentication failed while reading "+what, err.Error()+
			"\n\nCheck client_id and client_secret (or private_key and key_id, or access_token) and the account_name, region or token_url they belong to. The TALKDESK_* environment variables of the same names apply when the provider block leaves them out.")
	case errors.As(err, &api) && api.StatusCode == http.StatusForbidden && len(api.ForeignAccountIDs) > 0:
		diags.AddAttributeError(path.Root("account_ids"), "Accounts not under the organization",
			fmt.Sprintf("Reading %s: the Talkdesk API refused these account ids because they are not under the organization that owns the credentials: %s.\n\nRemove them from account_ids; data.talkdesk_accounts lists the organization's instances.\n\nAPI answer: %v",
				what, strings.Join(api.ForeignAccountIDs, ", "), err))
	case errors.As(err, &exhausted) && exhausted.RateLimited():
		diags.AddError("Talkdesk API rate limit: "+summary, err.Error()+
			"\n\nThe API kept answering 429 Too Many Requests: other clients of the organization may be using its 25 requests per second. Retry later, lower requests_per_second, or raise max_retries.")
	case errors.As(err, &exhausted):
		diags.AddError(summary, err.Error()+"\n\nThe API or the network kept failing. Retry later; raise max_retries if the failures are transient.")
	case errors.As(err, &changed):
		diags.AddError(summary, err.Error()+"\n\nThe data changed on the Talkdesk side during the read. Run the plan again.")
	case errors.Is(err, context.Canceled):
		diags.AddError(summary, "The read was cancelled: "+err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddError(summary, "The read timed out: "+err.Error()+"\n\nRaise timeouts.read in the data source's timeouts block if the data is large or the API slow.")
	case errors.As(err, &api) && api.StatusCode == http.StatusForbidden:
		diags.AddError(summary, err.Error()+"\n\nThe credentials are not allowed to read this: check the OAuth client's scopes and the organization's Billing Insights entitlement.")
	case errors.As(err, &api):
		diags.AddError(summary, err.Error())
	default:
		diags.AddError(summary, err.Error())
	}
	return diags
}
