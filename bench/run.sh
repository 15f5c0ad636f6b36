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
NKEYS=${BENCH_KEYS:-100000}           # active keys inserted before start-up
NREAL=${BENCH_REAL_KEYS:-16}          # real keys created over HTTP, used round-robin by wrk
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
POCO_THREADS=${BENCH_POCO_THREADS:-256}  # same as Keywarden's http.threads default
NGINX=${NGINX:-/usr/sbin/nginx}
WRK=${WRK:-wrk}
KEEP=${BENCH_KEEP:-0}                 # 1 = keep the temp dir (logs, databases, wrk output)
OUT=${BENCH_OUT:-}                    # optional file to write the markdown summary to

die() { echo "bench: $*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

for v in SECS WARMUP THREADS CONNS HIGH_CONNS NKEYS NREAL POCO_THREADS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v='${!v}' is not a whole number"
done
((SECS >= 1)) || die "BENCH_SECONDS must be >= 1"
((NREAL >= 1)) || die "BENCH_REAL_KEYS must be >= 1"
((CONNS >= THREADS && THREADS >= 1)) || die "need 1 <= BENCH_THREADS <= BENCH_CONNS"
[[ $NGINX_WORKERS =~ ^([0-9]+|auto)$ ]] || die "BENCH_NGINX_WORKERS must be a number or auto"

for tool in "$WRK" "$NGINX" sqlite3 curl timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (Debian: apt-get install wrk nginx-light sqlite3 curl)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keywarden-bench.XXXXXX")
PIDS=()

forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

# TERM, wait up to 5 s, then KILL (and the process's own children, e.g. nginx workers).
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}

cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$p"; done
  if [[ $KEEP == 1 ]]; then
    echo "bench: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
USED_PORTS=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    [[ $USED_PORTS == *" $p "* ]] && continue
    port_busy "$p" && continue
    USED_PORTS+="$p "
    echo "$p"
    return 0
  done
  die "no free port found"
}

# A concurrent build may be relinking the binaries: wait until each exists and has not changed
# for 3 s, then run private copies so a rebuild cannot swap them mid-run.
take_binary() {
  local src=$1 dst=$2 i
  for ((i = 0; i < 600; i++)); do
    if [[ -x $src ]] && (($(date +%s) - $(stat -c %Y "$src") >= 3)); then
      cp "$src" "$dst" && chmod +x "$dst" && return 0
    fi
    ((i == 0)) && say "waiting for $src ..."
    sleep 1
  done
  die "$src is missing (run 'make build' first)"
}

# wait_http URL PID LOG SECONDS: until URL answers 200, the process dies, or time runs out.
wait_http() {
  local url=$1 pid=$2 log=$3 limit=$(($(now_ms) + $4 * 1000))
  while (($(now_ms) < limit)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      sed 's/^/  | /' "$log" >&2
      die "process $pid exited before $url answered"
    fi
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == 200 ]] && return 0
    sleep 0.02
  done
  sed 's/^/  | /' "$log" >&2
  die "$url did not answer 200 within $4 s"
}

mkdir -p "$WORK/bin" "$WORK/nginx" "$WORK/kw" "$WORK/kw-empty" "$WORK/wrk"
take_binary "$BUILD/keywarden" "$WORK/bin/keywarden"
take_binary "$BUILD/bare_poco_server" "$WORK/bin/bare_poco_server"
KW_BIN=$WORK/bin/keywarden
POCO_BIN=$WORK/bin/bare_poco_server

SECRET=$(hex 24)
ADMIN=$(hex 16)
write_config() { # FILE PORT DB
  cat >"$1" <<EOF
http.address = 127.0.0.1
http.port = $2
db.connection = $3
db.synchronous = NORMAL
secret = $SECRET
bootstrap.adminToken = $ADMIN
log.level = information
EOF
}

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
say "== Keywarden benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT)"
say "   machine: $(nproc) CPU(s) ${CPU:+($CPU)}; wrk, the servers and anything else running share them"
say "   wrk: $THREADS threads, ${SECS}s per run (+${WARMUP}s warm-up), connections $CONNS$( ((HIGH_CONNS > 0)) && echo " and $HIGH_CONNS")"
say "   temp dir: $WORK"

# ---------------------------------------------------------------- databases
KW_PORT=$(free_port)
EMPTY_PORT=$(free_port)
write_config "$WORK/kw/kw.properties" "$KW_PORT" "$WORK/kw/kw.db"
write_config "$WORK/kw-empty/kw.properties" "$EMPTY_PORT" "$WORK/kw-empty/kw.db"

