#!/usr/bin/env bash
# Runs `go test -json` with the given arguments and prints, instead of its
# stream, every package's result and every skipped test with the reason it
# gave, so that no skip goes unnoticed (make test-tf15: what Terraform 1.5
# cannot run). A failing run prints its whole output and fails.
#
# Usage: scripts/go-test-skips.sh [go test flags] PACKAGES...
set -euo pipefail

command -v jq >/dev/null 2>&1 || { echo "go-test-skips: jq is not on PATH" >&2; exit 1; }

log="$(mktemp "${TMPDIR:-/tmp}/go-test-skips.XXXXXX")"
trap 'rm -f "$log"' EXIT

status=0
go test -json "$@" >"$log" 2>&1 || status=$?
if ((status)); then
	# Build errors come as plain lines beside the JSON events.
	jq -Rrj '. as $line | (try fromjson catch null) as $e
		| if ($e | type) != "object" then $line + "\n" elif $e.Output then $e.Output else empty end' "$log"
	exit "$status"
fi

jq -Rrs '[split("\n")[] | select(length > 0) | try fromjson catch empty | select(type == "object")] as $events
	| ($events[] | select((.Action == "pass" or .Action == "fail") and (.Test | not))
		| "\(.Action)  \(.Package)  \((.Elapsed * 10 | floor) / 10)s"),
	($events[] | select(.Action == "skip" and .Test) as $s
		| "SKIP  \($s.Test): " + ([$events[]
			| select(.Package == $s.Package and .Test == $s.Test and .Action == "output")
			| .Output | select(test("^\\s+\\S+\\.go:[0-9]+: "))
			| sub("^\\s+\\S+\\.go:[0-9]+: "; "") | rtrimstr("\n")] | join(" ")))' "$log"
