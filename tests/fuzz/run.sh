#!/bin/bash
# Runs every fuzz target for SECONDS each (default 20), starting from its seed corpus in
# tests/fuzz/corpus/<target>/. New inputs go to a scratch copy; a crash fails the run and leaves
# its reproducer in build/fuzz/crashes/. For a long run: tests/fuzz/run.sh 3600
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
bin=build/fuzz/tests/fuzz
mkdir -p build/fuzz/crashes
status=0
for target in "$bin"/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  work=$(mktemp -d)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  echo "-- $name for ${seconds}s"
  if ! "$target" "$work" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
       -artifact_prefix=build/fuzz/crashes/"$name"- -print_final_stats=1 2>"$work.log"; then
    tail -40 "$work.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work.log" | sed "s/^/   /"
  fi
  rm -rf "$work" "$work.log"
done
exit $status
