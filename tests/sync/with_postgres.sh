#!/bin/bash
# Runs CMD with a throwaway PostgreSQL 15 server of its own, then stops it and removes it, also
# when CMD fails or crashes.
#
#   tests/sync/with_postgres.sh CMD [ARGS...]
#
# The server listens only on a unix socket in a private folder (no TCP). CMD gets PGHOST (that
# folder), PGUSER=postgres, PGDATABASE=cate (created empty) and CATE_PG_SCRATCH=1. As root,
# initdb and the server run as the user postgres (initdb refuses root); as another user, as
# that user. Without PostgreSQL installed this fails (exit 1) and says what to install.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: with_postgres.sh CMD [ARGS...]" >&2
  exit 2
fi

bin=${CATE_PG_BIN:-}
if [[ -z "$bin" ]]; then
  for v in 15 16 17; do
    if [[ -x /usr/lib/postgresql/$v/bin/initdb ]]; then bin=/usr/lib/postgresql/$v/bin; break; fi
  done
fi
if [[ -z "$bin" || ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
  echo "with_postgres.sh: PostgreSQL is not installed, so the PostgreSQL tests cannot run." >&2
  echo "  Install it with image/deps.sh (Debian package postgresql-15), or set CATE_PG_BIN to" >&2
  echo "  the folder that holds initdb and pg_ctl." >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/cate-pg.XXXXXX")
as_db=()
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with_postgres.sh: running as root, but there is no user postgres to run the server as" >&2
    rm -rf "$dir"
    exit 1
  fi
  chown postgres: "$dir"
  as_db=(runuser -u postgres --)
fi

stop() {
  "${as_db[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

if ! "${as_db[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1; then
  echo "with_postgres.sh: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
fi
if ! "${as_db[@]}" "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
     -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=60" start >/dev/null; then
  echo "with_postgres.sh: the server did not start:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

export PGHOST=$dir PGUSER=postgres PGDATABASE=cate CATE_PG_SCRATCH=1
"$bin/createdb" cate
set +e
"$@"
rc=$?
set -e
exit "$rc"
