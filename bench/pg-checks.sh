#!/usr/bin/env bash
# The check path on PostgreSQL beside the same check on SQLite, in one run on one machine
# (issue 14: "a PostgreSQL run (checks/s …)"). Two Keywarden servers, each with BENCH_KEYS active
# keys in its store — one on a SQLite file, one on a throw-away PostgreSQL 15 (bench/pg.sh) —
# each driven by wrk on gateway.port: GET /v1/gateway/auth at BENCH_CONNS and BENCH_HIGH_CONNS
# connections, then POST /v1/keys/verify. The check itself reads only memory on both; what the
# store changes is the usage flusher (every checked key's counters, written back each second)
# and the change follower's poll. Prints a markdown table with the ratio PostgreSQL ÷ SQLite, and
# the CPU time Keywarden (and PostgreSQL's processes) spent per check during each run — the
# steadier figure when other work shares the cores.
# Usage: bench/pg-checks.sh   (BENCH_SECONDS, BENCH_WARMUP, BENCH_CONNS, BENCH_HIGH_CONNS,
#        BENCH_KEYS, BENCH_REAL_KEYS, BENCH_THREADS, BENCH_KEEP as in run.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
SECS=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNS:-32}
HIGH=${BENCH_HIGH_CONNS:-256}
THREADS=${BENCH_THREADS:-2}
NKEYS=${BENCH_KEYS:-100000}
NREAL=${BENCH_REAL_KEYS:-16}
WRK=${WRK:-wrk}
KEEP=${BENCH_KEEP:-0}

BENCH_NAME=pg-checks
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source-path=SCRIPTDIR source=pg.sh
source "$ROOT/bench/pg.sh"
check_whole SECS WARMUP CONNS HIGH THREADS NKEYS NREAL
require_tools "apt-get install wrk sqlite3 curl postgresql" "$WRK" sqlite3 curl psql
bench_workdir keywarden-pg-checks
mkdir -p "$WORK/bin" "$WORK/sqlite" "$WORK/postgresql"
take_binary "$BUILD/keywarden" "$WORK/bin/keywarden"
KW_BIN=$WORK/bin/keywarden
SECRET=$(hex 24)
ADMIN=$(hex 16)
machine_info
say "== checks on PostgreSQL and SQLite ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, load $(cut -d' ' -f1-3 /proc/loadavg))"

