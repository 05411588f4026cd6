#!/usr/bin/env bash
# Prints the path of a Terraform CLI for acceptance tests (use it as
# TF_ACC_TERRAFORM_PATH) as the last line of stdout; progress goes to stderr.
#
# Order of preference:
#   1. $TF_ACC_TERRAFORM_PATH, if set and executable;
#   2. `terraform` on PATH;
#   3. a cached build from the Go module proxy:
#        GOBIN=<cache>/terraform-<version> go install github.com/hashicorp/terraform@v<version>
#
# Environment:
#   TERRAFORM_VERSION    version for the fallback build (default: the pinned one below)
#   TERRAFORM_CACHE_DIR  base cache directory; the fallback lands in
#                        $TERRAFORM_CACHE_DIR/terraform-<version>/terraform
#                        (default: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk)
#
# Terraform >= 1.10 cannot be built this way (its go.mod has replace directives
# pointing at nested modules the proxy does not serve); 1.5.7 can.
#
# Never set TF_ACC_TERRAFORM_VERSION in tests: terraform-plugin-testing would
# try to download Terraform, and there is no network here.
set -euo pipefail

readonly TERRAFORM_PINNED_VERSION="1.11.4"
version="${TERRAFORM_VERSION:-$TERRAFORM_PINNED_VERSION}"
version="${version#v}"

cache_base="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk}"
dest_dir="$cache_base/terraform-$version"
dest="$dest_dir/terraform"

exec 3>&1 1>&2

log() { printf 'terraform-path: %s\n' "$*" >&2; }
found() {
	printf '%s\n' "$1" >&3
	exit 0
}

if [[ -n "${TF_ACC_TERRAFORM_PATH:-}" ]]; then
	if [[ -f "$TF_ACC_TERRAFORM_PATH" && -x "$TF_ACC_TERRAFORM_PATH" ]]; then
		found "$TF_ACC_TERRAFORM_PATH"
	fi
	log "TF_ACC_TERRAFORM_PATH=$TF_ACC_TERRAFORM_PATH is not an executable file; looking elsewhere"
fi

if tf="$(command -v terraform 2>/dev/null)" && [[ -n "$tf" ]]; then
	found "$tf"
fi

# shellcheck source=scripts/cli-version-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-version-lib.sh"

tmp_root="$(mktemp -d "${TMPDIR:-/tmp}/terraform-path.XXXXXX")"
trap 'rm -rf "$tmp_root"' EXIT

if [[ -x "$dest" ]] && [[ "$(cli_reported_version "$dest")" == "Terraform v$version" ]]; then
	log "using cached Terraform v$version"
	found "$dest"
fi

command -v go >/dev/null 2>&1 || {
	log "no Terraform CLI found (TF_ACC_TERRAFORM_PATH unset, none on PATH) and go is not on PATH to build one"
	exit 1
}

log "no Terraform CLI found; building Terraform v$version from the Go module proxy (takes several minutes)"
start=$SECONDS
if ! (cd "$tmp_root" &&
	GOWORK=off GOTOOLCHAIN=local GOBIN="$tmp_root/bin" \
		go install "github.com/hashicorp/terraform@v$version") 2>"$tmp_root/install.log"; then
	cat "$tmp_root/install.log" >&2
	log "ERROR: could not build Terraform v$version with 'go install github.com/hashicorp/terraform@v$version'."
	if grep -q 'replace directives' "$tmp_root/install.log"; then
		log "Terraform's go.mod has 'replace' directives pointing at nested modules that the Go module"
		log "proxy does not serve, so 'go install' (and a wrapper module) cannot build it."
		log "TERRAFORM_VERSION=1.5.7 (the last release whose go.mod has no replace directives) does build."
	fi
	log "Install a Terraform CLI on PATH, or set TF_ACC_TERRAFORM_PATH to one"
	log "(OpenTofu works too: TF_ACC_TERRAFORM_PATH=\"\$(scripts/install-tofu.sh | tail -n 1)\" and"
	log "TF_ACC_PROVIDER_HOST=registry.opentofu.org)."
	exit 1
fi
cat "$tmp_root/install.log" >&2
log "built in $((SECONDS - start))s"

got="$(cli_reported_version "$tmp_root/bin/terraform")"
if [[ "$got" != "Terraform v$version" ]]; then
	log "built binary reports '$got', expected 'Terraform v$version'"
	exit 1
fi

mkdir -p "$dest_dir"
mv -f "$tmp_root/bin/terraform" "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
log "installed $dest"
found "$dest"
