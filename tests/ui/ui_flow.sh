#!/bin/bash
# The kiosk app in a real window under Xvfb, driven by real X input events (xdotool), checked by
# the text the app drew (CATE_UI_TEXT_LOG) and by the records in its SQLite file.
#
#   scan success -> welcome with the first name -> back to Welcome by itself
#   same ticket again -> "already signed in" -> Done (touched)
#   each refused ticket -> its own message -> Done
#   a refusal left alone, and a half-typed code -> idle reset: Welcome, buffers wiped
#   Español -> Spanish welcome and results -> idle reset back to English
#   afterwards: no Welcome frame ever drew a name; the check-ins and refused scans are on disk
#
# Needs: $CATE_KIOSK (the cate-kiosk binary), Xvfb, xdotool, import (imagemagick), sqlite3.
# Screenshots of every screen in both languages go to $CATE_UI_SCREENSHOTS (default ./screenshots).
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in Xvfb xdotool import sqlite3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (image/deps.sh installs it)"
done
[ -x "${CATE_KIOSK:-}" ] || fail "CATE_KIOSK must name the cate-kiosk binary"

SHOTS=${CATE_UI_SCREENSHOTS:-$PWD/screenshots}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/welcome-*.png "$SHOTS"/result-*.png "$SHOTS"/idle-*.png  # this test's own; the others keep theirs
WORK=$(mktemp -d)
LOG=$WORK/text.log
XVFB_PID="" APP_PID=""
cleanup() {
  local rc=$?
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$rc" != 0 ]; then  # keep what shows why
    cp "$LOG" "$WORK/app.err" "$SHOTS/" 2>/dev/null || true
    echo "the text log and the app's messages are in $SHOTS" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- Xvfb on a free display (it picks the number itself and tells us) ------------------------
# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_start_xvfb

# --- the kiosk on its demo ----------------------------------------------------------------------
IDLE=4
CATE_DATA_DIR=$WORK CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --demo --idle-seconds $IDLE \
  --welcome-seconds 3 --refusal-seconds 60 >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!

scan() { xdotool type --delay 2 -- "$1"; xdotool key Return; }
code_of() { awk -v f="$1" 'index($0, f)==1 {getline; print; exit}' "$WORK/demo/tickets/codes.txt"; }

wait_for "screen=welcome" 30
[ -s "$WORK/demo/tickets/codes.txt" ] || fail "the demo wrote no tickets"
ANA=$(code_of 01-ana.png) MARCUS=$(code_of 02-marcus.png) JOSE=$(code_of 04-jos)
shot welcome-en

echo "== scan: welcome with the first name, then back to Welcome by itself"
scan "$ANA"
wait_for "Welcome, Ana!"
shot result-checked_in-en
wait_for "screen=welcome" 8

echo "== the same ticket again: already signed in; Done"
scan "$ANA"
wait_for "You are already signed in"
shot result-already_checked_in-en
touch_button "Done"
wait_for "screen=welcome" 5

echo "== a scanner set to send no Enter: its burst ends in silence and is a scan all the same"
xdotool type --delay 2 -- "$ANA"
wait_for "You are already signed in" 10
touch_button "Done"
wait_for "screen=welcome" 5

echo "== every refusal has its own message"
for t in expired:"This ticket has expired" revoked:"This ticket is no longer valid" \
         forged:"This code could not be confirmed" other-meeting:"This ticket is for another meeting" \
         not-yet-valid:"This ticket is not open yet" unknown-key:"This kiosk cannot check this ticket"; do
  kind=${t%%:*} title=${t#*:}
  scan "$(code_of "refused-$kind.png")"
  wait_for "$title"
  shot "result-${kind//-/_}-en"
  touch_button "Done"
  wait_for "screen=welcome" 5
done
scan "HELLO-THIS-IS-NOT-A-TICKET"
wait_for "We could not read that code"
shot result-unreadable-en

echo "== idle: a refusal left alone goes back to Welcome"
wait_for "screen=welcome lang=en typed=0" $((IDLE + 4))

echo "== idle: a half-typed code is wiped (typed at a person's pace)"
xdotool type --delay 150 -- "CATE1-QWSMH"
wait_for "typed=11"  # 11 bytes waiting in the hidden buffer
last_frame | grep -qF "Reading your code" || fail "the welcome does not say a code is being read"
shot welcome-reading-en
wait_for "screen=welcome lang=en typed=0" $((IDLE + 4))
last_frame | grep -qF "Reading your code" && fail "the half-typed code was not wiped"

echo "== a success, then idle: nothing drawn holds the name"
scan "$MARCUS"
wait_for "Welcome, Marcus!"
mark=$(wc -l <"$LOG")
sleep $((IDLE + 1))
wait_for "screen=welcome lang=en typed=0" 5
tail -n +"$((mark + 1))" "$LOG" | awk '/^=== frame .*screen=welcome/{w=1} w' | grep -F "Marcus" \
  && fail "a frame after the welcome still drew the name"

echo "== Español"
touch_button "Español"
wait_for "Le damos la bienvenida"
shot welcome-es
scan "$JOSE"
wait_for "¡Bienvenido/a, José!"
shot result-checked_in-es
wait_for "screen=welcome lang=es" 8
scan "$JOSE"
wait_for "Usted ya está registrado/a"
shot result-already_checked_in-es
touch_button "Listo"
wait_for "screen=welcome lang=es" 5
for t in expired:"Este boleto ha vencido" revoked:"Este boleto ya no es válido" \
         forged:"No pudimos confirmar este código" other-meeting:"Este boleto es para otra reunión" \
         not-yet-valid:"Este boleto todavía no se puede usar" unknown-key:"Este quiosco no puede verificar este boleto"; do
  kind=${t%%:*} title=${t#*:}
  scan "$(code_of "refused-$kind.png")"
  wait_for "$title"
  shot "result-${kind//-/_}-es"
  touch_button "Listo"
  wait_for "screen=welcome lang=es" 5
done
scan "HELLO-THIS-IS-NOT-A-TICKET"
wait_for "No pudimos leer ese código"
shot result-unreadable-es
echo "== idle in Spanish: back to Welcome in English, wiped"
wait_for "screen=welcome lang=en typed=0" $((IDLE + 4))
wait_for "Welcome to the meeting" 2

echo "== the kiosk closes cleanly"
kill -TERM "$APP_PID"
for _ in $(seq 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
rc=0; wait "$APP_PID" || rc=$?
APP_PID=""
[ "$rc" = 0 ] || fail "cate-kiosk exited with $rc: $(cat "$WORK/app.err")"

echo "== no Welcome frame ever drew a name; the records are on disk"
names=$(sed -n 's/.*"first_name": *"\([^"]*\)".*"last_name": *"\([^"]*\)".*/\1\n\2/p' \
  "${CATE_DEMO_JSON:?}")
[ -n "$names" ] || fail "no demo names to look for"
awk '/^=== frame /{w = ($0 ~ /screen=welcome/)} w' "$LOG" >"$WORK/welcome-frames"
while IFS= read -r n; do
  grep -qF -- "$n" "$WORK/welcome-frames" && fail "a Welcome frame drew \"$n\""
done <<<"$names"

DB=$WORK/demo/demo.db
got=$(sqlite3 "$DB" "SELECT group_concat(first_name || ':' || method, ' ') FROM
  (SELECT r.first_name, c.method FROM check_in c JOIN rsvp r ON r.id = c.rsvp_id ORDER BY c.at_ms)")
[ "$got" = "Ana:scanner Marcus:scanner José:scanner" ] || fail "check-ins on disk: $got"
got=$(sqlite3 "$DB" "SELECT group_concat(outcome || '=' || n, ' ') FROM
  (SELECT outcome, count(*) n FROM refused_scan GROUP BY outcome ORDER BY outcome)")
want="already_checked_in=3 expired=2 forged=2 not_yet_valid=2 other_meeting=2 revoked=2 unknown_key=2 unreadable=2"
[ "$got" = "$want" ] || fail "refused scans on disk: $got (want $want)"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "the store is damaged"

echo "frames drawn: $(grep -c '^=== frame' "$LOG")"
echo "PASS: screenshots in $SHOTS"
