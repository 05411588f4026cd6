#!/usr/bin/env bash
# `make demo`: builds the provider, starts the local Billing Insights sandbox,
# applies examples/demo through a dev override (no `terraform init`, no
# registry) and prints the answers. The sandbox is stopped and every temporary
# file removed on exit, whatever happens.
#
# Needs Go and Terraform (or OpenTofu: TF_BIN=/path/to/tofu).
# Extra arguments are passed to `terraform apply`, e.g.
#   scripts/demo.sh -var days=30 -var months=12
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/sandbox-lib.sh
. scripts/sandbox-lib.sh
TD_LOG_PREFIX=demo

tf="$(td_terraform_bin)"
work="$(td_workdir)"
td_cleanup_on_exit "$work"

start=$SECONDS
td_build "$work"
td_cli_config "$work"
td_sandbox_start "$work"
td_log "sandbox up at $TALKDESK_API_BASE_URL (token URL $TALKDESK_TOKEN_URL)"

# Keep Terraform's working data and state out of the repository.
export TF_DATA_DIR="$work/tf-data"
export TF_IN_AUTOMATION=1
state="$work/demo.tfstate"

td_log "$("$tf" version | sed -n 1p): apply examples/demo"
if ! "$tf" -chdir=examples/demo apply -auto-approve -input=false -no-color -state="$state" "$@" >"$work/apply.log" 2>&1; then
	cat "$work/apply.log" >&2
	td_log "terraform apply failed"
	exit 1
fi

echo
"$tf" -chdir=examples/demo output -state="$state"
echo
td_log "done in $((SECONDS - start))s; stopping the sandbox"
