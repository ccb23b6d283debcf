#!/bin/bash
# Shared by the UI tests: Xvfb, the app's drawn-text log (CATE_UI_TEXT_LOG), waiting for text,
# touching buttons by their label with real X input (xdotool), screenshots (import).
#
# The sourcing script defines fail(), then sets WORK (a temporary folder), LOG (the text log) and
# SHOTS (screenshots), or has ui_test_begin set them, and APP_PID once the app runs.
# ui_start_xvfb exports DISPLAY.

# ui_test_begin PREFIX [PROGRAM_VAR...]: a test script's start, after it defines fail(): the tools
# the UI tests need, the programs the variables name (CATE_ADMIN ...), SHOTS with its PREFIX-*
# files removed, WORK and LOG, and ui_test_end on exit.
ui_test_begin() {
  local tool p
  UI_PREFIX=$1
  shift
  for tool in Xvfb xdotool import sqlite3 jq; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (image/deps.sh installs it)"
  done
  for p in CATE_KIOSK "$@"; do [ -x "${!p:-}" ] || fail "$p must name a program"; done
  SHOTS=${CATE_UI_SCREENSHOTS:-$PWD/screenshots}
  mkdir -p "$SHOTS"
  rm -f "$SHOTS/$UI_PREFIX"-*.png "$SHOTS/$UI_PREFIX-text.log" "$SHOTS/$UI_PREFIX-app.err"
  WORK=$(mktemp -d)
  LOG=$WORK/text.log
  XVFB_PID="" APP_PID="" SYNCD_PID=""
  trap ui_test_end EXIT
}
# stop_app: stops the app ($APP_PID) and waits for it.
stop_app() {
  if [ -n "$APP_PID" ]; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=""
  fi
}
# ui_test_end: stops the app, cate-syncd and Xvfb; on failure keeps the text log and the app's
# messages beside the screenshots (PREFIX-text.log, PREFIX-app.err) and shows cate-syncd's log.
ui_test_end() {
  local rc=$?
  stop_app
  [ -n "$SYNCD_PID" ] && kill "$SYNCD_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$rc" != 0 ]; then
    cp "$LOG" "$SHOTS/$UI_PREFIX-text.log" 2>/dev/null || true
    cp "$WORK/app.err" "$SHOTS/$UI_PREFIX-app.err" 2>/dev/null || true
    cat "$WORK/syncd.log" >&2 2>/dev/null || true
    echo "the text log and the app's messages are in $SHOTS ($UI_PREFIX-*)" >&2
  fi
  chmod -R u+w "$WORK" 2>/dev/null || true  # a test's read-only folder goes too
  rm -rf "$WORK"
}

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
# on_screen TEXT: the last frame drew TEXT (read to its end: no early exit for pipefail to misread).
on_screen() { last_frame | awk -v t="$1" 'index($0, t) {f=1} END{exit !f}'; }
has_button() { last_frame | awk -F'\t' -v l="$1" '$1=="button" && $2==l {f=1} END{exit !f}'; }
shot() { sleep 0.3; import -window root "$SHOTS/$1.png"; echo "screenshot $SHOTS/$1.png"; }
frame_number() { [ -f "$LOG" ] && awk '/^=== frame /{n=$3} END{print n+0}' "$LOG" || echo 0; }
# touch_button LABEL [N]: a real click on the centre of the button (the Nth of that label, 1 by
# default), then (bounded) until the app has drawn a frame after it, so the next look sees what
# the touch did even on a busy machine.
touch_button() {
  local xy before
  xy=$(last_frame | awk -F'\t' -v l="$1" -v n="${2:-1}" '$1=="button" && $2==l && ++i==n {print $3, $4; exit}')
  [ -n "$xy" ] || { last_frame; fail "no button \"$1\" (number ${2:-1}) on screen"; }
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
# staff_in_spanish PIN: from staff home, out of staff mode and back in, in Spanish.
staff_in_spanish() {
  touch_button "Leave staff mode"
  wait_for "screen=welcome"
  touch_button "Español"
  touch_button "Personal"
  wait_for "PIN del personal"
  touch_keys $(echo "$1" | sed 's/./& /g') Aceptar
  wait_for "screen=staff_home"
}

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
