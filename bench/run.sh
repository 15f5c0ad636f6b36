#!/usr/bin/env bash
# Keywarden benchmark: the check path (GET /v1/gateway/auth, POST /v1/keys/verify) with
# 100 000 active keys loaded, driven by wrk beside two baselines started in the same run on the
# same machine: nginx `return 204` and a bare Poco HTTP server answering 204 (the ceiling of
# Keywarden's HTTP layer). Prints requests/s, p50/p99 latency, ratios, memory and start-up time,
# and ends with a markdown summary. See bench/README.md. Run: `make bench` or `bench/run.sh`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BUILD:-build}
SECS=${BENCH_SECONDS:-10}             # measured seconds per wrk run
WARMUP=${BENCH_WARMUP:-2}             # unmeasured warm-up seconds before each run (0 = none)
THREADS=${BENCH_THREADS:-2}           # wrk threads
CONNS=${BENCH_CONNS:-32}              # connections for every target
HIGH_CONNS=${BENCH_HIGH_CONNS:-256}   # extra run for the gateway and bare Poco (0 = skip)
IDLE=${BENCH_IDLE:-10000}             # idle connections held open during one more gateway.port run (0 = skip)
NKEYS=${BENCH_KEYS:-100000}           # active keys inserted before start-up
BIG=${BENCH_BIG_KEYS:-1000000}        # second Keywarden run with this many keys (0 = skip)
NREAL=${BENCH_REAL_KEYS:-16}          # real keys created over HTTP, used round-robin by wrk
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
POCO_THREADS=${BENCH_POCO_THREADS:-256}  # same as Keywarden's http.threads default
NGINX=${NGINX:-/usr/sbin/nginx}
WRK=${WRK:-wrk}
KEEP=${BENCH_KEEP:-0}                 # 1 = keep the temp dir (logs, databases, wrk output)
OUT=${BENCH_OUT:-}                    # optional file to write the markdown summary to

BENCH_NAME=bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/bench/lib.sh"

check_whole SECS WARMUP THREADS CONNS HIGH_CONNS IDLE NKEYS BIG NREAL POCO_THREADS
((SECS >= 1)) || die "BENCH_SECONDS must be >= 1"
((NREAL >= 1)) || die "BENCH_REAL_KEYS must be >= 1"
((CONNS >= THREADS && THREADS >= 1)) || die "need 1 <= BENCH_THREADS <= BENCH_CONNS"
[[ $NGINX_WORKERS =~ ^([0-9]+|auto)$ ]] || die "BENCH_NGINX_WORKERS must be a number or auto"

require_tools "apt-get install wrk nginx-light sqlite3 curl" "$WRK" "$NGINX" sqlite3 curl timeout

bench_workdir keywarden-bench

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

mkdir -p "$WORK/bin" "$WORK/nginx" "$WORK/kw" "$WORK/kw-empty" "$WORK/wrk"
take_binary "$BUILD/keywarden" "$WORK/bin/keywarden"
take_binary "$BUILD/bare_poco_server" "$WORK/bin/bare_poco_server"
take_binary "$BUILD/loop_prototype" "$WORK/bin/loop_prototype"
KW_BIN=$WORK/bin/keywarden
POCO_BIN=$WORK/bin/bare_poco_server

SECRET=$(hex 24)
ADMIN=$(hex 16)
machine_info
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "== Keywarden benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT)"
say "   machine: $(nproc) CPU(s) ${CPU:+($CPU)}; wrk, the servers and anything else running share them"
say "   wrk: $THREADS threads, ${SECS}s per run (+${WARMUP}s warm-up), connections $CONNS$( ((HIGH_CONNS > 0)) && echo " and $HIGH_CONNS")"
say "   temp dir: $WORK"

# ---------------------------------------------------------------- databases
# Keywarden's ports are picked when each server starts (start_keywarden_on), not here: the
# bulk inserts below take many seconds, in which another program may take a port.
KW_PORT="" EMPTY_PORT="" NGINX_PORT="" POCO_PORT="" BIG_PORT=""
mkdir -p "$WORK/kw-big"
write_config "$WORK/kw-big/kw.properties" 0 "$WORK/kw-big/kw.db"
write_config "$WORK/kw/kw.properties" 0 "$WORK/kw/kw.db" "gateway.port = 0" "http.keepAliveTimeout = 1m"
write_config "$WORK/kw-empty/kw.properties" 0 "$WORK/kw-empty/kw.db"

