#!/usr/bin/env bash
# Keywarden behind nginx (auth_request), as the README's recipes put it, beside the same nginx
# proxy without any check — all in one run on one machine. Targets (wrk, bench/gateway.lua's
# requests, which carry a valid X-API-Key, against the nginx front):
#   proxy only        nginx → upstream, no auth_request (the ceiling of the recipes); every
#                     front keeps its connections to the upstream alive (upstream block);
#   plain recipe      auth_request → proxy_pass http://127.0.0.1:<http.port> (HTTP/1.0, a new
#                     connection per check: the recipe before issue 14);
#   keep-alive recipe auth_request → upstream block with keepalive → gateway.port;
#   null auth         the keep-alive recipe's nginx side against an auth server that does no
#                     work (nginx `return 200`): the ceiling of any auth_request recipe on this
#                     machine, so keep-alive ÷ null auth is Keywarden's own share;
#   cache recipe      docs/nginx-cache-example.conf: the keep-alive recipe plus proxy_cache on
#                     the auth location, keyed by method, URI and every key header (Keywarden
#                     answers max-age=gateway.cacheSeconds).
# Usage: bench/through-nginx.sh   (BENCH_SECONDS, BENCH_CONNS, BENCH_KEYS as in run.sh;
#        BENCH_GW_LOOPS = Keywarden's gateway.loops, 0 = one per core; BENCH_NGINX_WORKERS)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
NKEYS=${BENCH_KEYS:-100000}
NREAL=${BENCH_REAL_KEYS:-16}
NGINX=${NGINX:-/usr/sbin/nginx}
WRK=${WRK:-wrk}
KEEP=${BENCH_KEEP:-0}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}

BENCH_NAME=through-nginx
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/bench/lib.sh"
check_whole SECS CONNS THREADS NKEYS NREAL
require_tools "apt-get install wrk nginx-light sqlite3 curl" "$WRK" "$NGINX" sqlite3 curl
bench_workdir keywarden-through-nginx
mkdir -p "$WORK/bin" "$WORK/kw" "$WORK/nginx/logs"
take_binary "$BUILD/keywarden" "$WORK/bin/keywarden"
KW_BIN=$WORK/bin/keywarden
SECRET=$(hex 24)
ADMIN=$(hex 16)
machine_info
say "== Keywarden through nginx ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, load $(cut -d' ' -f1-3 /proc/loadavg))"

write_config "$WORK/kw/kw.properties" 0 "$WORK/kw/kw.db" "gateway.port = 0" "gateway.cacheSeconds = 5" \
  "gateway.loops = ${BENCH_GW_LOOPS:-0}"
migrate_db "$WORK/kw/kw.properties" "$WORK/kw/migrate.log"
NOW=$(now_ms)
sqlite3 "$WORK/kw/kw.db" "$(sql_bench_client "$NOW")"
sqlite3 "$WORK/kw/kw.db" <<SQL
BEGIN;
$(sql_bulk_keys "$NKEYS" 0 "$NOW")
COMMIT;
SQL
start_keywarden_on "$WORK/kw/kw.properties" "$WORK/kw/server.log" KW_PORT
KW=http://127.0.0.1:$KW_PORT
KEYS_FILE=$WORK/keys.txt
create_keys "$KEYS_FILE" "$NREAL"

free_port UP_PORT
free_port P_PROXY
free_port P_PLAIN
free_port P_KEEP
free_port P_CACHE
free_port P_NULL
free_port NULL_PORT
N=$WORK/nginx
# The cache on tmpfs, as docs/nginx-cache-example.conf asks (the files hold the keys; on a disk
# each hit also pays the file system's inode work).
CACHE_DIR=$N/cache
if [[ -d /dev/shm ]]; then
  CACHE_DIR=$(mktemp -d /dev/shm/keywarden-nginx-cache.XXXXXX)
  # (exit $rc) hands cleanup the status the run ended with, not rm's.
  trap 'rc=$?; rm -rf "$CACHE_DIR"; (exit $rc); cleanup' EXIT
fi
auth_common='proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Forwarded-Uri "";
    proxy_set_header X-Forwarded-Method "";'
