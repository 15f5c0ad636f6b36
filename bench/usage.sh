#!/usr/bin/env bash
# The cost of the usage history (issue 15) with 100 000 active keys under wrk: the same load
# against a Keywarden built without it (BASE_BIN, e.g. main's build/keywarden) and with it
# (build/keywarden). Each run: a fresh SQLite store with N keys whose plaintexts wrk knows,
# `GET /v1/gateway/auth` round-robin over all of them for BENCH_SECONDS; then RSS (after loading
# and after the run), the database's growth, the usage-history rows and what the flusher spent
# (/metrics keywarden_usage_*). Prints a markdown summary. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BUILD:-build}
BASE_BIN=${BASE_BIN:-}                # a keywarden without the usage history ("" = skip)
SECS=${BENCH_SECONDS:-30}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-32}
NKEYS=${BENCH_KEYS:-100000}
WRK=${WRK:-wrk}
KEEP=${BENCH_KEEP:-0}

BENCH_NAME=usage-bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/bench/lib.sh"
check_whole SECS THREADS CONNS NKEYS
require_tools "apt-get install wrk sqlite3 curl python3" "$WRK" sqlite3 curl python3

bench_workdir keywarden-usage
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
db_kb() { du -sk "$1"/kw.db* | awk '{s += $1} END {print s}'; }
metric() { curl -s --max-time 5 "$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }

SECRET=$(hex 24)
ADMIN=$(hex 16)
machine_info
say "== usage-history cost ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT)"
say "   $(nproc) CPU(s) ${CPU:+($CPU)}; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "   $NKEYS active keys, wrk $THREADS threads / $CONNS connections, ${SECS}s, GET /v1/gateway/auth round-robin over every key"

NOW=$(now_ms)
KEYS_FILE=$WORK/keys.txt
python3 "$ROOT/bench/usage-keys.py" "$NKEYS" "$KEYS_FILE" "$NOW" >"$WORK/keys.sql"

# run LABEL BINARY: one measured run; appends a summary row to ROWS_MD.
ROWS_MD=""
run() {
  local label=$1 dir=$WORK/$1 port rss0 rss1 db0 db1 rows flushes fsec frows
  mkdir -p "$dir"
  take_binary "$2" "$dir/keywarden"
  KW_BIN=$dir/keywarden
  write_config "$dir/kw.properties" 0 "$dir/kw.db" "http.keepAliveTimeout = 1m"
  migrate_db "$dir/kw.properties" "$dir/migrate.log"
  sqlite3 "$dir/kw.db" "$(sql_bench_client "$NOW")"
  sqlite3 "$dir/kw.db" <"$WORK/keys.sql"
  start_keywarden_on "$dir/kw.properties" "$dir/server.log" port
  local url=http://127.0.0.1:$port
  sleep 1
  rss0=$(rss_kb "$KW_PID")
  db0=$(db_kb "$dir")
  say ""
  say "== $label: ready in $START_MS ms, VmRSS $rss0 kB, database $db0 kB"
  "$WRK" -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/gateway.lua" "$url" \
    -- "$KEYS_FILE" >"$dir/wrk.txt"
  parse_wrk "$dir/wrk.txt" "$label"
  sleep 3  # a few flush intervals: everything counted is written
  rss1=$(rss_kb "$KW_PID")
  db1=$(db_kb "$dir")
  flushes=$(metric "$url" keywarden_usage_flushes_total)
  fsec=$(metric "$url" keywarden_usage_flush_seconds_total)
  frows=$(metric "$url" keywarden_usage_rows_written_total)
  rows=$(sqlite3 "$dir/kw.db" "SELECT count(*) FROM usage_counts" 2>/dev/null || echo "-")
  say "   wrk: $W_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms, errors $W_ERRS"
  say "   VmRSS after the run $rss1 kB (+$((rss1 - rss0)) kB); database $db1 kB (+$((db1 - db0)) kB)"
  if [[ -n $flushes ]]; then
    say "   flushes $flushes, ${fsec}s in them ($(awk -v s="$fsec" -v n="$flushes" 'BEGIN {printf "%.1f", n ? s * 1000 / n : 0}') ms each),"
    say "   usage rows written $frows ($(awk -v r="$frows" -v t="$SECS" 'BEGIN {printf "%.0f", r / t}')/s), rows stored $rows"
  fi
  ROWS_MD+="| $label | $W_RPS | $W_P99 | $rss0 | $rss1 | $((db1 - db0)) | ${flushes:--} | $(awk -v s="${fsec:-0}" -v n="${flushes:-0}" 'BEGIN {printf "%.1f", n ? s * 1000 / n : 0}') | ${frows:--} | $rows |"$'\n'
  stop_pid "$KW_PID"
}

if [[ -n $BASE_BIN ]]; then run without "$BASE_BIN"; fi
run with "$BUILD/keywarden"

say ""
say "## Summary (load at end: $(cut -d' ' -f1-3 /proc/loadavg))"
say ""
say "| build | req/s | p99 ms | VmRSS loaded kB | VmRSS after kB | DB growth kB | flushes | ms per flush | usage rows written | usage rows stored |"
say "|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$ROWS_MD"
