#!/bin/bash
# `cate-kiosk enrol` and `cate-kiosk sync`, the real programs, against a real cate-syncd on
# loopback: enrol, a first sync that provisions the kiosk, a check-in that reaches the server
# exactly once, a sync with nothing to do, and a sync with the server gone (exit 1, the reason
# in words, the record kept). With --pg the sync tables are in PostgreSQL and the office's data
# in its file; with --pg-office everything is in PostgreSQL (cate-admin --pg, cate-syncd --pg:
# one server wholly on PostgreSQL). Run those under with_postgres.sh (it sets PGHOST, PGDATABASE).
#
#   kiosk_sync_cli.sh CATE_ADMIN CATE_KIOSK CATE_SYNCD [--pg | --pg-office]
set -euo pipefail
admin=$(realpath "$1") kiosk=$(realpath "$2") syncd=$(realpath "$3") pg=${4:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/cate-kiosk-sync.XXXXXX")
syncd_pid=""
cleanup() {
  if [[ -n "$syncd_pid" ]]; then kill "$syncd_pid" 2>/dev/null || true; wait "$syncd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { jq -r ".$1" <<<"$2"; }

stores=(--db office.db)
office=(--db office.db)
if [[ -n "$pg" ]]; then
  [[ -n "${PGHOST:-}" ]] || fail "$pg needs a PostgreSQL server: run this under tests/sync/with_postgres.sh"
  stores+=(--pg "dbname=${PGDATABASE:-cate}")
fi
if [[ "$pg" == "--pg-office" ]]; then
  stores=(--pg "dbname=${PGDATABASE:-cate}")
  office=(--pg "dbname=${PGDATABASE:-cate}")
fi

# The office: a meeting today, one RSVP, its ticket as text.
"$admin" "${office[@]}" init >/dev/null 2>&1
meeting=$("$admin" "${office[@]}" meeting add --name "Member meeting" --starts "$(date +%F) 00:00" --ends "$(date +%F) 23:59" 2>/dev/null)
rsvp=$("$admin" "${office[@]}" rsvp add --meeting "$meeting" --first Ana --last García 2>/dev/null)
code=$("$admin" "${office[@]}" ticket --rsvp "$rsvp" --format text 2>/dev/null)

# The kiosk's own ID, enrolled at the server.
device=$(field device "$("$kiosk" --store kiosk.db status)")
token=$("$syncd" "${stores[@]}" device add "$device" "Front door")

"$syncd" "${stores[@]}" --port 0 2>syncd.log &
syncd_pid=$!
port=""
for _ in $(seq 100); do
  port=$(jq -r 'select(.event == "listening") | .port' syncd.log 2>/dev/null | head -1)
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || fail "cate-syncd did not start: $(cat syncd.log)"

out=$("$kiosk" --store kiosk.db enrol --server "http://127.0.0.1:$port/" --token "$token")
[[ $(field enrolled "$out") == true ]] || fail "enrol: $out"
grep -q "$token" <<<"$out" && fail "enrol printed the token"

out=$("$kiosk" --store kiosk.db sync) || fail "first sync: $out"
[[ $(field ok "$out") == true && $(field pulled "$out") == true && $(field pushed "$out") == 0 ]] || fail "first sync: $out"
"$kiosk" --store kiosk.db meeting "$meeting" >/dev/null

out=$("$kiosk" --store kiosk.db checkin "$code")
[[ $(field outcome "$out") == checked_in ]] || fail "check-in: $out"

out=$("$kiosk" --store kiosk.db sync) || fail "sync: $out"
[[ $(field pushed "$out") == 1 && $(field stored "$out") == 1 && $(field outbox "$out") == 0 ]] || fail "sync: $out"
[[ $(field error "$out") == null ]] || fail "sync: $out"

out=$("$kiosk" --store kiosk.db sync) || fail "sync again: $out"
[[ $(field pushed "$out") == 0 && $(field pull "$out") == "nothing new from the office" ]] || fail "sync again: $out"

# On the server: the check-in, once.
if [[ -n "$pg" ]]; then
  n=$(psql -tA -c "SELECT count(*) FROM sync_check_in WHERE rsvp_id = '$rsvp'")
else
  n=$(sqlite3 office.db "SELECT count(*) FROM sync_check_in WHERE rsvp_id = '$rsvp'")
fi
[[ "$n" == 1 ]] || fail "the server holds $n check-ins of the RSVP, not 1"
if [[ "$pg" == "--pg-office" ]]; then
  [[ ! -e office.db ]] || fail "a server wholly on PostgreSQL made a database file"
  [[ $(psql -tA -c "SELECT count(*) FROM server_identity") == 1 ]] || fail "the identity key is not in PostgreSQL"
fi

# The server gone: exit 1, the reason in words, the record kept for the next round.
kill "$syncd_pid"; wait "$syncd_pid" 2>/dev/null || true; syncd_pid=""
"$kiosk" --store kiosk.db checkin "$code" >/dev/null  # a refused scan: one more record
set +e
out=$("$kiosk" --store kiosk.db sync)
rc=$?
set -e
[[ $rc == 1 && $(field ok "$out") == false && $(field outbox "$out") == 1 ]] || fail "sync with no server (exit $rc): $out"
[[ $(field error "$out") == *"cannot be reached"* ]] || fail "sync with no server: $out"

# Not enrolled: a clear usage error.
set +e
"$kiosk" --store other.db sync 2>err.txt
rc=$?
set -e
[[ $rc == 2 ]] && grep -q "not enrolled" err.txt || fail "sync when not enrolled (exit $rc): $(cat err.txt)"
echo "kiosk sync CLI: all checks passed"
