#!/bin/sh
# The USB stick update's decision part (image/usb/cate-usb-update --dry-run) on folders standing
# in for sticks: real .deb files made with dpkg-deb, real signatures from cate-admin with a real
# office database, and a real kiosk store that took the office's bundle. Nothing is mounted or
# installed. Checks which package is taken, each refusal, the version rule, result.txt, and
# that the kiosk's store is not written.
#
#   usb_update.sh PATH/TO/cate-usb-update      (CATE_KIOSK, CATE_ADMIN: the built programs)
set -eu

. "$(dirname "$0")/checks.sh"
UPDATE=${1:?usage: usb_update.sh PATH/TO/cate-usb-update}
UPDATE=$(cd "$(dirname "$UPDATE")" && pwd)/$(basename "$UPDATE")
: "${CATE_KIOSK:?}" "${CATE_ADMIN:?}"
need_tools "install dpkg and coreutils" dpkg dpkg-deb sha256sum
scratch T

ARCH=amd64
OTHER_ARCH=arm64
cd "$T"

# The office: a database with a signing key and a meeting; a bundle; a kiosk that took it.
"$CATE_ADMIN" --db office.db init > /dev/null 2>&1
M=$("$CATE_ADMIN" --db office.db meeting add --name "Member meeting" \
      --starts "$(date +%F) 08:00" --ends "$(date +%F) 20:00" 2> /dev/null)
"$CATE_ADMIN" --db office.db bundle --meeting "$M" --out meeting.bundle 2> /dev/null
"$CATE_KIOSK" --store kiosk.db import meeting.bundle > /dev/null
# Another office, which this kiosk does not trust.
"$CATE_ADMIN" --db other-office.db init > /dev/null 2>&1

# deb PACKAGE VERSION ARCH OUT: a real package, with a file and a postinst that would run as root.
deb() {
  d=$T/build/$1-$2-$3
  mkdir -p "$d/DEBIAN" "$d/usr/share/doc/$1"
  printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: CATE <kiosk@cate.invalid>\nDescription: test package\n test\n' \
    "$1" "$2" "$3" > "$d/DEBIAN/control"
  printf '#!/bin/sh\necho "%s %s installed" > /tmp/should-never-run\n' "$1" "$2" > "$d/DEBIAN/postinst"
  chmod 0755 "$d/DEBIAN/postinst"
  echo "$1 $2" > "$d/usr/share/doc/$1/version"
  dpkg-deb --root-owner-group -Zgzip -b "$d" "$4" > /dev/null
}
sign() { "$CATE_ADMIN" --db "${2:-office.db}" update sign "$1" > /dev/null 2>&1; }

# run NAME [ENV=VALUE ...]: the update on stick NAME, dry run, as this user, amd64, 0.1.0-1 installed.
run() {
  stick=$T/$1
  shift
  status=0
  env CATE_UPDATE_KIOSK="$CATE_KIOSK" CATE_UPDATE_STORE="$T/kiosk.db" CATE_UPDATE_USER= \
      CATE_UPDATE_ARCH=$ARCH CATE_UPDATE_INSTALLED=0.1.0-1 CATE_UPDATE_WORK="$T/update-run" \
      CATE_UPDATE_ROOT_RO="$T/no-root-ro" CATE_UPDATE_REBOOT=0 "$@" \
      sh "$UPDATE" --dry-run "$stick" > "$T/out.log" 2> "$T/err.log" || status=$?
}
first_line() { head -n 1 "$T/$1/cate-update/result.txt" 2>/dev/null || echo "(no result.txt)"; }
# expect NAME STATUS FIRST_LINE_PATTERN WHAT
expect() {
  line=$(first_line "$1")
  if [ "$status" -ne "$2" ]; then
    fail "$4: exit $status, not $2 (result: $line)"; sed 's/^/  /' "$T/err.log" >&2
  elif ! printf '%s\n' "$line" | grep -q -- "$3"; then
    fail "$4: result.txt says \"$line\", not /$3/"; sed 's/^/  /' "$T/err.log" >&2
  else
    ok "$4: $line"
  fi
}
stick() { mkdir -p "$T/$1/cate-update"; echo "$T/$1/cate-update"; }

store_before=$(sha256sum kiosk.db | cut -d' ' -f1)

# --- no update on the stick: nothing written ------------------------------------------------
mkdir -p "$T/plain"
echo "an export" > "$T/plain/cate-export-1.json"
run plain
if [ "$status" -eq 0 ] && [ ! -e "$T/plain/cate-update" ]; then ok "a stick without cate-update/ is left alone"
else fail "a stick without cate-update/: exit $status, or something written"; fi

