#!/usr/bin/env bash
# tests/fuzz_regress.sh - replay every saved fuzzer input (tests/data/fuzz/)
# through `lockhound report` with each output format.  Each must end with a
# documented status (0, 1 findings, 3 corrupt input), never a signal or a
# sanitizer report, within 60 s.  TAP on stdout.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
LH=$BUILD/bin/lockhound
shopt -s nullglob
inputs=(tests/data/fuzz/*)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "1..$(( ${#inputs[@]} * 4 ))"
n=0
for f in "${inputs[@]}"; do
	for fmt in text json sarif html; do
		n=$((n + 1))
		timeout -k 5 60 "$LH" report --format "$fmt" -o "$out/r" --html "$out/r.html" "$f" \
			>"$out/stdout" 2>"$out/stderr"
		rc=$?
		if { [ $rc -eq 0 ] || [ $rc -eq 1 ] || [ $rc -eq 3 ]; } &&
		   ! grep -qE 'Sanitizer|runtime error' "$out/stderr"; then
			echo "ok $n - $(basename "$f") --format $fmt: exit $rc"
		else
			echo "not ok $n - $(basename "$f") --format $fmt: exit $rc"
			head -n 15 "$out/stderr" | sed 's/^/# /'
		fi
	done
done