migrate_db "$WORK/kw/kw.properties" "$WORK/kw/migrate.log"
NOW=$(now_ms)
sqlite3 "$WORK/kw/kw.db" "$(sql_bench_client "$NOW")"
cp "$WORK/kw/kw.db" "$WORK/kw-empty/kw.db" # the same database without the bulk keys
if ((BIG > 0)); then cp "$WORK/kw/kw.db" "$WORK/kw-big/kw.db"; fi

say ""
say "== loading $NKEYS active keys with sqlite3"
T0=$(now_ms)
sqlite3 "$WORK/kw/kw.db" <<EOF
BEGIN;
$(sql_bulk_keys "$NKEYS" 0 "$NOW")
COMMIT;
EOF
INSERT_MS=$(($(now_ms) - T0))
ROWS=$(sqlite3 "$WORK/kw/kw.db" "SELECT count(*) FROM api_keys WHERE state = 'ACTIVE'")
((ROWS == NKEYS)) || die "expected $NKEYS rows in api_keys, found $ROWS"
say "   $ROWS rows inserted in $INSERT_MS ms"

# ---------------------------------------------------------------- keywarden, empty then loaded
# start_keywarden_in DIR PORTVAR -> sets PORTVAR, KW_PID, START_MS
start_keywarden_in() { start_keywarden_on "$1/kw.properties" "$1/server.log" "$2"; }
# start_loaded DIR PORTVAR N: starts Keywarden on a database holding N bulk keys, checks its log
# says they were loaded; sets PORTVAR, KW_PID, START_MS, RSS (kB, a second after ready), LOG_LINE.
start_loaded() {
  local keys
  start_keywarden_in "$1" "$2"
  sleep 1
  RSS=$(rss_kb "$KW_PID")
  LOG_LINE=$(grep -m1 'keys loaded' "$1/server.log" || true)
  keys=$(sed -n 's/.* \([0-9][0-9]*\) keys loaded.*/\1/p' <<<"$LOG_LINE")
  if [[ -z $keys ]] || ((keys < $3)); then die "server log does not report $3 keys loaded"; fi
}

say ""
say "== keywarden without bulk keys (memory baseline)"
start_keywarden_in "$WORK/kw-empty" EMPTY_PORT
sleep 1
EMPTY_RSS=$(rss_kb "$KW_PID")
EMPTY_START=$START_MS
say "   ready in $EMPTY_START ms; VmRSS $EMPTY_RSS kB"
stop_pid "$KW_PID"

say ""
say "== keywarden with $NKEYS keys"
start_loaded "$WORK/kw" KW_PORT "$NKEYS"
KW=http://127.0.0.1:$KW_PORT
KWG=http://127.0.0.1:$GW_PORT  # the event-driven listener (gateway.port)
LOADED_RSS=$RSS
LOADED_START=$START_MS
LOADED_PID=$KW_PID
say "   ready in $LOADED_START ms (process start to /healthz 200); VmRSS $LOADED_RSS kB"
say "   log: $LOG_LINE"
BYTES_PER_KEY=$(awk -v a="$LOADED_RSS" -v b="$EMPTY_RSS" -v n="$NKEYS" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
say "   RSS growth: $((LOADED_RSS - EMPTY_RSS)) kB = $BYTES_PER_KEY bytes per key"

# Real keys for wrk, created through the admin API.
KEYS_FILE=$WORK/keys.txt
create_keys "$KEYS_FILE" "$NREAL"
say "   created $NREAL keys over HTTP for wrk (round-robin)"

METRIC=$(curl -s --max-time 5 "$KW/metrics" | awk '$1 == "keywarden_keys_loaded" {print $2}')
if [[ -z $METRIC ]] || ! awk -v m="$METRIC" -v n="$NKEYS" 'BEGIN {exit !(m >= n)}'; then
  die "GET /metrics: keywarden_keys_loaded is '${METRIC}', expected >= $NKEYS"
fi
say "   /metrics keywarden_keys_loaded $METRIC"

FIRST_KEY=$(head -n1 "$KEYS_FILE")
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-API-Key: $FIRST_KEY" "$KW/v1/gateway/auth")
[[ $code == 200 ]] || die "GET /v1/gateway/auth with a valid key answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-API-Key: kw_notakey0000000000000000000000" "$KW/v1/gateway/auth")
[[ $code != 200 ]] || die "GET /v1/gateway/auth accepted a made-up key"
body=$(curl -s --max-time 5 -X POST -H 'Content-Type: application/json' -d "{\"key\":\"$FIRST_KEY\"}" "$KW/v1/keys/verify")
[[ $body == *'"valid":true'* ]] || die "POST /v1/keys/verify: $body"
say "   checks: gateway valid key 200, unknown key $code, verify valid:true"

