#!/usr/bin/env bash
# Runs every example under examples/ and asserts its results:
#
#   * `fmt -check` on all of examples/;
#   * examples/provider and examples/data-sources/*: `validate` (they name ids
#     of a real organization); talkdesk_accounts and talkdesk_products are also
#     planned against the sandbox;
#   * demo, contract-policy, contract-policy-strict, billing-export,
#     budget-projection, reseller-map: plan + apply against a fresh sandbox
#     each, then the outputs are checked (the examples also carry their own
#     preconditions, which fail the apply when a result is inconsistent);
#     contract-policy-strict must pass with days=0 and FAIL with days=3650;
#   * policy-tests: `get` + `test` against a sandbox serving the example's own
#     fixture (fixtures/contracts.json): every run must pass; then again with
#     the fixture changed so that the renewed contract expires: the suite
#     must FAIL, on that run, with the policy's message;
#   * functions: every examples/functions/*/function.tf applied, its outputs
#     checked, and `providers schema -json` must list the four functions
#     with their descriptions;
#   * opa-policy: `opa test` of the Rego policy, then the policy evaluated on
#     the JSON of a saved plan of examples/opa-policy against a sandbox
#     serving fixtures/compliant.json (no deny) and fixtures/breached.json
#     (one deny per offending contract, naming it).
#
# An example whose required_version the CLI does not meet (Terraform 1.5
# has no provider-defined functions and no `terraform test`) is skipped
# with a SKIP line naming the version it needs; skips are counted apart
# from passes, never as passes.
#
# Every example is copied to a temporary directory first, so nothing is
# written into the repository. Terraform runs through a dev override of the
# provider built here: no `init`, no registry.
#
# Usage: scripts/run-examples.sh [example ...]   (default: all)
# Environment:
#   TF_BIN   Terraform or OpenTofu CLI (default: scripts/terraform-path.sh)
#   OPA_BIN  OPA CLI (default: scripts/install-opa.sh)
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/sandbox-lib.sh
. scripts/sandbox-lib.sh
TD_LOG_PREFIX=run-examples

tf="$(td_terraform_bin)"
work="$(td_workdir)"
td_cleanup_on_exit "$work"

# The sandbox's organization; the assertions below count on it.
readonly ACCOUNTS=8
readonly SANDBOX_FLAGS=(-accounts "$ACCOUNTS")

td_build "$work"
td_cli_config "$work"
# The host's shared pace files of the providers started here (one per
# sandbox) stay in the work directory and go with it.
mkdir -m 700 "$work/tmp"
export TMPDIR="$work/tmp"
export TF_IN_AUTOMATION=1
tf_name="$("$tf" version | sed -n 1p)"
td_log "using $tf_name ($tf)"
# The CLI's own version number (Terraform v1.5.7, OpenTofu v1.12.6), which
# is what it checks required_version against.
tf_version="$(sed -n 's/^[A-Za-z]* v\([0-9][0-9.]*\).*/\1/p' <<<"$tf_name")"

failures=()
skipped=()
passed=0
case_dir="" case_log="" case_logs=""

# --- helpers -----------------------------------------------------------------

# prepare EXAMPLE [LOG] copies examples/EXAMPLE to a scratch directory and
# logs what follows to LOG.log (default: the example's name) in the case's
# log directory.
prepare() {
	local name="${2:-$1}"
	name="${name//\//-}"
	case_dir="$work/cases/$name"
	case_log="$case_logs/$name.log"
	mkdir -p "$work/cases"
	rm -rf "$case_dir"
	cp -R "examples/$1" "$case_dir"
	export TF_DATA_DIR="$case_dir/.tf-data"
	touch "$case_log"
}

# add_versions gives a data source example (a fragment) the provider source.
add_versions() {
	grep -q required_providers "$case_dir"/*.tf ||
		printf 'terraform {\n  required_providers {\n    talkdesk = { source = "talkdesk/talkdesk" }\n  }\n}\n' >"$case_dir/versions.tf"
}

# tfrun ARGS... runs the CLI in the case directory, logging to the case log.
tfrun() {
	echo "\$ ${tf##*/} $*" >>"$case_log"
	"$tf" -chdir="$case_dir" "$@" -no-color >>"$case_log" 2>&1
}

