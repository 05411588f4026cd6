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
dest="$cache_base/golangci-lint-$version/golangci-lint"

exec 3>&1 1>&2

command -v go >/dev/null 2>&1 || { echo "install-golangci-lint: go is not on PATH" >&2; exit 1; }

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

# A binary is wanted when it reports the version and was built by the Go
# release in use.
is_wanted() {
	local got
	got="$(reported_version "$1")"
	[[ "$got" == "$version" || "$got" == "v$version" ]] && [[ "$(built_with "$1")" == "$go_version" ]]
}

# shellcheck source=scripts/go-install-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-install-lib.sh"
go_install_cached golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint "$version" "$dest" is_wanted
