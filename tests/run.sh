#!/bin/bash
# The test command. Installs what it needs (Debian 12 / Raspberry Pi OS), then:
#   1. the debug build and every test in it (unit, integration, walk-through);
#   2. the AddressSanitizer + UndefinedBehaviorSanitizer build and every test in it;
#   3. the fuzz targets, briefly (CATE_FUZZ_SECONDS each, default 20; 0 skips them).
# Each ctest run prints its summary ("100% tests passed, 0 tests failed out of N").
set -euo pipefail
cd "$(dirname "$0")/.."

image/deps.sh
jobs=$(nproc)

echo "== debug build and tests"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs"

echo "== sanitizer build (ASan + UBSan) and tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

seconds=${CATE_FUZZ_SECONDS:-20}
if [ "$seconds" != 0 ]; then
  echo "== fuzz targets, ${seconds}s each"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  tests/fuzz/run.sh "$seconds"
fi
