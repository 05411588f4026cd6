package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

var accountColumns = []column[billing.Account]{
	idCol("Account (Talkdesk instance) id, e.g. `5ea75fe7aa224700012eae40`.", func(a *billing.Account) string { return a.ID }),
	strCol("name", "Account name: the instance's sub-domain, e.g. `josephpinetrees`.", func(a *billing.Account) billing.Null[string] { return a.Name }),
	strCol("company_name", "Company name of the instance, e.g. `Joseph Pinetrees Inc.`.", func(a *billing.Account) billing.Null[string] { return a.CompanyName }),
	strCol("status", "Account status: `ACTIVE`, `CHURNED`, `IN_TRIAL`, `INACTIVE`, `PROSPECT`, `TRIAL_LOST` or `OTHER`; new values pass through unchanged.", func(a *billing.Account) billing.Null[string] { return a.Status }),
}

// accountIDsAttribute is the validated list of account ids every filtered
// data source takes.
func accountIDsAttribute(desc string) schema.ListAttribute {
	return schema.ListAttribute{
		Optional: true, ElementType: types.StringType, Description: desc,
		Validators: []validator.List{listvalidator.ValueStringsAre(funcString("a Talkdesk account id", checkAccountID))},
	}
}

// NewAccountsDataSource is talkdesk_accounts.
func NewAccountsDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "accounts",
		endpoint: billing.EndpointAccounts,
		schema: schema.Schema{
			Description: "Lists the Talkdesk instances (accounts) under the organization that owns the credentials, sorted by `id`. `ids` and `status` are applied by the provider (the accounts endpoint takes no filter); no match gives an empty list.",
			Attributes: map[string]schema.Attribute{
				"ids":      accountIDsAttribute("Only these account ids (applied by the provider). Ids not under the organization are simply absent from the result."),
				"status":   matchAttribute("Only accounts with this status, e.g. `ACTIVE` (exact, case-insensitive; applied by the provider)."),
				"accounts": listNested("The accounts, sorted by `id`.", accountColumns),
			},
		},
		read: readAccounts,
	})
}

func readAccounts(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	ids := stringSet(stringsInput(ctx, cfg, "ids", &diags))
	status, byStatus := stringInput(ctx, cfg, "status", &diags)
	if diags.HasError() {
		return diags
	}
	accounts, err := client.Accounts(ctx)
	if err != nil {
		return readError("Talkdesk accounts", err)
	}
	kept := selectRecords(accounts, func(a *billing.Account) bool {
		return (ids == nil || ids[a.ID]) && (!byStatus || strings.EqualFold(a.Status.Value, status))
	})
	slices.SortFunc(kept, func(x, y billing.Account) int { return strings.Compare(x.ID, y.ID) })
	setList(b, "accounts", accountColumns, kept)
	return diags
}

// NewAccountDataSource is talkdesk_account.
func NewAccountDataSource() datasource.DataSource {
	attrs := attributes(accountColumns)
	attrs["id"] = schema.StringAttribute{
		Optional: true, Computed: true,
		Description: "Id of the account to look up. Exactly one of `id` and `name` must be set.",
		Validators: []validator.String{
			funcString("a Talkdesk account id", checkAccountID),
			stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
		},
	}
	attrs["name"] = schema.StringAttribute{
		Optional: true, Computed: true,
		Description: "Name (sub-domain) of the account to look up, e.g. `josephpinetrees`. Exactly one of `id` and `name` must be set.",
		Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	return newDataSource(dataSource{
		typeName: "account",
		endpoint: billing.EndpointAccounts,
		schema: schema.Schema{
			Description: "Looks up one Talkdesk instance (account) under the organization by `id` or `name`. Fails when no account matches. The accounts are listed once per Terraform run and looked up in an index, so any number of these blocks (`for_each` over instance names or ids) costs one listing; every block of a run sees the same snapshot, and the next plan reads afresh.",
			Attributes:  attrs,
		},
		read: readAccount,
	})
}

func readAccount(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	id, byID := stringInput(ctx, cfg, "id", &diags)
	name, _ := stringInput(ctx, cfg, "name", &diags)
	if diags.HasError() {
		return diags
	}
	accounts, err := client.AccountIndex(ctx)
	if err != nil {
		return readError("Talkdesk accounts", err)
	}
	a, found := accounts.ByName(name)
	if byID {
		a, found = accounts.ByID(id)
	}
	if found {
		setRecord(b, accountColumns, a)
		return diags
	}
	attr, what := "name", fmt.Sprintf("name %q", name)
	if byID {
		attr, what = "id", fmt.Sprintf("id %q", id)
	}
	diags.AddAttributeError(path.Root(attr), "Talkdesk account not found",
		fmt.Sprintf("No account with %s is under the organization (%d accounts listed). data.talkdesk_accounts lists them all.", what, accounts.Len()))
	return diags
}
