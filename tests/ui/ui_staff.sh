#!/bin/bash
# Find my RSVP and staff mode in a real window under Xvfb, driven by real X input (xdotool),
# checked by the text the app drew (CATE_UI_TEXT_LOG) and by the records in its SQLite file.
#
#   Find my RSVP: 2 letters show no one; 3 show "Ana G." (never "García" or the e-mail);
#     "Is this you?" -> "This is me" -> welcome; the same in Spanish from the physical keyboard
#   staff: a wrong PIN closes the pad for a wait (observed), then the right PIN opens staff home;
#     check-in by name; undo (counts drop; undone_at_ms and an outbox 'undo' record on disk)
#   idle from staff mode (a half-typed search, a half-typed PIN): Welcome, locked, buffers empty
#   Spanish staff screens; afterwards no Welcome frame drew a name
#
# Needs: $CATE_KIOSK, Xvfb, xdotool, import (imagemagick), sqlite3 (with JSON functions).
# Screenshots (staff-*, find-*) go to $CATE_UI_SCREENSHOTS (default ./screenshots).
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in Xvfb xdotool import sqlite3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (image/deps.sh installs it)"
done
[ -x "${CATE_KIOSK:-}" ] || fail "CATE_KIOSK must name the cate-kiosk binary"

SHOTS=${CATE_UI_SCREENSHOTS:-$PWD/screenshots}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/staff-*.png "$SHOTS"/find-*.png "$SHOTS"/staff-text.log "$SHOTS"/staff-app.err
WORK=$(mktemp -d)
LOG=$WORK/text.log
XVFB_PID="" APP_PID=""
cleanup() {
  local rc=$?
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$rc" != 0 ]; then  # keep what shows why
    cp "$LOG" "$SHOTS/staff-text.log" 2>/dev/null || true
    cp "$WORK/app.err" "$SHOTS/staff-app.err" 2>/dev/null || true
    echo "the text log and the app's messages are in $SHOTS (staff-*)" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_start_xvfb

IDLE=6 STAFF_IDLE=8
CATE_DATA_DIR=$WORK CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --demo --idle-seconds $IDLE \
  --staff-idle-seconds $STAFF_IDLE --welcome-seconds 2 --refusal-seconds 60 >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
DB=$WORK/demo/demo.db

sql() { sqlite3 "$DB" "$1"; }

wait_for "screen=welcome" 30
N=$(sql "SELECT count(*) FROM rsvp WHERE meeting_id = (SELECT value FROM setting WHERE key = 'active_meeting')")
wait_for "Staff PIN for this demo: 2468" 5

echo "== Find my RSVP: on-screen keyboard; names only after 3 letters, first name and initial"
touch_button "I don't have my code"
wait_for "screen=find_rsvp"
touch_keys a n
wait_for "typed=2"
sleep 0.5
last_frame | grep -qF "Ana G." && fail "a name was shown after 2 letters"
shot find-empty-en
touch_keys a
wait_for "Ana G."
last_frame | grep -qF -e "García" -e "ana.garcia" -e "example.org" && fail "the full last name or the e-mail was shown"
shot find-en
touch_button "Ana G."
wait_for "Is this you?"
shot find-confirm-en
touch_button "This is me"
wait_for "Welcome, Ana!"
wait_for "screen=welcome lang=en typed=0" 6

echo "== Find my RSVP in Spanish: the physical keyboard and the accents row"
touch_button "Español"
wait_for "No tengo mi código"
touch_button "No tengo mi código"
wait_for "screen=find_rsvp lang=es"
xdotool type --delay 60 -- "mu"
wait_for "typed=2"
touch_button "ñ"
wait_for "José M."
last_frame | grep -qF "Muñoz" && fail "the full last name was shown"
shot find-es
touch_button "José M."
wait_for "¿Es usted?"
shot find-confirm-es
touch_button "Soy yo"
wait_for "¡Bienvenido/a, José!"
wait_for "screen=welcome lang=es" 6
touch_button "English"
wait_for "screen=welcome lang=en"

echo "== staff: a wrong PIN closes the pad for a while; the right one opens staff mode"
touch_button "Staff"
wait_for "screen=staff_pin"
wait_for "Enter the staff PIN"
shot staff-pin-en
touch_keys 1 1 1 1
wait_for "typed=4"
last_frame | grep -qF "1111" && fail "the PIN digits were drawn"
touch_button "OK"
wait_for "That PIN is not right." 10
shot staff-pin-wrong-en
while ! has_button 2; do alive; sleep 0.05; done
# Every frame drawn during the wait said so and had no number pad (the log keeps every frame,
# so this holds however slowly a busy machine let this script look).
awk -F'\t' '/^=== frame /{if (wait && pad) bad=1; wait=0; pad=0}
             /Try again in/{wait=1; seen=1} $1=="button" && $2=="2"{pad=1}
             END{if (wait && pad) bad=1; exit !(seen && !bad)}' "$LOG" ||
  fail "the wait was not shown, or the number pad stayed open during it"
[ "$(sql "SELECT value FROM setting WHERE key='staff_pin_failures'")" = 1 ] || fail "the wrong try was not kept in the store"
touch_keys 2 4 6 8 OK
wait_for "screen=staff_home" 10
wait_for "2 of $N checked in" 5
last_frame | grep -qF "Device " || fail "no device information"
shot staff-home-en
[ "$(sql "SELECT value FROM setting WHERE key='staff_pin_failures'")" = 0 ] || fail "the right PIN did not clear the count"

echo "== staff: check-in by name"
touch_button "Check someone in by name"
wait_for "screen=staff_check_in"
xdotool type --delay 60 -- "dana"
wait_for "Dana O."
shot staff-checkin-en
touch_button "Dana O."
wait_for "Checked in: Dana O." 5
wait_for "3 of $N checked in" 5
shot staff-home-after-en

echo "== staff: undo the newest check-in (Dana's)"
touch_button "Undo"
wait_for "Undone: Dana O." 5
wait_for "2 of $N checked in" 5
DANA_CI=$(sql "SELECT c.id FROM check_in c JOIN rsvp r ON r.id = c.rsvp_id WHERE r.first_name = 'Dana'")
[ -n "$DANA_CI" ] || fail "no check-in for Dana on disk"
[ "$(sql "SELECT method FROM check_in WHERE id = '$DANA_CI'")" = staff ] || fail "Dana's check-in is not method staff"
[ -n "$(sql "SELECT undone_at_ms FROM check_in WHERE id = '$DANA_CI'")" ] || fail "undone_at_ms is not set"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'undo' AND json_extract(payload, '\$.check_in') = '$DANA_CI'")" = 1 ] \
  || fail "the outbox has no undo record for Dana's check-in"

