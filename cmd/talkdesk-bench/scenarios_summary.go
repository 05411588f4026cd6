package main

import (
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// usageByInstanceMonth is the budget modeller's question: spend per
// instance per month, summed by the provider.
const usageByInstanceMonth = `
data "talkdesk_usage_summary" "spend" { group_by = ["account_id", "month"] }
output "rows" { value = tostring(sum([for g in data.talkdesk_usage_summary.spend.groups : g.rows])) }
`

// usageEndToEndScenarios read the same 100,800 usage rows (700 instances,
// 24 months, 6 rows each) through Terraform twice: as raw rows, and summed
// by instance and month (16,800 groups). Both rows show the wall time of
// terraform apply, Terraform's own peak RSS and the provider's, and the
// size of the state.
func usageEndToEndScenarios(quick bool) []scenario {
	opts := sandbox.Options{Accounts: 700, UsageMonths: 24, UsagePerAccountMonth: 6, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, Latency: 50 * time.Millisecond}
	if quick {
		opts.Accounts = 50
	}
	return []scenario{{
		name: "terraform: usage rows end to end, 50ms latency",
		run:  func() (result, error) { return terraformRun(opts, allUsage, countUsage) },
	}, {
		name: "terraform: usage summary by account_id and month, 50ms latency",
		run:  func() (result, error) { return terraformRun(opts, usageByInstanceMonth, countUsage) },
	}}
}
