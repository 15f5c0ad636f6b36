#!/usr/bin/env bash
# Keywarden expiry-sweep benchmark: 100 000 ACTIVE keys that all expire in the same second, each
# with its pending 'expire-key' job. Measures how long the scheduler needs until every key is
# EXPIRED in the database, and the p99 of GET /v1/gateway/auth (wrk, real non-expiring keys)
# during that sweep against the p99 of a quiet run before it.
# Targets: sweep < 5 s; p99 during the sweep < 2x the quiet p99. See bench/README.md.
# Load: by default each wrk connection pauses BENCH_DELAY_MS=2 ms between requests (~12 000
# req/s from 32 connections, a third of what this 2-core machine serves), so the p99s measure
# the server and not a run queue that wrk itself saturates; BENCH_DELAY_MS=0 saturates.
# Run: `bench/expiry-sweep.sh` (uses the binary already in build/; does not build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BUILD:-build}
NKEYS=${SWEEP_KEYS:-100000}          # keys that expire in the same second
DELAY=${SWEEP_DELAY:-25}             # seconds from the bulk insert to the expiry second T
SPREAD=${SWEEP_SPREAD_MS:-0}         # expires_at = T + (n % SPREAD) ms; 0 = all at exactly T
LEAD=${SWEEP_LEAD:-1}                # seconds before T at which the sweep wrk run starts
SWEEP_SECS=${SWEEP_WRK:-15}          # duration of the wrk run that covers the sweep
POLL_LIMIT=${SWEEP_TIMEOUT:-120}     # seconds after T to wait for all keys to be EXPIRED
QUIET=${BENCH_QUIET:-8}              # quiet wrk run (before T)
WARMUP=${BENCH_WARMUP:-2}            # unmeasured warm-up before the quiet run (0 = none)
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-32}
PACE=${BENCH_DELAY_MS:-2}            # ms each connection waits between requests; 0 = saturate
POLL_MS=${SWEEP_POLL_MS:-100}        # interval of the EXPIRED-count polls
NREAL=${BENCH_REAL_KEYS:-16}         # real keys (no expiry) created over HTTP for wrk
WRK=${WRK:-wrk}
KEEP=${BENCH_KEEP:-0}                # 1 = keep the temp dir (server log, database, wrk output)
OUT=${BENCH_OUT:-}                   # optional file to write the markdown summary to
TARGET_SWEEP_MS=5000
TARGET_RATIO=2

BENCH_NAME=expiry-sweep
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/bench/lib.sh"

check_whole NKEYS DELAY SPREAD LEAD SWEEP_SECS POLL_LIMIT QUIET WARMUP THREADS CONNS NREAL PACE POLL_MS
((NKEYS >= 1)) || die "SWEEP_KEYS must be >= 1"
((SPREAD <= 1000)) || die "SWEEP_SPREAD_MS must be <= 1000 (all keys expire within one second)"
((QUIET >= 1 && SWEEP_SECS >= 1)) || die "BENCH_QUIET and SWEEP_WRK must be >= 1"
((NREAL >= 1)) || die "BENCH_REAL_KEYS must be >= 1"
((CONNS >= THREADS && THREADS >= 1)) || die "need 1 <= BENCH_THREADS <= BENCH_CONNS"
((DELAY > LEAD)) || die "SWEEP_DELAY must be larger than SWEEP_LEAD"

require_tools "apt-get install wrk sqlite3 curl" "$WRK" sqlite3 curl timeout
[[ -d $ROOT/workflows && -d $ROOT/templates ]] || die "$ROOT/workflows or $ROOT/templates missing"

bench_workdir keywarden-sweep

# sleep_until MS: sleep until the wall clock reaches MS (epoch milliseconds); no-op if past.
sleep_until() {
  local d=$(($1 - $(now_ms)))
  ((d > 0)) && sleep "$(awk -v d="$d" 'BEGIN {printf "%.3f", d / 1000}')"
  return 0
}

# Read-only queries while the server writes (WAL: readers do not block the writer).
q() { sqlite3 -readonly -cmd '.timeout 2000' "$DB" "$1"; }

pace_text() {
  if ((PACE > 0)); then echo "each connection pausing $PACE ms between requests (BENCH_DELAY_MS)"
  else echo "saturating (BENCH_DELAY_MS=0)"; fi
}

mkdir -p "$WORK/bin" "$WORK/kw" "$WORK/wrk"
take_binary "$BUILD/keywarden" "$WORK/bin/keywarden"
KW_BIN=$WORK/bin/keywarden
DB=$WORK/kw/kw.db
CONF=$WORK/kw/kw.properties
LOG=$WORK/kw/server.log

