#!/usr/bin/env bash
# Start a private PostgreSQL server for the store tests and print its URL on stdout (nothing else).
# Installs Debian's postgresql when it is missing (as root). Idempotent: a server already running on the port
# is reused. Data lives in ${PRIVAUDIT_PG_DIR:-/tmp/privaudit-pg}; port ${PRIVAUDIT_PG_PORT:-55432}.
set -euo pipefail
DIR="${PRIVAUDIT_PG_DIR:-/tmp/privaudit-pg}"
PORT="${PRIVAUDIT_PG_PORT:-55432}"
log() { echo "ci-postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    log "installing postgresql"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    log "PostgreSQL is not installed and cannot be installed here"; exit 1
  fi
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
RUNAS=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  RUNAS=(runuser -u postgres --)
fi
if ! "$BIN/pg_isready" -q -h /tmp -p "$PORT"; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = "0" ] && chown postgres "$DIR"
    "${RUNAS[@]}" "$BIN/initdb" -D "$DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  log "server started on 127.0.0.1:$PORT ($DIR)"
fi
PSQL=("$BIN/psql" -q -h /tmp -p "$PORT" -U postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname='privaudit'" | grep -q 1 \
  || "${PSQL[@]}" -c "CREATE ROLE privaudit LOGIN PASSWORD 'privaudit' CREATEDB"
"${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname='privaudit_test'" | grep -q 1 \
  || "${PSQL[@]}" -c "CREATE DATABASE privaudit_test OWNER privaudit"
echo "postgresql://privaudit:privaudit@127.0.0.1:$PORT/privaudit_test"
