# shellcheck shell=bash disable=SC2034,SC2153
# (SC2034/SC2153: globals set here are read by, or set in, the scripts that source this file.)
# Helpers shared by bench/run.sh and bench/expiry-sweep.sh. Source it after setting
# BENCH_NAME (the prefix of error messages, e.g. "bench"); it does not run anything itself.
# Globals used: WORK, PIDS, KEEP (bench_workdir sets WORK and PIDS), KW_BIN, KW, SECRET, ADMIN.

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

# check_whole VAR...: every named variable holds a whole number.
check_whole() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v='${!v}' is not a whole number"
  done
}

# require_tools HINT TOOL...: every tool is on the PATH; HINT names the packages to install.
require_tools() {
  local hint=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (Debian: $hint)"
  done
}

# bench_workdir PREFIX: create the temp dir WORK and install the cleanup traps.
bench_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  PIDS=()
  # A command that fails under `set -e` (a $(…) included) names itself instead of ending the
  # run without a word.
  set -E
  trap 'echo "$BENCH_NAME: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

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
    echo "$BENCH_NAME: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}

now_ms() { date +%s%3N; }
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
USED_PORTS=" "
# free_port VAR: sets VAR to a loopback port that is free and not handed out before in this run
# (a variable, not $(…): the record of handed-out ports must survive in this shell). Ports come
# from below the kernel's ephemeral range (ip_local_port_range): a port inside it can be taken
# at any moment by an outgoing connection — wrk's, nginx's to its upstreams — and a listener
# then fails to bind it ("Address already in use").
EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
((EPHEMERAL_LOW > 12000)) || EPHEMERAL_LOW=32768
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (EPHEMERAL_LOW - 10000)))
    [[ $USED_PORTS == *" $p "* ]] && continue
    port_busy "$p" && continue
    USED_PORTS+="$p "
    printf -v "$1" '%s' "$p"
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

# machine_info: sets CPU (model name, may be empty) and COMMIT (short hash or "unknown").
machine_info() {
  CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
  COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
}

