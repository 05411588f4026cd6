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
dest_dir="$cache_base/goreleaser-$version"
dest="$dest_dir/goreleaser"

exec 3>&1 1>&2

log() { printf 'install-goreleaser: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || { log "go is not on PATH"; exit 1; }

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

if [[ -x "$dest" ]] && [[ "$(reported_version "$dest")" == "$version" ]]; then
	log "using cached goreleaser v$version"
	printf '%s\n' "$dest" >&3
	exit 0
fi

tmp_bin="$(mktemp -d "${TMPDIR:-/tmp}/install-goreleaser.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT

log "installing goreleaser v$version with $(go env GOVERSION) (a large module: several minutes on a cold cache)"
start=$SECONDS
# Run outside the repository so its go.mod / toolchain line cannot interfere.
# The version is stamped the way GoReleaser's own release build does, so that
# `goreleaser --version` reports it (go install alone would say "devel").
(cd "$tmp_bin" &&
	GOWORK=off GOTOOLCHAIN=local GOBIN="$tmp_bin" \
		go install -ldflags "-s -w -X main.version=$version" \
		"github.com/goreleaser/goreleaser/v2@v$version")
log "built in $((SECONDS - start))s"

got="$(reported_version "$tmp_bin/goreleaser")"
if [[ "$got" != "$version" ]]; then
	log "installed binary reports version '$got', expected '$version'"
	exit 1
fi

mkdir -p "$dest_dir"
mv -f "$tmp_bin/goreleaser" "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
log "installed $dest"
printf '%s\n' "$dest" >&3
