package provider

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// The TestAcc tests read the real Billing Insights API with the
// credentials of the TALKDESK_* environment (the provider block is empty),
// so they assert structure only: the data of a real organization is not
// known in advance. They also run against `go run ./cmd/talkdesk-sandbox
// -env-file f` after `. f` (which sets TALKDESK_TOKEN_URL instead of
// TALKDESK_ACCOUNT_NAME). Run them alone:
//
//	TF_ACC=1 go test -run '^TestAcc[A-Z]' ./internal/provider/
//
// TestMain sets the TALKDESK_* variables aside so that sandbox tests never
// see them; accPreCheck restores them for the test at hand.

const accSkip = "set TF_ACC=1 and TALKDESK_CLIENT_ID/TALKDESK_CLIENT_SECRET/TALKDESK_ACCOUNT_NAME to run against the real API"

// accPreCheck skips unless TF_ACC is set and credentials are present.
func accPreCheck(t *testing.T) {
	t.Helper()
	env := func(k string) string { return realAPIEnv[k] }
	secret := env("TALKDESK_CLIENT_SECRET") != "" || env("TALKDESK_PRIVATE_KEY") != ""
	token := env("TALKDESK_ACCOUNT_NAME") != "" || env("TALKDESK_TOKEN_URL") != ""
	if os.Getenv("TF_ACC") == "" || env("TALKDESK_CLIENT_ID") == "" || !secret || !token {
		t.Skip(accSkip)
	}
	for k, v := range realAPIEnv {
		t.Setenv(k, v)
	}
}

// accTest runs steps against the configured API after the pre-check.
func accTest(t *testing.T, steps ...resource.TestStep) {
	accPreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps:                    steps,
	})
}

// accConfig is an empty provider block (credentials come from the
// environment) followed by blocks.
func accConfig(blocks ...string) string {
	return "provider \"talkdesk\" {}\n" + strings.Join(blocks, "\n")
}

// rowsCheck checks every element of a list of objects with f.
type rowsCheck struct {
	desc string
	f    func(row map[string]any) error
}

func (c rowsCheck) CheckValue(v any) error {
	rows, ok := v.([]any)
	if !ok {
		return fmt.Errorf("expected a list, got %T", v)
	}
	for i, r := range rows {
		row, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("element %d: expected an object, got %T", i, r)
		}
		if err := c.f(row); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}

func (c rowsCheck) String() string { return c.desc }

// rowsWithStrings expects a (known, not null) list whose every element
// has a non-empty string in each of keys.
func rowsWithStrings(keys ...string) knownvalue.Check {
	return rowsCheck{desc: "every row has " + strings.Join(keys, ", "), f: func(row map[string]any) error {
		for _, k := range keys {
			if s, ok := row[k].(string); !ok || s == "" {
				return fmt.Errorf("%s is %v, want a non-empty string", k, row[k])
			}
		}
		return nil
	}}
}

// invoiceRows expects invoices with a number, an account and lines that
// all have ids.
func invoiceRows() knownvalue.Check {
	lines := rowsWithStrings("id").(rowsCheck)
	return rowsCheck{desc: "every invoice has number, account_id and lines with ids", f: func(row map[string]any) error {
		if err := rowsWithStrings("number", "account_id").(rowsCheck).f(row); err != nil {
			return err
		}
		if err := lines.CheckValue(row["lines"]); err != nil {
			return fmt.Errorf("lines: %w", err)
		}
		return nil
	}}
}

// firstAccountIDs is an HCL expression: the first account's id as a list,
// or an empty list for an organization without accounts.
const firstAccountIDs = `[for a in slice(data.talkdesk_accounts.all.accounts, 0, min(1, length(data.talkdesk_accounts.all.accounts))) : a.id]`

func TestAccAccounts(t *testing.T) {
	accTest(t, resource.TestStep{
		Config: accConfig(
			`data "talkdesk_accounts" "all" {}`,
			`data "talkdesk_account" "first" {
			   count = length(data.talkdesk_accounts.all.accounts) > 0 ? 1 : 0
			   id    = data.talkdesk_accounts.all.accounts[0].id
			 }`,
			`output "first_matches" {
			   value = length(data.talkdesk_account.first) == 0 ? true : data.talkdesk_account.first[0].name == data.talkdesk_accounts.all.accounts[0].name
			 }`,
		),
		ConfigStateChecks: []statecheck.StateCheck{
			expect("data.talkdesk_accounts.all", "accounts", rowsWithStrings("id", "name")),
			statecheck.ExpectKnownOutputValue("first_matches", knownvalue.Bool(true)),
		},
	})
}

func TestAccProducts(t *testing.T) {
	accTest(t, resource.TestStep{
		Config: accConfig(`data "talkdesk_products" "all" {}`),
		ConfigStateChecks: []statecheck.StateCheck{
			expect("data.talkdesk_products.all", "products", rowsWithStrings("id")),
		},
	})
}

func TestAccSubscriptions(t *testing.T) {
	accTest(t, resource.TestStep{
		Config: accConfig(
			`data "talkdesk_accounts" "all" {}`,
			`data "talkdesk_subscriptions" "all" {}`,
			`data "talkdesk_subscriptions" "first" { account_ids = `+firstAccountIDs+` }`,
		),
		ConfigStateChecks: []statecheck.StateCheck{
			expect("data.talkdesk_subscriptions.all", "subscriptions", rowsWithStrings("id", "account_id")),
			expect("data.talkdesk_subscriptions.first", "subscriptions", rowsWithStrings("id", "account_id")),
		},
	})
}

func TestAccInvoices(t *testing.T) {
	accTest(t, resource.TestStep{
		Config: accConfig(
			`data "talkdesk_accounts" "all" {}`,
			`data "talkdesk_invoices" "all" {}`,
			`data "talkdesk_invoices" "first" { account_ids = `+firstAccountIDs+` }`,
			`data "talkdesk_invoice" "first" {
			   count  = length(data.talkdesk_invoices.all.invoices) > 0 ? 1 : 0
			   number = data.talkdesk_invoices.all.invoices[0].number
			 }`,
		),
		ConfigStateChecks: []statecheck.StateCheck{
			expect("data.talkdesk_invoices.all", "invoices", invoiceRows()),
			expect("data.talkdesk_invoices.first", "invoices", invoiceRows()),
		},
	})
}

func TestAccUsage(t *testing.T) {
	accTest(t, resource.TestStep{
		Config: accConfig(
			`data "talkdesk_accounts" "all" {}`,
			`data "talkdesk_usage" "first" {
			   account_ids = `+firstAccountIDs+`
			 }`,
		),
		ConfigStateChecks: []statecheck.StateCheck{
			expect("data.talkdesk_usage.first", "usage", rowsWithStrings("id", "account_id", "product_id", "month")),
			expect("data.talkdesk_usage.first", "totals", knownvalue.NotNull()),
		},
	})
}
