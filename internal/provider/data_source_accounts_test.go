package provider

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

func accountValue(a sandbox.Account) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":           knownvalue.StringExact(a.ID),
		"name":         knownvalue.StringExact(a.Name),
		"company_name": knownvalue.StringExact(a.CompanyName),
		"status":       knownvalue.StringExact(a.Status),
	})
}

// sortedAccounts is the documented order of talkdesk_accounts: by id.
func sortedAccounts(srv *sandbox.Server) []sandbox.Account {
	accounts := srv.Data().Accounts
	slices.SortFunc(accounts, func(x, y sandbox.Account) int { return strings.Compare(x.ID, y.ID) })
	return accounts
}

// accountChecks expects the singular talkdesk_account attributes of a.
func accountChecks(addr string, a sandbox.Account) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		expect(addr, "id", knownvalue.StringExact(a.ID)),
		expect(addr, "name", knownvalue.StringExact(a.Name)),
		expect(addr, "company_name", knownvalue.StringExact(a.CompanyName)),
		expect(addr, "status", knownvalue.StringExact(a.Status)),
	}
}

// TestAccountsDataSource reads every account, each filter of
// talkdesk_accounts alone and combined, filters matching nothing, and
// talkdesk_account by id and by name.
func TestAccountsDataSource(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	accounts := sortedAccounts(srv)
	foreign := srv.Data().ForeignAccounts[0]

	// ids: two of the organization's accounts (given out of order) and a
	// foreign one, which is simply absent.
	byIDs := []sandbox.Account{accounts[1], accounts[4]}
	// status: the most common status, given in lower case (the filter is
	// case-insensitive).
	status := accounts[0].Status
	for _, a := range accounts {
		if len(filter(accounts, func(b sandbox.Account) bool { return b.Status == a.Status })) >
			len(filter(accounts, func(b sandbox.Account) bool { return b.Status == status })) {
			status = a.Status
		}
	}
	byStatus := filter(accounts, func(a sandbox.Account) bool { return a.Status == status })
	if len(byStatus) < 2 || len(byStatus) == len(accounts) {
		t.Fatalf("status %s selects %d of %d accounts: pick a better seed", status, len(byStatus), len(accounts))
	}
	// ids and status: one id with the status, one without.
	other := filter(accounts, func(a sandbox.Account) bool { return a.Status != status })[0]
	both := []sandbox.Account{byStatus[1]}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv,
				`data "talkdesk_accounts" "all" {}`,
				`data "talkdesk_accounts" "ids" { ids = `+hclList(accounts[4].ID, foreign.ID, accounts[1].ID)+` }`,
				`data "talkdesk_accounts" "status" { status = "`+strings.ToLower(status)+`" }`,
				`data "talkdesk_accounts" "both" {
				   ids    = `+hclList(other.ID, byStatus[1].ID)+`
				   status = "`+status+`"
				 }`,
				`data "talkdesk_accounts" "no_status" { status = "NO_SUCH_STATUS" }`,
				`data "talkdesk_accounts" "no_ids" { ids = `+hclList(foreign.ID)+` }`,
				`data "talkdesk_accounts" "empty_ids" { ids = [] }`,
				`data "talkdesk_account" "by_id" { id = "`+accounts[2].ID+`" }`,
				`data "talkdesk_account" "by_name" { name = "`+accounts[5].Name+`" }`,
			),
			ConfigStateChecks: append(append([]statecheck.StateCheck{
				expect("data.talkdesk_accounts.all", "accounts", listOf(accounts, accountValue)),
				expect("data.talkdesk_accounts.ids", "accounts", listOf(byIDs, accountValue)),
				expect("data.talkdesk_accounts.status", "accounts", listOf(byStatus, accountValue)),
				expect("data.talkdesk_accounts.both", "accounts", listOf(both, accountValue)),
				expect("data.talkdesk_accounts.no_status", "accounts", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_accounts.no_ids", "accounts", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_accounts.empty_ids", "accounts", knownvalue.ListSizeExact(0)),
			},
				accountChecks("data.talkdesk_account.by_id", accounts[2])...),
				accountChecks("data.talkdesk_account.by_name", accounts[5])...),
		}},
	})
}

// TestAccountsDataSourceErrors covers bad input (rejected before any read)
// and the singular lookup's no-match errors.
func TestAccountsDataSourceErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	accounts := sortedAccounts(srv)
	foreign := srv.Data().ForeignAccounts[0]
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:      config(srv, `data "talkdesk_account" "bad" { id = "not-an-id" }`),
			PlanOnly:    true,
			ExpectError: errorText(`"not-an-id" is not a Talkdesk account id`),
		}, {
			Config:      config(srv, `data "talkdesk_accounts" "bad" { ids = ["`+accounts[0].ID+`", "5ea75fe7aa22470001"] }`),
			PlanOnly:    true,
			ExpectError: errorText(`"5ea75fe7aa22470001" is not a Talkdesk account id`),
		}, {
			// A well-formed id that is not under the organization.
			Config:      config(srv, `data "talkdesk_account" "unknown" { id = "`+foreign.ID+`" }`),
			ExpectError: regexp.MustCompile(`Talkdesk account not found(?s:.*)No account with id\s+"` + foreign.ID + `"`),
		}, {
			Config:      config(srv, `data "talkdesk_account" "unknown" { name = "nosuchaccount" }`),
			ExpectError: regexp.MustCompile(`Talkdesk account not found(?s:.*)No account with name\s+"nosuchaccount"`),
		}, {
			Config: config(srv, `data "talkdesk_account" "both" {
			  id   = "`+accounts[0].ID+`"
			  name = "`+accounts[0].Name+`"
			}`),
			PlanOnly:    true,
			ExpectError: errorText(`2 attributes specified when one (and only one) of [id,name] is required`),
		}, {
			Config:      config(srv, `data "talkdesk_account" "neither" {}`),
			PlanOnly:    true,
			ExpectError: errorText(`No attribute specified when one (and only one) of [id,name] is required`),
		}, {
			// A trailing valid step: the post-test destroy uses the last
			// configuration.
			Config:            config(srv, `data "talkdesk_account" "ok" { name = "`+accounts[0].Name+`" }`),
			ConfigStateChecks: accountChecks("data.talkdesk_account.ok", accounts[0]),
		}},
	})
}
