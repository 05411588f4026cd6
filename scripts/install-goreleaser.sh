#!/usr/bin/env bash
# Installs a pinned GoReleaser v2 with `go install` from the Go module proxy
# into a cache directory outside the repository. Prints the path of the
# binary as the last line of stdout; all progress goes to stderr.
#
# Building GoReleaser from source is slow (it is a large module: see the
# timing logged on the first run); the binary is cached, so later runs take
# no time. `make release-check` uses it.
#
# Environment:
#   GORELEASER_VERSION    version to install (default: the pinned one below)
#   GORELEASER_CACHE_DIR  base cache directory; the binary lands in
#                         $GORELEASER_CACHE_DIR/goreleaser-<version>/goreleaser
#                         (default: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk)
#
# Usage: "$(scripts/install-goreleaser.sh | tail -n 1)" check
set -euo pipefail

# 2.17.0 is the newest release whose go.mod accepts Go 1.26 (2.18 needs 1.27).
readonly GORELEASER_PINNED_VERSION="2.17.0"
version="${GORELEASER_VERSION:-$GORELEASER_PINNED_VERSION}"
version="${version#v}"

cache_base="${GORELEASER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk}"
dest="$cache_base/goreleaser-$version/goreleaser"

exec 3>&1 1>&2

command -v go >/dev/null 2>&1 || { echo "install-goreleaser: go is not on PATH" >&2; exit 1; }

# The version line of `goreleaser --version` ("GitVersion:    2.17.0"); no
# pipe into head or grep -m: with pipefail an early-closed pipe fails us.
reported_version() {
	local out line
	out="$("$1" --version 2>/dev/null)" || true
	while IFS= read -r line; do
		if [[ "$line" == GitVersion:* ]]; then
			line="${line#GitVersion:}"
			printf '%s\n' "${line//[[:space:]]/}"
			return
		fi
	done <<<"$out"
}

is_wanted() { [[ "$(reported_version "$1")" == "$version" ]]; }

# shellcheck source=scripts/go-install-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-install-lib.sh"
# The version is stamped the way GoReleaser's own release build does, so that
# `goreleaser --version` reports it (go install alone would say "devel").
go_install_cached goreleaser github.com/goreleaser/goreleaser/v2 "$version" "$dest" is_wanted "-s -w -X main.version=$version"