# ---------------------------------------------------------------- baselines
free_port NGINX_PORT
free_port POCO_PORT
N=$WORK/nginx
mkdir -p "$N/logs"
cat >"$N/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
pid $N/nginx.pid;
error_log $N/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $N/client_body;
  proxy_temp_path $N/proxy;
  fastcgi_temp_path $N/fastcgi;
  uwsgi_temp_path $N/uwsgi;
  scgi_temp_path $N/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { return 204; }
  }
}
EOF
"$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/logs/error.log" -g 'daemon off;' >"$N/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
"$POCO_BIN" "$POCO_PORT" "$POCO_THREADS" >"$WORK/poco.log" 2>&1 &
POCO_PID=$!
PIDS+=("$POCO_PID")
# The gateway listener's event-loop prototypes (bench/LoopPrototype.cpp): the listener's request
# reading under libevent and under Boost.Asio, answering 204 without a check.
free_port LE_PORT
free_port ASIO_PORT
"$WORK/bin/loop_prototype" libevent "$LE_PORT" >"$WORK/libevent.log" 2>&1 &
LE_PID=$!
PIDS+=("$LE_PID")
"$WORK/bin/loop_prototype" asio "$ASIO_PORT" >"$WORK/asio.log" 2>&1 &
ASIO_PID=$!
PIDS+=("$ASIO_PID")

# The baselines answer 204, which wait_http does not take as ready: poll for 204 here.
for target in "nginx $NGINX_PID $NGINX_PORT $N/logs/error.log" "bare-poco $POCO_PID $POCO_PORT $WORK/poco.log" \
  "libevent-prototype $LE_PID $LE_PORT $WORK/libevent.log" "asio-prototype $ASIO_PID $ASIO_PORT $WORK/asio.log"; do
  read -r name pid port log <<<"$target"
  ok=0
  for ((i = 0; i < 500; i++)); do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "$name exited at start-up"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/" || true) == 204 ]] && { ok=1; break; }
    sleep 0.02
  done
  ((ok)) || die "$name did not answer 204 on port $port"
done
NGINX_PROCS=$(($(pgrep -c -P "$NGINX_PID" || true)))
say ""
say "== baselines: nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') (worker_processes $NGINX_WORKERS = $NGINX_PROCS worker(s)), bare Poco ($POCO_THREADS threads)"

# ---------------------------------------------------------------- wrk runs
declare -A RPS P50 P99 ERRS LABEL
ORDER=()
# run_wrk ID LABEL CONNS URL SCRIPT
run_wrk() {
  local id=$1 label=$2 conns=$3 url=$4 script=$5 out="$WORK/wrk/$1.txt" pid rc=0
  local limit=$((SECS + WARMUP + 60))
  if ((WARMUP > 0)); then
    timeout -k 5 "$limit" "$WRK" -t"$THREADS" -c"$conns" -d"${WARMUP}s" --timeout 2s -s "$script" "$url" -- "$KEYS_FILE" \
      >"$out.warmup" 2>&1 &
    pid=$!; PIDS+=("$pid"); wait "$pid" || rc=$?; forget_pid "$pid"
    ((rc == 0)) || { cat "$out.warmup" >&2; die "wrk warm-up for $label failed ($rc)"; }
  fi
  timeout -k 5 "$limit" "$WRK" -t"$THREADS" -c"$conns" -d"${SECS}s" --timeout 2s --latency -s "$script" "$url" -- "$KEYS_FILE" \
    >"$out" 2>&1 &
  pid=$!; PIDS+=("$pid"); wait "$pid" || rc=$?; forget_pid "$pid"
  ((rc == 0)) || { cat "$out" >&2; die "wrk for $label failed ($rc)"; }

  parse_wrk "$out" "$label"
  RPS[$id]=$W_RPS
  P50[$id]=$W_P50
  P99[$id]=$W_P99
  ERRS[$id]=$W_ERRS
  LABEL[$id]=$label
  ORDER+=("$id")
  printf '   %-44s %4s conns  %9s req/s  p50 %8s ms  p99 %8s ms  (%s requests, %s non-2xx, %s socket errors)\n' \
    "$label" "$conns" "${RPS[$id]}" "${P50[$id]}" "${P99[$id]}" "${W_TOTAL:-?}" "${W_NON2XX:-0}" "${W_SOCK:-0}"
}

