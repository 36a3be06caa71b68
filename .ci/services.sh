# Throwaway services for the tests: a PostgreSQL cluster on a loopback port, and Chromium for the
# browser test. Installs what is missing from Debian's packages (root; one apt-get update), starts
# the cluster in a temp dir and exports where it is; everything stops when the shell exits.
#
#   . .ci/services.sh               # in CI (.ci/run) or by hand; `sluice_services_stop` stops early
#   bash .ci/services.sh pnpm test  # or: services only for the length of one command
#
# Exports SLUICE_TEST_PG_URL (and PGHOST/PGPORT/PGUSER/PGDATABASE, so psql works too).
# To use an existing server instead, set SLUICE_TEST_PG_URL yourself and skip this script.
# Options: SLUICE_PG_PORT (default: a free port), SLUICE_WITH_CHROMIUM=0 to skip the browser.
# Sourced by a shell with `set -e`, so every step reports its own failure and returns.

sluice_services_fail() { echo "[services] $*" >&2; return 1; }

sluice_services_install() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ "${SLUICE_WITH_CHROMIUM:-1}" = 1 ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { sluice_services_fail "missing ${need[*]}: run as root, or install them (apt-get install ${need[*]})"; return 1; }
  echo "[services] installing ${need[*]} from Debian's packages" >&2
  # Several sessions may share the machine: wait for the dpkg lock rather than fail on it.
  apt-get -o DPkg::Lock::Timeout=300 update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >/dev/null || return 1
}

sluice_services_start_pg() {
  local pgbin port dir as_pg=()
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$pgbin/initdb" ] || { sluice_services_fail "no initdb under /usr/lib/postgresql"; return 1; }
  # A free loopback port, unless one was asked for (several sessions may run their own clusters).
  port=${SLUICE_PG_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
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
  if [ -n "${SLUICE_SERVICES_DIR:-}" ] && [ -d "$SLUICE_SERVICES_DIR" ]; then
    "${SLUICE_SERVICES_PG[@]}" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$SLUICE_SERVICES_DIR"
  fi
  unset SLUICE_SERVICES_DIR SLUICE_TEST_PG_URL PGHOST PGPORT PGUSER PGDATABASE
}

sluice_services_start() {
  sluice_services_install || return 1
  trap sluice_services_stop EXIT
  sluice_services_start_pg || { sluice_services_stop; return 1; }
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
