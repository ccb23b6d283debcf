#!/bin/bash
# Enrolment by QR code with the real programs against a real cate-syncd on loopback:
# `cate-admin device add --png`, `cate-kiosk enrol --qr` (the image decoded), a sync that
# provisions the kiosk and uploads a check-in, the same code refused a second time, a garbage
# code refused, `cate-admin device list`, then `device revoke` and a sync that says so in words.
# With --pg the sync tables are in PostgreSQL (run it under with_postgres.sh).
#
#   kiosk_enrol_cli.sh CATE_ADMIN CATE_KIOSK CATE_SYNCD [--pg]
set -euo pipefail
admin=$(realpath "$1") kiosk=$(realpath "$2") syncd=$(realpath "$3") pg=${4:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/cate-kiosk-enrol.XXXXXX")
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
sync_tables=()
if [[ "$pg" == "--pg" ]]; then
  [[ -n "${PGHOST:-}" ]] || fail "--pg needs a PostgreSQL server: run this under tests/sync/with_postgres.sh"
  stores+=(--pg "dbname=${PGDATABASE:-cate}")
  sync_tables=(--pg "dbname=${PGDATABASE:-cate}")
fi

"$admin" --db office.db init >/dev/null 2>&1
meeting=$("$admin" --db office.db meeting add --name "Member meeting" --starts "$(date +%F) 00:00" --ends "$(date +%F) 23:59" 2>/dev/null)
rsvp=$("$admin" --db office.db rsvp add --meeting "$meeting" --first Ana --last García 2>/dev/null)
code=$("$admin" --db office.db ticket --rsvp "$rsvp" --format text 2>/dev/null)

"$syncd" "${stores[@]}" --port 0 2>syncd.log &
syncd_pid=$!
port=""
for _ in $(seq 100); do
  port=$(jq -r 'select(.event == "listening") | .port' syncd.log 2>/dev/null | head -1)
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || fail "cate-syncd did not start: $(cat syncd.log)"

# The office: a device and its enrolment QR, in the terminal and as PNG.
"$admin" --db office.db device add "Front door" --url "http://127.0.0.1:$port" --png enrol.png "${sync_tables[@]}" >qr.txt 2>admin.err
enrol_text=$(tail -1 qr.txt)
[[ "$enrol_text" == CATE-ENROL1:* ]] || fail "device add printed no enrolment code: $(cat qr.txt admin.err)"
grep -q "█" qr.txt || fail "device add drew no QR in the terminal"
[[ -s enrol.png ]] || fail "device add wrote no PNG"
fingerprint=$(cut -d'*' -f2 <<<"$enrol_text")

# The kiosk reads the PNG, enrols and pins the server.
out=$("$kiosk" --store kiosk.db enrol --qr enrol.png) || fail "enrol --qr: $out"
[[ $(field enrolled "$out") == true && $(field pinned "$out") == true ]] || fail "enrol --qr: $out"
[[ $(field fingerprint "$out") == "$fingerprint" ]] || fail "pinned another key: $out"
[[ $(field name "$out") == "Front door" ]] || fail "enrol --qr: $out"

# The same code again, and garbage: refused in words.
set +e
out=$("$kiosk" --store other.db enrol "$enrol_text" 2>/dev/null); rc=$?
set -e
[[ $rc == 1 && $(field error_code "$out") == enrolment_used ]] || fail "a used code (exit $rc): $out"
set +e
out=$("$kiosk" --store other.db enrol "CATE1.not-an-enrolment-code" 2>/dev/null); rc=$?
set -e
[[ $rc == 1 && $(field error_code "$out") == bad_code ]] || fail "a garbage code (exit $rc): $out"

out=$("$kiosk" --store kiosk.db sync) || fail "first sync: $out"
[[ $(field pulled "$out") == true ]] || fail "first sync: $out"
"$kiosk" --store kiosk.db meeting "$meeting" >/dev/null
out=$("$kiosk" --store kiosk.db checkin "$code")
[[ $(field outcome "$out") == checked_in ]] || fail "check-in: $out"
out=$("$kiosk" --store kiosk.db sync) || fail "sync: $out"
[[ $(field stored "$out") == 1 ]] || fail "sync: $out"

list=$("$admin" --db office.db device list "${sync_tables[@]}")
grep -qP "^Front door\t[0-9a-f-]{36}\tenrolled\t" <<<"$list" || fail "device list: $list"

# Revoked: the next sync is refused, and says so in words.
"$admin" --db office.db device revoke "Front door" "${sync_tables[@]}" 2>/dev/null
set +e
out=$("$kiosk" --store kiosk.db sync); rc=$?
set -e
[[ $rc == 1 && $(field revoked "$out") == true && $(field error "$out") == *"withdrawn (revoked)"* ]] ||
  fail "sync when revoked (exit $rc): $out"
echo "kiosk enrol CLI: all checks passed"