SECRET=$(hex 24)
ADMIN=$(hex 16)
PORT=""
free_port PORT
write_config "$CONF" "$PORT" "$DB" "workflows.dir = $ROOT/workflows" "templates.dir = $ROOT/templates"

machine_info
say "== Keywarden expiry-sweep benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT)"
say "   machine: $(nproc) CPU(s) ${CPU:+($CPU)}; wrk, sqlite3 polling and the server share them"
say "   temp dir: $WORK"

# ---------------------------------------------------------------- database
migrate_db "$CONF" "$WORK/kw/migrate.log"
NOW=$(now_ms)
T=$(((NOW + DELAY * 1000 + 999) / 1000 * 1000)) # start of the expiry second
say ""
say "== loading $NKEYS ACTIVE keys expiring at T = $T ($(date -u -d "@$((T / 1000))" '+%H:%M:%S UTC'), in $(((T - NOW) / 1000)) s)"
if ((SPREAD > 0)); then say "   expires_at = T + (n % $SPREAD) ms; one pending expire-key job per key"
else say "   expires_at = T for every key; one pending expire-key job per key"; fi
EXP_SQL="$T"
((SPREAD > 0)) && EXP_SQL="($T + x % $SPREAD)"
T0=$(now_ms)
sqlite3 "$DB" <<EOF
BEGIN;
$(sql_bench_client "$NOW")
$(sql_bulk_keys "$NKEYS" "$EXP_SQL" "$NOW")
INSERT INTO jobs (id, kind, ref_id, due_at, payload, status, attempts, last_error, created_at, done_at)
SELECT 'job_' || id, 'expire-key', id, expires_at, '{"at":' || expires_at || '}', 'PENDING', 0, '',
  $NOW, 0
FROM api_keys WHERE id LIKE 'key_bulk%';
COMMIT;
EOF
INSERT_MS=$(($(now_ms) - T0))
ROWS=$(q "SELECT count(*) FROM api_keys WHERE state = 'ACTIVE' AND expires_at BETWEEN $T AND $((T + 999))")
JOBS=$(q "SELECT count(*) FROM jobs WHERE kind = 'expire-key' AND status = 'PENDING'")
((ROWS == NKEYS)) || die "expected $NKEYS expiring keys in api_keys, found $ROWS"
((JOBS == NKEYS)) || die "expected $NKEYS pending expire-key jobs, found $JOBS"
say "   $ROWS keys and $JOBS jobs inserted in $INSERT_MS ms"

# ---------------------------------------------------------------- server
say ""
say "== starting keywarden"
KW=http://127.0.0.1:$PORT
start_keywarden "$CONF" "$LOG" "$KW"
LOG_LINE=$(grep -m1 'keys loaded' "$LOG" || true)
say "   ready in $START_MS ms; log: ${LOG_LINE:-(no 'keys loaded' line)}"

KEYS_FILE=$WORK/keys.txt
create_keys "$KEYS_FILE" "$NREAL"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-API-Key: $(head -n1 "$KEYS_FILE")" "$KW/v1/gateway/auth")
[[ $code == 200 ]] || die "GET /v1/gateway/auth with a valid key answered $code"
say "   created $NREAL keys (no expiry) over HTTP for wrk; gateway check answers 200"

# ---------------------------------------------------------------- wrk
GW=$ROOT/bench/gateway.lua
declare -A RPS P50 P99 ERRS TOTAL
# start_wrk ID SECONDS [--latency] -> sets WRK_PID; output in $WORK/wrk/ID.txt
start_wrk() {
  local id=$1 secs=$2
  shift 2
  BENCH_DELAY_MS=$PACE timeout -k 5 "$((secs + 60))" "$WRK" -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 2s "$@" \
    -s "$GW" "$KW" -- "$KEYS_FILE" >"$WORK/wrk/$id.txt" 2>&1 &
  WRK_PID=$!
  PIDS+=("$WRK_PID")
}
# finish_wrk ID PID: wait for it and parse its output.
finish_wrk() {
  local id=$1 pid=$2 out="$WORK/wrk/$1.txt" rc=0
  wait "$pid" || rc=$?
  forget_pid "$pid"
  ((rc == 0)) || { cat "$out" >&2; die "wrk $id failed ($rc)"; }
  parse_wrk "$out" "$id"
  TOTAL[$id]=$W_TOTAL
  RPS[$id]=$W_RPS
  P50[$id]=$W_P50
  P99[$id]=$W_P99
  ERRS[$id]=$W_ERRS
  printf '   %-8s %9s req/s  p50 %8s ms  p99 %8s ms  (%s requests, %s errors)\n' \
    "$id" "${RPS[$id]}" "${P50[$id]}" "${P99[$id]}" "${TOTAL[$id]:-?}" "${ERRS[$id]}"
}

