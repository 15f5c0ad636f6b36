# shellcheck shell=bash disable=SC2034
# A throw-away PostgreSQL 15 server for the benchmarks (bench/startup.sh, bench/approvals.sh):
# initdb in the run's temp dir, listening on 127.0.0.1 only, trust authentication for the user
# "postgres", fsync off (a benchmark's data is thrown away). initdb and postgres refuse to run
# as root: they run as the postgres user. Source after bench/lib.sh; globals: WORK, PIDS.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# pg_start: sets PG_PORT, PG_PID and PG_BASE (a libpq connection string without dbname).
pg_start() {
  local d=$WORK/pg i try
  require_tools "apt-get install postgresql" "$PG_BIN/initdb" "$PG_BIN/postgres" psql
  mkdir -p "$d/data" "$d/sock"
  chmod 755 "$WORK" "$d"
  if ((EUID == 0)); then
    chown postgres:postgres "$d/data" "$d/sock"
    PG_AS=(runuser -u postgres --)
  else
    PG_AS=()
  fi
  chmod 700 "$d/data"
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$d/data" -A trust -U postgres --no-sync -E UTF8 \
    --locale=C >"$d/initdb.log" 2>&1 || { cat "$d/initdb.log" >&2; die "initdb failed"; }
  for ((try = 1; try <= 5; try++)); do
    free_port PG_PORT
    "${PG_AS[@]}" "$PG_BIN/postgres" -D "$d/data" -p "$PG_PORT" -k "$d/sock" \
      -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
      -c full_page_writes=off -c max_connections=200 >"$d/postgres.log" 2>&1 &
    PG_PID=$!
    PIDS+=("$PG_PID")
    for ((i = 0; i < 400; i++)); do
      kill -0 "$PG_PID" 2>/dev/null || break
      if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
        PG_BASE="host=127.0.0.1 port=$PG_PORT user=postgres"
        return 0
      fi
      sleep 0.05
    done
    stop_pid "$PG_PID"
  done
  cat "$d/postgres.log" >&2
  die "postgres did not start"
}

# pg_createdb NAME: a fresh database; prints its connection string.
pg_createdb() {
  psql -q -v ON_ERROR_STOP=1 "$PG_BASE dbname=postgres" -c "CREATE DATABASE $1" >/dev/null ||
    die "CREATE DATABASE $1 failed"
  printf '%s dbname=%s' "$PG_BASE" "$1"
}

# pg_bulk_keys CONNINFO COUNT NOW [MIX]: COUNT ACTIVE keys key_bulk00000001... owned by the client
# "bench" (digests from $SECRET). MIX=1: a mix like a real store's (a quarter with two scopes,
# 1 % with a quota, 2 % with a rate limit; bench/startup.sh); 0 (default): no scopes, no limits.
pg_bulk_keys() {
  local scopes="'[]'" quota="-1" rate="0" window="0"
  if [[ ${4:-0} == 1 ]]; then
    scopes="CASE WHEN x % 4 = 0 THEN '[\"read\",\"write\"]' ELSE '[]' END"
    quota="CASE WHEN x % 100 = 0 THEN 1000 ELSE -1 END"
    rate="CASE WHEN x % 50 = 0 THEN 10 ELSE 0 END"
    window="CASE WHEN x % 50 = 0 THEN 1000 ELSE 0 END"
  fi
  psql -q -v ON_ERROR_STOP=1 "$1" >/dev/null <<SQL
INSERT INTO api_keys (id, tenant, client_id, name, digest, start, state, scopes, api_ids, group_ids,
  effective_at, expires_at, quota, remaining, quota_key_id, refill_amount, refill_interval,
  refilled_at, rate_limit, rate_window_ms, meta, created_at, updated_at, last_used_at, usage_valid,
  usage_rejected, revoke_at, revoke_reason, rotated_to, application_id, version)
SELECT 'key_bulk' || lpad(x::text, 8, '0'), 'default', 'bench', 'bulk-' || x,
  encode(sha256(('$SECRET' || x)::bytea), 'hex'), 'kw_bulk', 'ACTIVE', $scopes, '[]', '[]', 0, 0,
  $quota, $quota, '', 0, '', 0, $rate, $window, '{}', $3, $3, 0, 0, 0, 0, '', '', '', 1
FROM generate_series(1, $2) AS x;
ANALYZE api_keys;
SQL
}
