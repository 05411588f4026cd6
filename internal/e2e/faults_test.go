package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// faultsConfig reads subscriptions, invoices and usage and outputs a
// digest of everything read, plus the row counts.
const faultsConfig = `
data "talkdesk_subscriptions" "all" {}
data "talkdesk_invoices" "all" {}
data "talkdesk_usage" "all" {}
output "subscriptions" { value = sha256(jsonencode(data.talkdesk_subscriptions.all.subscriptions)) }
output "invoices" { value = sha256(jsonencode(data.talkdesk_invoices.all.invoices)) }
output "usage" { value = sha256(jsonencode(data.talkdesk_usage.all.usage)) }
output "counts" {
  value = join(" ", [length(data.talkdesk_subscriptions.all.subscriptions),
    sum(concat([0], [for i in data.talkdesk_invoices.all.invoices : length(i.lines)])),
    length(data.talkdesk_usage.all.usage)])
}
`

// faultsDataset has several pages per endpoint: 600 contract lines (3
// pages), about 590 invoice lines (3 pages) and 1,728 usage rows (7),
// small enough for Terraform to handle quickly on a busy machine.
var faultsDataset = sandbox.Options{Accounts: 12, SubscriptionsPerAccount: 50, UsagePerAccountMonth: 6, RateLimit: -1}

// TestFaultsThroughTerraform applies a read of subscriptions, invoices and
// usage through the Terraform CLI against the sandbox injecting the fault
// mix (8% 503, 2% resets, 2% truncations, 1% 500), 5 seeds: every run
// must output exactly what a fault-free run outputs, or fail with an
// error saying it gave up after N attempts. None may output other data.
func TestFaultsThroughTerraform(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, faults sandbox.Faults) (map[string]string, tfResult, sandbox.Stats, sandbox.Dataset) {
		opts := faultsDataset
		opts.Faults = faults
		srv := startSandbox(t, opts)
		ws := newWorkspace(t, providerBlock(srv, "max_retries = 8", "requests_per_second = 100")+faultsConfig)
		res := ws.apply()
		return outputs(res.stdout), res, srv.Stats(), srv.Data()
	}

	ref, res, _, data := run(t, sandbox.Faults{})
	if res.err != nil {
		t.Fatalf("the fault-free reference run failed: %v\n%s", res.err, res.output())
	}
	wantCounts := fmt.Sprintf("%d %d %d", len(data.Subscriptions), len(data.Invoices), len(data.Usage))
	if ref["counts"] != wantCounts {
		t.Fatalf("the reference run read %q rows, the sandbox holds %q", ref["counts"], wantCounts)
	}
	for _, k := range []string{"subscriptions", "invoices", "usage"} {
		if len(ref[k]) != 64 {
			t.Fatalf("the reference run has no %s digest: %q\n%s", k, ref[k], res.stdout)
		}
	}
	t.Logf("reference run: %v, rows %s", res.took, ref["counts"])

	// The seeded runs go in parallel (they mostly wait on backoffs); the
	// group returns once all are done.
	var (
		mu                           sync.Mutex
		exact, failed, differentRuns int
	)
	t.Run("seeds", func(t *testing.T) {
		for seed := int64(1); seed <= 5; seed++ {
			t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
				t.Parallel()
				got, res, st, _ := run(t, faultMix(seed))
				if res.err != nil {
					out := strings.Join(strings.Fields(res.output()), " ")
					if !strings.Contains(out, "gave up after") {
						t.Errorf("terraform failed without saying it gave up after N attempts: %v\n%s", res.err, res.output())
						return
					}
					mu.Lock()
					failed++
					mu.Unlock()
					t.Logf("failed as allowed (%d faults in %d requests, %v): %s", st.Faults, st.APIRequests, res.took, excerptError(out))
					return
				}
				different := false
				for _, k := range []string{"subscriptions", "invoices", "usage", "counts"} {
					if got[k] != ref[k] {
						different = true
						t.Errorf("output %s = %q, the fault-free run gave %q: DIFFERENT DATA", k, got[k], ref[k])
					}
				}
				mu.Lock()
				if different {
					differentRuns++
				} else {
					exact++
				}
				mu.Unlock()
				t.Logf("exit 0 in %v, %d faults in %d API requests (%s)", res.took, st.Faults, st.APIRequests, statusSummary(st))
			})
		}
	})
	t.Logf("5 seeded runs through Terraform: %d exact, %d failed with a gave-up error, %d with different data, %d failed otherwise",
		exact, failed, differentRuns, 5-exact-failed-differentRuns)
}

func faultMix(seed int64) sandbox.Faults {
	return sandbox.Faults{Rate503: .08, RateReset: .02, RateTruncate: .02, Rate500: .01, Seed: seed}
}

func statusSummary(st sandbox.Stats) string {
	var parts []string
	for _, code := range []int{200, 500, 503, sandbox.StatusConnectionReset} {
		if n := st.ByStatus[code]; n > 0 {
			name := strconv.Itoa(code)
			if code == sandbox.StatusConnectionReset {
				name = "reset"
			}
			parts = append(parts, fmt.Sprintf("%s×%d", name, n))
		}
	}
	return strings.Join(parts, " ")
}
