#!/bin/bash
# Shared by the UI tests: Xvfb, the app's drawn-text log (CATE_UI_TEXT_LOG), waiting for text,
# touching buttons by their label with real X input (xdotool), screenshots (import).
#
# The sourcing script sets WORK (a temporary folder), LOG (the text log), SHOTS (screenshots)
# and APP_PID once the app runs, and defines fail(). ui_start_xvfb exports DISPLAY.

ui_start_xvfb() {
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" 2>"$WORK/xvfb.err" &
  XVFB_PID=$!
  for _ in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
  [ -s "$WORK/display" ] || fail "Xvfb did not start: $(cat "$WORK/xvfb.err")"
  export DISPLAY=":$(tr -dc 0-9 <"$WORK/display")"
  echo "Xvfb on $DISPLAY"
}
last_frame() { [ -f "$LOG" ] && awk '/^=== frame /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$LOG"; }
alive() { kill -0 "$APP_PID" 2>/dev/null || fail "cate-kiosk stopped: $(cat "$WORK/app.err")"; }
wait_for() {
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do
    alive
    last_frame | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "--- last frame:"; last_frame; fail "the screen never showed \"$1\""
}
has_button() { last_frame | awk -F'\t' -v l="$1" '$1=="button" && $2==l {f=1} END{exit !f}'; }
shot() { sleep 0.3; import -window root "$SHOTS/$1.png"; echo "screenshot $SHOTS/$1.png"; }
frame_number() { [ -f "$LOG" ] && awk '/^=== frame /{n=$3} END{print n+0}' "$LOG" || echo 0; }
# touch_button LABEL: a real click on the button's centre, then (bounded) until the app has drawn
# a frame after it, so the next look sees what the touch did even on a busy machine.
touch_button() {
  local xy before
  xy=$(last_frame | awk -F'\t' -v l="$1" '$1=="button" && $2==l {print $3, $4; exit}')
  [ -n "$xy" ] || { last_frame; fail "no button \"$1\" on screen"; }
  # (not "mousemove --sync": it waits 15 s when the pointer is already there)
  # shellcheck disable=SC2086
  xdotool mousemove $xy
  sleep 0.05
  before=$(frame_number)
  xdotool click 1
  for _ in $(seq 60); do [ "$(frame_number)" -gt "$before" ] && break; sleep 0.05; done
  sleep 0.1
}
touch_keys() { local k; for k in "$@"; do touch_button "$k"; done; }

# --- the office, for the tests that sync: $CATE_ADMIN and $CATE_SYNCD, in the current folder ----
# ui_office FIRST LAST FIRST LAST: office.db with today's meeting ($meeting) and two RSVPs
# ($ana, $luis) with their ticket codes ($code_ana, $code_luis), and office.bundle for a kiosk.
ui_office() {
  "$CATE_ADMIN" --db office.db init >/dev/null 2>&1
  meeting=$("$CATE_ADMIN" --db office.db meeting add --name "Member meeting" --starts "$(date +%F) 00:00" \
              --ends "$(date +%F) 23:59" 2>/dev/null)
  ana=$("$CATE_ADMIN" --db office.db rsvp add --meeting "$meeting" --first "$1" --last "$2" 2>/dev/null)
  luis=$("$CATE_ADMIN" --db office.db rsvp add --meeting "$meeting" --first "$3" --last "$4" 2>/dev/null)
  code_ana=$("$CATE_ADMIN" --db office.db ticket --rsvp "$ana" --format text 2>/dev/null)
  code_luis=$("$CATE_ADMIN" --db office.db ticket --rsvp "$luis" --format text 2>/dev/null)
  "$CATE_ADMIN" --db office.db bundle --meeting "$meeting" --out office.bundle >/dev/null 2>&1 ||
    fail "cate-admin bundle failed"
}
# start_syncd PORT: cate-syncd on office.db on loopback (0: any free port); sets SYNCD_PID, PORT.
start_syncd() {
  "$CATE_SYNCD" --db office.db --port "$1" 2>>syncd.log &
  SYNCD_PID=$!
  PORT=""
  for _ in $(seq 100); do
    PORT=$(jq -r 'select(.event == "listening") | .port' syncd.log 2>/dev/null | tail -1)
    [ -n "$PORT" ] && [ "$PORT" != null ] && kill -0 "$SYNCD_PID" 2>/dev/null && break
    sleep 0.1
  done
  [ -n "$PORT" ] || fail "cate-syncd did not start: $(cat syncd.log)"
}
# wedge_scan CODE: a keyboard-wedge scanner: the whole code in a burst, then Enter.
wedge_scan() {
  xdotool type --delay 4 -- "$1"
  xdotool key Return
}
