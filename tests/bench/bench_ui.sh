#!/bin/bash
# The kiosk app's own costs in a real window under Xvfb (Mesa llvmpipe: the GPU's work is done by
# the CPU here, so these are upper bounds for a device with a GPU):
#
#   CPU per minute  cate-kiosk's utime+stime from /proc/PID/stat over a fixed window (WINDOW s,
#                   after a warm-up), scaled to a minute; Xvfb's over the same window beside it.
#                   Idle on Welcome, and on Welcome with a camera folder playing, each against the
#                   same screen with --render-every-frame (a frame every ~16 ms: what drawing on
#                   change saves), as a ratio.
#   frame time      median and p99 of the app's own frame work (NewFrame to the GL calls issued,
#                   CATE_FRAME_LOG), and the median swap (which waits for the refresh)
#   start-up        from starting the process to the first Welcome frame shown (the frame log's
#                   first line, wall clock), median of RUNS starts
#   peak memory     VmHWM of the app at the end of each window
#
# Usage: bench_ui.sh   (CATE_KIOSK, CATE_ADMIN name the programs; WINDOW=20 RUNS=5 by default)
set -euo pipefail
: "${CATE_KIOSK:?}" "${CATE_ADMIN:?}"
CATE_KIOSK=$(realpath "$CATE_KIOSK") CATE_ADMIN=$(realpath "$CATE_ADMIN")
WINDOW=${WINDOW:-20} RUNS=${RUNS:-5} WARMUP=${WARMUP:-3}
for tool in Xvfb convert awk; do command -v "$tool" >/dev/null || { echo "$tool is not installed"; exit 1; }; done

WORK=$(mktemp -d)
XVFB_PID="" APP_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>display 2>xvfb.err &
XVFB_PID=$!
for _ in $(seq 100); do [ -s display ] && break; sleep 0.1; done
export DISPLAY=":$(tr -dc 0-9 <display)"

# A kiosk store with a meeting, and a camera's pictures: 640x480 at 30 frames a second of a room
# with nobody at the kiosk (textured, with sensor noise: each frame is read in full and holds no
# code), so the app stays on Welcome with the preview, which is the steady state of a kiosk.
"$CATE_ADMIN" --db office.db init >/dev/null 2>&1
M=$("$CATE_ADMIN" --db office.db meeting add --name "Bench" --starts "$(date +%F) 00:00" \
      --ends "$(date +%F) 23:59" 2>/dev/null)
"$CATE_ADMIN" --db office.db rsvp add --meeting "$M" --first Ana --last Bench >/dev/null 2>&1
"$CATE_ADMIN" --db office.db tickets --meeting "$M" --out-dir tickets >/dev/null 2>&1
"$CATE_ADMIN" --db office.db bundle --meeting "$M" --active "$M" --out meeting.bundle >/dev/null 2>&1
mkdir -p frames/seq
convert -seed 7 -size 640x480 plasma:grey40-grey70 -blur 0x2 -colorspace Gray frames/room.png
for i in $(seq 0 14); do
  convert frames/room.png -seed "$i" -attenuate 0.3 +noise Gaussian -colorspace Gray -depth 8 "$(printf 'frames/seq/%03d.png' "$i")"
done

TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pct() {  # pct FILE P: the P-th percentile of column 2
  sort -g -k2,2 "$1" | awk -v p="$2" '{v[NR]=$2} END {if (NR == 0) {print "-"; exit}
    i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.2f", v[i]}'
}

