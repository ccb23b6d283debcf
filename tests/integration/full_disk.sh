#!/bin/bash
# A full disk: the kiosk's store sits on a small tmpfs that is then filled up. Every check-in the
# kiosk reports must be on disk afterwards; every one it could not save must say so plainly
# ("not_saved") and be absent; after space is freed the kiosk goes on with nothing lost.
# Needs root (to mount the tmpfs); exits 77 (skipped, and ctest reports it so) otherwise.
set -uo pipefail
: "${CATE_KIOSK:?}" "${CATE_ADMIN:?}"
if [ "$(id -u)" -ne 0 ]; then echo "full_disk: needs root to mount a small tmpfs; skipped"; exit 77; fi
work=$(mktemp -d)
mnt="$work/mnt"
mkdir "$mnt"
mount -t tmpfs -o size=6m tmpfs "$mnt" || { echo "full_disk: cannot mount tmpfs; skipped"; rmdir "$mnt"; rm -rf "$work"; exit 77; }
trap 'umount "$mnt" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
admin() { "$CATE_ADMIN" --db "$work/office.db" "$@" 2>/dev/null; }
kiosk() { "$CATE_KIOSK" --store "$mnt/kiosk.db" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

admin init >/dev/null
M=$(admin meeting add --name "Full disk drill" --starts "$(date +%F) 00:01" --ends "$(date +%F) 23:59")
for i in $(seq 1 400); do echo "Person$i,Test,"; done | { echo first_name,last_name,email; cat; } > roster.csv
admin rsvp import --meeting "$M" roster.csv >/dev/null
admin bundle --meeting "$M" --active "$M" --out b.bundle
admin tickets --meeting "$M" --out-dir t --format png >/dev/null
kiosk import b.bundle >/dev/null || fail "import"
codes=()
for f in t/*.png; do codes+=("$(admin ticket --rsvp "$(basename "$f" .png)" --format text)"); done

# The kiosk keeps running (as at a door) while the disk fills up under it.
coproc KIOSK { "$CATE_KIOSK" --store "$mnt/kiosk.db" checkin - 2>err.txt; }
exec {to_kiosk}>&"${KIOSK[1]}" {from_kiosk}<&"${KIOSK[0]}"
ask() { echo "$1" >&"$to_kiosk"; local line; read -r -t 20 line <&"$from_kiosk" || { echo '{"outcome":"no answer"}'; return; }; echo "$line"; }
for i in 0 1 2; do ask "${codes[$i]}" >> answers.jsonl; done
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null  # until the disk is full
echo "filled: $(df -k "$mnt" | tail -1 | awk '{print $4}') KiB left"
for i in $(seq 3 399); do ask "${codes[$i]}" >> answers.jsonl; done
exec {to_kiosk}>&- {from_kiosk}<&-
kiosk_pid=$KIOSK_PID
eval "exec ${KIOSK[1]}>&-"  # end of input: the kiosk finishes and exits
wait "$kiosk_pid"; rc=$?
reported=$(jq -r 'select(.outcome=="checked_in") | .rsvp' answers.jsonl | sort -u | wc -l)
refused=$(jq -r 'select(.outcome=="not_saved") | .rsvp' answers.jsonl | wc -l)
other=$(jq -r '.outcome' answers.jsonl | grep -vcE '^(checked_in|not_saved)$')
echo "answers: $(wc -l < answers.jsonl), checked_in: $reported, not_saved: $refused, other: $other, exit: $rc"
[ $rc -lt 128 ] || fail "the kiosk crashed on a full disk (exit $rc)"
[ "$refused" -gt 0 ] || fail "the disk never filled up: the test did not test anything"
[ "$other" -eq 0 ] || fail "unexpected outcomes on a full disk"
jq -r 'select(.outcome=="not_saved") | .title' answers.jsonl | grep "not saved" >/dev/null || fail "not_saved must say so"
jq -r 'select(.outcome=="not_saved") | .detail' answers.jsonl | grep "full" >/dev/null || fail "not_saved must say the storage is full"

# Starting a kiosk on a full disk: a clear message, not a crash.
err=$("$CATE_KIOSK" --store "$mnt/kiosk.db" status 2>&1); rc=$?
echo "start on a full disk: exit $rc: $err"
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "start on a full disk: exit $rc"
[ $rc -eq 0 ] || grep -q "full" <<<"$err" || fail "start on a full disk must say the storage is full"

rm -f "$mnt/fill"
status=$(kiosk status) || fail "the store does not open after the disk was freed"
[ "$(echo "$status" | jq .checked_in)" -eq "$reported" ] || fail "reported $reported, on disk $(echo "$status" | jq .checked_in)"
again=$(printf '%s\n' "${codes[@]:0:60}" | kiosk checkin - | jq -r .outcome | sort | uniq -c)
echo "after freeing space, the first 60 again: $again" | tr '\n' ' '; echo
[ "$(kiosk status | jq .checked_in)" -eq 60 ] || fail "after freeing space the kiosk checks people in again"
[ "$(sqlite3 "$mnt/kiosk.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity check"
echo "full_disk: passed"