s=$(stick empty)
run empty
expect empty 1 "^refused: no cate-kiosk_VERSION_amd64.deb in cate-update/" "an empty cate-update/"

s=$(stick wrong-arch-name)
deb cate-kiosk 0.2.0-1 $OTHER_ARCH "$s/cate-kiosk_0.2.0-1_$OTHER_ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$OTHER_ARCH.deb"
run wrong-arch-name
expect wrong-arch-name 1 "^refused: no cate-kiosk_VERSION_amd64.deb" "only another architecture's package"
grep -q "cate-kiosk_0.2.0-1_arm64.deb" "$T/wrong-arch-name/cate-update/result.txt" || fail "the result does not name what the folder has"

# --- the good case, and the newest of several ------------------------------------------------
s=$(stick good)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
run good
expect good 0 "^dry run: would install 0.2.0-1$" "a signed newer package"
grep -q "signed by key $("$CATE_ADMIN" --db office.db key list | awk '$4 == "yes" { print $1 }')" "$T/good/cate-update/result.txt" ||
  fail "the result does not name the signing key"
[ ! -e "$T/update-run/package" ] || fail "the checked copy is left behind"

s=$(stick newest)
for v in 0.2.0-1 0.10.0-1 0.9.0-1 0.10.0~rc1-1; do
  deb cate-kiosk "$v" $ARCH "$s/cate-kiosk_${v}_$ARCH.deb"; sign "$s/cate-kiosk_${v}_$ARCH.deb"
done
run newest
expect newest 0 "^dry run: would install 0.10.0-1$" "the newest by dpkg's order (0.10.0-1 over 0.9.0-1, 0.2.0-1 and 0.10.0~rc1-1)"

s=$(stick sig-named)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
"$CATE_ADMIN" --db office.db update sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb" --out "$T/elsewhere.sig" > /dev/null 2>&1
[ -f "$T/elsewhere.sig" ] && [ ! -e "$s/cate-kiosk_0.2.0-1_$ARCH.deb.sig" ] || fail "update sign --out did not write where it was told"

# --- refusals ------------------------------------------------------------------------------
s=$(stick unsigned)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
deb cate-kiosk 0.3.0-1 $ARCH "$s/cate-kiosk_0.3.0-1_$ARCH.deb"
run unsigned
expect unsigned 1 "^refused: cate-kiosk_0.3.0-1_amd64.deb: the package has no signature" "the newest unsigned (an older signed one is not taken instead)"

s=$(stick other-office)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb" other-office.db
run other-office
expect other-office 1 "^refused: .*which this kiosk does not trust" "signed by another office"

s=$(stick tampered)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
deb cate-kiosk 0.2.0-1 $ARCH "$T/evil.deb"  # same name and version, other contents
printf 'rm -rf /\n' >> "$T/build/cate-kiosk-0.2.0-1-$ARCH/DEBIAN/postinst"
dpkg-deb --root-owner-group -Zgzip -b "$T/build/cate-kiosk-0.2.0-1-$ARCH" "$s/cate-kiosk_0.2.0-1_$ARCH.deb" > /dev/null
run tampered
expect tampered 1 "^refused: .*not the file the office signed" "a package changed after signing"
grep -q "outcome: tampered" "$T/tampered/cate-update/result.txt" || fail "tampered: the outcome is not in result.txt"

s=$(stick other-package)
deb cate-server 0.4.0-1 $ARCH "$T/cate-server_0.4.0-1_$ARCH.deb"; sign "$T/cate-server_0.4.0-1_$ARCH.deb"
cp "$T/cate-server_0.4.0-1_$ARCH.deb" "$s/cate-kiosk_0.4.0-1_$ARCH.deb"
cp "$T/cate-server_0.4.0-1_$ARCH.deb.sig" "$s/cate-kiosk_0.4.0-1_$ARCH.deb.sig"
run other-package
expect other-package 1 "^refused: .*the signed package is cate-server, not cate-kiosk" "another package, signed, under a kiosk name"

s=$(stick other-arch)
deb cate-kiosk 0.4.0-1 $OTHER_ARCH "$T/arm.deb"; sign "$T/arm.deb"
cp "$T/arm.deb" "$s/cate-kiosk_0.4.0-1_$ARCH.deb"; cp "$T/arm.deb.sig" "$s/cate-kiosk_0.4.0-1_$ARCH.deb.sig"
run other-arch
expect other-arch 1 "^refused: .*for arm64 computers; this kiosk is amd64" "another architecture, signed, under this one's name"

s=$(stick garbage)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
head -c 300 /dev/urandom > "$s/cate-kiosk_0.2.0-1_$ARCH.deb.sig"
run garbage
expect garbage 1 "^refused: .*the signature file cannot be read" "a signature file of garbage"

