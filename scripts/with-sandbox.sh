#!/usr/bin/env bash
# Runs a command against a fresh local sandbox with the provider built from
# this tree: builds both, writes a CLI config with a dev override for
# talkdesk/talkdesk, starts the sandbox, exports TF_CLI_CONFIG_FILE and the
# TALKDESK_* variables, runs the command, then stops the sandbox.
#
# Usage: scripts/with-sandbox.sh [sandbox flags --] command [args...]
#   scripts/with-sandbox.sh terraform -chdir=examples/reseller-map plan
#   scripts/with-sandbox.sh -latency 50ms -rate 10 -- terraform -chdir=examples/demo plan
# (sandbox flags: go run ./cmd/talkdesk-sandbox -h)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/sandbox-lib.sh
. "$root/scripts/sandbox-lib.sh"
TD_LOG_PREFIX=with-sandbox

sandbox_flags=()
if [[ " $* " == *" -- "* ]]; then
	while (($#)) && [[ "$1" != "--" ]]; do
		sandbox_flags+=("$1")
		shift
	done
	shift
fi
if (($# == 0)); then
	sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi

work="$(td_workdir)"
td_cleanup_on_exit "$work"

td_build "$work"
td_cli_config "$work"
td_sandbox_start "$work" "${sandbox_flags[@]}"
td_log "sandbox up at $TALKDESK_API_BASE_URL; running: $*"
status=0
"$@" || status=$?
exit "$status"
