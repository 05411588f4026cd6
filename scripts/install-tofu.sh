#!/usr/bin/env bash
# Builds a pinned OpenTofu CLI from the Go module proxy and caches it outside
# the repository. Prints the path of the binary as the last line of stdout;
# all progress goes to stderr.
#
# OpenTofu cannot be installed with `go install` (its go.mod has a `replace`
# directive), so it is built through a throwaway wrapper module that copies the
# release's `go`, `godebug` and `replace` directives.
#
# Environment:
#   TOFU_VERSION     OpenTofu release to build (default: the pinned one below)
#   TOFU_CACHE_DIR   base cache directory; the binary lands in
#                    $TOFU_CACHE_DIR/tofu-<version>/tofu
#                    (default: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk)
#   TOFU_BUILD_JOBS  go build -p value (default: number of CPUs, at most 4)
#
# Building takes about 7 minutes and 2 GB of memory on 2 cores.
set -euo pipefail

readonly TOFU_PINNED_VERSION="1.12.6"
version="${TOFU_VERSION:-$TOFU_PINNED_VERSION}"
version="${version#v}"

cache_base="${TOFU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk}"
dest_dir="$cache_base/tofu-$version"
dest="$dest_dir/tofu"

# Keep stdout for the final path only.
exec 3>&1 1>&2

log() { printf 'install-tofu: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || { log "go is not on PATH"; exit 1; }

# tofu prints a warning into `tofu version` when TF_CLI_CONFIG_FILE points at
# a missing file; use an empty config we control.
# shellcheck source=scripts/cli-version-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-version-lib.sh"

tmp_root="$(mktemp -d "${TMPDIR:-/tmp}/install-tofu.XXXXXX")"
trap 'rm -rf "$tmp_root"' EXIT

if [[ -x "$dest" ]] && [[ "$(cli_reported_version "$dest")" == "OpenTofu v$version" ]]; then
	log "using cached OpenTofu v$version"
	printf '%s\n' "$dest" >&3
	exit 0
fi

export GOWORK=off GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=mod"

log "fetching go.mod of github.com/opentofu/opentofu@v$version"
gomod_path="$(cd "$tmp_root" && go list -m -f '{{.GoMod}}' "github.com/opentofu/opentofu@v$version")"
if [[ -z "$gomod_path" || ! -f "$gomod_path" ]]; then
	log "could not fetch the go.mod of OpenTofu v$version from the module proxy"
	exit 1
fi

# Wrapper module: same go / toolchain / godebug / replace directives as the
# release's own go.mod (single-line or block form).
wrapper="$tmp_root/tofubuild"
mkdir -p "$wrapper"
{
	echo "module tofubuild"
	echo
	awk '
		/^(go|toolchain|godebug|replace)[[:space:]]*\($/ { inblock = 1; print; next }
		inblock { print; if ($0 ~ /^\)/) { inblock = 0; print "" } next }
		/^(go|toolchain|godebug|replace)[[:space:]]/ { print; print "" }
	' "$gomod_path"
} >"$wrapper/go.mod"
if ! grep -q '^replace.*github.com/hashicorp/hcl/v2' "$wrapper/go.mod" &&
	! grep -q 'github.com/hashicorp/hcl/v2.*=>' "$wrapper/go.mod"; then
	log "warning: no hcl/v2 replace directive found in OpenTofu's go.mod"
fi
log "wrapper go.mod:"
sed 's/^/    /' "$wrapper/go.mod" >&2

jobs="${TOFU_BUILD_JOBS:-}"
if [[ -z "$jobs" ]]; then
	jobs="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
	((jobs > 4)) && jobs=4
	((jobs < 1)) && jobs=1
fi

cd "$wrapper"
log "resolving dependencies (go get github.com/opentofu/opentofu/cmd/tofu@v$version)"
go get "github.com/opentofu/opentofu/cmd/tofu@v$version"

log "building OpenTofu v$version with -p $jobs (this takes several minutes)"
start=$SECONDS
go build -p "$jobs" -trimpath \
	-ldflags "-X github.com/opentofu/opentofu/version.dev=no" \
	-o "$tmp_root/tofu" github.com/opentofu/opentofu/cmd/tofu
log "built in $((SECONDS - start))s"

got="$(cli_reported_version "$tmp_root/tofu")"
if [[ "$got" != "OpenTofu v$version" ]]; then
	log "built binary reports '$got', expected 'OpenTofu v$version'"
	exit 1
fi

mkdir -p "$dest_dir"
mv -f "$tmp_root/tofu" "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
log "installed $dest"
printf '%s\n' "$dest" >&3
