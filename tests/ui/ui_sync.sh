#!/bin/bash
# Staff mode's sync screen in a real window under Xvfb, against a real cate-syncd on loopback:
#
#   a kiosk provisioned by a bundle (not enrolled): the sync screen says so; a check-in waits
#   enrolment in staff mode by typing the office's enrolment code as a scanner would
#   the background sync sends the waiting check-in by itself (the server's report counts it)
#   the server stopped: a new check-in waits; Sync now shows the error in words, nothing lost
#   the server back on the same port: Sync now sends it; "Everything ... has reached the office"
#   screenshots of the sync screen in English and Spanish
#
#   CATE_KIOSK, CATE_ADMIN, CATE_SYNCD name the programs. Needs Xvfb, xdotool, import, jq, sqlite3.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_test_begin sync CATE_ADMIN CATE_SYNCD
cd "$WORK"

# The office: a meeting with two RSVPs, their tickets, a bundle for the kiosk.
ui_office Ana García Luis Pérez

start_syncd 0
"$CATE_ADMIN" --db office.db device add "Front door" --url "http://127.0.0.1:$PORT" >qr.txt 2>/dev/null
enrol_text=$(tail -1 qr.txt)
[[ "$enrol_text" == CATE-ENROL1:* ]] || fail "no enrolment code: $(cat qr.txt)"

# The kiosk: provisioned by the bundle, a staff PIN, the meeting chosen; not enrolled.
DB=$WORK/kiosk.db
"$CATE_KIOSK" --store "$DB" import office.bundle >/dev/null
"$CATE_KIOSK" --store "$DB" meeting "$meeting" >/dev/null
echo 1357 | "$CATE_KIOSK" --store "$DB" set-pin >/dev/null
sql() { sqlite3 "$DB" "$1"; }

ui_start_xvfb
CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --store "$DB" --windowed --idle-seconds 60 --staff-idle-seconds 120 \
  --welcome-seconds 1 >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
wait_for "screen=welcome" 30

scan() { wedge_scan "$1"; }
open_sync_screen() {
  touch_button "Staff"
  wait_for "Enter the staff PIN"
  touch_keys 1 3 5 7 OK
  wait_for "screen=staff_home"
  touch_button "Sync…"
  wait_for "screen=staff_sync"
}

echo "== not enrolled: a check-in waits on the kiosk; the sync screen says why"
scan "$code_ana"
wait_for "Welcome, Ana!"
wait_for "screen=welcome" 5
open_sync_screen
wait_for "is not enrolled with the office's server yet"
shot sync-unenrolled-en
[ "$(sql "SELECT count(*) FROM outbox WHERE kind='check_in'")" = 1 ] || fail "the check-in is not in the outbox"

echo "== enrolment: the office's code scanned on the sync screen"
scan "$enrol_text"
wait_for "Enrolled: Front door" 20
[ -n "$(sql "SELECT value FROM setting WHERE key='sync_server_key'")" ] || fail "the server was not pinned"
echo "== the background sync sends the waiting check-in by itself"
wait_for "Everything on this kiosk has reached the office." 30
wait_for "0 records waiting to sync"
[ "$(sql "SELECT count(*) FROM outbox")" = 0 ] || fail "the outbox did not drain"
shot sync-en

echo "== the server goes away: a new check-in waits, the error is said in words"
kill "$SYNCD_PID"; wait "$SYNCD_PID" 2>/dev/null || true; SYNCD_PID=""
touch_button "Back"
wait_for "screen=staff_home"
touch_button "Leave staff mode"
wait_for "screen=welcome"
scan "$code_luis"
wait_for "Welcome, Luis!"
wait_for "screen=welcome" 5
open_sync_screen
touch_button "Sync now"
wait_for "cannot be reached" 20
wait_for "1 records waiting to sync"
wait_for "Nothing is lost meanwhile."
shot sync-failed-en
[ "$(sql "SELECT count(*) FROM outbox WHERE kind='check_in'")" = 1 ] || fail "the waiting check-in was lost"

echo "== the server is back: Sync now sends it"
start_syncd "$PORT"
touch_button "Sync now"
wait_for "Everything on this kiosk has reached the office." 30
wait_for "0 records waiting to sync"
[ "$(sql "SELECT count(*) FROM outbox")" = 0 ] || fail "the outbox did not drain"
n=$(sqlite3 office.db "SELECT count(*) FROM sync_check_in")
[ "$n" = 2 ] || fail "the office holds $n check-ins, not 2"

echo "== in Spanish"
touch_button "Back"
touch_button "Leave staff mode"
wait_for "screen=welcome"
touch_button "Español"
open_sync_screen_es() {
  touch_button "Personal"
  wait_for "PIN del personal"
  touch_keys 1 3 5 7 Aceptar
  wait_for "screen=staff_home"
  touch_button "Sincronizar…"
  wait_for "screen=staff_sync lang=es"
}
open_sync_screen_es
wait_for "Todo lo de este quiosco ha llegado a la oficina."
shot sync-es
echo "ui/sync: all checks passed"
