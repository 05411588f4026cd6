# Contract end-date policy on a Terraform plan: every ACTIVATED contract that
# ends within 60 days of the plan must renew automatically (auto_renewal =
# true). It mirrors examples/contract-policy (the HCL `check` block) for
# teams that enforce policies on the plan: HCP Terraform and Terraform
# Enterprise policy sets, or conftest / opa eval in CI.
#
# Input: the JSON of a saved plan (`terraform show -json tfplan`), or
# HCP Terraform's policy input, which carries that JSON under `plan`. The
# contracts are the results of every talkdesk_contracts data source, in any
# module, from `prior_state` (data sources read at plan time are there, with
# mode "data", not in planned_values). "Now" is the plan's own `timestamp`,
# so a plan is judged as of when it was made, whenever it is evaluated.
#
# Query: data.terraform.policies.contract_end_dates.deny, a set of messages,
# one per offending contract; empty when the plan complies.
package terraform.policies.contract_end_dates

# OPA v1 syntax; the import keeps it valid for the OPA 0.x releases a policy
# set may still pin (it changes nothing on OPA 1.x).
import rego.v1

# The days before its end date from which a contract must auto-renew.
window_days := 60

day_ns := ((24 * 60) * 60) * 1000000000

plan := object.get(input, "plan", input)

# All contracts of every talkdesk_contracts data source, in the root module
# or any child module. A contract read by two data sources is one contract:
# the messages below are a set, so it is reported once.
contracts contains c if {
	walk(plan.prior_state.values.root_module, [_, node])
	some r in node.resources
	r.mode == "data"
	r.type == "talkdesk_contracts"
	some c in r.values.contracts
}

deny contains msg if {
	not plan.timestamp
	msg := "the plan has no timestamp, so the contract end-date policy cannot tell which contracts end within 60 days (Terraform 1.5 and later, and OpenTofu, write one)"
}

deny contains msg if {
	now := time.parse_rfc3339_ns(plan.timestamp)
	some c in contracts
	c.status == "ACTIVATED"
	end := time.parse_rfc3339_ns(c.end_date)
	end > now
	end < now + (window_days * day_ns)
	c.auto_renewal != true
	msg := sprintf(
		"account %s contract %s ends on %s (in %d days) without auto_renewal = true (auto_renewal is %s): activated contracts ending within %d days must renew automatically",
		[c.account_id, c.contract_number, c.end_date, days_left(now, end), renewal(c.auto_renewal), window_days],
	)
}

# Whole days from now to end, rounded down (end is after now).
days_left(now, end) := floor((end - now) / day_ns)

renewal(v) := "null" if v == null

renewal(v) := sprintf("%v", [v]) if v != null
