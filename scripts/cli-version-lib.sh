#!/usr/bin/env bash
# Shared by the CLI installers (source it): reads the version a Terraform or
# OpenTofu binary reports, with an empty CLI configuration so that no user
# file (or a missing one named by TF_CLI_CONFIG_FILE) adds warnings.

# cli_reported_version BIN prints the first line of `BIN version`.
cli_reported_version() {
	local rc out
	rc="$(mktemp "${TMPDIR:-/tmp}/cli-version.XXXXXX")"
	# No pipe into head: with pipefail an early-closed pipe fails the caller.
	out="$(TF_CLI_CONFIG_FILE="$rc" CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || true
	rm -f "$rc"
	printf '%s\n' "${out%%$'\n'*}"
}
