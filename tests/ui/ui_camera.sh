#!/bin/bash
# The kiosk's camera and scanners in a real window under Xvfb, checked by the text the app drew
# (CATE_UI_TEXT_LOG), by screenshots read back with ZXing, and by the records in its SQLite file.
#
#   run 1, --camera-folder: a ticket sequence made by cate-admin, played once at 5 frames a
#     second: Ana's ticket held up, taken away for 4 s, held up again, then Marcus's. Each
#     appearance is one scan: Ana checked in by camera, then "already signed in" once (not once
#     a frame), then Marcus. The chime went to the sound device (SDL's disk driver) only then.
#     The resources QR code the app draws on Welcome is read back from a screenshot.
#   run 2, --camera /dev/video9 (no such camera) and --serial on a pseudo-terminal: the calm
#     message and, for staff, why; the app stays up and keeps trying; a code sent by the serial
#     scanner checks José in; the staff camera test says what is wrong.
#   run 3, the folder round and round at 10 frames a second: the staff camera test shows the
#     preview, about 10 frames a second and the code it read, and checks no one in.
#
# Needs: $CATE_KIOSK, $CATE_ADMIN, Xvfb, xdotool, import and convert (imagemagick), sqlite3, python3.
# Screenshots go to $CATE_UI_SCREENSHOTS/camera (default ./screenshots/camera).
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in Xvfb xdotool import convert sqlite3 python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (image/deps.sh installs it)"
done
[ -x "${CATE_KIOSK:-}" ] || fail "CATE_KIOSK must name the cate-kiosk binary"
[ -x "${CATE_ADMIN:-}" ] || fail "CATE_ADMIN must name the cate-admin binary"

SHOTS=${CATE_UI_SCREENSHOTS:-$PWD/screenshots}/camera
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png "$SHOTS"/*.log "$SHOTS"/*.err
WORK=$(mktemp -d)
LOG=$WORK/text.log
XVFB_PID="" APP_PID="" PTY_PID=""
cleanup() {
  local rc=$?
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$PTY_PID" ] && kill "$PTY_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$rc" != 0 ]; then
    cp "$LOG" "$SHOTS/text.log" 2>/dev/null || true
    cp "$WORK/app.err" "$SHOTS/app.err" 2>/dev/null || true
    echo "the text log and the app's messages are in $SHOTS" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_start_xvfb

stop_app() {
  kill -TERM "$APP_PID"
  local rc=0; wait "$APP_PID" || rc=$?
  APP_PID=""
  [ "$rc" = 0 ] || fail "cate-kiosk exited with $rc: $(cat "$WORK/app.err")"
}
DB=$WORK/kiosk.db
sql() { sqlite3 "$DB" "$1"; }

# --- the office: a meeting, three RSVPs, their tickets; the kiosk takes the bundle -----------
cd "$WORK"
"$CATE_ADMIN" --db office.db init >/dev/null
M=$("$CATE_ADMIN" --db office.db meeting add --name "Member meeting" \
      --starts "$(date +%F) 00:00" --ends "$(date +%F) 23:59")
for who in "Ana García" "Marcus Johnson" "José Muñoz"; do
  "$CATE_ADMIN" --db office.db rsvp add --meeting "$M" --first "${who% *}" --last "${who#* }" >/dev/null
done
"$CATE_ADMIN" --db office.db tickets --meeting "$M" --out-dir tickets >/dev/null
"$CATE_ADMIN" --db office.db bundle --meeting "$M" --active "$M" --out meeting.bundle >/dev/null
"$CATE_KIOSK" --store "$DB" import meeting.bundle >/dev/null
# index.csv: "rsvp_id","first_name","last_name","email","file"
png_of() { awk -F'","' -v n="$1" '$2 == n {gsub(/["\r]/, "", $5); print "tickets/" $5; exit}' tickets/index.csv; }
ANA_PNG=$(png_of Ana) MARCUS_PNG=$(png_of Marcus) JOSE_PNG=$(png_of José)
[ -f "$ANA_PNG" ] && [ -f "$MARCUS_PNG" ] && [ -f "$JOSE_PNG" ] || fail "tickets missing: $(cat tickets/index.csv)"
JOSE=$("$CATE_KIOSK" decode "$JOSE_PNG" | sed -n 's/.*"text":"\([^"]*\)".*/\1/p')
[ -n "$JOSE" ] || fail "José's ticket does not decode"

