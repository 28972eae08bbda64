#!/usr/bin/env bash
# tests/browser/chromium.sh - run Debian's chromium headless on a local page.
#
#   chromium.sh dom URL          print the DOM after scripts ran (stdout);
#                                console messages go to $CONSOLE_LOG
#   chromium.sh shot URL PNG     save a screenshot
#
# A fresh profile each run, and every background service off, so nothing
# leaves the machine.  Exit 77 when chromium is not installed.
set -u
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || exit 77
mode=$1 url=$2
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile" --enable-logging=stderr --v=0
       --virtual-time-budget=3000)
case $mode in
dom)  timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "$url" 2>"${CONSOLE_LOG:-/dev/null}" ;;
shot) timeout 90 "$CHROMIUM" "${flags[@]}" --hide-scrollbars --window-size=1280,2000 \
          --screenshot="$3" "$url" 2>"${CONSOLE_LOG:-/dev/null}" >/dev/null ;;
*)    echo "usage: $0 dom URL | shot URL PNG" >&2; exit 2 ;;
esac