# measure NAME ARGS...: starts the app on a fresh copy of the store, waits WARMUP s, then counts
# CPU over WINDOW s. Prints one line; leaves the frame times in frames-NAME.log.
measure() {
  local name=$1; shift
  rm -f kiosk.db* "frames-$name.log"
  "$CATE_KIOSK" --store kiosk.db import meeting.bundle >/dev/null
  CATE_FRAME_LOG=$WORK/frames-$name.log "$CATE_KIOSK" --store kiosk.db --no-sound "$@" \
    >"app-$name.out" 2>"app-$name.err" &
  APP_PID=$!
  for _ in $(seq 200); do [ -s "frames-$name.log" ] && break; sleep 0.05; done
  sleep "$WARMUP"
  local a0 x0 a1 x1 n0 n1
  a0=$(ticks "$APP_PID") x0=$(ticks "$XVFB_PID") n0=$(wc -l <"frames-$name.log")
  sleep "$WINDOW"
  a1=$(ticks "$APP_PID") x1=$(ticks "$XVFB_PID") n1=$(wc -l <"frames-$name.log")
  local hwm
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$APP_PID/status")
  kill -TERM "$APP_PID"; wait "$APP_PID" || true; APP_PID=""
  tail -n +"$((n0 + 1))" "frames-$name.log" | head -n "$((n1 - n0))" >"window-$name.log"
  local app_s xvfb_s
  app_s=$(awk -v a="$a0" -v b="$a1" -v t="$TCK" -v w="$WINDOW" 'BEGIN {printf "%.2f", (b - a) / t * 60 / w}')
  xvfb_s=$(awk -v a="$x0" -v b="$x1" -v t="$TCK" -v w="$WINDOW" 'BEGIN {printf "%.2f", (b - a) / t * 60 / w}')
  printf '%-34s %8s %8s %8s %8s %8s %8s %9s\n' "$name" "$app_s" "$xvfb_s" \
    "$(awk -v n="$((n1 - n0))" -v w="$WINDOW" 'BEGIN {printf "%.1f", n / w}')" \
    "$(pct "window-$name.log" 50)" "$(pct "window-$name.log" 99)" \
    "$(awk '{print $1, $3}' "window-$name.log" >"swap-$name.log"; pct "swap-$name.log" 50)" "$((hwm / 1024)) MB"
  echo "$name $app_s" >>cpu.txt
}

echo "window ${WINDOW} s after ${WARMUP} s; CPU in CPU-seconds per minute (60 = one core busy)"
printf '%-34s %8s %8s %8s %8s %8s %8s %9s\n' case app Xvfb frames/s "med ms" "p99 ms" "swap ms" VmHWM
measure welcome-idle --camera none
measure welcome-idle-every-frame --camera none --render-every-frame
measure welcome-camera-30fps --camera-folder frames/seq --camera-fps 30
measure welcome-camera-30fps-every-frame --camera-folder frames/seq --camera-fps 30 --render-every-frame
# The same camera with its picture drawn once a second: what reading the frames costs, nearly alone.
measure welcome-camera-30fps-preview-1fps --camera-folder frames/seq --camera-fps 30 --preview-fps 1
ratio() { awk -v a="$1" -v b="$2" '$1 == a {x = $2} $1 == b {y = $2} END {if (y > 0) printf "%.3f", x / y; else print "-"}' cpu.txt; }
echo "CPU on change / every frame: idle $(ratio welcome-idle welcome-idle-every-frame)," \
     "camera $(ratio welcome-camera-30fps welcome-camera-30fps-every-frame)"

# Start-up: process start to the first frame on screen (the frame log's first line).
starts=()
for r in $(seq "$RUNS"); do
  rm -f kiosk.db* start.log
  "$CATE_KIOSK" --store kiosk.db import meeting.bundle >/dev/null
  t0=$(date +%s%3N)
  CATE_FRAME_LOG=$WORK/start.log "$CATE_KIOSK" --store kiosk.db --no-sound --camera none >/dev/null 2>start.err &
  APP_PID=$!
  for _ in $(seq 400); do [ -s start.log ] && break; sleep 0.01; done
  grep -q "ready: the Welcome screen is drawn" start.err || sleep 0.2
  grep -q "ready: the Welcome screen is drawn" start.err || { echo "no Welcome frame"; exit 1; }
  t1=$(awk 'NR == 1 {print $1}' start.log)
  starts+=("$((t1 - t0))")
  kill -TERM "$APP_PID"; wait "$APP_PID" || true; APP_PID=""
done
echo "start-up to the first Welcome frame, ms (${RUNS} starts): ${starts[*]};" \
     "median $(printf '%s\n' "${starts[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR + 1) / 2)]}')"