s=$(stick no-office)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
run no-office CATE_UPDATE_STORE="$T/never-provisioned.db"
expect no-office 1 "^refused: .*trusts no office key yet" "a kiosk that trusts no office yet"
[ ! -e "$T/never-provisioned.db" ] || fail "verifying made a store"

s=$(stick links)
deb cate-kiosk 0.2.0-1 $ARCH "$T/outside.deb"; sign "$T/outside.deb"
ln -s "$T/outside.deb" "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
ln -s "$T/outside.deb.sig" "$s/cate-kiosk_0.2.0-1_$ARCH.deb.sig"
echo "not to be overwritten" > "$T/precious"
ln -s "$T/precious" "$s/result.txt.new"
run links
expect links 1 "^refused: no cate-kiosk_VERSION_amd64.deb" "a package that is a symbolic link out of the stick is not taken"
[ "$(cat "$T/precious")" = "not to be overwritten" ] && ok "a symbolic link on the stick is not written through" ||
  fail "result.txt.new, a symbolic link, was written through"

# --- versions --------------------------------------------------------------------------------
s=$(stick older)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
run older CATE_UPDATE_INSTALLED=0.3.0-1
expect older 0 "^not newer: 0.2.0-1 on the stick, 0.3.0-1 installed$" "an older version is not installed"
run older CATE_UPDATE_INSTALLED=0.2.0-1
expect older 0 "^up to date: 0.2.0-1 is installed$" "the installed version is not installed again"
run older CATE_UPDATE_INSTALLED=
expect older 0 "^dry run: would install 0.2.0-1$" "no cate-kiosk installed yet"

s=$(stick renamed)
deb cate-kiosk 0.1.0-1 $ARCH "$s/cate-kiosk_9.0.0-1_$ARCH.deb"; sign "$s/cate-kiosk_9.0.0-1_$ARCH.deb"
run renamed CATE_UPDATE_INSTALLED=0.2.0-1
expect renamed 0 "^not newer: 0.1.0-1 on the stick, 0.2.0-1 installed$" "an old package renamed to a higher version: the signed version counts"

s=$(stick after-restart)
deb cate-kiosk 0.2.0-1 $ARCH "$s/cate-kiosk_0.2.0-1_$ARCH.deb"; sign "$s/cate-kiosk_0.2.0-1_$ARCH.deb"
printf 'installed 0.2.0-1\ncate-kiosk_0.2.0-1_amd64.deb\n' > "$s/result.txt"
run after-restart CATE_UPDATE_INSTALLED=0.2.0-1
expect after-restart 0 "^installed 0.2.0-1$" "after the restart the stick still says installed"
grep -q "^checked again at .*: 0.2.0-1 is installed$" "$s/result.txt" || fail "after the restart: no line added"

# --- the store was only read; nothing ran ----------------------------------------------------
[ "$(sha256sum kiosk.db | cut -d' ' -f1)" = "$store_before" ] && ok "the kiosk's store is unchanged" ||
  fail "the kiosk's store was written"
[ ! -e /tmp/should-never-run ] || fail "a package's maintainer script ran"

# --- and the kiosk command's own exit status and JSON -----------------------------------------
s=$T/good/cate-update
status=0
"$CATE_KIOSK" --store kiosk.db update verify "$s/cate-kiosk_0.2.0-1_$ARCH.deb" --arch $ARCH > "$T/v.json" 2>/dev/null || status=$?
grep -q '"outcome":"good"' "$T/v.json" && grep -q '"version":"0.2.0-1"' "$T/v.json" && [ "$status" -eq 0 ] &&
  ok "update verify: exit 0 and one JSON line" || fail "update verify on a good package: exit $status, $(cat "$T/v.json")"
status=0
"$CATE_KIOSK" --store kiosk.db update verify "$T/tampered/cate-update/cate-kiosk_0.2.0-1_$ARCH.deb" --arch $ARCH > "$T/v.json" 2>/dev/null || status=$?
[ "$status" -eq 1 ] && grep -q '"outcome":"tampered"' "$T/v.json" && ok "update verify: exit 1 when refused" ||
  fail "update verify on a tampered package: exit $status, $(cat "$T/v.json")"
status=0
"$CATE_KIOSK" --store kiosk.db update verify > /dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "update verify with no file: exit $status, not 2"
status=0
"$CATE_ADMIN" --db office.db update sign "$T/kiosk.db" > /dev/null 2> "$T/e" || status=$?
[ "$status" -eq 1 ] && grep -q "not a Debian package" "$T/e" && ok "update sign refuses a file that is not a package" ||
  fail "update sign on a non-package: exit $status, $(cat "$T/e")"

finish "every USB update case"