SWEEP_START=$((T - LEAD * 1000))
NEED=$(((WARMUP + QUIET + 2) * 1000)) # + 2 s margin for start-up and parsing of wrk
LEFT=$((SWEEP_START - $(now_ms)))
((LEFT >= NEED)) || die "only $((LEFT / 1000)) s left before the sweep run, the quiet run needs $((NEED / 1000)) s: raise SWEEP_DELAY"

say ""
say "== quiet phase: wrk -t$THREADS -c$CONNS ${QUIET}s on GET /v1/gateway/auth (after ${WARMUP}s warm-up), $(pace_text)"
if ((WARMUP > 0)); then
  start_wrk warmup "$WARMUP"
  wait "$WRK_PID" || { cat "$WORK/wrk/warmup.txt" >&2; die "wrk warm-up failed"; }
  forget_pid "$WRK_PID"
fi
start_wrk quiet "$QUIET" --latency
finish_wrk quiet "$WRK_PID"
QUIET_END=$(now_ms)
((QUIET_END < SWEEP_START)) || die "the quiet run ended $((QUIET_END - SWEEP_START)) ms after the sweep run should have started: raise SWEEP_DELAY"
EXPIRED_BEFORE=$(q "SELECT count(*) FROM api_keys WHERE state = 'EXPIRED'")
((EXPIRED_BEFORE == 0)) || die "$EXPIRED_BEFORE keys were EXPIRED before T"

say ""
say "== sweep phase: wrk ${SWEEP_SECS}s from T-${LEAD}s; polling the EXPIRED count every $POLL_MS ms from T"
sleep_until "$SWEEP_START"
start_wrk sweep "$SWEEP_SECS" --latency
SWEEP_PID=$WRK_PID
WRK_T0=$(now_ms)
sleep_until "$T"

POLLS=0 FIRST_MS="" DONE_MS="" LAST=0 COUNT=0
LIMIT=$((T + POLL_LIMIT * 1000))
POLL_LOG=$WORK/poll.txt
: >"$POLL_LOG"
while :; do
  t=$(now_ms) # a snapshot that starts at t and sees all keys EXPIRED: the sweep ended before t
  COUNT=$(q "SELECT count(*) FROM api_keys WHERE state = 'EXPIRED'" || echo "$LAST")
  POLLS=$((POLLS + 1))
  echo "$((t - T)) $COUNT" >>"$POLL_LOG"
  if [[ -z $FIRST_MS ]] && ((COUNT > 0)); then
    FIRST_MS=$((t - T))
    say "   +$FIRST_MS ms: first EXPIRED keys ($COUNT)"
  fi
  if ((COUNT >= NKEYS)); then
    DONE_MS=$((t - T))
    say "   +$DONE_MS ms: all $COUNT keys EXPIRED ($POLLS polls)"
    break
  fi
  LAST=$COUNT
  kill -0 "$KW_PID" 2>/dev/null || die "keywarden exited during the sweep"
  ((t < LIMIT)) || break
  sleep_until $((t + POLL_MS))
done
[[ -n $DONE_MS ]] || say "   TIMEOUT: only $COUNT of $NKEYS keys EXPIRED after $POLL_LIMIT s"
SWEPT_MS=$(tail -n1 "$POLL_LOG" | cut -d' ' -f1) # time of the last poll after T
RATE=$(awk -v n="$COUNT" -v ms="$SWEPT_MS" 'BEGIN {printf "%.0f", (ms > 0 ? n * 1000 / ms : 0)}')
say "   $COUNT keys EXPIRED by T+$SWEPT_MS ms: $RATE keys/s"
WRK_END=$((WRK_T0 + SWEEP_SECS * 1000))
finish_wrk sweep "$SWEEP_PID"
kill -0 "$KW_PID" 2>/dev/null || die "keywarden died during the benchmark"