"$KW_BIN" migrate --config "$WORK/kw/kw.properties" >"$WORK/kw/migrate.log" 2>&1 ||
  { cat "$WORK/kw/migrate.log" >&2; die "keywarden migrate failed"; }
NOW=$(now_ms)
sqlite3 "$WORK/kw/kw.db" "INSERT INTO clients (id, tenant, name, client_type, contact_email, active,
  created_at, updated_at) VALUES ('bench', 'default', 'Bench', 'default', '', 1, $NOW, $NOW);"
cp "$WORK/kw/kw.db" "$WORK/kw-empty/kw.db" # the same database without the bulk keys

say ""
say "== loading $NKEYS active keys with sqlite3"
T0=$(now_ms)
sqlite3 "$WORK/kw/kw.db" <<EOF
BEGIN;
INSERT INTO api_keys (id, tenant, client_id, name, digest, start, state, scopes, api_ids, group_ids,
  effective_at, expires_at, quota, remaining, quota_key_id, refill_amount, refill_interval,
  refilled_at, rate_limit, rate_window_ms, meta, created_at, updated_at, last_used_at, usage_valid,
  usage_rejected, revoke_at, revoke_reason, rotated_to, application_id, version)
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < $NKEYS)
SELECT printf('key_bulk%08d', x), 'default', 'bench', printf('bulk-%d', x), lower(hex(randomblob(32))),
  'kw_bulk', 'ACTIVE', '[]', '[]', '[]', 0, 0, -1, -1, '', 0, '', 0, 0, 0, '{}', $NOW, $NOW, 0, 0, 0,
  0, '', '', '', 1
FROM seq;
COMMIT;
EOF
INSERT_MS=$(($(now_ms) - T0))
ROWS=$(sqlite3 "$WORK/kw/kw.db" "SELECT count(*) FROM api_keys WHERE state = 'ACTIVE'")
((ROWS == NKEYS)) || die "expected $NKEYS rows in api_keys, found $ROWS"
say "   $ROWS rows inserted in $INSERT_MS ms"

# ---------------------------------------------------------------- keywarden, empty then loaded
# start_keywarden DIR PORT -> sets KW_PID, START_MS
start_keywarden() {
  local dir=$1 port=$2 t0
  t0=$(now_ms)
  "$KW_BIN" serve --config "$dir/kw.properties" >"$dir/server.log" 2>&1 &
  KW_PID=$!
  PIDS+=("$KW_PID")
  wait_http "http://127.0.0.1:$port/healthz" "$KW_PID" "$dir/server.log" 180
  START_MS=$(($(now_ms) - t0))
}

say ""
say "== keywarden without bulk keys (memory baseline)"
start_keywarden "$WORK/kw-empty" "$EMPTY_PORT"
sleep 1
EMPTY_RSS=$(rss_kb "$KW_PID")
EMPTY_START=$START_MS
say "   ready in $EMPTY_START ms; VmRSS $EMPTY_RSS kB"
stop_pid "$KW_PID"

