package provider

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

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

func TestAccountsDataSource(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{})
	accounts := srv.Data().Accounts
	slices.SortFunc(accounts, func(x, y sandbox.Account) int { return strings.Compare(x.ID, y.ID) })
	var all []knownvalue.Check
	for _, a := range accounts {
		all = append(all, accountValue(a))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:      providerBlock(srv) + `data "talkdesk_account" "bad" { id = "not-an-id" }`,
			ExpectError: regexp.MustCompile(`not a Talkdesk account id`),
		}, {
			Config: providerBlock(srv) + `data "talkdesk_accounts" "all" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.talkdesk_accounts.all", tfjsonpath.New("accounts"), knownvalue.ListExact(all)),
			},
		}, {
			Config: providerBlock(srv) + `data "talkdesk_account" "one" { id = "` + accounts[1].ID + `" }`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.talkdesk_account.one", tfjsonpath.New("company_name"), knownvalue.StringExact(accounts[1].CompanyName)),
			},
		}},
	})
}
