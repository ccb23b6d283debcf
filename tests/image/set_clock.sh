#!/bin/sh
# image/clock/cate-set-clock: the staff screen's request to set the clock, decided on scratch
# folders. The clock is never set here: CATE_CLOCK_SET is a stand-in that writes down what it
# was asked. A good request, each refusal, a symlink, a 10 KB file, garbage, an emoji; the
# result file's words and mode, and the request always gone.
#
#   set_clock.sh CATE_SET_CLOCK
set -eu
. "$(dirname "$0")/checks.sh"
script=$1
scratch work

dir=$work/run
mkdir -p "$dir" "$work/timesync"
flag=$work/synchronized
epoch=$work/clock-epoch
save=$work/timesync/clock
floor=1790000000  # the image's build time, in this test
touch -d "@$floor" "$epoch"
cat > "$work/set" <<SET
#!/bin/sh
echo "\$*" >> "$work/set.log"
SET
chmod +x "$work/set"

run() {
  : > "$work/set.log"
  rm -f "$dir/result"
  env CATE_CLOCK_DIR="$dir" CATE_CLOCK_SYNCED_FLAG="$flag" CATE_CLOCK_EPOCH_FILE="$epoch" \
      CATE_CLOCK_SAVE_FILE="$save" CATE_CLOCK_SET="$work/set" TMPDIR="$work" \
      sh "$script" > "$work/out" 2>&1 || fail "$1: exit $? ($(cat "$work/out"))"
  [ "$(grep -c '^cate-set-clock: ' "$work/out")" = 1 ] || fail "$1: not one journal line: $(cat "$work/out")"
  [ ! -e "$dir/request" ] && [ ! -L "$dir/request" ] || fail "$1: the request is still there"
}
# expect NAME RESULT [SET_ARGUMENT]: the result file says RESULT, and the clock was set to
# SET_ARGUMENT, or not at all.
expect() {
  got=$(cat "$dir/result" 2>/dev/null || echo "(no result)")
  [ "$got" = "$2" ] || fail "$1: result \"$got\", not \"$2\""
  [ "$(wc -l < "$dir/result" 2>/dev/null)" = 1 ] || fail "$1: the result is not one line"
  [ "$(stat -c %a "$dir/result" 2>/dev/null)" = 644 ] || fail "$1: result mode $(stat -c %a "$dir/result" 2>/dev/null)"
  if [ -n "${3:-}" ]; then
    [ "$(cat "$work/set.log")" = "$3" ] || fail "$1: the clock was set with \"$(cat "$work/set.log")\", not \"$3\""
  else
    [ ! -s "$work/set.log" ] || fail "$1: the clock was set ($(cat "$work/set.log"))"
  fi
  [ -z "$(ls -A "$work" | grep '^request\.')" ] || fail "$1: scratch left behind: $(ls "$work")"
  ok "$1: $got"
}
request() { printf -- "$1" > "$dir/request.tmp" && mv "$dir/request.tmp" "$dir/request"; }

# A good request: set, and saved at once (the clock file made, its folder's owner's).
request '1795000000\n'
run "good request"
expect "good request" "set 1795000000" "@1795000000"
[ -f "$save" ] || fail "the time was not saved ($save)"
# The clock file there already: touched.
touch -d @1700000000 "$save"
request '1795000001\n'
run "good request, clock file there"
expect "good request, clock file there" "set 1795000001" "@1795000001"
[ "$(stat -c %Y "$save")" -gt 1700000000 ] || fail "the clock file was not touched"
# No folder for the clock file: set all the same, nothing made.
env_save=$save
save=$work/none/clock
request '1795000002\n'
run "no timesync folder"
expect "no timesync folder" "set 1795000002" "@1795000002"
[ ! -e "$work/none" ] || fail "a timesync folder was made"
save=$env_save
# Leading zeros are the same number; the floor itself and 2100-01-01 itself are taken.
request '0001795000003\n'
run "leading zeros"
expect "leading zeros" "set 1795000003" "@1795000003"
request "$floor\\n"
run "the floor itself"
expect "the floor itself" "set $floor" "@$floor"
request '4102444800\n'
run "2100-01-01"
expect "2100-01-01" "set 4102444800" "@4102444800"

