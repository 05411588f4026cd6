#!/usr/bin/env bash
# Installs a pinned golangci-lint v2 with `go install` (built with the local Go
# toolchain, so it understands this module's Go version) into a cache directory
# outside the repository. Prints the path of the binary as the last line of
# stdout; all progress goes to stderr.
#
# Environment:
#   GOLANGCI_LINT_VERSION    version to install (default: the pinned one below)
#   GOLANGCI_LINT_CACHE_DIR  base cache directory; the binary lands in
#                            $GOLANGCI_LINT_CACHE_DIR/golangci-lint-<version>/golangci-lint
#                            (default: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk)
#
# Usage: "$(scripts/install-golangci-lint.sh | tail -n 1)" run ./...
set -euo pipefail

readonly GOLANGCI_LINT_PINNED_VERSION="2.15.0"
version="${GOLANGCI_LINT_VERSION:-$GOLANGCI_LINT_PINNED_VERSION}"
version="${version#v}"

cache_base="${GOLANGCI_LINT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk}"
dest_dir="$cache_base/golangci-lint-$version"
dest="$dest_dir/golangci-lint"

exec 3>&1 1>&2

log() { printf 'install-golangci-lint: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || { log "go is not on PATH"; exit 1; }

# First line of `<binary> version --short` (no pipe into head: with pipefail
# an early-closed pipe would fail the whole function).
reported_version() {
	local out
	out="$("$1" version --short 2>/dev/null)" || true
	printf '%s\n' "${out%%$'\n'*}"
}

# The binary must also have been built by the Go release in use: golangci-lint
# refuses to analyse code that targets a newer Go than the one it was built with.
go_version="$(go env GOVERSION)"
built_with() {
	go version "$1" 2>/dev/null | awk '{print $2}'
}

if [[ -x "$dest" ]] &&
	[[ "$(reported_version "$dest")" == "$version" || "$(reported_version "$dest")" == "v$version" ]] &&
	[[ "$(built_with "$dest")" == "$go_version" ]]; then
	log "using cached golangci-lint v$version"
	printf '%s\n' "$dest" >&3
	exit 0
fi

tmp_bin="$(mktemp -d "${TMPDIR:-/tmp}/install-golangci-lint.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT

log "installing golangci-lint v$version with $go_version (takes a few minutes)"
start=$SECONDS
# Run outside the repository so its go.mod / toolchain line cannot interfere.
(cd "$tmp_bin" &&
	GOWORK=off GOTOOLCHAIN=local GOBIN="$tmp_bin" \
		go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$version")
log "built in $((SECONDS - start))s"

got="$(reported_version "$tmp_bin/golangci-lint")"
if [[ "$got" != "$version" && "$got" != "v$version" ]]; then
	log "installed binary reports version '$got', expected '$version'"
	exit 1
fi

mkdir -p "$dest_dir"
mv -f "$tmp_bin/golangci-lint" "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
log "installed $dest"
printf '%s\n' "$dest" >&3
