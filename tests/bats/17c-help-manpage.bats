#!/usr/bin/env bats
# `lockhound --help` and man/man1/lockhound.1 list exactly the options the
# command accepts (the getopt table of analyzer/cli_opts.c) and every shim
# option of common/options.def.

load helpers

setup() {
	need_lockhound
	MAN=$ROOT/man/man1/lockhound.1
	# long options of the getopt table: { "name", ... }
	ACCEPTED=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*_argument.*/\1/p' "$ROOT/analyzer/cli_opts.c" | sort -u)
	[ -n "$ACCEPTED" ] || fail "no long options found in cli_opts.c"
	HELP=$("$LH" --help)
	# the man page as text, hyphens unescaped
	MANTXT=$(sed 's/\\-/-/g' "$MAN")
}

@test "17c.1 lockhound.1 renders without groff warnings" {
	run groff -man -ww -z "$MAN"
	assert_success
	assert_output ""
}

@test "17c.2 every accepted long option is in --help and in lockhound.1, and is accepted" {
	for o in $ACCEPTED; do
		[[ "$HELP" == *"--$o"* ]] || fail "--$o is accepted but not in --help"
		[[ "$MANTXT" == *"--$o"* ]] || fail "--$o is accepted but not in lockhound.1"
	done
	for o in --help --version; do
		run "$LH" "$o"
		assert_success
	done
}

@test "17c.3 every --option named by --help or lockhound.1 is accepted" {
	# (what follows " -- " in an example is PROGRAM's own arguments)
	named=$( { printf '%s\n' "$HELP"; printf '%s\n' "$MANTXT"; } | sed 's/ -- .*//' |
		grep -oE '(^|[^a-z-])--[a-z][a-z-]+' | sed 's/.*--/--/' | sort -u)
	for o in $named; do
		case $o in --version) continue ;; esac
		grep -qx -- "${o#--}" <<<"$ACCEPTED" || fail "$o is documented but not accepted"
	done
	# and the short ones
	for o in -O -o; do
		[[ "$HELP" == *"$o "* ]] || fail "$o not in --help"
		grep -q -- "^\.BI $(sed 's/-/\\\\-/' <<<"$o") " "$MAN" || fail "$o not in lockhound.1"
	done
}

@test "17c.4 every shim option of options.def is in --help and in lockhound.1" {
	keys=$(sed -n 's/^LH_OPT([a-z]*, *\([a-z_]*\),.*/\1/p' "$ROOT/common/options.def")
	[ -n "$keys" ] || fail "no keys in options.def"
	for k in $keys; do
		grep -qE "^  $k " <<<"$HELP" || fail "shim option $k not in --help"
		grep -qE "^\.BR? $k( |=|$)" "$MAN" || fail "shim option $k not in lockhound.1"
	done
}