# Refusals.
request '1789999999\n'
run "before the image's floor"
expect "before the image's floor" "refused too-early"
request '978307200\n'
run "2001"
expect "2001" "refused too-early"
request '4102444801\n'
run "after 2100"
expect "after 2100" "refused too-late"
request '99999999999999999999999\n'
run "23 digits"
expect "23 digits" "refused too-late"
# No clock-epoch file: the floor is 2026-01-01T00:00:00Z.
mv "$epoch" "$epoch.away"
request '1767225599\n'
run "before 2026 with no clock-epoch"
expect "before 2026 with no clock-epoch" "refused too-early"
request '1767225600\n'
run "2026-01-01 with no clock-epoch"
expect "2026-01-01 with no clock-epoch" "set 1767225600" "@1767225600"
mv "$epoch.away" "$epoch"
# Network time in use: refused, whatever the request.
touch "$flag"
request '1795000000\n'
run "network time"
expect "network time" "refused network"
request 'garbage\n'
run "network time, garbage"
expect "network time, garbage" "refused network"
rm "$flag"

# Unreadable requests.
for case in "no newline:1795000000" "two lines:1795000000\n1\n" "a space:1795000000 \n" "a sign:-1795000000\n" \
            "a plus:+1795000000\n" "empty:" "only a newline:\n" "garbage:date -s 2001\n" "a NUL:1795\000000000\n" \
            "CRLF:1795000000\r\n" "an emoji:\360\237\225\222\n" "emoji digits:1795\360\237\225\222000000\n"; do
  name=${case%%:*}
  request "${case#*:}"
  run "$name"
  expect "$name" "refused unreadable"
done
# 10 KB of digits, and 33 bytes: over 32 bytes.
head -c 10240 /dev/zero | tr '\0' 7 > "$dir/request.tmp"
mv "$dir/request.tmp" "$dir/request"
run "10 KB request"
expect "10 KB request" "refused unreadable"
printf '%032d\n' 1795000000 > "$dir/request"
run "33 bytes"
expect "33 bytes" "refused unreadable"
printf '%031d\n' 1795000000 > "$dir/request"
run "32 bytes"
expect "32 bytes" "set 1795000000" "@1795000000"
# A symlink to a good request, and to a file the kiosk could not read: not followed.
printf '1795000000\n' > "$work/elsewhere"
ln -s "$work/elsewhere" "$dir/request"
run "symlink request"
expect "symlink request" "refused unreadable"
[ -f "$work/elsewhere" ] || fail "the symlink's target was removed"
# A folder, and a FIFO (a read would wait for ever).
mkdir -p "$dir/request/x"
run "a folder"
expect "a folder" "refused unreadable"
mkfifo "$dir/request"
run "a FIFO"
expect "a FIFO" "refused unreadable"
# A result that is a symlink the kiosk's user put there: replaced, not written through.
printf 'keep\n' > "$work/target"
rm -f "$dir/result"
ln -s "$work/target" "$dir/result"
request '1795000000\n'
env CATE_CLOCK_DIR="$dir" CATE_CLOCK_SYNCED_FLAG="$flag" CATE_CLOCK_EPOCH_FILE="$epoch" \
    CATE_CLOCK_SAVE_FILE="$save" CATE_CLOCK_SET="$work/set" TMPDIR="$work" sh "$script" > "$work/out" 2>&1
[ "$(cat "$work/target")" = keep ] || fail "the result was written through a symlink"
[ ! -L "$dir/result" ] && [ "$(cat "$dir/result")" = "set 1795000000" ] || fail "the result symlink was not replaced"
# The clock cannot be set: failed.
printf '#!/bin/sh\nexit 1\n' > "$work/set"
request '1795000000\n'
run "the clock cannot be set"
expect "the clock cannot be set" "failed"
# No request at all (the path unit's start raced another): nothing written, exit 0.
rm -f "$dir/result"
env CATE_CLOCK_DIR="$dir" CATE_CLOCK_SET=false TMPDIR="$work" sh "$script" > "$work/out" 2>&1 || fail "no request: exit $?"
[ ! -e "$dir/result" ] || fail "no request: a result was written"

finish "cate-set-clock"
