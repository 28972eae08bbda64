#!/usr/bin/env bats
# `make install` into a staging DESTDIR: the installed tree works on its own
# (the command finds its shim, pkg-config builds and runs an STM program).

load helpers

setup_file() {
	export STAGE="$BATS_FILE_TMPDIR/stage" PFX=/opt/lh
	make -C "$ROOT" -s BUILD="$BUILD" install PREFIX="$PFX" DESTDIR="$STAGE" >/dev/null 2>&1
}

@test "70.1 install puts the command, libraries, headers, pkg-config files and man pages in place" {
	for f in bin/lockhound lib/liblockhound.so lib/liblockhound-stm.a lib/liblockhound-stm.so \
		lib/liblockhound-stm.so.0 include/lockhound/lockhound.h include/lockhound/stm.h \
		lib/pkgconfig/lockhound.pc lib/pkgconfig/lockhound-stm.pc \
		share/man/man1/lockhound.1 share/man/man3/lockhound.3 share/man/man3/lockhound-stm.3 \
		share/man/man7/liblockhound.7; do
		[ -e "$STAGE$PFX/$f" ] || fail "missing $PFX/$f"
	done
	run grep -c "prefix=$PFX" "$STAGE$PFX/lib/pkgconfig/lockhound-stm.pc"
	assert_output 1
}

@test "70.2 a program built with pkg-config lockhound-stm links and runs against the installed library" {
	cat > "$BATS_TEST_TMPDIR/t.c" <<'C'
#include <lockhound/stm.h>
#include <stdio.h>
static lh_tvar *v;
static int add(lh_tx *tx, void *arg) { lh_write(tx, v, lh_read(tx, v) + *(int *)arg); return 0; }
int main(void) { int one = 1; v = lh_tvar_new(41); lh_atomically(add, &one); printf("%ld\n", (long)lh_load(v)); return 0; }
C
	flags=$(PKG_CONFIG_SYSROOT_DIR="$STAGE" PKG_CONFIG_PATH="$STAGE$PFX/lib/pkgconfig" \
		pkg-config --cflags --libs lockhound-stm)
	run cc -o "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/t.c" $flags
	assert_success
	run env LD_LIBRARY_PATH="$STAGE$PFX/lib" timeout 20 "$BATS_TEST_TMPDIR/t"
	assert_success
	assert_output 42
}

@test "70.3 the installed command finds the installed shim and reports a potential deadlock" {
	p=$(prog abba_threads)
	run --separate-stderr timeout 60 "$STAGE$PFX/bin/lockhound" run \
		--json "$BATS_TEST_TMPDIR/r.json" -- "$p"
	assert_equal "$status" 66
	run jq -r '[.findings[].kind] | unique | join(",")' "$BATS_TEST_TMPDIR/r.json"
	assert_output potential-deadlock
}
