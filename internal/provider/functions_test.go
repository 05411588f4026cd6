package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// functionsNeed is the first Terraform release with provider-defined
// functions (OpenTofu has them from 1.7, and reports its own version, so
// it passes too). The version check skips with a message naming it.
var functionsNeed = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)}

// outputs is a configuration of one output per expression.
func outputs(exprs map[string]string) string {
	s := ""
	for name, expr := range exprs {
		s += "output \"" + name + "\" {\n  value = " + expr + "\n}\n"
	}
	return s
}

// TestFunctionResults calls every function through the Terraform CLI.
func TestFunctionResults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, expr string
		want       knownvalue.Check
	}{
		{"days_36h", `provider::talkdesk::days_between("2024-01-01T00:00:00Z", "2024-01-02T12:00:00Z")`, knownvalue.Int64Exact(1)},
		{"days_minus_36h", `provider::talkdesk::days_between("2024-01-02T12:00:00Z", "2024-01-01T00:00:00Z")`, knownvalue.Int64Exact(-1)},
		{"days_api_form", `provider::talkdesk::days_between("2024-02-28T00:00:00.000Z", "2024-03-01T00:00:00.000Z")`, knownvalue.Int64Exact(2)},
		{"add_months_clamped", `provider::talkdesk::add_months("2024-01-31T00:00:00Z", 1)`, knownvalue.StringExact("2024-02-29T00:00:00Z")},
		{"add_months_back", `provider::talkdesk::add_months("2026-01-15T08:30:00.000Z", -2)`, knownvalue.StringExact("2025-11-15T08:30:00Z")},
		{"month_add_back", `provider::talkdesk::month_add("2026-01", -1)`, knownvalue.StringExact("2025-12")},
		{"month_add_on", `provider::talkdesk::month_add("2025-12", 13)`, knownvalue.StringExact("2027-01")},
		{"months", `provider::talkdesk::months("2025-11", "2026-02")`, knownvalue.ListExact([]knownvalue.Check{
			knownvalue.StringExact("2025-11"), knownvalue.StringExact("2025-12"),
			knownvalue.StringExact("2026-01"), knownvalue.StringExact("2026-02"),
		})},
		{"months_one", `provider::talkdesk::months("2026-01", "2026-01")`, knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("2026-01")})},
	}
	exprs := map[string]string{}
	var checks []statecheck.StateCheck
	for _, c := range cases {
		exprs[c.name] = c.expr
		checks = append(checks, statecheck.ExpectKnownOutputValue(c.name, c.want))
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   functionsNeed,
		ProtoV6ProviderFactories: testProviders(),
		Steps:                    []resource.TestStep{{Config: outputs(exprs), ConfigStateChecks: checks}},
	})
}

// TestFunctionErrors checks that a bad argument fails the plan with an
// error naming that argument.
func TestFunctionErrors(t *testing.T) {
	t.Parallel()
	step := func(expr, phrase string) resource.TestStep {
		return resource.TestStep{
			Config:      outputs(map[string]string{"x": expr}),
			PlanOnly:    true,
			ExpectError: errorText(phrase),
		}
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   functionsNeed,
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{
			step(`provider::talkdesk::days_between("2024-01-01", "2024-01-02T00:00:00Z")`,
				`from: "2024-01-01" is not an RFC 3339 timestamp`),
			step(`provider::talkdesk::days_between("2024-01-01T00:00:00Z", "soon")`,
				`to: "soon" is not an RFC 3339 timestamp`),
			step(`provider::talkdesk::add_months("2024-02-30T00:00:00Z", 1)`,
				`timestamp: "2024-02-30T00:00:00Z" is not an RFC 3339 timestamp`),
			step(`provider::talkdesk::add_months("9999-12-01T00:00:00Z", 1)`,
				`n: 9999-12-01T00:00:00Z plus 1 months is outside the years 0000 to 9999`),
			step(`provider::talkdesk::month_add("2026-13", 1)`,
				`month: "2026-13" is not a month written YYYY-MM`),
			step(`provider::talkdesk::month_add("2026-01", 1.5)`, `n: 1.5 is not a whole number of months`),
			step(`provider::talkdesk::months("2026-1", "2026-02")`,
				`from_month: "2026-1" is not a month written YYYY-MM`),
			step(`provider::talkdesk::months("2026-01", "2026/02")`,
				`to_month: "2026/02" is not a month written YYYY-MM`),
			step(`provider::talkdesk::months("2026-03", "2026-01")`,
				`to_month 2026-01 is before from_month 2026-03`),
			step(`provider::talkdesk::months(null, "2026-01")`, `Invalid value for "from_month" parameter: argument must not be null`),
		},
	})
}

// TestFunctionsDescribed checks, without a CLI, that the provider serves
// the four functions and that each one and each of its parameters has a
// description for the docs and the language server.
func TestFunctionsDescribed(t *testing.T) {
	t.Parallel()
	srv, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"days_between", "add_months", "month_add", "months"} {
		f, ok := resp.Functions[name]
		if !ok {
			t.Errorf("function %s is not served", name)
			continue
		}
		if f.Summary == "" || f.Description == "" {
			t.Errorf("function %s: summary %q, description %q: both must be set", name, f.Summary, f.Description)
		}
		for _, p := range f.Parameters {
			if p.Description == "" {
				t.Errorf("function %s: parameter %s has no description", name, p.Name)
			}
		}
	}
	if len(resp.Functions) != 4 {
		t.Errorf("%d functions served, want 4", len(resp.Functions))
	}
}
