#!/usr/bin/env bash
# Installs a pinned OPA (Open Policy Agent) CLI with `go install` into a cache
# directory outside the repository. Prints the path of the binary as the last
# line of stdout; all progress goes to stderr.
#
# Environment:
#   OPA_VERSION    version to install (default: the pinned one below)
#   OPA_CACHE_DIR  base cache directory; the binary lands in
#                  $OPA_CACHE_DIR/opa-<version>/opa
#                  (default: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk)
#
# Building takes about a minute of CPU on 2 cores with a warm module cache.
# Usage: "$(scripts/install-opa.sh | tail -n 1)" test examples/opa-policy/policy
set -euo pipefail

readonly OPA_PINNED_VERSION="1.22.3"
version="${OPA_VERSION:-$OPA_PINNED_VERSION}"
version="${version#v}"

cache_base="${OPA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk}"
dest="$cache_base/opa-$version/opa"

exec 3>&1 1>&2

command -v go >/dev/null 2>&1 || { echo "install-opa: go is not on PATH" >&2; exit 1; }

# `opa version` prints "Version: 1.22.3" on its first line.
is_wanted() {
	local out
	out="$("$1" version 2>/dev/null)" || true
	[[ "${out%%$'\n'*}" == "Version: $version" ]]
}

# shellcheck source=scripts/go-install-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-install-lib.sh"
go_install_cached opa github.com/open-policy-agent/opa "$version" "$dest" is_wanted
