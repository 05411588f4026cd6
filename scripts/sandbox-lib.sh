# shellcheck shell=bash
# Helpers shared by scripts/demo.sh, scripts/run-examples.sh and
# scripts/with-sandbox.sh: build the provider, point Terraform at it through a
# dev override, and run the local Billing Insights sandbox in the background.
#
# Source it from bash with `set -euo pipefail` in effect:
#
#   . "$(dirname "$0")/sandbox-lib.sh"
#   work="$(td_workdir)"; trap 'td_sandbox_stop; rm -rf "$work"' EXIT
#   td_build "$work"; td_cli_config "$work"; td_sandbox_start "$work"
#
# Environment:
#   TF_BIN                Terraform or OpenTofu CLI (default: scripts/terraform-path.sh)
#   TD_SANDBOX_WAIT       seconds to wait for the sandbox to come up (default 60)
#   VERSION               version stamped into the provider (default: git describe)

TD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TD_SANDBOX_PID=""

# td_cleanup_on_exit DIR: on exit, interrupt or termination, stop the
# sandbox (if one was started) and remove DIR.
td_cleanup_on_exit() {
	TD_CLEANUP_DIR=$1
	trap 'td_sandbox_stop; rm -rf "$TD_CLEANUP_DIR"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

td_log() { printf '%s: %s\n' "${TD_LOG_PREFIX:-$(basename "$0" .sh)}" "$*" >&2; }

# td_workdir creates a private temporary directory and prints its path.
td_workdir() {
	mktemp -d "${TMPDIR:-/tmp}/talkdesk-provider.XXXXXX"
}

# td_terraform_bin prints the CLI to use: $TF_BIN, else scripts/terraform-path.sh.
td_terraform_bin() {
	if [[ -n "${TF_BIN:-}" ]]; then
		[[ -x "$TF_BIN" ]] || {
			td_log "TF_BIN=$TF_BIN is not executable"
			return 1
		}
		printf '%s\n' "$TF_BIN"
		return
	fi
	"$TD_ROOT/scripts/terraform-path.sh" | tail -n 1
}

# td_build WORK builds the provider into WORK/plugins (the dev override
# directory) and the sandbox into WORK/bin.
td_build() {
	local work="$1" version
	version="${VERSION:-$(git -C "$TD_ROOT" describe --tags --always --dirty 2>/dev/null || echo dev)}"
	mkdir -p "$work/plugins" "$work/bin"
	td_log "building terraform-provider-talkdesk ($version) and talkdesk-sandbox"
	(cd "$TD_ROOT" &&
		go build -ldflags "-X main.version=$version" -o "$work/plugins/terraform-provider-talkdesk" . &&
		go build -o "$work/bin/talkdesk-sandbox" ./cmd/talkdesk-sandbox)
}

# td_cli_config WORK writes WORK/terraform.rc with a dev override for
# talkdesk/talkdesk pointing at WORK/plugins, and exports TF_CLI_CONFIG_FILE
# (and a private plugin cache) so no user configuration leaks in.
td_cli_config() {
	local work="$1"
	cat >"$work/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "talkdesk/talkdesk" = "$work/plugins"
  }
  direct {}
}
EOF
	export TF_CLI_CONFIG_FILE="$work/terraform.rc"
	export CHECKPOINT_DISABLE=1
	unset TF_PLUGIN_CACHE_DIR
}

# td_sandbox_start WORK [sandbox flags...] starts the sandbox in the
# background, waits (bounded) for its env file and exports the TALKDESK_*
# variables it names. Any other TALKDESK_* setting of the caller is cleared
# so that it cannot conflict with the sandbox's credentials.
td_sandbox_start() {
	local work="$1"
	shift
	local env_file="$work/sandbox.env" log="$work/sandbox.log"
	local wait_s="${TD_SANDBOX_WAIT:-60}" waited=0 var
	rm -f "$env_file"
	for var in $(compgen -e); do
		if [[ "$var" == TALKDESK_* ]]; then unset "$var"; fi
	done
	"$work/bin/talkdesk-sandbox" -env-file "$env_file" "$@" >"$log" 2>&1 &
	TD_SANDBOX_PID=$!
	while [[ ! -s "$env_file" ]]; do
		if ! kill -0 "$TD_SANDBOX_PID" 2>/dev/null; then
			td_log "the sandbox exited before it was ready:"
			cat "$log" >&2
			TD_SANDBOX_PID=""
			return 1
		fi
		if ((waited >= wait_s * 10)); then
			td_log "the sandbox did not write $env_file within ${wait_s}s:"
			cat "$log" >&2
			return 1
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
	# shellcheck disable=SC1090
	. "$env_file"
}

# td_sandbox_stop stops the sandbox started by td_sandbox_start, if any.
td_sandbox_stop() {
	local pid="$TD_SANDBOX_PID" i
	TD_SANDBOX_PID=""
	[[ -n "$pid" ]] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}
