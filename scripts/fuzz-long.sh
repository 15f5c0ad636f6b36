#!/usr/bin/env bash
# make fuzz-long: the long run of every libFuzzer target of BUILD (README "Sanitizers and
# fuzzing"): each target until RUNS executions or SECONDS seconds, whichever comes first,
# PARALLEL targets at a time, under `nice -n 15` (the machine may be shared). The corpus grows
# in BUILD/fuzz-corpus/<target>/ (seeds: fuzz/corpus/<target>/, read only); the log of a
# target is BUILD/fuzz-long-<target>.log and a crash is left as BUILD/fuzz-crash-<target>-*.
# Prints one Markdown table row per target: executions, seconds, exec/s, cov, ft, result.
#   scripts/fuzz-long.sh [BUILD [RUNS [SECONDS [PARALLEL [target...]]]]]
# Exit 1 when any target found a crash, a leak or a broken invariant. (grep -a: a target may
# print the bytes of an input into its log.)
set -uo pipefail
BUILD=${1:-build-asan}
RUNS=${2:-10000000}
SECONDS_MAX=${3:-3600}
PARALLEL=${4:-2}
shift $(($# < 4 ? $# : 4))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$BUILD"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in "$ROOT"/fuzz/*Fuzz.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi

one() {
  local name=$1 seeds="$ROOT/fuzz/corpus/$1" found="fuzz-corpus/$1" log="fuzz-long-$1.log"
  mkdir -p "$found"
  local dirs=("$found")
  [ -d "$seeds" ] && dirs+=("$seeds")
  local t0 t1 rc
  t0=$(date +%s)
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions="$ROOT/tests/sanitizers/lsan.supp":print_suppressions=0 \
    nice -n 15 "./$name" -runs="$RUNS" -max_total_time="$SECONDS_MAX" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="fuzz-crash-$name-" -print_final_stats=1 "${dirs[@]}" \
    >"$log" 2>&1
  rc=$?
  t1=$(date +%s)
  local runs cov ft secs rate result
  runs=$(grep -a -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -a -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  secs=$((t1 - t0))
  rate=$(grep -a -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  if [ $rc -eq 0 ]; then result="no crash"; else result="FAILED (exit $rc): $BUILD/$log"; fi
  echo "| $name | ${runs:-?} | $secs | ${rate:-?} | ${cov:-?} | ${ft:-?} | $result |"
}

echo "| target | executions | seconds | exec/s | cov | ft | result |"
echo "|---|---|---|---|---|---|---|"
rows=$(mktemp)
for name in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n; done
  one "$name" | tee -a "$rows" &
done
wait
status=0
grep -q FAILED "$rows" && status=1
rm -f "$rows"
exit $status
