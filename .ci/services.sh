# Throwaway services for the tests: a PostgreSQL cluster and a Redis server on loopback ports, and
# Chromium for the browser test. Installs what is missing from Debian's packages (root; one apt-get update), starts
# the cluster in a temp dir and exports where it is; everything stops when the shell exits.
#
#   . .ci/services.sh               # in CI (.ci/run) or by hand; `sluice_services_stop` stops early
#   bash .ci/services.sh pnpm test  # or: services only for the length of one command
#
# Exports SLUICE_TEST_PG_URL (and PGHOST/PGPORT/PGUSER/PGDATABASE, so psql works too) and
# SLUICE_TEST_REDIS_URL. To use existing servers instead, set those yourself and skip this script.
# Options: SLUICE_PG_PORT, SLUICE_REDIS_PORT (default: free ports), SLUICE_WITH_CHROMIUM=0 to skip
# the browser, SLUICE_WITH_REDIS=0 to skip Redis.
# Sourced by a shell with `set -e`, so every step reports its own failure and returns.

sluice_services_fail() { echo "[services] $*" >&2; return 1; }

sluice_services_install() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ "${SLUICE_WITH_CHROMIUM:-1}" = 1 ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
  if [ "${SLUICE_WITH_REDIS:-1}" = 1 ] && ! command -v redis-server >/dev/null; then need+=(redis-server); fi
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { sluice_services_fail "missing ${need[*]}: run as root, or install them (apt-get install ${need[*]})"; return 1; }
  echo "[services] installing ${need[*]} from Debian's packages" >&2
  # Several sessions may share the machine: wait for the dpkg lock rather than fail on it.
  apt-get -o DPkg::Lock::Timeout=300 update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >/dev/null || return 1
}

sluice_services_free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

sluice_services_start_redis() {
  local port dir=$SLUICE_SERVICES_DIR/redis i
  port=${SLUICE_REDIS_PORT:-$(sluice_services_free_port)}
  mkdir "$dir" || return 1
  # No persistence: nothing outlives the tests, and nothing is written but the log and pid file.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" || { cat "$dir/redis.log" >&2; return 1; }
  for i in $(seq 100); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    [ "$i" = 100 ] && { cat "$dir/redis.log" >&2; sluice_services_fail "redis-server did not answer on port $port"; return 1; }
    sleep 0.05
  done
  SLUICE_SERVICES_REDIS_PID=$(cat "$dir/redis.pid")
  export SLUICE_TEST_REDIS_URL="redis://127.0.0.1:$port"
  echo "[services] Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) at $SLUICE_TEST_REDIS_URL" >&2
}

sluice_services_start_pg() {
  local pgbin port dir as_pg=()
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$pgbin/initdb" ] || { sluice_services_fail "no initdb under /usr/lib/postgresql"; return 1; }
  # A free loopback port, unless one was asked for (several sessions may run their own clusters).
  port=${SLUICE_PG_PORT:-$(sluice_services_free_port)}
  dir=$(mktemp -d /tmp/sluice-services.XXXXXX) || return 1
  SLUICE_SERVICES_DIR=$dir
  chmod 755 "$dir"
  mkdir "$dir/pg"
  # initdb refuses to run as root: the cluster belongs to the `postgres` user the package creates.
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || return 1
    chown postgres "$dir/pg"
    as_pg=(runuser -u postgres --)
  fi
  SLUICE_SERVICES_PG=("${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg/data")
  "${as_pg[@]}" "$pgbin/initdb" -D "$dir/pg/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  "${SLUICE_SERVICES_PG[@]}" -l "$dir/pg/server.log" -w -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null ||
    { cat "$dir/pg/server.log" >&2; return 1; }
  "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'create database sluice_test' || return 1
  export SLUICE_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/sluice_test"
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=sluice_test
  echo "[services] PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') at $SLUICE_TEST_PG_URL" >&2
}

sluice_services_stop() {
  trap - EXIT
  if [ -n "${SLUICE_SERVICES_REDIS_PID:-}" ]; then
    kill "$SLUICE_SERVICES_REDIS_PID" 2>/dev/null || true
    # The pid dies within milliseconds of SIGTERM without persistence; wait so the dir can go.
    for _ in $(seq 40); do kill -0 "$SLUICE_SERVICES_REDIS_PID" 2>/dev/null || break; sleep 0.05; done
  fi
  if [ -n "${SLUICE_SERVICES_DIR:-}" ] && [ -d "$SLUICE_SERVICES_DIR" ]; then
    [ -n "${SLUICE_SERVICES_PG+x}" ] && "${SLUICE_SERVICES_PG[@]}" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$SLUICE_SERVICES_DIR"
  fi
  unset SLUICE_SERVICES_DIR SLUICE_SERVICES_REDIS_PID SLUICE_TEST_PG_URL SLUICE_TEST_REDIS_URL PGHOST PGPORT PGUSER PGDATABASE
}

sluice_services_start() {
  sluice_services_install || return 1
  trap sluice_services_stop EXIT
  sluice_services_start_pg || { sluice_services_stop; return 1; }
  if [ "${SLUICE_WITH_REDIS:-1}" = 1 ]; then sluice_services_start_redis || { sluice_services_stop; return 1; }; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed rather than sourced: start, run the given command (if any), stop.
  sluice_services_start || exit 1
  [ $# -eq 0 ] && exit 0
  "$@"
  exit $?
else
  sluice_services_start
fi