# write_config FILE PORT DB [EXTRA_LINE...]: a keywarden properties file using SECRET and ADMIN.
write_config() {
  local file=$1 port=$2 db=$3
  shift 3
  cat >"$file" <<EOF
http.address = 127.0.0.1
http.port = $port
db.connection = $db
db.synchronous = NORMAL
secret = $SECRET
bootstrap.adminToken = $ADMIN
log.level = information
EOF
  if (($# > 0)); then printf '%s\n' "$@" >>"$file"; fi
}

# migrate_db CONF LOG: create the schema with `keywarden migrate`.
migrate_db() {
  "$KW_BIN" migrate --config "$1" >"$2" 2>&1 ||
    { cat "$2" >&2; die "keywarden migrate failed"; }
}

# sql_bench_client NOW: SQL for the client that owns every bench key.
sql_bench_client() {
  printf '%s\n' "INSERT INTO clients (id, tenant, name, client_type, contact_email, active, created_at, updated_at)
  VALUES ('bench', 'default', 'Bench', 'default', '', 1, $1, $1);"
}

# sql_bulk_keys COUNT EXPIRES_AT NOW: SQL for COUNT ACTIVE keys key_bulk00000001..., expires_at
# being an SQL expression (0 = never; x is the key's number).
sql_bulk_keys() {
  cat <<EOF
INSERT INTO api_keys (id, tenant, client_id, name, digest, start, state, scopes, api_ids, group_ids,
  effective_at, expires_at, quota, remaining, quota_key_id, refill_amount, refill_interval,
  refilled_at, rate_limit, rate_window_ms, meta, created_at, updated_at, last_used_at, usage_valid,
  usage_rejected, revoke_at, revoke_reason, rotated_to, application_id, version)
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < $1)
SELECT printf('key_bulk%08d', x), 'default', 'bench', printf('bulk-%d', x), lower(hex(randomblob(32))),
  'kw_bulk', 'ACTIVE', '[]', '[]', '[]', 0, $2, -1, -1, '', 0, '', 0, 0, 0, '{}', $3, $3,
  0, 0, 0, 0, '', '', '', 1
FROM seq;
EOF
}

# start_keywarden_on CONF LOG PORTVAR: pick a free port now (not minutes before: another
# program may take it meanwhile), write it into CONF's http.port, start `keywarden serve` and
# wait for /healthz. Keywarden refuses a port in use with one line ("http.port: … is already
# in use"); then it tries another port, up to 5 times. Sets PORTVAR, KW_PID and START_MS.
start_keywarden_on() {
  local conf=$1 log=$2 var=$3 try port t0 limit
  for ((try = 1; try <= 5; try++)); do
    free_port port
    sed -i "s/^http\.port = .*/http.port = $port/" "$conf"
    # A gateway.port line gets a free port too (GW_PORT).
    if grep -q '^gateway\.port = ' "$conf"; then
      free_port GW_PORT
      sed -i "s/^gateway\.port = .*/gateway.port = $GW_PORT/" "$conf"
    fi
    t0=$(now_ms)
    "$KW_BIN" serve --config "$conf" >"$log" 2>&1 &
    KW_PID=$!
    PIDS+=("$KW_PID")
    limit=$((t0 + 180000))
    while (($(now_ms) < limit)); do
      kill -0 "$KW_PID" 2>/dev/null || break
      if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/healthz" || true) == 200 ]]; then
        START_MS=$(($(now_ms) - t0))
        printf -v "$var" '%s' "$port"
        return 0
      fi
      sleep 0.02
    done
    if ! kill -0 "$KW_PID" 2>/dev/null && grep -q 'already in use' "$log"; then
      wait "$KW_PID" 2>/dev/null || true
      forget_pid "$KW_PID"
      say "   port $port was taken meanwhile; trying another"
      continue
    fi
    sed 's/^/  | /' "$log" >&2
    die "keywarden did not answer on port $port"
  done
  die "no free port for keywarden after 5 tries"
}

# start_keywarden CONF LOG URL: start `keywarden serve` and wait for URL/healthz; sets KW_PID
# and START_MS (process start to /healthz 200).
start_keywarden() {
  local conf=$1 log=$2 url=$3 t0
  t0=$(now_ms)
  "$KW_BIN" serve --config "$conf" >"$log" 2>&1 &
  KW_PID=$!
  PIDS+=("$KW_PID")
  wait_http "$url/healthz" "$KW_PID" "$log" 180
  START_MS=$(($(now_ms) - t0))
}

# create_keys FILE COUNT: create COUNT keys (no expiry) through the admin API of KW and write
# their plaintext, one a line, to FILE.
create_keys() {
  local file=$1 count=$2 i resp code body key
  : >"$file"
  for ((i = 1; i <= count; i++)); do
    resp=$(curl -sS --max-time 5 -X POST "$KW/v1/keys" -H "Authorization: Bearer $ADMIN" \
      -H 'Content-Type: application/json' -d "{\"clientId\":\"bench\",\"name\":\"wrk-$i\"}" \
      -w $'\n%{http_code}') || die "POST /v1/keys failed"
    code=${resp##*$'\n'}
    body=${resp%$'\n'*}
    [[ $code == 201 ]] || die "POST /v1/keys answered $code: $body"
    key=$(grep -o '"key":"[^"]*"' <<<"$body" | head -n1 | cut -d'"' -f4)
    [[ -n $key ]] || die "no plaintext key in: $body"
    echo "$key" >>"$file"
  done
}

to_ms() { # wrk latency such as 512.00us, 1.23ms, 1.01s, 1.00m -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

# parse_wrk OUT NAME: parse a `wrk --latency` output file; sets W_RPS (rounded), W_P50 and W_P99
# (ms), W_TOTAL (may be empty), W_NON2XX and W_SOCK (may be empty), W_ERRS (their sum).
parse_wrk() {
  local out=$1 rps p50 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2; exit}' "$out")
  p99=$(awk '$1 == "99%" {print $2; exit}' "$out")
  [[ -n $rps && -n $p50 && -n $p99 ]] || { cat "$out" >&2; die "cannot parse wrk output for $2"; }
  W_TOTAL=$(awk '/ requests in / {print $1; exit}' "$out")
  W_NON2XX=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
  W_SOCK=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
  W_RPS=$(printf '%.0f' "$rps")
  W_P50=$(to_ms "$p50")
  W_P99=$(to_ms "$p99")
  W_ERRS=$((${W_NON2XX:-0} + ${W_SOCK:-0}))
}
