#!/usr/bin/env bash
# The brute-force defence under load (README "Brute force and abuse"): forward-auth throughput
# on gateway.port with good keys and no attacker, a flood of unknown keys from random client
# addresses, a flood from one address (blocked after abuse.sourceFailures), and good keys from
# other addresses while a random-source flood runs; with the server's RSS after each.
# Usage: bench/abuse-flood.sh [KEYWARDEN_BINARY] (default build/keywarden). Env: BENCH_SECONDS
# (10), BENCH_CONNS (32). Prints one line per run; say the machine load next to the figures.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(readlink -f "${1:-$ROOT/build/keywarden}")
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
WORK=$(mktemp -d /tmp/kw-abuse-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(port); GW=$(port)
ADMIN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$WORK/kw.properties" <<CONF
http.port = $HTTP
gateway.port = $GW
db.connection = $WORK/kw.db
workflows.dir = $ROOT/workflows
templates.dir = $ROOT/templates
log.level = warning
CONF
cd "$WORK"
KEYWARDEN_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n') \
KEYWARDEN_BOOTSTRAP_ADMINTOKEN=$ADMIN "$BIN" serve --config "$WORK/kw.properties" >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null && break; sleep 0.1; done
api() { curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' "$@"; }
api -d '{"id":"b","name":"Bench"}' "http://127.0.0.1:$HTTP/v1/clients" >/dev/null
for _ in $(seq 16); do
  api -d '{"clientId":"b","name":"k"}' "http://127.0.0.1:$HTTP/v1/keys" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
done >"$WORK/good"
python3 - "$WORK/bad" <<'PY'
import random, sys, zlib
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def b62(v):
    out = ""
    for _ in range(6):
        out = A[v % 62] + out
        v //= 62
    return out
with open(sys.argv[1], "w") as f:
    for _ in range(100000):
        p = "".join(random.choice(A) for _ in range(43))
        f.write("kw_" + p + b62(zlib.crc32(p.encode())) + "\n")
PY
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
rate() { awk '/Requests\/sec/ {printf "%d", $2}' "$1"; }
p99() { awk '/ 99%/ {print $2}' "$1"; }
codes() { curl -s -o /dev/null -D - -H "X-API-Key: $(head -1 "$WORK/$1")" -H "X-Forwarded-For: $2" \
  "http://127.0.0.1:$GW/v1/gateway/auth" | awk -F': ' 'tolower($1)=="x-keywarden-code" {print $2}' | tr -d '\r'; }
URL="http://127.0.0.1:$GW"
echo "binary $BIN; $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg); RSS at start $(rss) kB"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/gateway.lua" "$URL" -- "$WORK/good" >"$WORK/a"
echo "good keys, no attacker:            $(rate "$WORK/a") req/s, p99 $(p99 "$WORK/a"); RSS $(rss) kB"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/flood.lua" "$URL" -- "$WORK/bad" >"$WORK/b"
echo "flood, random sources:             $(rate "$WORK/b") req/s, p99 $(p99 "$WORK/b"); RSS $(rss) kB; a good key now: $(codes good 192.0.2.1)"
BENCH_FLOOD_SOURCE=203.0.113.9 wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/flood.lua" "$URL" -- "$WORK/bad" >"$WORK/c"
echo "flood, one source:                 $(rate "$WORK/c") req/s, p99 $(p99 "$WORK/c"); RSS $(rss) kB; its good key now: $(codes good 203.0.113.9)"
half=$((CONNS / 2))
wrk -t1 -c"$half" -d"${SECS}s" --latency -s "$ROOT/bench/flood.lua" "$URL" -- "$WORK/bad" >"$WORK/d1" &
F=$!
wrk -t1 -c"$half" -d"${SECS}s" --latency -s "$ROOT/bench/gateway.lua" "$URL" -- "$WORK/good" >"$WORK/d2"
wait $F
echo "good keys beside a random flood:   $(rate "$WORK/d2") req/s good (p99 $(p99 "$WORK/d2")) + $(rate "$WORK/d1") req/s flood; RSS $(rss) kB"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "http://127.0.0.1:$HTTP/metrics" | grep -E '^keywarden_abuse_(blocks_total|blocked|untracked)' || true
