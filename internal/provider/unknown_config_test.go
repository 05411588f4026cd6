package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestUnknownProviderValue: a provider attribute known only after apply
// (here from the built-in terraform_data resource) is an attribute error
// at plan time that names the environment variable to use instead.
func TestUnknownProviderValue(t *testing.T) {
	srv := startTestSandbox(t, sandbox.Options{})
	config := fmt.Sprintf(`
resource "terraform_data" "later" {
  input = "sandbox"
}
provider "talkdesk" {
  api_base_url  = %q
  token_url     = %q
  client_id     = "${terraform_data.later.output}-client-id"
  client_secret = %q
}
data "talkdesk_products" "p" {}
`, srv.URL, srv.TokenURL, sandbox.DefaultClientSecret)
	valid := productsRead(srv)
	valid.PreConfig = func() {
		if st := srv.Stats(); st.TokenRequests != 0 || st.APIRequests != 0 {
			t.Errorf("the unknown configuration sent %d token and %d API requests; want none", st.TokenRequests, st.APIRequests)
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config:      config,
			PlanOnly:    true,
			ExpectError: errorText(`leave it out and set the TALKDESK_CLIENT_ID environment variable`),
		}, valid},
	})
}