front() { # front PORT AUTH_LOCATION_BODY: a server with auth_request in front of the upstream
  cat <<CONF
  server {
    listen 127.0.0.1:$1;
    location / {
      auth_request /_keywarden;
      proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection "";
    }
    location = /_keywarden {
      internal;
      $2
    }
  }
CONF
}
# As root, nginx's workers would run as nobody and could not write the cache in the temp dir.
USER_LINE=""
if [[ $(id -u) == 0 ]]; then USER_LINE="user root;"; fi
cat >"$N/nginx.conf" <<CONF
$USER_LINE
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
  proxy_cache_path $CACHE_DIR keys_zone=keywarden:1m max_size=10m;
  upstream keywarden { server 127.0.0.1:$GW_PORT; keepalive 32; keepalive_timeout 5s; }
  upstream api { server 127.0.0.1:$UP_PORT; keepalive 32; }
  upstream nullauth { server 127.0.0.1:$NULL_PORT; keepalive 32; keepalive_timeout 5s; }
  server { listen 127.0.0.1:$NULL_PORT; location / { return 200; } }
  server { listen 127.0.0.1:$UP_PORT; location / { return 200 "upstream\n"; } }
  server {
    listen 127.0.0.1:$P_PROXY;
    location / { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
$(front "$P_PLAIN" "proxy_pass http://127.0.0.1:$KW_PORT/v1/gateway/auth;
      $auth_common")
$(front "$P_KEEP" "proxy_pass http://keywarden/v1/gateway/auth;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      $auth_common")
$(front "$P_NULL" "proxy_pass http://nullauth/v1/gateway/auth;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      $auth_common")
$(front "$P_CACHE" "proxy_pass http://keywarden/v1/gateway/auth;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      $auth_common
      proxy_cache keywarden;
      proxy_cache_key \"\$request_method \$request_uri|\$http_x_api_key|\$http_x_tlm_key|\$http_secret|\$http_client_key|\$http_apikey|\$http_authorization|\$http_cookie\";
      proxy_cache_bypass \$http_x_http_method_override\$http_x_http_method\$http_x_method_override\$http_x_original_url\$http_x_rewrite_url;
      proxy_no_cache \$http_x_http_method_override\$http_x_http_method\$http_x_method_override\$http_x_original_url\$http_x_rewrite_url;
")
}
CONF
"$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/logs/error.log" -g 'daemon off;' >"$N/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
FIRST=$(head -n1 "$KEYS_FILE")
# Each front answers 200 within 10 s, or the run stops with nginx's error log (a port taken
# between free_port and nginx's bind shows there as "Address already in use").
for p in $P_PROXY $P_PLAIN $P_KEEP $P_NULL $P_CACHE; do
  code=000
  for ((i = 0; i < 100; i++)); do
    kill -0 "$NGINX_PID" 2>/dev/null || break
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-API-Key: $FIRST" \
      "http://127.0.0.1:$p/v1/gateway/auth" || true)
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  [[ $code == 200 ]] || { cat "$N/logs/error.log" >&2; die "port $p answered $code"; }
done

declare -A RPS P99
run() { # run ID LABEL PORT
  local out=$WORK/$1.txt
  "$WRK" -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 2s --latency -s "$ROOT/bench/gateway.lua" \
    "http://127.0.0.1:$3" -- "$KEYS_FILE" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
  parse_wrk "$out" "$2"
  RPS[$1]=$W_RPS
  P99[$1]=$W_P99
  say "| $2 | $CONNS | $W_RPS | $W_P50 | $W_P99 | $W_ERRS | $(cut -d' ' -f1 /proc/loadavg) |"
}
say ""
say "| through nginx | conns | requests/s | p50 ms | p99 ms | errors | load |"
say "|---|---:|---:|---:|---:|---:|---:|"
run proxy "nginx proxy, no check" "$P_PROXY"
run plain "plain recipe (HTTP/1.0 to http.port)" "$P_PLAIN"
run keep "keep-alive recipe (gateway.port)" "$P_KEEP"
run null "null auth (keep-alive recipe against nginx return 200)" "$P_NULL"
run cache "cache recipe (keep-alive + proxy_cache, gateway.cacheSeconds=5)" "$P_CACHE"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
say ""
say "| ratio to the proxy without a check | value | issue 14 target |"
say "|---|---:|---|"
say "| plain recipe | $(ratio "${RPS[plain]}" "${RPS[proxy]}") | |"
say "| keep-alive recipe | $(ratio "${RPS[keep]}" "${RPS[proxy]}") | ≥ 0.6 |"
say "| cache recipe | $(ratio "${RPS[cache]}" "${RPS[proxy]}") | ≥ 0.9 |"
say "| null auth (no check at all: the recipes' ceiling) | $(ratio "${RPS[null]}" "${RPS[proxy]}") | |"
say ""
say "keep-alive recipe ÷ null auth (Keywarden's own share of the keep-alive recipe's cost): $(ratio "${RPS[keep]}" "${RPS[null]}")"