echo "== idle from staff mode: a half-typed search is wiped, staff mode locked"
touch_button "Check someone in by name"
wait_for "screen=staff_check_in"
xdotool type --delay 60 -- "mar"
wait_for "Marcus J."
mark=$(wc -l <"$LOG")
wait_for "screen=welcome lang=en typed=0" $((STAFF_IDLE + 4))
tail -n +"$((mark + 1))" "$LOG" | awk '/^=== frame .*screen=welcome/{w=1} w' | grep -F "Marcus" \
  && fail "a frame after the idle reset still drew the name"
touch_button "Staff"  # locked again: the PIN is asked
wait_for "screen=staff_pin"
xdotool type --delay 60 -- "24"
wait_for "typed=2"
wait_for "screen=welcome lang=en typed=0" $((STAFF_IDLE + 4))

echo "== staff screens in Spanish (PIN from the physical keyboard)"
touch_button "Español"
wait_for "screen=welcome lang=es"
touch_button "Personal"
wait_for "screen=staff_pin lang=es"
wait_for "PIN del personal"
shot staff-pin-es
xdotool type --delay 60 -- "2468"
xdotool key Return
wait_for "screen=staff_home lang=es" 10
wait_for "2 de $N registrados" 5
shot staff-home-es
touch_button "Registrar a alguien por nombre"
wait_for "screen=staff_check_in lang=es"
xdotool type --delay 60 -- "ana"
wait_for "Ana G."
shot staff-checkin-es
touch_button "Volver"
wait_for "screen=staff_home lang=es"
touch_button "Salir del modo del personal"
wait_for "screen=welcome lang=es typed=0"

echo "== the kiosk closes cleanly"
kill -TERM "$APP_PID"
for _ in $(seq 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
rc=0; wait "$APP_PID" || rc=$?
APP_PID=""
[ "$rc" = 0 ] || fail "cate-kiosk exited with $rc: $(cat "$WORK/app.err")"

echo "== no Welcome frame drew a name; the records are on disk"
names=$(sed -n 's/.*"first_name": *"\([^"]*\)".*"last_name": *"\([^"]*\)".*/\1\n\2/p' "${CATE_DEMO_JSON:?}")
[ -n "$names" ] || fail "no demo names to look for"
awk '/^=== frame /{w = ($0 ~ /screen=welcome/)} w' "$LOG" >"$WORK/welcome-frames"
while IFS= read -r n; do
  grep -qF -- "$n" "$WORK/welcome-frames" && fail "a Welcome frame drew \"$n\""
done <<<"$names"
got=$(sql "SELECT group_concat(first_name || ':' || method || ':' || (undone_at_ms IS NOT NULL), ' ') FROM
  (SELECT r.first_name, c.method, c.undone_at_ms FROM check_in c JOIN rsvp r ON r.id = c.rsvp_id ORDER BY c.at_ms)")
[ "$got" = "Ana:typed:0 José:typed:0 Dana:staff:1" ] || fail "check-ins on disk: $got"
sql "SELECT value FROM setting WHERE key = 'staff_pin_hash'" | grep -q '^\$argon2id\$' || fail "the PIN is not kept as an Argon2id hash"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "the store is damaged"
echo "frames drawn: $(grep -c '^=== frame' "$LOG")"
echo "PASS: screenshots in $SHOTS"
