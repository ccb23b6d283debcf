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
