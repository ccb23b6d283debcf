#!/bin/bash
# Runs the kiosk on its embedded demo: installs what it needs, builds, then starts
# `cate-kiosk --demo`, which sets up a demo meeting and writes demo tickets to scan.
set -euo pipefail
cd "$(dirname "$0")/.."
image/deps.sh build
cmake --preset release -DCATE_TESTS=OFF -DCATE_BENCH=OFF >/dev/null
cmake --build --preset release --target cate-kiosk
exec build/release/kiosk/cate-kiosk --demo "$@"