# --- the camera's pictures: a grey wall, and a ticket held up in the middle of it -------------
# 5 frames a second: 2 s empty, Ana 1 s, 4 s empty (longer than the 3 s in which a code seen
# again is the same scan), Ana 1 s, 4 s empty, Marcus 1 s, 3 s empty.
mkdir frames
convert -size 480x360 xc:'#8c8c8c' -colorspace Gray frames/empty.png
convert -size 480x360 xc:'#8c8c8c' \( "$ANA_PNG" -resize 200x200 \) -gravity center -composite -colorspace Gray frames/ana.png
convert -size 480x360 xc:'#8c8c8c' \( "$MARCUS_PNG" -resize 200x200 \) -gravity center -composite -colorspace Gray frames/marcus.png
n=0
play() { local i; for i in $(seq "$2"); do cp "frames/$1.png" "$(printf 'frames/seq/%03d.png' $n)"; n=$((n + 1)); done; }
mkdir frames/seq
play empty 10; play ana 5; play empty 20; play ana 5; play empty 20; play marcus 5; play empty 15
echo "camera pictures: $n frames"

echo "== run 1: a camera folder; each appearance of a ticket is one scan"
SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=$WORK/sound.raw SDL_DISKAUDIODELAY=20 CATE_UI_TEXT_LOG=$LOG \
  "$CATE_KIOSK" --store "$DB" --camera-folder frames/seq --camera-fps 5 --camera-once \
  --welcome-seconds 1 --refusal-seconds 2 --resources-url "https://example.org/cate/resources" \
  >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
wait_for "screen=welcome" 30
wait_for "Hold your code inside the frame" 10
grep -q "ready: the Welcome screen is drawn" "$WORK/app.err" || fail "no start-up marker on stderr"
[ ! -s sound.raw ] || [ "$(tr -d '\000' <sound.raw | wc -c)" = 0 ] || fail "a sound before any check-in"
wait_for "Welcome, Ana!" 20
shot camera-checked-in
sleep 0.5
[ "$(tr -d '\000' <sound.raw | wc -c)" -gt 1000 ] || fail "no chime on the check-in (the disk sound file is silent)"
wait_for "You are already signed in" 20
shot camera-already
wait_for "Welcome, Marcus!" 20
wait_for "screen=welcome" 10
# The folder has played out (its last frames are empty): the preview holds no ticket.
for _ in $(seq 100); do [ "$(sql "SELECT count(*) FROM check_in")" = 2 ] && break; sleep 0.1; done
sleep 3.5
shot welcome-camera
got=$("$CATE_KIOSK" decode "$SHOTS/welcome-camera.png" | sed -n 's/.*"text":"\([^"]*\)".*/\1/p')
[ "$got" = "https://example.org/cate/resources" ] || fail "the resources QR code on screen reads \"$got\""
echo "the QR code drawn on Welcome reads back: $got"
stop_app