GW=$ROOT/bench/gateway.lua
VF=$ROOT/bench/verify.lua
say ""
say "== wrk (baselines get the same GET /v1/gateway/auth requests as Keywarden, via bench/gateway.lua)"
run_wrk nginx_lo "nginx return 204" "$CONNS" "http://127.0.0.1:$NGINX_PORT" "$GW"
run_wrk poco_lo "bare Poco 204" "$CONNS" "http://127.0.0.1:$POCO_PORT" "$GW"
run_wrk le_lo "libevent loop prototype 204" "$CONNS" "http://127.0.0.1:$LE_PORT" "$GW"
run_wrk asio_lo "Boost.Asio loop prototype 204" "$CONNS" "http://127.0.0.1:$ASIO_PORT" "$GW"
run_wrk gwl_lo "keywarden gateway.port GET /v1/gateway/auth" "$CONNS" "$KWG" "$GW"
run_wrk vfl_lo "keywarden gateway.port POST /v1/keys/verify" "$CONNS" "$KWG" "$VF"
run_wrk gw_lo "keywarden http.port GET /v1/gateway/auth" "$CONNS" "$KW" "$GW"
run_wrk vf_lo "keywarden http.port POST /v1/keys/verify" "$CONNS" "$KW" "$VF"
if ((HIGH_CONNS > 0)); then
  run_wrk nginx_hi "nginx return 204" "$HIGH_CONNS" "http://127.0.0.1:$NGINX_PORT" "$GW"
  run_wrk poco_hi "bare Poco 204" "$HIGH_CONNS" "http://127.0.0.1:$POCO_PORT" "$GW"
  run_wrk le_hi "libevent loop prototype 204" "$HIGH_CONNS" "http://127.0.0.1:$LE_PORT" "$GW"
  run_wrk asio_hi "Boost.Asio loop prototype 204" "$HIGH_CONNS" "http://127.0.0.1:$ASIO_PORT" "$GW"
  run_wrk gwl_hi "keywarden gateway.port GET /v1/gateway/auth" "$HIGH_CONNS" "$KWG" "$GW"
  run_wrk gw_hi "keywarden http.port GET /v1/gateway/auth" "$HIGH_CONNS" "$KW" "$GW"
fi
if ((IDLE > 0)); then
  # The check at $CONNS connections while $IDLE more stay open and idle (kept alive after one
  # request each; http.keepAliveTimeout is 1m in this config so that they last the run).
  python3 "$ROOT/bench/idle-connections.py" "$IDLE" "$GW_PORT" $((SECS + WARMUP + 60)) >"$WORK/idle.log" 2>&1 &
  IDLE_PID=$!
  PIDS+=("$IDLE_PID")
  for ((i = 0; i < 600; i++)); do grep -q '^open' "$WORK/idle.log" && break; sleep 0.1; done
  grep -q "^open $IDLE\$" "$WORK/idle.log" || { cat "$WORK/idle.log" >&2; die "could not hold $IDLE idle connections"; }
  run_wrk gwl_idle "keywarden gateway.port GET /v1/gateway/auth, $IDLE idle connections open" "$CONNS" "$KWG" "$GW"
  stop_pid "$IDLE_PID"
fi

AFTER_RSS=$(rss_kb "$LOADED_PID")
kill -0 "$LOADED_PID" 2>/dev/null || die "keywarden died during the benchmark"
say "   keywarden VmRSS after the runs: $AFTER_RSS kB"

