#!/usr/bin/env bash
# Shared by the installers of Go tools (source it): builds a pinned module
# with `go install` and caches the binary outside the repository.

# go_install_cached NAME MODULE VERSION DEST IS_WANTED [LDFLAGS]
#
# Prints DEST on file descriptor 3 once DEST is a binary IS_WANTED accepts
# (IS_WANTED BIN: a function that succeeds when BIN is the build wanted):
# the cached one when it is, else a fresh `go install MODULE@vVERSION`
# built with the local toolchain outside the repository (so its go.mod or
# toolchain line cannot interfere), checked and moved into place
# atomically. Progress goes to stderr.
go_install_cached() {
	local name=$1 module=$2 version=$3 dest=$4 is_wanted=$5 ldflags=${6:-}
	if [[ -x "$dest" ]] && "$is_wanted" "$dest"; then
		printf 'install-%s: using cached %s v%s\n' "$name" "$name" "$version" >&2
		printf '%s\n' "$dest" >&3
		return 0
	fi
	local tmp_bin start bin
	tmp_bin="$(mktemp -d "${TMPDIR:-/tmp}/install-$name.XXXXXX")"
	# shellcheck disable=SC2064 # the directory is known now
	trap "rm -rf '$tmp_bin'" EXIT
	printf 'install-%s: installing %s v%s with %s (several minutes on a cold cache)\n' "$name" "$name" "$version" "$(go env GOVERSION)" >&2
	start=$SECONDS
	(cd "$tmp_bin" &&
		GOWORK=off GOTOOLCHAIN=local GOBIN="$tmp_bin" \
			go install ${ldflags:+-ldflags "$ldflags"} "$module@v$version")
	printf 'install-%s: built in %ss\n' "$name" "$((SECONDS - start))" >&2
	# go install names the binary after the last path element that is not
	# a major version suffix (…/goreleaser/v2 installs goreleaser).
	bin="${module##*/}"
	if [[ "$bin" =~ ^v[0-9]+$ ]]; then
		bin="${module%/*}"
		bin="${bin##*/}"
	fi
	bin="$tmp_bin/$bin"
	if ! "$is_wanted" "$bin"; then
		printf 'install-%s: the installed binary is not v%s built with %s\n' "$name" "$version" "$(go env GOVERSION)" >&2
		return 1
	fi
	mkdir -p "$(dirname "$dest")"
	mv -f "$bin" "$dest.tmp.$$"
	mv -f "$dest.tmp.$$" "$dest"
	printf 'install-%s: installed %s\n' "$name" "$dest" >&2
	printf '%s\n' "$dest" >&3
}