declare -A GW RPS P99 KWPID CPU
# ticks PID...: user + system CPU clock ticks of these processes (gone ones count 0).
ticks() {
  local p t=0 f
  for p in "$@"; do
    f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null || true)
    [[ -n $f ]] && t=$((t + ${f% *} + ${f#* }))
  done
  echo "$t"
}
# pg_pids: the postmaster of this run and its children (backends, writers).
pg_pids() {
  local pm
  pm=$(pgrep -f -- "^$PG_BIN/postgres -D $WORK/pg/data" | head -n1 || true)
  [[ -n $pm ]] && { echo "$pm"; pgrep -P "$pm" || true; }
}
HZ=$(getconf CLK_TCK)
NOW=$(now_ms)
# SQLite
write_config "$WORK/sqlite/kw.properties" 0 "$WORK/sqlite/kw.db" "gateway.port = 0"
migrate_db "$WORK/sqlite/kw.properties" "$WORK/sqlite/migrate.log"
sqlite3 "$WORK/sqlite/kw.db" "$(sql_bench_client "$NOW")"
sqlite3 "$WORK/sqlite/kw.db" "BEGIN; $(sql_bulk_keys "$NKEYS" 0 "$NOW") COMMIT;"
start_keywarden_on "$WORK/sqlite/kw.properties" "$WORK/sqlite/server.log" KW_PORT
GW[sqlite]=$GW_PORT
KWPID[sqlite]=$KW_PID
KW=http://127.0.0.1:$KW_PORT
create_keys "$WORK/sqlite/keys.txt" "$NREAL"
# PostgreSQL
pg_start
CONN=$(pg_createdb kw_checks)
write_config "$WORK/postgresql/kw.properties" 0 "$CONN" "db.connector = postgresql" "gateway.port = 0"
migrate_db "$WORK/postgresql/kw.properties" "$WORK/postgresql/migrate.log"
psql -q -v ON_ERROR_STOP=1 "$CONN" -c "$(sql_bench_client "$NOW")" >/dev/null
pg_bulk_keys "$CONN" "$NKEYS" "$NOW"
start_keywarden_on "$WORK/postgresql/kw.properties" "$WORK/postgresql/server.log" KW_PORT
GW[postgresql]=$GW_PORT
KWPID[postgresql]=$KW_PID
KW=http://127.0.0.1:$KW_PORT
create_keys "$WORK/postgresql/keys.txt" "$NREAL"

run() { # run STORE SCRIPT CONNS LABEL
  local out=$WORK/$1-$2-$3.txt id=$1-$2-$3
  if ((WARMUP > 0)); then
    "$WRK" -t"$THREADS" -c"$3" -d"${WARMUP}s" --timeout 2s -s "$ROOT/bench/$2.lua" \
      "http://127.0.0.1:${GW[$1]}" -- "$WORK/$1/keys.txt" >/dev/null 2>&1 || true
  fi
  local kw0 db0 kw1 db1 dbp=()
  if [[ $1 == postgresql ]]; then
    mapfile -t dbp < <(pg_pids)
    PG_PROCS=${#dbp[@]}
  fi
  kw0=$(ticks "${KWPID[$1]}")
  db0=$(ticks "${dbp[@]+"${dbp[@]}"}")
  "$WRK" -t"$THREADS" -c"$3" -d"${SECS}s" --timeout 2s --latency -s "$ROOT/bench/$2.lua" \
    "http://127.0.0.1:${GW[$1]}" -- "$WORK/$1/keys.txt" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
  kw1=$(ticks "${KWPID[$1]}")
  db1=$(ticks "${dbp[@]+"${dbp[@]}"}")
  parse_wrk "$out" "$id"
  # CPU per check: steadier than requests/s when other work shares the cores.
  KWUS=$(awk -v t=$((kw1 - kw0)) -v hz="$HZ" -v n="$W_TOTAL" 'BEGIN {printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0)}')
  DBUS=$(awk -v t=$((db1 - db0)) -v hz="$HZ" -v n="$W_TOTAL" 'BEGIN {printf "%.2f", (n > 0 ? t / hz * 1e6 / n : 0)}')
  CPU[$id]=$KWUS
  RPS[$id]=$W_RPS
  P99[$id]=$W_P99
  say "| $4 | $1 | $3 | $W_RPS | $W_P50 | $W_P99 | $W_ERRS | $KWUS | $([[ $1 == postgresql ]] && echo "$DBUS" || echo –) | $(cut -d' ' -f1 /proc/loadavg) |"
}
say ""
say "| target | store | conns | requests/s | p50 ms | p99 ms | errors | Keywarden CPU µs per check | PostgreSQL CPU µs per check | load |"
say "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
CASES=("gateway $CONNS GET /v1/gateway/auth")
((HIGH > 0)) && CASES+=("gateway $HIGH GET /v1/gateway/auth")
CASES+=("verify $CONNS POST /v1/keys/verify")
for c in "${CASES[@]}"; do
  read -r script conns label <<<"$c"
  for store in sqlite postgresql; do run "$store" "$script" "$conns" "$label"; done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
say ""
say "| PostgreSQL ÷ SQLite, same run | requests/s | p99 | Keywarden CPU per check |"
say "|---|---:|---:|---:|"
for c in "${CASES[@]}"; do
  read -r script conns label <<<"$c"
  say "| $label, $conns conns | $(ratio "${RPS[postgresql-$script-$conns]}" "${RPS[sqlite-$script-$conns]}") | $(ratio "${P99[postgresql-$script-$conns]}" "${P99[sqlite-$script-$conns]}") | $(ratio "${CPU[postgresql-$script-$conns]}" "${CPU[sqlite-$script-$conns]}") |"
done
flushed=$(psql -qAt "$CONN" -c "SELECT COALESCE(SUM(usage_valid), 0) FROM api_keys")
say ""
say "usage counted into PostgreSQL by the flusher during the run: $flushed valid checks;" \
  "PostgreSQL processes whose CPU was counted: ${PG_PROCS:-0}"
