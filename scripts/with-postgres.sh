#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]
#
# Runs CMD with UNDERSTUDY_TEST_DATABASE_URL pointing at a PostgreSQL server.
# If the variable is already set, that server is used as is. Otherwise a
# throwaway cluster is created in a temporary directory on a free port and is
# stopped (and deleted) when CMD exits, whatever its exit status.
#
# PostgreSQL binaries are looked up on PATH, then under /usr/lib/postgresql/*/bin
# (newest first). When none exist and we run as root, Debian's postgresql
# package is installed. initdb refuses to run as root, so as root the cluster
# runs as the postgres OS user.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [ -n "${UNDERSTUDY_TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

find_bindir() {
  local d
  if d=$(command -v pg_ctl 2>/dev/null) && [ -x "$(dirname "$d")/initdb" ]; then
    dirname "$d"
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

if ! bindir=$(find_bindir); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "with-postgres: no PostgreSQL binaries found; installing Debian's postgresql package" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bindir=$(find_bindir) || { echo "with-postgres: postgresql installed but initdb/pg_ctl not found" >&2; exit 1; }
  else
    echo "with-postgres: PostgreSQL binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin" >&2
    exit 1
  fi
fi

# Tests call psql, pg_dump and pg_restore; make them the same version as the server.
export PATH="$bindir:$PATH"

as_owner=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_owner=(runuser -u postgres --)
fi

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/understudy-pg.XXXXXX")
chmod 755 "$tmp"
[ ${#as_owner[@]} -gt 0 ] && chown postgres: "$tmp"
data="$tmp/data"
log="$tmp/server.log"

stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_owner[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || "${as_owner[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }

started=
for _ in 1 2 3 4 5; do
  port=$(free_port)
  if "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  echo "with-postgres: could not start PostgreSQL; server log follows" >&2
  cat "$log" >&2 || true
  exit 1
fi

export UNDERSTUDY_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port (cluster in $tmp)" >&2

set +e
"$@"
status=$?
set -e
exit $status
