package terraform.policies.contract_end_dates_test

import rego.v1

import data.terraform.policies.contract_end_dates

now := "2026-01-10T12:00:00Z"

contract(number, end_date, auto_renewal) := {
	"account_id": "5ea75fe7aa224700012eae40",
	"contract_number": number,
	"status": "ACTIVATED",
	"end_date": end_date,
	"auto_renewal": auto_renewal,
	"lines": [],
}

# plan is `terraform show -json` of a plan that read contracts with one
# talkdesk_contracts data source in the root module.
plan(contracts) := {
	"format_version": "1.2",
	"timestamp": now,
	"prior_state": {"values": {"root_module": {"resources": [{
		"address": "data.talkdesk_contracts.activated",
		"mode": "data",
		"type": "talkdesk_contracts",
		"name": "activated",
		"values": {"contracts": contracts},
	}]}}},
}

test_compliant_plan_has_no_deny if {
	count(contract_end_dates.deny) == 0 with input as plan([
		contract("00000001", "2026-02-01T00:00:00.000Z", true), # ends soon, renews
		contract("00000002", "2026-06-01T00:00:00.000Z", false), # ends after the window
		contract("00000003", "2026-01-01T00:00:00.000Z", false), # has ended already
		object.union(contract("00000004", "2026-01-20T00:00:00Z", false), {"status": "OTHER"}),
	])
}

test_one_deny_per_offending_contract if {
	denies := contract_end_dates.deny with input as plan([
		contract("00000011", "2026-01-20T00:00:00.000Z", false),
		contract("00000012", "2026-03-01T00:00:00Z", null),
		contract("00000013", "2026-02-01T00:00:00.000Z", true),
	])
	count(denies) == 2
	denies == {
		"account 5ea75fe7aa224700012eae40 contract 00000011 ends on 2026-01-20T00:00:00.000Z (in 9 days) without auto_renewal = true (auto_renewal is false): activated contracts ending within 60 days must renew automatically",
		"account 5ea75fe7aa224700012eae40 contract 00000012 ends on 2026-03-01T00:00:00Z (in 49 days) without auto_renewal = true (auto_renewal is null): activated contracts ending within 60 days must renew automatically",
	}
}

# The window is open at both ends, like ends_after and ends_before of
# talkdesk_contracts: a contract ending exactly now, or exactly 60 days
# from now, is outside it; one second inside either end is in.
test_window_bounds if {
	in_60_days := "2026-03-11T12:00:00Z"
	count(contract_end_dates.deny) == 0 with input as plan([
		contract("00000021", now, false),
		contract("00000022", in_60_days, false),
	])
	count(contract_end_dates.deny) == 2 with input as plan([
		contract("00000023", "2026-01-10T12:00:01Z", false),
		contract("00000024", "2026-03-11T11:59:59Z", false),
	])
}

# "Now" is the plan's timestamp, not the clock of the evaluation.
test_now_is_the_plan_timestamp if {
	p := object.union(plan([contract("00000031", "2030-01-20T00:00:00Z", false)]), {"timestamp": "2030-01-01T00:00:00Z"})
	count(contract_end_dates.deny) == 1 with input as p
}

# HCP Terraform and Terraform Enterprise pass the plan under input.plan.
test_hcp_terraform_input if {
	denies := contract_end_dates.deny with input as {
		"plan": plan([contract("00000041", "2026-01-20T00:00:00Z", false)]),
		"run": {"organization": {"name": "acme"}},
	}
	count(denies) == 1
	some msg in denies
	contains(msg, "contract 00000041")
}

# Contracts of a module's data source count; one read twice is one deny.
test_child_modules_and_duplicates if {
	offending := contract("00000051", "2026-01-20T00:00:00Z", false)
	p := {
		"timestamp": now,
		"prior_state": {"values": {"root_module": {
			"resources": [{"mode": "data", "type": "talkdesk_contracts", "values": {"contracts": [offending]}}],
			"child_modules": [{
				"address": "module.policy",
				"resources": [{"mode": "data", "type": "talkdesk_contracts", "values": {"contracts": [offending]}}],
				"child_modules": [{
					"address": "module.policy.module.inner",
					"resources": [{"mode": "data", "type": "talkdesk_contracts", "values": {"contracts": [contract("00000052", "2026-01-21T00:00:00Z", null)]}}],
				}],
			}],
		}}},
	}
	count(contract_end_dates.deny) == 2 with input as p
}

# A managed resource or another data source with a contracts attribute is
# not read.
test_only_talkdesk_contracts_data_sources if {
	offending := contract("00000061", "2026-01-20T00:00:00Z", false)
	p := {
		"timestamp": now,
		"prior_state": {"values": {"root_module": {"resources": [
			{"mode": "managed", "type": "talkdesk_contracts", "values": {"contracts": [offending]}},
			{"mode": "data", "type": "other_contracts", "values": {"contracts": [offending]}},
		]}}},
	}
	count(contract_end_dates.deny) == 0 with input as p
}

# A plan without a timestamp cannot be judged: it is denied, saying why.
test_plan_without_timestamp_is_denied if {
	p := json.remove(plan([]), ["timestamp"])
	denies := contract_end_dates.deny with input as p
	count(denies) == 1
	some msg in denies
	contains(msg, "no timestamp")
}

# No talkdesk_contracts data source at all: nothing to deny.
test_plan_without_contracts if {
	count(contract_end_dates.deny) == 0 with input as {"timestamp": now, "prior_state": {"values": {"root_module": {}}}}
}
