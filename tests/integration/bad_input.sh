#!/bin/bash
# Bad input at the command line: hostile images, codes, bundles, stores and CSV files each get a
# clear message a person can act on, nothing already accepted is lost, and nothing crashes.
# CATE_KIOSK and CATE_ADMIN name the built programs. With --pg the office's database is
# PostgreSQL (run it under tests/sync/with_postgres.sh, which sets PGHOST and PGDATABASE).
set -uo pipefail
: "${CATE_KIOSK:?}" "${CATE_ADMIN:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
office=(--db "$work/office.db")
if [ "${1:-}" = "--pg" ]; then
  [ -n "${PGHOST:-}" ] || { echo "--pg needs a PostgreSQL server: run this under tests/sync/with_postgres.sh"; exit 1; }
  office=(--pg "dbname=${PGDATABASE:-cate}")
fi
kiosk() { "$CATE_KIOSK" --store "$work/kiosk.db" "$@"; }
admin() { "$CATE_ADMIN" "${office[@]}" "$@"; }
cd "$work"
failures=0
pass=0
check() {  # check "what" CONDITION...
  local what=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
# A crash is a signal: exit status 128+N. Every run below must end on its own, with 0..3.
no_crash() { local rc=$1; [ "$rc" -ge 0 ] && [ "$rc" -le 3 ]; }

admin init >/dev/null 2>&1
M=$(admin meeting add --name "Member meeting" --starts "$(date +%F) 00:01" --ends "$(date +%F) 23:59")
R=$(admin rsvp add --meeting "$M" --first Ana --last García)
admin bundle --meeting "$M" --active "$M" --out good.bundle 2>/dev/null
kiosk import good.bundle >/dev/null
code=$(admin ticket --rsvp "$R" --format text 2>/dev/null)
check "a good ticket checks in" [ "$(kiosk checkin "$code" | jq -r .outcome)" = checked_in ]

echo "--- images that are not what they say"
printf 'this is not a png' > fake.png
: > empty.png
head -c 20000 /dev/urandom > noise.jpg
out=$(kiosk scan fake.png empty.png missing.png noise.jpg); rc=$?
check "scan of bad files exits normally ($rc)" [ $rc -eq 0 ]
check "four answers, one a file" [ "$(echo "$out" | wc -l)" -eq 4 ]
check "every bad file is unreadable" [ "$(echo "$out" | jq -r .outcome | sort -u)" = unreadable ]
check "fake.png: says it is not an image" grep -q "not a PNG" <<<"$(echo "$out" | jq -r 'select(.file=="fake.png").detail')"
check "empty.png: says it is empty" grep -qi "empty" <<<"$(echo "$out" | jq -r 'select(.file=="empty.png").detail')"
check "missing.png: says it cannot be opened" grep -qi "cannot open" <<<"$(echo "$out" | jq -r 'select(.file=="missing.png").detail')"
out=$(kiosk decode fake.png); check "decode of a fake PNG gives text null" [ "$(echo "$out" | jq -r .text)" = null ]

echo "--- codes that are not tickets"
long=$(head -c 10240 /dev/zero | tr '\0' X)
for c in "$long" "🎟️ ticket" "' OR 1=1; DROP TABLE check_in; --" "CATE1-" "CATE9-AAAA" "${code:0:100}"; do
  out=$(kiosk checkin "$c"); rc=$?
  check "odd code exits normally" no_crash $rc
  check "odd code is refused: ${c:0:20}" [ "$(echo "$out" | jq -r .outcome)" = unreadable ]
done
out=$(printf '%s\n\n%s\n' "$long" "$code" | kiosk checkin -)
check "stdin: two answers (blank lines skipped)" [ "$(echo "$out" | wc -l)" -eq 2 ]
check "stdin: the good code is already checked in" [ "$(echo "$out" | tail -1 | jq -r .outcome)" = already_checked_in ]

echo "--- bundles that are damaged, forged or not bundles"
printf 'garbage' > junk.bundle
err=$(kiosk import junk.bundle 2>&1 >/dev/null); rc=$?
check "garbage bundle refused with exit 1" [ $rc -eq 1 ]
check "garbage bundle: says why" grep -q "not a bundle" <<<"$err"
sed 's/Member meeting/Evil meeting/' good.bundle > changed.bundle
sed -i 's/Ana/Eve/' changed.bundle
err=$(kiosk import changed.bundle 2>&1 >/dev/null); rc=$?
check "changed bundle refused" [ $rc -eq 1 ]
check "changed bundle: the signature is named" grep -q "signature" <<<"$err"
"$CATE_ADMIN" --db other.db init >/dev/null 2>&1
M2=$("$CATE_ADMIN" --db other.db meeting add --name "Other office" --starts "$(date +%F) 00:01" --ends "$(date +%F) 23:59")
"$CATE_ADMIN" --db other.db bundle --meeting "$M2" --out other.bundle 2>/dev/null
err=$(kiosk import other.bundle 2>&1 >/dev/null); rc=$?
check "another office's bundle refused" [ $rc -eq 1 ]
check "another office: the way out is named" grep -q -- "--trust-new-office" <<<"$err"
check "nothing lost: still one check-in" [ "$(kiosk status | jq .checked_in)" -eq 1 ]
check "nothing lost: the meeting is still active" [ "$(kiosk status | jq -r .active_meeting)" = "$M" ]

echo "--- stores that cannot be stores"
mkdir adir
err=$("$CATE_KIOSK" --store adir status 2>&1); rc=$?
check "a folder as store: exit 1" [ $rc -eq 1 ]
check "a folder as store: says so" [ -n "$err" ]
head -c 5000 /dev/urandom > notdb.db
err=$("$CATE_KIOSK" --store notdb.db status 2>&1); rc=$?
check "random bytes as store: exit 1" [ $rc -eq 1 ]
check "random bytes as store: says so" grep -q "not a kiosk store" <<<"$err"

echo "--- roster CSV: long, emoji, right-to-left, quotes, SQL, empty, not UTF-8"
{
  printf 'first_name,last_name,email\n'
  echo "Zoë,\"O'Brien, \"\"Bobby\"\"\",zoe@example.org"
  printf '%s,Long,long@example.org\n' "$(head -c 10240 /dev/zero | tr '\0' N)"
  printf '🌻 Sunny,Day,sunny@example.org\n'
  printf 'سارة,العلي,sara@example.org\n'
  printf 'Robert,"x'"'"'); DROP TABLE rsvp;--",bobby@example.org\n'
  printf 'Caf\xe9,Latin1,cafe@example.org\n'
} > roster.csv
out=$(admin rsvp import --meeting "$M" roster.csv 2>&1); rc=$?
check "partial import exits 3 ($rc)" [ $rc -eq 3 ]
check "the 10 KB name is refused by its line (3)" grep -q "line 3" <<<"$out"
check "the Latin-1 line is refused by its line (7)" grep -q "line 7" <<<"$out"
list=$(admin rsvp list --meeting "$M" 2>&1)
check "emoji name kept" grep -q "🌻 Sunny" <<<"$list"
check "right-to-left name kept" grep -q "سارة" <<<"$list"
check "quotes kept literally" grep -q "O'Brien, \"Bobby\"" <<<"$list"
check "SQL kept literally" grep -q "DROP TABLE rsvp" <<<"$list"
before=$(admin rsvp list --meeting "$M" 2>/dev/null | wc -l)
: > empty.csv
err=$(admin rsvp import --meeting "$M" empty.csv 2>&1); rc=$?
check "empty CSV refused (exit $rc)" [ $rc -eq 1 ] || [ $rc -eq 3 ]
check "empty CSV: says what a file needs" grep -qi "empty" <<<"$err"
check "empty CSV: nothing lost" [ "$(admin rsvp list --meeting "$M" 2>/dev/null | wc -l)" -eq "$before" ]
err=$(admin rsvp add --meeting "$M" --first "$(head -c 10240 /dev/zero | tr '\0' A)" 2>&1); rc=$?
check "a 10 KB name on the command line is refused" [ $rc -ne 0 ]
check "it says how long a name may be" grep -q "100" <<<"$err"
err=$(admin ticket --rsvp 0000000000000000 --format text 2>&1); rc=$?
check "unknown RSVP: exit 1 with a message" [ $rc -eq 1 ] && [ -n "$err" ]

echo "bad_input: $pass passed, $failures failed"
[ $failures -eq 0 ]