# ---------------------------------------------------------------- a million keys
if ((BIG > 0)); then
  stop_pid "$LOADED_PID"
  say ""
  say "== keywarden with $BIG keys"
  T0=$(now_ms)
  sqlite3 "$WORK/kw-big/kw.db" <<EOF
BEGIN;
$(sql_bulk_keys "$BIG" 0 "$NOW")
COMMIT;
EOF
  BIG_INSERT_MS=$(($(now_ms) - T0))
  say "   $BIG rows inserted with sqlite3 in $BIG_INSERT_MS ms"
  start_loaded "$WORK/kw-big" BIG_PORT "$BIG"
  KW=http://127.0.0.1:$BIG_PORT
  BIG_RSS=$RSS
  BIG_START=$START_MS
  BIG_PID=$KW_PID
  BIG_BYTES=$(awk -v a="$BIG_RSS" -v b="$EMPTY_RSS" -v n="$BIG" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
  BIG_MIB_PER_M=$(awk -v a="$BIG_RSS" -v b="$EMPTY_RSS" -v n="$BIG" 'BEGIN {printf "%.0f", (a - b) / 1024 * 1000000 / n}')
  say "   ready in $BIG_START ms; VmRSS $BIG_RSS kB: $BIG_BYTES bytes per key, $BIG_MIB_PER_M MiB per million keys"
  create_keys "$KEYS_FILE" "$NREAL"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-API-Key: $(head -n1 "$KEYS_FILE")" "$KW/v1/gateway/auth")
  [[ $code == 200 ]] || die "GET /v1/gateway/auth with a valid key answered $code ($BIG keys)"
  run_wrk gw_big_lo "keywarden GET /v1/gateway/auth, $BIG keys" "$CONNS" "$KW" "$GW"
  if ((HIGH_CONNS > 0)); then
    run_wrk gw_big_hi "keywarden GET /v1/gateway/auth, $BIG keys" "$HIGH_CONNS" "$KW" "$GW"
  fi
  kill -0 "$BIG_PID" 2>/dev/null || die "keywarden ($BIG keys) died during the benchmark"
fi

# ---------------------------------------------------------------- summary
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
conns_of() { case $1 in *_hi) echo "$HIGH_CONNS" ;; *_idle) echo "$CONNS + $IDLE idle" ;; *) echo "$CONNS" ;; esac; }
# target NAME VALUE OP LIMIT: one row of the targets table (OP is >= or <).
target() {
  local ok
  ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {print ((op == ">=" ? v >= l : v < l) ? "met" : "**missed**")}')
  say "| $1 | $2 | $3 $4 | $ok |"
}

