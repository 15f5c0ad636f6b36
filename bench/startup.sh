#!/usr/bin/env bash
# Start-up benchmark: how long Keywarden takes from process start until GET /readyz answers 200
# with N active keys in its store, and what the key cache costs in resident memory (VmRSS with
# the keys minus VmRSS of the same server on the same database without them, divided by N).
# SQLite by default; STARTUP_PG=1 also runs it on a throw-away PostgreSQL 15. Prints a markdown
# table. See bench/README.md ("Start-up").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BUILD:-build}
SIZES=${STARTUP_KEYS:-1000000}   # space-separated key counts, e.g. "1000000 2000000 4000000"
RUNS=${STARTUP_RUNS:-3}          # start-ups per size (the table shows each, and the best)
PG=${STARTUP_PG:-0}              # 1 = also on PostgreSQL
KEEP=${BENCH_KEEP:-0}
OUT=${BENCH_OUT:-}

BENCH_NAME=startup
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source-path=SCRIPTDIR source=pg.sh
source "$ROOT/bench/pg.sh"

check_whole RUNS PG
for n in $SIZES; do [[ $n =~ ^[0-9]+$ ]] || die "STARTUP_KEYS: '$n' is not a whole number"; done
require_tools "apt-get install sqlite3 curl" sqlite3 curl
bench_workdir keywarden-startup
mkdir -p "$WORK/bin"
take_binary "$BUILD/keywarden" "$WORK/bin/keywarden"
KW_BIN=$WORK/bin/keywarden
SECRET=$(hex 24)
ADMIN=$(hex 16)
machine_info
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ready_ms CONF LOG: starts keywarden, waits for /readyz 200; sets KW_PID, READY_MS, RSS (kB,
# a second after ready), LOADED (the count of the "keys loaded" log line).
ready_ms() {
  local conf=$1 log=$2 port t0 limit
  free_port port
  sed -i "s/^http\.port = .*/http.port = $port/" "$conf"
  t0=$(now_ms)
  "$KW_BIN" serve --config "$conf" >"$log" 2>&1 &
  KW_PID=$!
  PIDS+=("$KW_PID")
  limit=$((t0 + 300000))
  while (($(now_ms) < limit)); do
    kill -0 "$KW_PID" 2>/dev/null || { sed 's/^/  | /' "$log" >&2; die "keywarden exited"; }
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" || true) == 200 ]]; then
      READY_MS=$(($(now_ms) - t0))
      sleep 1
      RSS=$(rss_kb "$KW_PID")
      LOADED=$(sed -n 's/.* \([0-9][0-9]*\) keys loaded.*/\1/p' "$log" | head -n1)
      stop_pid "$KW_PID"
      return 0
    fi
    sleep 0.01
  done
  die "keywarden did not answer /readyz within 300 s"
}

# A mix like a real store's: most keys unlimited with no scopes, some with scopes, a few with
# a quota or a rate limit (those cost more: see KeyEntry).
sqlite_keys() { # DB COUNT NOW
  sqlite3 "$1" <<EOF
BEGIN;
INSERT INTO api_keys (id, tenant, client_id, name, digest, start, state, scopes, api_ids, group_ids,
  effective_at, expires_at, quota, remaining, quota_key_id, refill_amount, refill_interval,
  refilled_at, rate_limit, rate_window_ms, meta, created_at, updated_at, last_used_at, usage_valid,
  usage_rejected, revoke_at, revoke_reason, rotated_to, application_id, version)
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < $2)
SELECT printf('key_bulk%08d', x), 'default', 'bench', printf('bulk-%d', x), lower(hex(randomblob(32))),
  'kw_bulk', 'ACTIVE', CASE WHEN x % 4 = 0 THEN '["read","write"]' ELSE '[]' END, '[]', '[]', 0, 0,
  CASE WHEN x % 100 = 0 THEN 1000 ELSE -1 END, CASE WHEN x % 100 = 0 THEN 1000 ELSE -1 END, '', 0,
  '', 0, CASE WHEN x % 50 = 0 THEN 10 ELSE 0 END, CASE WHEN x % 50 = 0 THEN 1000 ELSE 0 END, '{}',
  $3, $3, 0, 0, 0, 0, '', '', '', 1
FROM seq;
COMMIT;
EOF
}

ROWS=()
# run_store KIND: every size on one store kind.
run_store() {
  local kind=$1 n d conf conn base_rss r best times rss_list per per_list
  d=$WORK/$kind
  mkdir -p "$d"
  for n in 0 $SIZES; do
    conf=$d/kw-$n.properties
    if [[ $kind == sqlite ]]; then
      write_config "$conf" 0 "$d/kw-$n.db"
    else
      conn=$(pg_createdb "kw_$n")
      write_config "$conf" 0 "$conn" "db.connector = postgresql"
    fi
    migrate_db "$conf" "$d/migrate-$n.log"
    NOW=$(now_ms)
    local t0
    t0=$(now_ms)
    if [[ $kind == sqlite ]]; then
      sqlite3 "$d/kw-$n.db" "$(sql_bench_client "$NOW")"
      ((n == 0)) || sqlite_keys "$d/kw-$n.db" "$n" "$NOW"
    else
      psql -q -v ON_ERROR_STOP=1 "$conn" -c "$(sql_bench_client "$NOW")" >/dev/null
      ((n == 0)) || pg_bulk_keys "$conn" "$n" "$NOW" 1
    fi
    say "   $kind: $n keys inserted in $(($(now_ms) - t0)) ms"
    best=0 times="" rss_list="" per_list=""
    for ((r = 1; r <= RUNS; r++)); do
      ready_ms "$conf" "$d/server-$n-$r.log"
      if ((n == 0)); then
        base_rss=${base_rss:-$RSS}
        ((RSS < base_rss)) && base_rss=$RSS
      else
        [[ ${LOADED:-0} -ge $n ]] || die "the log does not report $n keys loaded (got '${LOADED:-}')"
        per=$(awk -v a="$RSS" -v b="$base_rss" -v n="$n" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
        per_list+="${per_list:+, }$per"
      fi
      times+="${times:+, }$READY_MS"
      rss_list+="${rss_list:+, }$((RSS / 1024))"
      ((best == 0 || READY_MS < best)) && best=$READY_MS
      say "   $kind, $n keys, run $r: /readyz 200 after $READY_MS ms; VmRSS $((RSS / 1024)) MiB ($(cut -d' ' -f1-3 /proc/loadavg))"
    done
    ROWS+=("| $kind | $n | $times | **$best** | $rss_list | ${per_list:-–} | $(cut -d' ' -f1-3 /proc/loadavg) |")
    if [[ $kind == sqlite ]]; then rm -f "$d/kw-$n.db"*; fi
  done
}

say "== Keywarden start-up ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
run_store sqlite
if ((PG)); then
  pg_start
  run_store postgresql
fi

SUMMARY=$(
  say ""
  say "Start-up, commit $COMMIT, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs:"
  say ""
  say "| store | keys | process start → /readyz 200, ms (each run) | best | VmRSS MiB | bytes per key (RSS − RSS without keys) / keys | load after |"
  say "|---|---:|---|---:|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
)
say "$SUMMARY"
if [[ -n $OUT ]]; then say "$SUMMARY" >"$OUT"; fi
