#!/bin/bash
# Runs the README's walk-through exactly as written (the block between the walkthrough markers),
# then checks what it did: every ticket checked in once, a second scan checks in nobody.
# Usage: walkthrough.sh README.md [--pg]   (CATE_KIOSK and CATE_ADMIN name the built programs)
# With --pg the office's database is PostgreSQL instead of the file office.db: every
# `--db office.db` of the walk-through becomes `--pg dbname=$PGDATABASE` (run it under
# tests/sync/with_postgres.sh, which sets PGHOST and PGDATABASE).
set -euo pipefail
readme=$1 backend=${2:-}
: "${CATE_KIOSK:?}" "${CATE_ADMIN:?}"
export PATH="$(dirname "$CATE_KIOSK"):$(dirname "$CATE_ADMIN"):$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' "$readme" \
  | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' > "$work/walkthrough.sh"
[ -s "$work/walkthrough.sh" ] || { echo "no walk-through found in $readme"; exit 1; }
office=(--db office.db)
if [ "$backend" = "--pg" ]; then
  [ -n "${PGHOST:-}" ] || { echo "--pg needs a PostgreSQL server: run this under tests/sync/with_postgres.sh"; exit 1; }
  office=(--pg "dbname=${PGDATABASE:-cate}")
  sed -i "s|--db office.db|--pg dbname=${PGDATABASE:-cate}|g" "$work/walkthrough.sh"
  grep -q -- "--db" "$work/walkthrough.sh" && { echo "the walk-through still names a file database"; exit 1; }
fi

cd "$work"
echo "--- running the README's walk-through"
bash -euo pipefail walkthrough.sh > out.jsonl 2> err.txt || { cat err.txt out.jsonl; echo "the walk-through failed"; exit 1; }
cat out.jsonl
grep '^{' out.jsonl > json.jsonl || true  # cate-admin prints bare IDs; cate-kiosk prints JSON

fail() { echo "FAIL: $*"; exit 1; }
scans=$(jq -c 'select(.file != null and .outcome != null)' json.jsonl)
[ "$(echo "$scans" | wc -l)" -eq 3 ] || fail "expected 3 scanned tickets"
[ "$(echo "$scans" | jq -r .outcome | sort -u)" = "checked_in" ] || fail "every ticket should check in"
echo "$scans" | jq -r .title | grep -qx "Welcome, Ana!" || fail "Ana should be welcomed by first name"
echo "$scans" | jq -r .title | grep -qx "Welcome, José!" || fail "José should be welcomed by first name"
status=$(jq -c 'select(.checked_in != null)' json.jsonl)
[ "$(echo "$status" | jq .checked_in)" -eq 3 ] || fail "status should count 3 check-ins"
[ "$(echo "$status" | jq .rsvps)" -eq 3 ] || fail "status should count 3 RSVPs"

echo "--- scanning the same tickets again checks in nobody"
again=$(cate-kiosk --store kiosk.db scan tickets/*.png)
[ "$(echo "$again" | jq -r .outcome | sort -u)" = "already_checked_in" ] || fail "second scan: $again"
[ "$(cate-kiosk --store kiosk.db status | jq .checked_in)" -eq 3 ] || fail "second scan changed the count"

echo "--- each image holds exactly the ticket cate-admin issues for that RSVP"
for png in tickets/*.png; do
  rsvp=$(basename "$png" .png)
  want=$(cate-admin "${office[@]}" ticket --rsvp "$rsvp" --format text)
  got=$(cate-kiosk decode "$png" | jq -r .text)
  [ "$want" = "$got" ] || fail "$png holds $got, not $want"
done
grep -q "first_name" tickets/index.csv || fail "tickets/index.csv is missing its header"
if [ "$backend" = "--pg" ]; then
  [ ! -e office.db ] || fail "the PostgreSQL walk-through made a database file"
  [ "$(psql -tA -c 'SELECT count(*) FROM rsvps')" = 3 ] || fail "PostgreSQL should hold the 3 RSVPs"
fi
echo "walkthrough${backend:+ ($backend)}: 3 tickets issued, scanned, checked in once each"