got=$(sql "SELECT group_concat(first_name || ':' || method, ' ') FROM
  (SELECT r.first_name, c.method FROM check_in c JOIN rsvp r ON r.id = c.rsvp_id ORDER BY c.at_ms)")
[ "$got" = "Ana:camera Marcus:camera" ] || fail "check-ins on disk: $got"
got=$(sql "SELECT group_concat(outcome || '=' || n, ' ') FROM
  (SELECT outcome, count(*) n FROM refused_scan GROUP BY outcome ORDER BY outcome)")
[ "$got" = "already_checked_in=1" ] || fail "refused scans on disk: $got (want one per appearance)"

echo "== run 2: a camera that is not there, and a serial scanner on a pseudo-terminal"
printf '1357\n1357\n' | "$CATE_KIOSK" --store "$DB" set-pin >/dev/null
coproc PTY { python3 -u -c '
import os, pty, sys
master, slave = pty.openpty()
print(os.ttyname(slave), flush=True)
for line in sys.stdin:
    os.write(master, line.rstrip("\n").encode() + b"\r\n")
'; }
PTY_PID=$PTY_PID
read -r -u "${PTY[0]}" SERIAL || fail "no pseudo-terminal"
echo "serial scanner on $SERIAL"
: >"$LOG"
CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --store "$DB" --camera /dev/video9 --serial "$SERIAL" --no-sound \
  --welcome-seconds 1 >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
wait_for "The camera is not working right now" 30
wait_for "/dev/video9" 5
shot camera-trouble
touch_button "Español"
wait_for "screen=welcome lang=es"
shot camera-trouble-es
touch_button "English"
wait_for "screen=welcome lang=en"
sleep 5  # it keeps trying (with back-off) and stays up
alive
echo "$JOSE" >&"${PTY[1]}"
wait_for "Welcome, José!" 10
wait_for "The camera is not working right now" 10
[ "$(sql "SELECT c.method FROM check_in c JOIN rsvp r ON r.id = c.rsvp_id WHERE r.first_name = 'José'")" = scanner ] \
  || fail "José was not checked in by the serial scanner"

echo "== staff: the camera test says what is wrong"
xdotool key Tab
wait_for "screen=staff_pin"
sleep 0.3
xdotool type --delay 60 1357
xdotool key Return
wait_for "screen=staff_home" 15
touch_button "Camera test"
wait_for "screen=staff_camera" 5
wait_for "Camera: camera (/dev/video9)" 5
wait_for "($SERIAL): connected, 1 codes read" 5
shot staff-camera-test
alive
stop_app

echo "frames drawn in run 2: $(grep -c '^=== frame' "$LOG")"

echo "== run 3: the staff camera test on a live camera reads codes without checking them in"
before=$(sql "SELECT count(*) FROM check_in"),$(sql "SELECT count(*) FROM refused_scan")
: >"$LOG"
CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --store "$DB" --camera-folder frames/seq --camera-fps 10 --no-sound \
  >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
wait_for "screen=welcome" 30
xdotool key Tab
wait_for "screen=staff_pin"
sleep 0.3
xdotool type --delay 60 1357
xdotool key Return
wait_for "screen=staff_home" 15
touch_button "Camera test"
wait_for "screen=staff_camera" 5
wait_for "Codes read: 1" 15
ANA=$("$CATE_KIOSK" decode "$ANA_PNG" | sed -n 's/.*"text":"\([^"]*\)".*/\1/p')
wait_for "$ANA" 2
fps=$(last_frame | sed -n 's/^\([0-9.]*\) frames a second.*/\1/p')
awk -v f="$fps" 'BEGIN {exit !(f >= 7 && f <= 13)}' || fail "the camera test says $fps frames a second (want about 10)"
shot staff-camera-live
after=$(sql "SELECT count(*) FROM check_in"),$(sql "SELECT count(*) FROM refused_scan")
[ "$before" = "$after" ] || fail "the camera test checked a code in ($before -> $after)"
stop_app

echo "== run 4: the staff camera test in Spanish"
: >"$LOG"
CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --store "$DB" --lang es --camera-folder frames/seq --camera-fps 10 --no-sound \
  >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
wait_for "screen=welcome lang=es" 30
xdotool key Tab
wait_for "screen=staff_pin"
sleep 0.3
xdotool type --delay 60 1357
xdotool key Return
wait_for "screen=staff_home lang=es" 15
touch_button "Prueba de cámara"
wait_for "screen=staff_camera lang=es" 5
wait_for "$ANA" 15
shot staff-camera-live-es
stop_app
echo "PASS: screenshots in $SHOTS"
