#!/bin/bash
# Staff mode's Export to USB in a real window under Xvfb, with a real cate-syncd and cate-admin:
#
#   a kiosk provisioned by a bundle and enrolled with the office's server; the server then stops
#   a check-in made with no network; the sync screen offers Export to USB
#   Export to a stick (a folder given by --usb-folder): the file is there, and holds neither the
#   person's name nor the RSVP's ID nor the ticket in clear
#   at the office, cate-admin import-usb stores the check-in and writes a receipt onto the stick
#   "Take in the office's receipt": the records leave the kiosk's outbox (the sync screen says so)
#   a read-only stick: Export says so in words, the app goes on, nothing is lost
#   screenshots of the screen in English and Spanish (export-*.png)
#
#   CATE_KIOSK, CATE_ADMIN, CATE_SYNCD name the programs. Needs Xvfb, xdotool, import, jq, sqlite3.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_test_begin export CATE_ADMIN CATE_SYNCD
cd "$WORK"

# The office: a meeting with two RSVPs, their tickets, a bundle; cate-syncd and an enrolment code.
ui_office Anabel Quiñones Luis Pérez
start_syncd 0
"$CATE_ADMIN" --db office.db device add "Front door" --url "http://127.0.0.1:$PORT" >qr.txt 2>/dev/null
enrol_text=$(tail -1 qr.txt)
[[ "$enrol_text" == CATE-ENROL1:* ]] || fail "no enrolment code: $(cat qr.txt)"

# The kiosk: provisioned by the bundle, enrolled, a staff PIN, the meeting chosen.
DB=$WORK/kiosk.db
"$CATE_KIOSK" --store "$DB" import office.bundle >/dev/null
"$CATE_KIOSK" --store "$DB" meeting "$meeting" >/dev/null
"$CATE_KIOSK" --store "$DB" enrol "$enrol_text" >/dev/null || fail "the kiosk did not enrol"
echo 1357 | "$CATE_KIOSK" --store "$DB" set-pin >/dev/null
sql() { sqlite3 "$DB" "$1"; }

echo "== the venue has no network: the office's server stops"
kill "$SYNCD_PID"; wait "$SYNCD_PID" 2>/dev/null || true; SYNCD_PID=""

STICK=$WORK/stick
mkdir -p "$STICK"
ui_start_xvfb
start_app() {  # the kiosk with "$@" before its own options (a wrapper), the stick folder in $1 ...
  local folder=$1; shift
  CATE_UI_TEXT_LOG=$LOG "$@" "$CATE_KIOSK" --store "$DB" --windowed --idle-seconds 60 --staff-idle-seconds 120 \
    --welcome-seconds 1 --usb-roots none --usb-folder "$folder" >"$WORK/app.out" 2>>"$WORK/app.err" &
  APP_PID=$!
  wait_for "screen=welcome" 30
}
start_app "$STICK" env

scan() { wedge_scan "$1"; }
open_staff() {
  touch_button "Staff"
  wait_for "Enter the staff PIN"
  touch_keys 1 3 5 7 OK
  wait_for "screen=staff_home"
}

scan "$code_ana"
wait_for "Welcome, Anabel!"
wait_for "screen=welcome" 5
[ "$(sql "SELECT count(*) FROM outbox WHERE kind='check_in'")" = 1 ] || fail "the check-in is not in the outbox"

echo "== the sync screen, its round failed, offers Export to USB"
open_staff
touch_button "Sync…"
wait_for "screen=staff_sync"
wait_for "No network? Export to USB…" 20
touch_button "No network? Export to USB…"
wait_for "screen=staff_export"
wait_for "1 records waiting to sync"
wait_for "$STICK"
wait_for "Sealed to the office server's key"
touch_button "Back"
wait_for "screen=staff_home"

echo "== Export from staff home"
touch_button "Export to USB…"
wait_for "screen=staff_export"
wait_for "$STICK"
touch_button "Export"
wait_for "Exported: 1 records" 20
file=$(ls "$STICK"/cate-export-*.json 2>/dev/null | head -1)
[ -n "$file" ] && [ -s "$file" ] || fail "no export file on the stick: $(ls -la "$STICK")"
wait_for "Written: $file"
for secret in Anabel Quiñones "$ana" "$code_ana" "$meeting"; do
  if grep -qF -- "$secret" "$file"; then fail "the export holds \"$secret\" in clear"; fi
done
[ "$(sql "SELECT count(*) FROM outbox")" = 1 ] || fail "the export emptied the outbox before any receipt"
shot export-en

echo "== the office takes the stick in and writes its receipt onto it"
"$CATE_ADMIN" --db office.db import-usb "$file" --receipt "$STICK/office-receipt.json" >import.json 2>import.err \
  || fail "cate-admin import-usb failed: $(cat import.err)"
[ "$(jq -r .stored import.json)" = 1 ] || fail "the office stored $(jq -r .stored import.json) records, not 1"
n=$(sqlite3 office.db "SELECT count(*) FROM sync_check_in")
[ "$n" = 1 ] || fail "the office holds $n check-ins, not 1"
n=$(sqlite3 office.db "SELECT count(*) FROM sync_check_in WHERE rsvp_id = '$ana'")
[ "$n" = 1 ] || fail "the office's check-in is not Anabel's"

echo "== back at the kiosk: Take in the office's receipt"
touch_button "Take in the office's receipt"
wait_for "1 records left the outbox" 20
wait_for "Receipts from the office taken in: 1."
[ "$(sql "SELECT count(*) FROM outbox")" = 0 ] || fail "the outbox did not empty after the receipt"
wait_for "0 records waiting to sync"
shot export-receipt-en
touch_button "Take in the office's receipt"   # the same receipt again: nothing more leaves
wait_for "0 records left the outbox" 20
touch_button "Back"
wait_for "screen=staff_home"
touch_button "Sync…"
wait_for "screen=staff_sync"
wait_for "0 records waiting to sync"   # the sync screen heard of the receipt, with no network

echo "== in Spanish"
touch_button "Back"
wait_for "screen=staff_home"
staff_in_spanish 1357
touch_button "Exportar a USB…"
wait_for "screen=staff_export lang=es"
wait_for "Exportar a una memoria USB"
wait_for "libres"
shot export-es

echo "== a read-only stick: the words, not a crash; nothing lost"
stop_app
RO=$WORK/locked
mkdir -p "$RO"
if [ "$(id -u)" = 0 ]; then
  # root writes through file modes: a read-only bind mount, private to the kiosk's own mount
  # namespace (it goes with the process, whatever happens to this script).
  unshare -m true 2>/dev/null || fail "root, but no mount namespace for a read-only stick (unshare -m)"
  start_app "$RO" unshare -m --propagation private sh -c 'mount --bind -o ro "$0" "$0" && exec "$@"' "$RO"
else
  chmod 0555 "$RO"
  start_app "$RO" env
fi
scan "$code_luis"
wait_for "Welcome, Luis!"
wait_for "screen=welcome" 5
open_staff
touch_button "Export to USB…"
wait_for "screen=staff_export"
wait_for "read-only: nothing can be written to it"
touch_button "Export"
wait_for "is read-only (check its lock switch): nothing was written" 20
alive
shot export-read-only-en
[ -z "$(ls -A "$RO")" ] || fail "something was written to the read-only stick: $(ls -A "$RO")"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind='check_in'")" = 1 ] || fail "the waiting check-in was lost"
stop_app
if grep -q "Sanitizer" "$WORK/app.err"; then cat "$WORK/app.err" >&2; fail "the sanitizers found a fault"; fi
echo "ui/export: all checks passed"
