#!/usr/bin/env bash
# Builds the optimised (release) preset and runs the benchmarks.
#   tests/bench/run.sh [PHOTO_FOLDER]
# PHOTO_FOLDER holds real QR photographs (qrcode-*/ and falsepositives-*/); without it,
# ../shared/qr-photos beside the repository is used when it exists.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

# bench_decode compares with zbar: it is built only where libzbar-dev is installed.
targets=()
if pkg-config --exists zbar; then targets+=(bench_decode); fi
targets+=(bench_checkin)
targets+=(bench_pipeline)
targets+=(bench_sync)
targets+=(cate-kiosk cate-admin)  # bench_ui.sh: the app in a window under Xvfb

cmake --preset release -DCATE_BENCH=ON
cmake --build --preset release --target "${targets[@]}" -j2

photos=""
if [[ $# -ge 1 ]]; then
  photos=$1
elif [[ -d ../shared/qr-photos ]]; then
  photos=../shared/qr-photos
fi

echo "== bench_decode =="
if [[ ! -x build/release/tests/bench/bench_decode ]] || ! pkg-config --exists zbar; then
  echo "skipped: zbar is not installed (apt-get install libzbar-dev)"
elif [[ -n "$photos" ]]; then
  build/release/tests/bench/bench_decode "$photos"
else
  build/release/tests/bench/bench_decode
fi

echo "== bench_checkin =="
build/release/tests/bench/bench_checkin 2000 "${CATE_BENCH_DIR:-$root/build/release}"

echo "== bench_pipeline =="
build/release/tests/bench/bench_pipeline

echo "== bench_ui (the kiosk app under Xvfb: CPU, frame time, start-up, memory) =="
CATE_KIOSK=build/release/kiosk/cate-kiosk CATE_ADMIN=build/release/sync/admin/cate-admin tests/bench/bench_ui.sh

echo "== bench_sync (a throwaway PostgreSQL 15) =="
tests/sync/with_postgres.sh build/release/tests/bench/bench_sync
