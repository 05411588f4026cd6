package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

func productValue(p sandbox.Product) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":              knownvalue.StringExact(p.ID),
		"name":            knownvalue.StringExact(p.Name),
		"family":          nullableString(p.Family),
		"unit_of_measure": nullableString(p.UnitOfMeasure),
		"charge_type":     nullableString(p.ChargeType),
	})
}

// is reports whether a nullable enum holds v (case-insensitively, as the
// filters are documented); a null never matches.
func is(p *string, v string) bool { return p != nil && strings.EqualFold(*p, v) }

// TestProductsDataSource reads the whole price book (nulls included) and
// filters it by family, charge_type, both, and values matching nothing.
func TestProductsDataSource(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	products := srv.Data().Products
	slices.SortFunc(products, func(x, y sandbox.Product) int { return strings.Compare(x.ID, y.ID) })

	nulls := 0
	for _, p := range products {
		if p.Family == nil || p.UnitOfMeasure == nil || p.ChargeType == nil {
			nulls++
		}
	}
	if nulls == 0 {
		t.Fatal("the sandbox price book has no null classification: the test would not cover nulls")
	}
	byFamily := filter(products, func(p sandbox.Product) bool { return is(p.Family, "LICENSE") })
	byCharge := filter(products, func(p sandbox.Product) bool { return is(p.ChargeType, "USAGE") })
	byBoth := filter(products, func(p sandbox.Product) bool { return is(p.Family, "CONSUMPTION") && is(p.ChargeType, "usage") })
	for name, n := range map[string]int{"family": len(byFamily), "charge_type": len(byCharge), "both": len(byBoth)} {
		if n == 0 || n == len(products) {
			t.Fatalf("the %s filter selects %d of %d products: the test would prove nothing", name, n, len(products))
		}
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:      config(srv, `data "talkdesk_products" "bad" { family = "" }`),
			PlanOnly:    true,
			ExpectError: errorText(`string length must be at least 1`),
		}, {
			Config: config(srv,
				`data "talkdesk_products" "all" {}`,
				`data "talkdesk_products" "family" { family = "license" }`,
				`data "talkdesk_products" "charge" { charge_type = "USAGE" }`,
				`data "talkdesk_products" "both" {
				   family      = "CONSUMPTION"
				   charge_type = "Usage"
				 }`,
				`data "talkdesk_products" "no_family" { family = "NO_SUCH_FAMILY" }`,
				`data "talkdesk_products" "no_match" {
				   family      = "LICENSE"
				   charge_type = "USAGE"
				 }`,
			),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_products.all", "products", listOf(products, productValue)),
				expect("data.talkdesk_products.family", "products", listOf(byFamily, productValue)),
				expect("data.talkdesk_products.charge", "products", listOf(byCharge, productValue)),
				expect("data.talkdesk_products.both", "products", listOf(byBoth, productValue)),
				expect("data.talkdesk_products.no_family", "products", knownvalue.ListExact([]knownvalue.Check{})),
				expect("data.talkdesk_products.no_match", "products", listOf(
					filter(products, func(p sandbox.Product) bool { return is(p.Family, "LICENSE") && is(p.ChargeType, "USAGE") }),
					productValue)),
			},
		}},
	})
}
