#!/usr/bin/env bash
# make fuzz: runs every libFuzzer target of BUILD (fuzz/*Fuzz.cpp) for SECONDS each, starting
# from its seed corpus fuzz/corpus/<target>/ (committed) plus what earlier runs found
# (BUILD/fuzz-corpus/<target>/, not committed). Exit 1 on the first crash, leak, sanitizer
# report or broken invariant; the input that did it is left as BUILD/fuzz-crash-<target>-*.
set -euo pipefail
BUILD=${1:-build-asan}
SECONDS_EACH=${2:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$BUILD"
status=0
for src in "$ROOT"/fuzz/*Fuzz.cpp; do
  name=$(basename "$src" .cpp)
  seeds="$ROOT/fuzz/corpus/$name"
  found="fuzz-corpus/$name"
  mkdir -p "$found"
  dirs=("$found")
  [ -d "$seeds" ] && dirs+=("$seeds")
  log="fuzz-$name.log"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      LSAN_OPTIONS=suppressions="$ROOT/tests/sanitizers/lsan.supp":print_suppressions=0 \
      "./$name" -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="fuzz-crash-$name-" -print_final_stats=1 "${dirs[@]}" >"$log" 2>&1; then
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz $name: ${runs:-?} runs in ${SECONDS_EACH} s, ${cov:-cov: ?}, no crash"
  else
    echo "fuzz $name: FAILED — see $BUILD/$log and $BUILD/fuzz-crash-$name-*"
    tail -40 "$log"
    status=1
  fi
done
exit $status
