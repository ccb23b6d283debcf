#!/bin/bash
# Staff mode's Date and time in a real window under Xvfb, on the America/Chicago time zone. This
# script plays the device's system service (cate-set-clock): it reads the kiosk's request and
# writes the answer, as that service does; this computer's clock is never touched.
#
#   a kiosk whose store holds a record from three days ahead: staff home says the clock is behind
#   the Date and time screen says so too, with the time of that record
#   - and + keys change the date and time; "Set the clock" writes the request: the Unix time of
#   the date and time on the keys, in the kiosk's time zone, a line of digits
#   the service's answers in words: set, refused (too early), none within 10 s, and a request
#   that cannot be written (the folder gone)
#   network time: nothing to set, no keys
#   screenshots in English and Spanish (clock-*.png)
#
#   CATE_KIOSK names the program. Needs Xvfb, xdotool, import, sqlite3, jq.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_test_begin clock
cd "$WORK"
export TZ=America/Chicago

DB=$WORK/kiosk.db
echo 1357 | "$CATE_KIOSK" --store "$DB" set-pin >/dev/null
# A refused scan written three days from now: this kiosk's clock has gone back since.
ahead_ms=$(( ($(date +%s) + 3 * 86400) * 1000 ))
sqlite3 "$DB" "INSERT INTO refused_scan(id, outcome, method, meeting_id, at_ms)
               VALUES ('0190a0a0-0000-7000-8000-000000000001', 'forged', 'scanner', NULL, $ahead_ms)"
CLOCK=$WORK/clock
mkdir -p "$CLOCK"

ui_start_xvfb
CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --store "$DB" --windowed --idle-seconds 60 --staff-idle-seconds 300 \
  --usb-roots none --clock-folder "$CLOCK" --clock-synced-flag "$WORK/synchronized" \
  >"$WORK/app.out" 2>>"$WORK/app.err" &
APP_PID=$!
wait_for "screen=welcome" 30

# the_request: waits (bounded) for the kiosk's request, checks its form, prints its Unix time and
# takes it away, as the system's service does.
the_request() {
  local text
  for _ in $(seq 50); do [ -e "$CLOCK/request" ] && break; sleep 0.1; done
  [ -f "$CLOCK/request" ] || fail "no request in the clock folder: $(ls -la "$CLOCK")"
  [ ! -e "$CLOCK/request.tmp" ] || fail "the request's temporary file was left behind"
  text=$(cat "$CLOCK/request")
  [[ "$text" =~ ^[0-9]+$ ]] || fail "the request is not a line of digits: $(od -c "$CLOCK/request" | head -3)"
  [ "$(tail -c 1 "$CLOCK/request" | od -An -c | tr -d ' ')" = '\n' ] || fail "the request does not end its line"
  rm -f "$CLOCK/request"
  echo "$text"
}
answer() { printf '%s\n' "$1" >"$CLOCK/result.tmp" && mv "$CLOCK/result.tmp" "$CLOCK/result"; }

echo "== staff home: the clock is behind the store's latest record"
touch_button "Staff"
wait_for "Enter the staff PIN"
touch_keys 1 3 5 7 OK
wait_for "screen=staff_home"
wait_for "Clock is behind…"
touch_button "Clock is behind…"
wait_for "screen=staff_clock"
wait_for "This clock is behind: this kiosk already holds records from $(date -d "@$((ahead_ms / 1000))" '+%A, %B %-d, %Y')"
wait_for "Now: $(date '+%A, %B %-d')"
shot clock-behind-en

echo "== the keys: day + twice, hour + once, minute - once, year + once"
start=$(date +%s)
touch_button "+" 3; touch_button "+" 3
touch_button "+" 4
touch_button "-" 5
touch_button "+" 1
touch_button "Set the clock"
wait_for "That moves the clock 3" 5   # a year and two days (or a year less some): asked again first
[ -e "$CLOCK/request" ] && fail "a change of a year was asked for at the first touch"
shot clock-confirm-en
touch_button "Set the clock"
wait_for "Setting the clock…"
wanted=$(the_request)
# What the keys should have made: the time the screen opened, on the local clock, so moved (each
# field goes round on its own, without carrying into the next).
opened=$(( start - 60 ))   # the screen opened at most a minute before the first touch
ok=""
for t in $(seq "$opened" 60 $((start + 60))); do
  read -r y mo d h mi <<<"$(date -d "@$t" '+%Y %-m %-d %-H %-M')"
  dim=$(date -d "$y-$mo-01 +1 month -1 day" +%-d)
  d=$(( (d - 1 + 2) % dim + 1 )); h=$(( (h + 1) % 24 )); mi=$(( (mi + 59) % 60 )); y=$((y + 1))
  dim=$(date -d "$y-$mo-01 +1 month -1 day" +%-d); [ "$d" -le "$dim" ] || d=$dim
  expect=$(date -d "$(printf '%04d-%02d-%02d %02d:%02d:00' "$y" "$mo" "$d" "$h" "$mi")" +%s)
  [ "$expect" = "$wanted" ] && ok=1 && break
done
[ -n "$ok" ] || fail "the request asks for $(date -d "@$wanted"), not the keys' date and time (the screen opened near $(date -d "@$start"))"
echo "the request: $wanted ($(date -d "@$wanted"))"

echo "== the system's answers"
answer "set $wanted"
wait_for "The clock is set: $(date -d "@$wanted" '+%A, %B %-d, %Y')" 5
shot clock-set-en
# Back near this computer's time (it was not set): a change of an hour goes at the first touch.
touch_button "-" 1
touch_button "-" 3; touch_button "-" 3
touch_button "Set the clock"
the_request >/dev/null
answer "refused too-early"
wait_for "Not set: that date is before this kiosk's software was made. Check the year." 5
touch_button "Set the clock"
the_request >/dev/null
answer "refused network"
wait_for "Not set: network time keeps this clock right already." 5
touch_button "Set the clock"
the_request >/dev/null
answer "failed"
wait_for "The system could not set the clock." 5
touch_button "Set the clock"
the_request >/dev/null
answer "what is this"
wait_for "The system's answer was not understood." 5
touch_button "Set the clock"
the_request >/dev/null
sleep 1
on_screen "Setting the clock…" || fail "the kiosk stopped waiting for the answer within a second"
wait_for "The system did not answer, and the clock was not set." 15
alive

echo "== the request cannot be written: the words say why"
mv "$CLOCK" "$CLOCK.gone"
touch_button "Set the clock"
wait_for "Could not ask the system to set the clock (cannot write in $CLOCK: No such file or directory)" 5
mv "$CLOCK.gone" "$CLOCK"

echo "== in Spanish"
touch_button "Back"
wait_for "screen=staff_home"
staff_in_spanish 1357
touch_button "El reloj va atrasado…"
wait_for "screen=staff_clock lang=es"
wait_for "Este reloj va atrasado"
wait_for "Ajustar el reloj"
shot clock-es

echo "== network time keeps the clock: nothing to set"
touch "$WORK/synchronized"
wait_for "La hora de la red mantiene este reloj en hora" 5
has_button "Ajustar el reloj" && fail "Set the clock is offered while network time keeps the clock"
has_button "+" && fail "the keys are offered while network time keeps the clock"
touch_button "Volver"
wait_for "screen=staff_home"
wait_for "Fecha y hora…"
alive
echo "PASS: staff's date and time"
