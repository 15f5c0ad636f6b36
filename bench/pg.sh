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
