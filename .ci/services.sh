# Start a throwaway PostgreSQL 15 cluster and a Redis server for the CI run; sourced by .ci/run.
# Exports DATABASE_URL and REDIS_URL and stops both servers when the calling shell exits.

CI_TMP=$(mktemp -d /tmp/node-ci.XXXXXX)
chmod 755 "$CI_TMP"
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63799}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

pg_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} from Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

stop_services() {
  [ -n "${PGBIN:-}" ] && as_postgres "$PGBIN/pg_ctl -D $CI_TMP/pg -m immediate stop" >/dev/null 2>&1 || true
  [ -f "$CI_TMP/redis.pid" ] && kill "$(cat "$CI_TMP/redis.pid")" 2>/dev/null || true
  rm -rf "$CI_TMP"
}

ensure_packages
PGBIN=$(pg_bin)
[ "$(id -u)" = 0 ] && chown postgres "$CI_TMP"
trap stop_services EXIT

as_postgres "$PGBIN/initdb -D $CI_TMP/pg -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null"
as_postgres "$PGBIN/pg_ctl -D $CI_TMP/pg -l $CI_TMP/pg.log -w -o \"-p $PG_PORT -k $CI_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start >/dev/null"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$CI_TMP/redis.pid" --logfile "$CI_TMP/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/node"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "PostgreSQL on 127.0.0.1:$PG_PORT ($("$PGBIN/postgres" --version)), Redis on 127.0.0.1:$REDIS_PORT ($(redis-server --version | cut -d' ' -f3))"