# What the server itself recorded: the batch time of each expire-key job (a batch's jobs share
# the time the batch started; the keys become visible as EXPIRED when it commits).
read -r JOB_DONE JOB_FIRST JOB_LAST JOB_OTHER < <(q "SELECT
  (SELECT count(*) FROM jobs WHERE kind = 'expire-key' AND status = 'DONE'),
  (SELECT COALESCE(MIN(done_at), 0) - $T FROM jobs WHERE kind = 'expire-key' AND status = 'DONE'),
  (SELECT COALESCE(MAX(done_at), 0) - $T FROM jobs WHERE kind = 'expire-key' AND status = 'DONE'),
  (SELECT count(*) FROM jobs WHERE kind = 'expire-key' AND status <> 'DONE')" | tr '|' ' ')
JOB_STATUS=$(q "SELECT status || ' ' || count(*) FROM jobs GROUP BY status ORDER BY status" | paste -sd, - | sed 's/,/, /g')
say "   jobs table: $JOB_STATUS; expire-key batches ran from T+$JOB_FIRST to T+$JOB_LAST ms"
COVER="yes"
[[ -n $DONE_MS ]] && ((T + DONE_MS <= WRK_END)) || COVER="no"
[[ $COVER == yes ]] || say "   NOTE: the sweep wrk run ended before the sweep did (raise SWEEP_WRK)"

# Server log: errors and warnings.
ERR_LINES=$(grep -ciE 'error|fatal|critical|exception|warning|failed' "$LOG" || true)
if ((ERR_LINES > 0)); then
  say "   server log: $ERR_LINES error/warning line(s), first ones:"
  grep -iE 'error|fatal|critical|exception|warning|failed' "$LOG" | head -n 5 | sed 's/^/     | /'
else
  say "   server log: no error or warning lines ($(wc -l <"$LOG") lines)"
fi

# ---------------------------------------------------------------- summary
RATIO=$(awk -v a="${P99[sweep]}" -v b="${P99[quiet]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
RPS_RATIO=$(awk -v a="${RPS[sweep]}" -v b="${RPS[quiet]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
verdict() { if [[ $1 == 1 ]]; then echo "met"; else echo "**missed**"; fi; }
SWEEP_OK=0
[[ -n $DONE_MS ]] && ((DONE_MS < TARGET_SWEEP_MS)) && SWEEP_OK=1
RATIO_OK=$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN {print (r < t) ? 1 : 0}')

summary() {
  say "### Keywarden expiry sweep"
  say ""
  say "$(date -u '+%Y-%m-%d'), commit \`$COMMIT\`, $(nproc) CPU(s)${CPU:+ ($CPU)} shared by wrk, sqlite3 polling and the server;"
  say "$NKEYS ACTIVE keys expiring at T$( ((SPREAD > 0)) && echo " + 0..$((SPREAD - 1)) ms"), one pending \`expire-key\` job each;"
  say "wrk $THREADS threads, $CONNS connections on \`GET /v1/gateway/auth\` round-robin over $NREAL non-expiring keys, $(pace_text);"
  say "quiet run ${QUIET}s (after ${WARMUP}s warm-up) before T, sweep run ${SWEEP_SECS}s from T-${LEAD}s; EXPIRED count polled every $POLL_MS ms."
  say ""
  say "| measure | value | target | result |"
  say "|---|---:|---:|---|"
  say "| sweep: T to all $NKEYS keys EXPIRED (polled) | ${DONE_MS:-timeout (> ${POLL_LIMIT} s)}${DONE_MS:+ ms} | < $TARGET_SWEEP_MS ms | $(verdict "$SWEEP_OK") |"
  say "| keys EXPIRED at the last poll (T+$SWEPT_MS ms) | $COUNT of $NKEYS ($RATE keys/s) | | |"
  say "| T to first EXPIRED key (polled) | ${FIRST_MS:-none} ms | | |"
  say "| expire-key batches ran (jobs.done_at - T) | $JOB_FIRST .. $JOB_LAST ms | | |"
  say "| gateway p99, quiet / during the sweep | ${P99[quiet]} / ${P99[sweep]} ms | | |"
  say "| p99 ratio sweep / quiet | $RATIO | < $TARGET_RATIO | $(verdict "$RATIO_OK") |"
  say ""
  say "| wrk run | requests/s | p50 ms | p99 ms | requests | errors |"
  say "|---|---:|---:|---:|---:|---:|"
  say "| quiet (before T) | ${RPS[quiet]} | ${P50[quiet]} | ${P99[quiet]} | ${TOTAL[quiet]} | ${ERRS[quiet]} |"
  say "| during the sweep | ${RPS[sweep]} | ${P50[sweep]} | ${P99[sweep]} | ${TOTAL[sweep]} | ${ERRS[sweep]} |"
  say "| ratio sweep / quiet | $RPS_RATIO | | $RATIO | | |"
  say ""
  say "| other | value |"
  say "|---|---:|"
  say "| expire-key jobs DONE / not DONE | $JOB_DONE / $JOB_OTHER |"
  say "| sweep wrk run covered the whole sweep | $COVER |"
  say "| server log error/warning lines | $ERR_LINES |"
  say "| start-up to /healthz 200 with $NKEYS keys and jobs | $START_MS ms |"
  say "| sqlite3 bulk insert of keys and jobs | $INSERT_MS ms |"
}

say ""
summary | tee "$WORK/summary.md"
if [[ -n $OUT ]]; then cp "$WORK/summary.md" "$OUT"; fi
