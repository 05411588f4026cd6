package provider

import (
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestReadTimeout: timeouts.read bounds a read against a slow API, and a
// malformed duration fails before any request.
func TestReadTimeout(t *testing.T) {
	srv := startTestSandbox(t, sandbox.Options{Latency: 3 * time.Second})
	fast := productsRead(srv)
	fast.PreConfig = func() {
		if st := srv.Stats(); st.APIRequests != 1 {
			t.Errorf("%d API requests before the valid step; want the one the timed-out read sent", st.APIRequests)
		}
		srv.SetLatency(0)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			Config: config(srv, `data "talkdesk_products" "p" {
			  timeouts {
			    read = "soon"
			  }
			}`),
			PlanOnly:    true,
			ExpectError: errorText(`"soon"`),
		}, {
			Config: config(srv, `data "talkdesk_products" "p" {
			  timeouts {
			    read = "1s"
			  }
			}`),
			PlanOnly:    true,
			ExpectError: errorText(`The read timed out: context deadline exceeded (the read took longer than its timeout of 1s (timeouts.read))`),
		}, fast},
	})
}
