#!/usr/bin/env bash
# tests/pku/run.sh - run the race sensor's pku backend for real, under QEMU's
# emulated CPU (TCG, -cpu max emulates protection keys), on a machine whose
# CPU has none.  Not part of tests/run (CI has no qemu).
#
#   bash tests/pku/run.sh            build, boot, run tests/pku/guest.sh, report
#   KERNEL=/boot/vmlinuz-X ...       kernel image (default: newest /boot/vmlinuz-*)
#   BUILD=/tmp/b ...                 build directory (default: build)
#   ITER=N ...                       critical sections per thread for the cost figures
#   STRESS=N ...                     repetitions of the disarm-on-the-way run (10)
#   ONLY_STRESS=1 ...                run only that one (pku)
#   PKU_TIMEOUT=S ...                bound of the whole guest run (default 900)
#   KEEP=1 ...                       keep the temporary directory (console log)
#
# Builds what the scenarios need (make), a helper (tests/pku/trapcount.c),
# then an initramfs in a temporary directory: static busybox, the dynamic
# loader, the ldd closure of every binary, the build products at their own
# absolute paths, jq; boots qemu-system-x86_64 -cpu max (no KVM needed),
# whose init runs guest.sh and powers off.  Prints the guest's TAP lines, the
# cost table, and "N passed, N failed".  Exit 0 all passed, 1 failures or no
# result, 77 skipped (no qemu-system-x86_64, kernel image, busybox or cpio).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
ITER=${ITER:-2000}
PKU_TIMEOUT=${PKU_TIMEOUT:-900}

skip() { echo "1..0 # SKIP $*"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
KERNEL=${KERNEL:-$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip "no readable kernel image (/boot/vmlinuz-*; apt-get install linux-image-amd64, or KERNEL=)"
BUSYBOX=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "no static busybox (apt-get install busybox-static)"
command -v cpio >/dev/null || skip "cpio not found"
command -v jq >/dev/null || skip "jq not found"

PROGS="race_counter race_api race_heap hs_globals hs_heap_counter race_neighbours guard_counter guard_fork guard_own_segv guard_read"
targets="$BUILD/lib/liblockhound.so $BUILD/bin/lockhound $BUILD/bench/guardloop"
for p in $PROGS; do targets+=" $BUILD/tests/progs/$p"; done
# shellcheck disable=SC2086
make -s BUILD="$BUILD" $targets >&2 || { echo "Bail out! make failed"; exit 1; }
${CC:-cc} -O2 -g -Wall -Wextra -Werror -pthread -rdynamic -Iinclude -Icommon \
	tests/pku/trapcount.c -o "$BUILD/tests/pku-trapcount" || { echo "Bail out! trapcount"; exit 1; }
${CC:-cc} -O0 -g -Wall -Wextra -Werror -pthread -rdynamic -Iinclude \
	tests/pku/pku_cases.c -o "$BUILD/tests/pku-cases" || { echo "Bail out! pku_cases"; exit 1; }

T=$(mktemp -d /tmp/lh-pku.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
R=$T/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,etc,lib64,lib,usr/lib} || exit 1

bins="$BUILD/lib/liblockhound.so $BUILD/bin/lockhound $BUILD/bench/guardloop $BUILD/tests/pku-trapcount $BUILD/tests/pku-cases $(command -v jq)"
for p in $PROGS; do bins+=" $BUILD/tests/progs/$p"; done
# build products under /lh in the guest (its /tmp is a fresh tmpfs)
for b in $bins; do
	case $b in "$BUILD"/*) d=$R/lh/${b#"$BUILD"/} ;; *) d=$R$b ;; esac
	mkdir -p "$(dirname "$d")"
	cp -L "$b" "$d"
done
# the ldd closure (plus libgcc_s, which glibc loads at thread exit/cancel)
libs=$(for b in $bins; do ldd "$b" 2>/dev/null; done | awk '/=> \// {print $3} /^\t\/[^ ]*ld-linux/ {print $1}' | sort -u)
libs+=" $(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ {print $NF; exit}')"
for l in $libs; do
	[ -e "$l" ] || continue
	mkdir -p "$R$(dirname "$l")"
	cp -L "$l" "$R$l"
	# the loader also finds libraries under the real path's name
	rl=$(readlink -f "$l")
	[ "$rl" = "$l" ] || { mkdir -p "$R$(dirname "$rl")"; cp -L "$l" "$R$rl"; }
done
cp "$BUSYBOX" "$R/bin/busybox"
cp tests/pku/guest.sh "$R/guest.sh"
cat >"$R/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo "PKU| guest up: \$(uname -r)"
BUILD=/lh ITER=$ITER STRESS=${STRESS:-10} ONLY_STRESS=${ONLY_STRESS:-} DMESG_LINES=${DMESG_LINES:-3} sh /guest.sh 2>&1
echo "PKU| guest done"
sync
poweroff -f
EOF
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/initrd.gz" || { echo "Bail out! cpio"; exit 1; }
echo "# initramfs $(du -h "$T/initrd.gz" | cut -f1), kernel $KERNEL, booting qemu -cpu max (TCG) ..." >&2

start=$(date +%s)
timeout -k 10 "$PKU_TIMEOUT" qemu-system-x86_64 -nographic -no-reboot -m 1024 -smp 2 \
	-accel tcg -cpu max -kernel "$KERNEL" -initrd "$T/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet ${APPEND:-}" </dev/null >"$T/console.log" 2>&1
qrc=$?
echo "# qemu exit $qrc after $(($(date +%s) - start)) s" >&2

tr -d '\r' <"$T/console.log" | sed -n 's/^PKU| \{0,1\}//p' >"$T/results"
cat "$T/results"
pass=$(grep -c '^ok ' "$T/results")
fail=$(grep '^not ok ' "$T/results" | grep -vc '# TODO')
todo=$(grep '^not ok ' "$T/results" | grep -c '# TODO')
if ! grep -q '^guest done' "$T/results"; then
	echo "# the guest did not finish (qemu exit $qrc); last console lines:"
	tail -20 "$T/console.log" | sed 's/^/#   /'
	fail=$((fail + 1))
fi
[ "${KEEP:-0}" = 1 ] && echo "# console log: $T/console.log"
[ "$todo" -eq 0 ] || echo "# $todo known fallback misses (TODO, not counted)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
