# tests/bats/helpers.bash - shared setup for the end-to-end tests.
#
#   load helpers
#   run_lh PROG [ARGS...]                  lockhound run on a scenario program
#   run_lh [LOCKHOUND-OPTS...] -- PROG ... the same with options for `run`
#   assert_kinds "potential-deadlock"      exact set of kinds in the JSON report
#   count_kind KIND, kinds, lock_names KIND, finding_count KIND
#
# Paths are absolute; BUILD (default: build) may point elsewhere, as in
# `make check BUILD=/tmp/b`.  Scenario programs are built on demand.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
LH=$BUILD/bin/lockhound
SHIM=$BUILD/lib/liblockhound.so
PROGS=$BUILD/tests/progs
LH_TIMEOUT=${LH_TIMEOUT:-60}

# prog NAME: absolute path of a scenario program (built if missing).
prog() {
	local p=$PROGS/$1
	if [ ! -x "$p" ]; then
		make -C "$ROOT" -s BUILD="$BUILD" "$p" >&2 || {
			echo "cannot build $p" >&2
			return 1
		}
	fi
	echo "$p"
}

# need_lockhound: fail clearly when the shim or the command is not built.
need_lockhound() {
	[ -x "$LH" ] || fail "$LH is not built (make $LH)"
	[ -f "$SHIM" ] || fail "$SHIM is not built (make $SHIM)"
}

# The JSON report of the last run_lh.
report_json() { echo "$BATS_TEST_TMPDIR/r.json"; }

# run_lh [OPTS... --] PROG [ARGS...]: bats `run` (stdout in $output, stderr in
# $stderr) of `lockhound run --out DIR --json FILE`, bounded by LH_TIMEOUT.
run_lh() {
	local a sep=(--)
	need_lockhound
	for a in "$@"; do
		[ "$a" = "--" ] && sep=()
	done
	rm -rf "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/r.json"
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$LH" run \
		--out "$BATS_TEST_TMPDIR/out" --json "$BATS_TEST_TMPDIR/r.json" "${sep[@]}" "$@"
}

# run_preload PROG [ARGS...]: the shim used directly, LOCKHOUND_OPTIONS from
# $LH_OPTS plus trace_dir=$BATS_TEST_TMPDIR/traces.
run_preload() {
	need_lockhound
	mkdir -p "$BATS_TEST_TMPDIR/traces"
	# timeout outside: only the program itself is preloaded
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" env LD_PRELOAD="$SHIM" \
		LOCKHOUND_OPTIONS="trace_dir=$BATS_TEST_TMPDIR/traces${LH_OPTS:+:$LH_OPTS}" \
		"$@"
}

# Print what the last run produced; used when an assertion fails.
show_run() {
	echo "--- lockhound status: ${status:-?}"
	echo "--- stderr:"
	printf '%s\n' "${stderr:-}" | head -n 60
	if [ -f "$(report_json)" ]; then
		echo "--- findings:"
		jq -r '.findings[] | "\(.kind) x\(.count): \(.summary)"' "$(report_json)" 2>&1 | head -n 20
	else
		echo "--- no JSON report written"
	fi
}

# kinds [FILE]: the distinct kinds in a JSON report, sorted, space separated.
kinds() {
	jq -r '[.findings[].kind] | unique | join(" ")' "${1:-$(report_json)}"
}

# count_kind KIND [FILE]: number of findings of that kind.
count_kind() {
	jq --arg k "$1" '[.findings[] | select(.kind == $k)] | length' "${2:-$(report_json)}"
}

# finding_count KIND [FILE]: the `count` of the first finding of that kind.
finding_count() {
	jq --arg k "$1" '[.findings[] | select(.kind == $k)][0].count' "${2:-$(report_json)}"
}

# lock_names KIND [N] [FILE]: sorted lock names of the N-th (0-based) finding
# of that kind, space separated.
lock_names() {
	jq -r --arg k "$1" --argjson n "${2:-0}" \
		'[.findings[] | select(.kind == $k)][$n].locks | map(.name) | sort | join(" ")' \
		"${3:-$(report_json)}"
}

# assert_kinds "KIND..." : the report exists, is JSON version 1, and its
# distinct kinds are exactly these (sorted, space separated; "" for none).
assert_kinds() {
	local want=$1 got
	[ -f "$(report_json)" ] || { show_run; fail "no JSON report at $(report_json)"; }
	jq -e '.version == 1 and (.findings | type == "array")' "$(report_json)" >/dev/null ||
		{ show_run; fail "JSON report is not version 1 with a findings array"; }
	got=$(kinds)
	if [ "$got" != "$want" ]; then
		show_run
		fail "kinds: expected [$want], got [$got]"
	fi
}

# assert_status N: $status is N (shows the run otherwise).
assert_status() {
	if [ "$status" -ne "$1" ]; then
		show_run
		fail "exit status: expected $1, got $status"
	fi
}
