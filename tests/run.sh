#!/bin/bash
# The test command. Installs what it needs (Debian 12 / Raspberry Pi OS), then:
#   1. the debug build and every test in it (unit, integration, walk-through);
#   2. the AddressSanitizer + UndefinedBehaviorSanitizer build and every test in it;
#   3. the fuzz targets, briefly (CATE_FUZZ_SECONDS each, default 20; 0 skips them).
# Each ctest run prints its summary ("100% tests passed, 0 tests failed out of N"); the last line
# adds them up ("all: N passed, N failed"), the fuzz run counted as one.
set -euo pipefail
cd "$(dirname "$0")/.."

image/deps.sh
jobs=$(nproc)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0
count() {  # adds up a ctest summary ("100% tests passed, 0 tests failed out of 83")
  local line total bad
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}

echo "== debug build and tests"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs" | tee "$logs/default.txt"
count "$logs/default.txt"

echo "== sanitizer build (ASan + UBSan) and tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs" | tee "$logs/asan.txt"
count "$logs/asan.txt"

seconds=${CATE_FUZZ_SECONDS:-20}
if [ "$seconds" != 0 ]; then
  echo "== fuzz targets, ${seconds}s each"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  if tests/fuzz/run.sh "$seconds"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

# One closing line for the whole run: both ctest runs and the fuzz run.
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