say ""
say "== keywarden with $NKEYS keys"
KW=http://127.0.0.1:$KW_PORT
start_keywarden "$WORK/kw" "$KW_PORT"
sleep 1
LOADED_RSS=$(rss_kb "$KW_PID")
LOADED_START=$START_MS
LOADED_PID=$KW_PID
LOG_LINE=$(grep -m1 'keys loaded' "$WORK/kw/server.log" || true)
say "   ready in $LOADED_START ms (process start to /healthz 200); VmRSS $LOADED_RSS kB"
say "   log: ${LOG_LINE:-(no 'keys loaded' line)}"
LOG_KEYS=$(sed -n 's/.* \([0-9][0-9]*\) keys loaded.*/\1/p' <<<"$LOG_LINE")
if [[ -z $LOG_KEYS ]] || ((LOG_KEYS < NKEYS)); then die "server log does not report $NKEYS keys loaded"; fi
BYTES_PER_KEY=$(awk -v a="$LOADED_RSS" -v b="$EMPTY_RSS" -v n="$NKEYS" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
say "   RSS growth: $((LOADED_RSS - EMPTY_RSS)) kB = $BYTES_PER_KEY bytes per key"

# Real keys for wrk, created through the admin API.
KEYS_FILE=$WORK/keys.txt
: >"$KEYS_FILE"
for ((i = 1; i <= NREAL; i++)); do
  resp=$(curl -sS --max-time 5 -X POST "$KW/v1/keys" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -d "{\"clientId\":\"bench\",\"name\":\"wrk-$i\"}" \
    -w $'\n%{http_code}') || die "POST /v1/keys failed"
  code=${resp##*$'\n'}
  body=${resp%$'\n'*}
  [[ $code == 201 ]] || die "POST /v1/keys answered $code: $body"
  key=$(grep -o '"key":"[^"]*"' <<<"$body" | head -n1 | cut -d'"' -f4)
  [[ -n $key ]] || die "no plaintext key in: $body"
  echo "$key" >>"$KEYS_FILE"
done
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
NGINX_PORT=$(free_port)
POCO_PORT=$(free_port)
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

# The baselines answer 204, which wait_http does not take as ready: poll for 204 here.
for target in "nginx $NGINX_PID $NGINX_PORT $N/logs/error.log" "bare-poco $POCO_PID $POCO_PORT $WORK/poco.log"; do
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
to_ms() { # wrk latency such as 512.00us, 1.23ms, 1.01s, 1.00m -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

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

  local rps p50 p99 non2xx sock total
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2; exit}' "$out")
  p99=$(awk '$1 == "99%" {print $2; exit}' "$out")
  [[ -n $rps && -n $p50 && -n $p99 ]] || { cat "$out" >&2; die "cannot parse wrk output for $label"; }
  total=$(awk '/ requests in / {print $1; exit}' "$out")
  non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
  sock=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
  RPS[$id]=$(printf '%.0f' "$rps")
  P50[$id]=$(to_ms "$p50")
  P99[$id]=$(to_ms "$p99")
  ERRS[$id]=$((${non2xx:-0} + ${sock:-0}))
  LABEL[$id]=$label
  ORDER+=("$id")
  printf '   %-44s %4s conns  %9s req/s  p50 %8s ms  p99 %8s ms  (%s requests, %s non-2xx, %s socket errors)\n' \
    "$label" "$conns" "${RPS[$id]}" "${P50[$id]}" "${P99[$id]}" "${total:-?}" "${non2xx:-0}" "${sock:-0}"
}

GW=$ROOT/bench/gateway.lua
VF=$ROOT/bench/verify.lua
say ""
say "== wrk (baselines get the same GET /v1/gateway/auth requests as Keywarden, via bench/gateway.lua)"
run_wrk nginx_lo "nginx return 204" "$CONNS" "http://127.0.0.1:$NGINX_PORT" "$GW"
run_wrk poco_lo "bare Poco 204" "$CONNS" "http://127.0.0.1:$POCO_PORT" "$GW"
run_wrk gw_lo "keywarden GET /v1/gateway/auth" "$CONNS" "$KW" "$GW"
run_wrk vf_lo "keywarden POST /v1/keys/verify" "$CONNS" "$KW" "$VF"
if ((HIGH_CONNS > 0)); then
  run_wrk poco_hi "bare Poco 204" "$HIGH_CONNS" "http://127.0.0.1:$POCO_PORT" "$GW"
  run_wrk gw_hi "keywarden GET /v1/gateway/auth" "$HIGH_CONNS" "$KW" "$GW"
fi

AFTER_RSS=$(rss_kb "$LOADED_PID")
kill -0 "$LOADED_PID" 2>/dev/null || die "keywarden died during the benchmark"
say "   keywarden VmRSS after the runs: $AFTER_RSS kB"

# ---------------------------------------------------------------- summary
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
conns_of() { case $1 in *_hi) echo "$HIGH_CONNS" ;; *) echo "$CONNS" ;; esac; }

summary() {
  say "### Keywarden benchmark"
  say ""
  say "$(date -u '+%Y-%m-%d'), commit \`$COMMIT\`, $(nproc) CPU(s)${CPU:+ ($CPU)} shared by wrk and the servers;"
  say "wrk $THREADS threads, ${SECS}s per run after ${WARMUP}s warm-up; $NKEYS active keys loaded, wrk round-robin"
  say "over $NREAL real keys; nginx \`worker_processes $NGINX_WORKERS\` ($NGINX_PROCS worker(s)); bare Poco $POCO_THREADS threads."
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
  say "| keywarden gateway / nginx, $CONNS conns | $(ratio "${RPS[gw_lo]}" "${RPS[nginx_lo]}") |"
  say "| keywarden gateway / bare Poco, $CONNS conns | $(ratio "${RPS[gw_lo]}" "${RPS[poco_lo]}") |"
  if ((HIGH_CONNS > 0)); then
    say "| keywarden gateway / bare Poco, $HIGH_CONNS conns | $(ratio "${RPS[gw_hi]}" "${RPS[poco_hi]}") |"
  fi
  say "| keywarden verify / nginx, $CONNS conns | $(ratio "${RPS[vf_lo]}" "${RPS[nginx_lo]}") |"
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
}

say ""
summary | tee "$WORK/summary.md"
if [[ -n $OUT ]]; then cp "$WORK/summary.md" "$OUT"; fi
