#!/bin/bash
# Runs the kiosk on its embedded demo: installs what it needs, builds, then starts
# `cate-kiosk --demo`, which sets up a demo meeting and writes demo tickets to scan.
# On a machine with no camera, the demo's own camera plays a few of its tickets
# (--camera demo); pass --camera none to leave it out.
set -euo pipefail
cd "$(dirname "$0")/.."
image/deps.sh build
cmake --preset release -DCATE_TESTS=OFF -DCATE_BENCH=OFF >/dev/null
cmake --build --preset release --target cate-kiosk
camera=()
compgen -G "/dev/video*" >/dev/null || camera=(--camera demo)
exec build/release/kiosk/cate-kiosk --demo "${camera[@]}" "$@"
