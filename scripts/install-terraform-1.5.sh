#!/usr/bin/env bash
# Installs Terraform 1.5.7, the last MPL-licensed release, which many fleets
# stay pinned at, with `go install github.com/hashicorp/terraform@v1.5.7`
# into a cache directory outside the repository (later releases cannot be
# built from the Go module proxy: see scripts/terraform-path.sh). Prints the
# path of the binary as the last line of stdout; progress goes to stderr.
#
# Environment:
#   TERRAFORM_CACHE_DIR  base cache directory; the binary lands in
#                        $TERRAFORM_CACHE_DIR/terraform-1.5.7/terraform
#                        (default: ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk)
#
# Building takes about 4 minutes of CPU (2-3 minutes of wall time on 2 idle
# cores) with a cold build cache.
# Usage: TF_ACC_TERRAFORM_PATH="$(scripts/install-terraform-1.5.sh | tail -n 1)" go test ./internal/provider/
set -euo pipefail

version="1.5.7" # not readonly: go-install-lib.sh declares a local of that name

cache_base="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-talkdesk}"
dest="$cache_base/terraform-$version/terraform"

exec 3>&1 1>&2

command -v go >/dev/null 2>&1 || { echo "install-terraform-1.5: go is not on PATH" >&2; exit 1; }

# shellcheck source=scripts/cli-version-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-version-lib.sh"

is_wanted() {
	[[ "$(cli_reported_version "$1")" == "Terraform v$version" ]]
}

# shellcheck source=scripts/go-install-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-install-lib.sh"
go_install_cached terraform github.com/hashicorp/terraform "$version" "$dest" is_wanted