summary() {
  say "### Keywarden benchmark"
  say ""
  say "$(date -u '+%Y-%m-%d'), commit \`$COMMIT\`, $(nproc) CPU(s)${CPU:+ ($CPU)} shared by wrk and the servers;"
  say "wrk $THREADS threads, ${SECS}s per run after ${WARMUP}s warm-up; $NKEYS active keys loaded, wrk round-robin"
  say "over $NREAL real keys; nginx \`worker_processes $NGINX_WORKERS\` ($NGINX_PROCS worker(s)); bare Poco $POCO_THREADS threads."
  say "Load average (1, 5, 15 min) when the run started: $LOAD_START; at its end: $(cut -d' ' -f1-3 /proc/loadavg)."
  say ""
  say "| target | conns | requests/s | p50 ms | p99 ms | errors |"
  say "|---|---:|---:|---:|---:|---:|"
  local id
  for id in "${ORDER[@]}"; do
    say "| ${LABEL[$id]} | $(conns_of "$id") | ${RPS[$id]} | ${P50[$id]} | ${P99[$id]} | ${ERRS[$id]} |"
  done
  say ""
  say "| ratio | value |"
  say "|---|---:|"
  say "| keywarden gateway.port / nginx, $CONNS conns | $(ratio "${RPS[gwl_lo]}" "${RPS[nginx_lo]}") |"
  say "| keywarden gateway.port p99 / nginx p99, $CONNS conns | $(ratio "${P99[gwl_lo]}" "${P99[nginx_lo]}") |"
  if ((HIGH_CONNS > 0)); then
    say "| keywarden gateway.port / nginx, $HIGH_CONNS conns | $(ratio "${RPS[gwl_hi]}" "${RPS[nginx_hi]}") |"
    say "| keywarden gateway.port p99 / nginx p99, $HIGH_CONNS conns | $(ratio "${P99[gwl_hi]}" "${P99[nginx_hi]}") |"
  fi
  if ((IDLE > 0)); then
    say "| keywarden gateway.port p99 with $IDLE idle connections − without, $CONNS conns | $(awk -v a="${P99[gwl_idle]}" -v b="${P99[gwl_lo]}" 'BEGIN {printf "%.2f ms", a - b}') |"
  fi
  say "| keywarden gateway.port / libevent prototype 204, $CONNS conns | $(ratio "${RPS[gwl_lo]}" "${RPS[le_lo]}") |"
  say "| keywarden http.port gateway / nginx, $CONNS conns | $(ratio "${RPS[gw_lo]}" "${RPS[nginx_lo]}") |"
  say "| keywarden gateway / bare Poco, $CONNS conns | $(ratio "${RPS[gw_lo]}" "${RPS[poco_lo]}") |"
  if ((HIGH_CONNS > 0)); then
    say "| keywarden gateway / bare Poco, $HIGH_CONNS conns | $(ratio "${RPS[gw_hi]}" "${RPS[poco_hi]}") |"
  fi
  say "| keywarden gateway.port verify / nginx, $CONNS conns | $(ratio "${RPS[vfl_lo]}" "${RPS[nginx_lo]}") |"
  say ""
  say "| keywarden memory and start-up | value |"
  say "|---|---:|"
  say "| VmRSS, no keys | $(mib "$EMPTY_RSS") |"
  say "| VmRSS, $NKEYS keys loaded | $(mib "$LOADED_RSS") |"
  say "| bytes per key (RSS difference / keys) | $BYTES_PER_KEY |"
  say "| VmRSS after the wrk runs | $(mib "$AFTER_RSS") |"
  say "| start-up to /healthz 200, no keys | $EMPTY_START ms |"
  say "| start-up to /healthz 200, $NKEYS keys | $LOADED_START ms |"
  say "| sqlite3 bulk insert of $NKEYS keys | $INSERT_MS ms |"
  if ((BIG > 0)); then
    say "| VmRSS, $BIG keys loaded | $(mib "$BIG_RSS") |"
    say "| bytes per key, $BIG keys | $BIG_BYTES |"
    say "| resident memory per million keys | $BIG_MIB_PER_M MiB |"
    say "| start-up to /healthz 200, $BIG keys | $BIG_START ms |"
  fi
  say ""
  say "| target (issue 6) | measured | target | result |"
  say "|---|---:|---:|---|"
  target "gateway / bare Poco, $CONNS conns" "$(ratio "${RPS[gw_lo]}" "${RPS[poco_lo]}")" ">=" 0.9
  if ((HIGH_CONNS > 0)); then
    target "gateway / bare Poco, $HIGH_CONNS conns" "$(ratio "${RPS[gw_hi]}" "${RPS[poco_hi]}")" ">=" 0.9
  fi
  target "gateway / nginx, $CONNS conns" "$(ratio "${RPS[gw_lo]}" "${RPS[nginx_lo]}")" ">=" 0.35
  target "gateway.port / nginx, $CONNS conns (issue 14)" "$(ratio "${RPS[gwl_lo]}" "${RPS[nginx_lo]}")" ">=" 0.8
  target "gateway.port p99 / nginx p99, $CONNS conns (issue 14)" "$(ratio "${P99[gwl_lo]}" "${P99[nginx_lo]}")" "<" 1.2
  target "gateway p99 ms, $CONNS conns" "${P99[gw_lo]}" "<" 2
  if ((BIG > 0)); then
    target "gateway / bare Poco, $CONNS conns, $BIG keys" "$(ratio "${RPS[gw_big_lo]}" "${RPS[poco_lo]}")" ">=" 0.9
    target "gateway p99 ms, $CONNS conns, $BIG keys" "${P99[gw_big_lo]}" "<" 2
    target "bytes per active key, $BIG keys" "$BIG_BYTES" "<" 200
    target "start-up ms, $BIG keys" "$BIG_START" "<" 5000
  fi
}

say ""
summary | tee "$WORK/summary.md"
if [[ -n $OUT ]]; then cp "$WORK/summary.md" "$OUT"; fi
