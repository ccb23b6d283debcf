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
stick_mounted=""
cleanup() {
  if [[ -n "$syncd_pid" ]]; then kill "$syncd_pid" 2>/dev/null || true; wait "$syncd_pid" 2>/dev/null || true; fi
  if [[ -n "$stick_mounted" ]]; then umount "$work/small-stick" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { jq -r ".$1" <<<"$2"; }

stores=(--db office.db)
office=(--db office.db)
sync_tables=()  # where cate-admin finds the sync tables when they are not beside the office's data
if [[ -n "$pg" ]]; then
  [[ -n "${PGHOST:-}" ]] || fail "$pg needs a PostgreSQL server: run this under tests/sync/with_postgres.sh"
  stores+=(--pg "dbname=${PGDATABASE:-cate}")
  sync_tables=(--pg "dbname=${PGDATABASE:-cate}")
fi
if [[ "$pg" == "--pg-office" ]]; then
  stores=(--pg "dbname=${PGDATABASE:-cate}")
  office=(--pg "dbname=${PGDATABASE:-cate}")
  sync_tables=()
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

records_held() {
  if [[ -n "$pg" ]]; then psql -tA -c "SELECT count(*) FROM sync_record"; else sqlite3 office.db "SELECT count(*) FROM sync_record"; fi
}

# No network: the outbox goes to a USB stick, sealed to the server's key; the office takes it in
# (twice: nothing changes), and the kiosk's next sync finds the server already holds it.
"$kiosk" --store kiosk.db checkin "$code" >/dev/null  # already checked in: a refused scan, one record
held=$(records_held)
mkdir stick
out=$("$kiosk" --store kiosk.db export --usb stick) || fail "export: $out"
[[ $(field records "$out") == 1 && $(field outbox "$out") == 1 && $(field enrolled "$out") == true ]] || fail "export: $out"
file=$(field file "$out")
[[ -f "$file" && $(ls -A stick | wc -l) == 1 ]] || fail "export: no file, or more than one, in the stick's folder"
out=$("$admin" "${office[@]}" import-usb "$file" "${sync_tables[@]}" 2>/dev/null) || fail "import-usb: $out"
[[ $(field stored "$out") == 1 && $(field duplicate "$out") == 0 ]] || fail "import-usb: $out"
out=$("$admin" "${office[@]}" import-usb "$file" "${sync_tables[@]}" 2>/dev/null) || fail "import-usb again: $out"
[[ $(field stored "$out") == 0 && $(field duplicate "$out") == 1 ]] || fail "import-usb again: $out"
[[ $(records_held) == $((held + 1)) ]] || fail "the server should hold one more record"
out=$("$kiosk" --store kiosk.db sync) || fail "sync after the USB import: $out"
[[ $(field pushed "$out") == 1 && $(field duplicates "$out") == 1 && $(field outbox "$out") == 0 ]] \
  || fail "sync after the USB import: $out"
[[ $(records_held) == $((held + 1)) ]] || fail "the sync after the USB import stored the record again"
# A damaged file is refused, and nothing is stored.
sed 's/"sealed": "\(.\{30\}\)./"sealed": "\1!/' "$file" > damaged.json
set +e
"$admin" "${office[@]}" import-usb damaged.json "${sync_tables[@]}" 2>err.txt
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "nothing was stored" err.txt || fail "a damaged export (exit $rc): $(cat err.txt)"
# No stick in the slot, and (as root, on a tiny file system) a full one and a read-only one.
"$kiosk" --store kiosk.db checkin "$code" >/dev/null
set +e
out=$("$kiosk" --store kiosk.db export --usb no-stick 2>err.txt)
rc=$?
set -e
[[ $rc == 1 && $(field exported "$out") == false && $(field outbox "$out") == 1 ]] && grep -q "plugged in" err.txt \
  || fail "export to a missing folder (exit $rc): $out $(cat err.txt)"
mkdir small-stick
if [[ $(id -u) == 0 ]] && mount -t tmpfs -o size=8k tmpfs small-stick 2>/dev/null; then
  stick_mounted=1
  dd if=/dev/zero of=small-stick/filler bs=1k count=8 2>/dev/null || true
  set +e
  out=$("$kiosk" --store kiosk.db export --usb small-stick 2>err.txt)
  rc=$?
  set -e
  [[ $rc == 1 ]] && grep -q "is full" err.txt || fail "export to a full stick (exit $rc): $out $(cat err.txt)"
  [[ $(ls -A small-stick) == filler ]] || fail "a full stick was left with a half-written file: $(ls -A small-stick)"
  rm small-stick/filler
  mount -o remount,ro small-stick
  set +e
  out=$("$kiosk" --store kiosk.db export --usb small-stick 2>err.txt)
  rc=$?
  set -e
  [[ $rc == 1 ]] && grep -q "read-only" err.txt || fail "export to a read-only stick (exit $rc): $out $(cat err.txt)"
  umount small-stick && stick_mounted=""
fi
# With the office's receipt the record leaves the outbox with no network at all.
out=$("$kiosk" --store kiosk.db export --usb stick) || fail "second export: $out"
file=$(field file "$out")
"$admin" "${office[@]}" import-usb "$file" --receipt stick/receipt.json "${sync_tables[@]}" >/dev/null 2>&1 \
  || fail "import-usb --receipt"
out=$("$kiosk" --store kiosk.db import-receipt stick/receipt.json) || fail "import-receipt: $out"
[[ $(field acknowledged "$out") == 1 && $(field outbox "$out") == 0 ]] || fail "import-receipt: $out"
out=$("$kiosk" --store kiosk.db sync) || fail "sync: $out"
[[ $(field outbox "$out") == 0 && $(field pushed "$out") == 0 ]] || fail "sync: $out"

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