# plan_apply [ARGS...] plans to a file, then applies that plan.
plan_apply() {
	tfrun plan -input=false -out=tfplan "$@" && tfrun apply -input=false tfplan
}

out_raw() { "$tf" -chdir="$case_dir" output -no-color -raw "$1" 2>>"$case_log"; }
out_json() { "$tf" -chdir="$case_dir" output -no-color -json "$1" 2>>"$case_log"; }

fail() {
	echo "ASSERTION FAILED: $*" >>"$case_log"
	return 1
}
assert_eq() { # DESCRIPTION ACTUAL EXPECTED
	[[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'"
}
assert_ge() { # DESCRIPTION ACTUAL MIN
	[[ "$2" =~ ^[0-9]+$ ]] && (($2 >= $3)) || fail "$1: got '$2', want >= $3"
}
assert_match() { # DESCRIPTION TEXT EXTENDED-REGEX
	grep -Eq -- "$3" <<<"$2" || fail "$1: /$3/ not found in: ${2:0:400}"
}
# flat_log prints the case log on one line, blanks squeezed: Terraform wraps
# long diagnostics at whatever width it picks.
flat_log() { tr -s ' \n' '  ' <"$case_log"; }
assert_log() { # DESCRIPTION EXTENDED-REGEX: the case log must match
	flat_log | grep -Eq -- "$2" || fail "$1: /$2/ not in the output"
}
assert_not_log() {
	! flat_log | grep -Eq -- "$2" || fail "$1: /$2/ unexpectedly in the output"
}

# version_at_least HAVE WANT: HAVE >= WANT, as dotted versions.
version_at_least() {
	[[ "$(printf '%s\n' "$1" "$2" | sort -V | sed -n 1p)" == "$2" ]]
}

# required_version_of DIR...: the highest `required_version = ">= X"` of the
# .tf files of the example directories DIR (under examples/); empty if none.
required_version_of() {
	local d
	for d in "$@"; do
		cat "examples/$d"/*.tf
	done | sed -n 's/^ *required_version *= *">= *\([0-9.]*\)".*/\1/p' | sort -V | sed -n '$p'
}

# The example directories of each case whose required_version decides
# whether the CLI can run it.
declare -A case_examples=(
	[demo]=demo [contract-policy]=contract-policy [contract-policy-strict]=contract-policy-strict
	[billing-export]=billing-export [budget-projection]=budget-projection [reseller-map]=reseller-map
	[policy-tests]=policy-tests [opa-policy]=opa-policy
	[functions]="$(cd examples && echo functions/*)"
)

# run_case NAME FUNCTION [sandbox]: runs FUNCTION (with a fresh sandbox when
# the third argument is "sandbox"), records pass/fail and timing, and shows
# the case's logs when it fails.
run_case() {
	local name="$1" fn="$2" sandbox="${3:-}" t0=$SECONDS ok=1 f need
	# shellcheck disable=SC2086 # a list of directories
	need="$(required_version_of ${case_examples[$name]:-})"
	if [[ -n "$need" ]] && ! version_at_least "$tf_version" "$need"; then
		skipped+=("$name")
		printf '  SKIP  %-24s needs >= %s (required_version of examples/%s); this is %s\n' \
			"$name" "$need" "${case_examples[$name]%% *}" "$tf_name" >&2
		return 0
	fi
	case_logs="$work/logs/$name"
	case_log="$case_logs/$name.log"
	mkdir -p "$case_logs"
	if [[ "$sandbox" == sandbox ]]; then
		td_sandbox_start "$work" "${SANDBOX_FLAGS[@]}" || ok=0
	fi
	if ((ok)); then
		# A subshell with errexit, outside any && / || list (where bash would
		# ignore errexit), so the first failing step ends the case.
		set +e
		(
			set -e
			"$fn"
		)
		(($? == 0)) || ok=0
		set -e
	fi
	if [[ "$sandbox" == sandbox ]]; then td_sandbox_stop; fi
	if ((ok)); then
		passed=$((passed + 1))
		printf '  PASS  %-24s %3ds\n' "$name" $((SECONDS - t0)) >&2
	else
		failures+=("$name")
		printf '  FAIL  %-24s %3ds\n' "$name" $((SECONDS - t0)) >&2
		for f in "$case_logs"/*.log; do
			[[ -s "$f" ]] || continue
			printf '        --- %s (last 60 lines)\n' "${f##*/}" >&2
			tail -n 60 "$f" | sed 's/^/        | /' >&2
		done
	fi
}

# --- cases -------------------------------------------------------------------

# Each directory on its own: an older CLI cannot even parse the examples
# that need a later one (provider::talkdesk::... calls), so those are left
# out, and said so.
case_fmt() {
	local d need
	while read -r d; do
		d="${d#examples/}"
		need="$(required_version_of "$d")"
		if [[ -n "$need" ]] && ! version_at_least "$tf_version" "$need"; then
			echo "fmt: examples/$d left out: it needs >= $need" >>"$case_log"
			td_log "fmt: examples/$d left out: its required_version is >= $need; this is $tf_name"
			continue
		fi
		"$tf" fmt -check -diff -no-color "examples/$d" >>"$case_log" 2>&1
	done < <(find examples -name '*.tf' -exec dirname {} \; | sort -u)
}

case_validate() {
	local d
	for d in examples/provider examples/data-sources/*; do
		d="${d#examples/}"
		prepare "$d" validate
		add_versions
		tfrun validate || fail "examples/$d does not validate"
	done
}

# The data source examples that name no ids of a real organization also run.
case_data_sources_plan() {
	prepare data-sources/talkdesk_products
	add_versions
	plan_apply
	assert_match "product names" "$(out_json license_names)" '^\{"TD-[A-Z0-9-]+":"[^"]+"'
	prepare data-sources/talkdesk_accounts
	add_versions
	plan_apply
	local n
	n="$(out_json instances | grep -o '"[a-z0-9-]*":"[^"]* ([A-Z_]*)"' | wc -l)"
	assert_eq "talkdesk_accounts instances" "${n// /}" "$ACCOUNTS"
}

case_demo() {
	prepare demo
	plan_apply
	local summary
	summary="$(out_json summary)"
	assert_match "demo instance count" "$summary" "\"instances\":$ACCOUNTS[,}]"
	assert_match "demo lines ending within 90 days" "$summary" '"contract_lines_ending_soon":[1-9][0-9]*'
	assert_match "demo months" "$summary" '"months":\["[0-9]{4}-[0-9]{2}"(,"[0-9]{4}-[0-9]{2}"){5}\]'
	assert_match "demo ending lines" "$(out_json contract_lines_ending_soon)" '^\["[0-9]{4}-[0-9]{2}-[0-9]{2}  [a-z0-9-]+ '
	assert_match "demo monthly spend" "$(out_json monthly_usage_spend)" '"[0-9]{4}-[0-9]{2}":"[0-9]+\.[0-9]{2} [A-Z]{3}'
	assert_match "demo usage totals" "$(out_json usage_totals)" '^\{"[A-Z]{3}":[0-9.]+'
}

case_contract_policy() {
	prepare contract-policy
	# A 10-year window: the sandbox has activated contracts without auto-renewal.
	plan_apply -var days=3650
	assert_ge "violations over 3650 days" "$(out_raw violation_count)" 1
	assert_log "check warning" 'Warning: Check block assertion failed'
	assert_log "warning names the policy" 'activated contract\(s\) end within 3650 days without auto-renewal'
	# One finding per contract: no contract number appears twice.
	local dup
	dup="$(out_json violations | grep -o 'contract [0-9]*,' | sort | uniq -d)"
	assert_eq "one violation per contract" "$dup" ""
	# An empty window: nothing to report, no warning.
	case_log="$case_logs/days-0.log"
	plan_apply -var days=0
	assert_eq "violations over 0 days" "$(out_raw violation_count)" 0
	assert_not_log "no check warning" 'Check block assertion failed'
	# The default window (60 days) must plan and apply, warnings or not.
	case_log="$case_logs/days-default.log"
	plan_apply
	assert_match "violation_count is a number" "$(out_raw violation_count)" '^[0-9]+$'
}

case_contract_policy_strict() {
	prepare contract-policy-strict
	plan_apply -var days=0
	assert_eq "policy output" "$(out_raw policy)" "No activated contract ends within 0 days without auto-renewal."
	# A 10-year window must FAIL the plan with the policy's message.
	case_log="$case_logs/days-3650.log"
	if tfrun plan -input=false -var days=3650; then
		fail "plan with days=3650 succeeded; the postcondition should have failed it"
	fi
	assert_log "postcondition error" 'Error: Resource postcondition failed'
	assert_log "policy message" 'Contract end-date policy: [0-9]+ activated contract\(s\) end within 3650 days without'
}

case_billing_export() {
	prepare billing-export
	plan_apply
	assert_eq "instances exported" "$(out_raw instance_count)" "$ACCOUNTS"
	assert_ge "lines exported" "$(out_raw line_count)" 1
	local doc
	doc="$(out_raw billing_export_json)"
	assert_match "export is a JSON object" "$doc" '^\{"current_only":true,"generated_at":"[0-9T:Z-]+","instances":\[\{'
	assert_match "company names" "$doc" '"company_name":"[^"]+"'
	assert_match "line fields" "$doc" '\{"amount":[0-9.]+,"auto_renewal":(true|false|null),"billing_frequency":"[A-Z_]+","contract_number":"[0-9]+","currency":"[A-Z]{3}","end_date":"[^"]+","product_family":("[A-Z_]+"|null),"product_id":"[^"]+","product_name":"[^"]+","quantity":[0-9.]+,"start_date":"[^"]+","unit_price":[0-9.]+\}'
	local instances
	instances="$(grep -o '"company_name":' <<<"$doc" | wc -l)"
	assert_eq "one company_name per instance" "${instances// /}" "$ACCOUNTS"
}

case_budget_projection() {
	prepare budget-projection
	plan_apply
	local rates
	rates="$(out_json monthly_run_rate)"
	assert_match "run-rate per instance and currency" "$rates" '"[a-z0-9-]+":\{"[A-Z]{3}":\{"subscriptions":"[0-9]+\.[0-9]{2}","total":"[0-9]+\.[0-9]{2}","usage_average":"[0-9]+\.[0-9]{2}"\}'
	local n
	n="$(grep -o '"subscriptions":' <<<"$rates" | wc -l)"
	assert_ge "instance/currency pairs" "${n// /}" "$ACCOUNTS"
	assert_match "organization run-rate" "$(out_json organization_monthly_run_rate)" '^\{"[A-Z]{3}":"[0-9]+\.[0-9]{2}"'
	assert_match "three usage months" "$(out_json usage_months)" '^\["[0-9]{4}-[0-9]{2}","[0-9]{4}-[0-9]{2}","[0-9]{4}-[0-9]{2}"\]$'
	# Twelve months averages over a different range.
	case_log="$case_logs/months-12.log"
	plan_apply -var months=12
	assert_match "twelve usage months" "$(out_json usage_months)" '^\["[0-9]{4}-[0-9]{2}"(,"[0-9]{4}-[0-9]{2}"){11}\]$'
}

case_reseller_map() {
	prepare reseller-map
	plan_apply
	local summary n
	summary="$(out_json summary)"
	n="$(grep -o '"[a-z0-9-]*":"[A-Z_]* *[0-9]* active contracts, [0-9]* lines"' <<<"$summary" | wc -l)"
	assert_eq "instances in the map" "${n// /}" "$ACCOUNTS"
	assert_match "active contracts" "$summary" '[1-9][0-9]* active contracts, [1-9][0-9]* lines'
	assert_match "contract details" "$(out_json instances)" '"active_contracts":\{"[0-9]+":\{"auto_renewal":(true|false|null),"edition":"[^"]*","ends":"[0-9]{4}-[0-9]{2}-[0-9]{2}","lines":\["[^"]+ x[0-9]+ '
}

# with_fixture FIXTURE COMMAND...: runs COMMAND with a sandbox serving FIXTURE.
with_fixture() {
	local fixture="$1" rc=0
	shift
	td_sandbox_start "$work" -fixture "$fixture" || fail "the sandbox refused $fixture"
	"$@" || rc=$?
	td_sandbox_stop
	return "$rc"
}

case_policy_tests() {
	trap td_sandbox_stop EXIT # this case runs in a subshell: stop its sandbox on any exit
	prepare policy-tests
	tfrun get
	with_fixture "$case_dir/fixtures/contracts.json" tfrun test
	assert_log "test summary" 'Success! 10 passed, 0 failed'
	assert_log "the sandbox suite ran" 'run "expiring_contract_fails_the_policy"... pass'
	assert_not_log "no skipped run" 'skip'

	# The renewal did not happen: the suite must fail on the renewed contract.
	case_log="$case_logs/breached-fixture.log"
	local breached="$case_dir/fixtures/breached.json"
	sed 's|"end_date": "now+13M/d"|"end_date": "now+30d/d"|' "$case_dir/fixtures/contracts.json" >"$breached"
	if cmp -s "$case_dir/fixtures/contracts.json" "$breached"; then
		fail "the breach edit changed nothing in fixtures/contracts.json"
	fi
	if with_fixture "$breached" tfrun test; then
		fail "terraform test passed with a fixture that breaks the policy"
	fi
	assert_log "the renewed run fails" 'run "renewed_contract_passes"... fail'
	# One finding per contract, with its lines' products, not per line.
	assert_log "with the policy's message" 'Check block assertion failed .* 1 activated contract\(s\) end within 60 days without auto-renewal: [0-9T:.Z-]+ account 5ea75fe7aa224700012eae41 contract 00021680, 1 line\(s\): TD-LIC-CXC-RC-101977, auto_renewal = false'
	assert_not_log "no line ids in the message" '8f3e643c16671acaf60e8bceddbc1811'
	assert_log "and only that run" 'Failure! [0-9]+ passed, 1 failed'
}

# The functions' documentation examples, with the results they claim.
case_functions() {
	prepare functions/days_between
	plan_apply
	assert_eq "36 hours are one day" "$(out_raw whole_days)" 1
	assert_match "days left" "$(out_raw days_left)" '^[0-9]+$'

	prepare functions/add_months
	plan_apply
	assert_eq "clamped to February 29" "$(out_raw one_month_later)" 2024-02-29T00:00:00Z
	assert_eq "renewal term" "$(out_raw renewed_end_date)" 2025-08-31T00:00:00Z

	prepare functions/month_add
	plan_apply
	assert_eq "previous month" "$(out_raw previous_month)" 2025-12
	local year month
	year="$(date -u +%Y)" month="$(date -u +%m)"
	assert_eq "a year ago" "$(out_raw a_year_ago)" "$(printf '%04d-%02d' $((year - 1)) $((10#$month)))"

	prepare functions/months
	plan_apply
	assert_eq "months" "$(out_json months)" '["2025-11","2025-12","2026-01","2026-02"]'
	assert_match "last three months" "$(out_json last_three_months)" '^\["[0-9]{4}-[0-9]{2}","[0-9]{4}-[0-9]{2}","[0-9]{4}-[0-9]{2}"\]$'

	# What the language server and the registry read.
	command -v jq >/dev/null || fail "jq is needed to read providers schema -json"
	"$tf" -chdir="$case_dir" providers schema -json >"$case_dir/schema.json" 2>>"$case_log"
	local described
	described="$(jq -r '.provider_schemas[].functions // {} | to_entries[]
		| select((.value.summary // "") != "" and (.value.description // "") != ""
			and all(.value.parameters[]; (.description // "") != ""))
		| .key' "$case_dir/schema.json" | sort | tr '\n' ' ')"
	assert_eq "functions with descriptions" "$described" "add_months days_between month_add months "
}

# opa_eval PLAN_JSON QUERY prints the query's value on the plan, raw.
opa_eval() {
	"$opa" eval --format raw --data "$case_dir/policy" --input "$1" "$2" 2>>"$case_log"
}

# plan_json FIXTURE NAME plans examples/opa-policy against a sandbox serving
# FIXTURE and writes the saved plan's JSON to NAME.json in the case.
plan_json() {
	with_fixture "$1" tfrun plan -input=false -out="$2.tfplan"
	"$tf" -chdir="$case_dir" show -json "$2.tfplan" >"$case_dir/$2.json" 2>>"$case_log"
}

case_opa_policy() {
	trap td_sandbox_stop EXIT # this case runs in a subshell: stop its sandbox on any exit
	opa="${OPA_BIN:-$(scripts/install-opa.sh | tail -n 1)}"
	prepare opa-policy
	"$opa" version | sed -n 1p >>"$case_log"
	"$opa" test -v "$case_dir/policy" >>"$case_log" 2>&1 || fail "opa test failed"
	assert_log "opa test summary" 'PASS: [1-9][0-9]*/[1-9][0-9]*'
	assert_not_log "no failed or skipped opa test" 'FAIL: |SKIPPED: '

	local deny='data.terraform.policies.contract_end_dates.deny'
	local contracts='count(data.terraform.policies.contract_end_dates.contracts)'
	case_log="$case_logs/compliant.log"
	plan_json "$case_dir/fixtures/compliant.json" compliant
	# The plan did read the fixture's activated contracts: the policy has
	# something to judge.
	assert_eq "activated contracts in the compliant plan" "$(opa_eval "$case_dir/compliant.json" "$contracts")" 3
	assert_eq "denies of the compliant plan" "$(opa_eval "$case_dir/compliant.json" "count($deny)")" 0

	case_log="$case_logs/breached.log"
	plan_json "$case_dir/fixtures/breached.json" breached
	assert_eq "activated contracts in the breached plan" "$(opa_eval "$case_dir/breached.json" "$contracts")" 4
	local msgs
	msgs="$(opa_eval "$case_dir/breached.json" "concat(\"\\n\", sort($deny))")"
	echo "$msgs" >>"$case_log"
	assert_eq "one deny per offending contract" "$(grep -c . <<<"$msgs")" 2
	assert_match "deny of 00031001" "$msgs" '^account 5ea75fe7aa224700012eae40 contract 00031001 ends on [0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00\.000Z \(in (29|30) days\) without auto_renewal = true \(auto_renewal is false\)'
	assert_match "deny of 00031002" "$msgs" '^account 5ea75fe7aa224700012eae41 contract 00031002 ends on [0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00\.000Z \(in (44|45) days\) without auto_renewal = true \(auto_renewal is null\)'
}

# --- main --------------------------------------------------------------------

all=(fmt validate data-sources demo contract-policy contract-policy-strict billing-export budget-projection reseller-map policy-tests functions opa-policy)
selected=("$@")
((${#selected[@]})) || selected=("${all[@]}")

start=$SECONDS
td_log "running ${#selected[@]} example case(s)"
for c in "${selected[@]}"; do
	case "$c" in
	fmt) run_case fmt case_fmt ;;
	validate) run_case validate case_validate ;;
	data-sources) run_case data-sources case_data_sources_plan sandbox ;;
	demo) run_case demo case_demo sandbox ;;
	contract-policy) run_case contract-policy case_contract_policy sandbox ;;
	contract-policy-strict) run_case contract-policy-strict case_contract_policy_strict sandbox ;;
	billing-export) run_case billing-export case_billing_export sandbox ;;
	budget-projection) run_case budget-projection case_budget_projection sandbox ;;
	reseller-map) run_case reseller-map case_reseller_map sandbox ;;
	policy-tests) run_case policy-tests case_policy_tests ;;
	functions) run_case functions case_functions ;;
	opa-policy) run_case opa-policy case_opa_policy ;;
	*)
		td_log "unknown case '$c'; known: ${all[*]}"
		exit 2
		;;
	esac
done

td_log "$passed passed, ${#skipped[@]} skipped, ${#failures[@]} failed in $((SECONDS - start))s with $tf_name"
if ((${#skipped[@]})); then
	td_log "skipped (their required_version is later than $tf_name): ${skipped[*]}"
fi
if ((${#failures[@]})); then
	td_log "failed: ${failures[*]}"
	exit 1
fi
