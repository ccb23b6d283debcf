#!/bin/sh
# The USB stick update's install part, on this machine, by hand (root; like vm_boot.sh it is not
# in ctest, as it needs root, a loop device and Debian's mirror): a Debian bookworm root made by
# mmdebstrap in an ext4 image, mounted read-only as the device's /media/root-ro is, and
# image/usb/cate-usb-update run on a folder standing in for a stick with a signed package that
# needs a package the root lacks (refused before anything is unpacked) and a signed one that
# installs. Checks dpkg's record and the files in the image, the postinst having run in the
# chroot, the root back read-only with nothing left mounted in it, and result.txt. Never
# restarts this machine (CATE_UPDATE_REBOOT=0, and a systemctl that only says what it was asked).
#
#   sudo CATE_KIOSK=build/default/kiosk/cate-kiosk CATE_ADMIN=build/default/sync/admin/cate-admin \
#        tests/image/usb_install.sh
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/checks.sh"
UPDATE=$HERE/../../image/usb/cate-usb-update
K=$(realpath "${CATE_KIOSK:?the built cate-kiosk}")
A=$(realpath "${CATE_ADMIN:?the built cate-admin}")
[ "$(id -u)" -eq 0 ] || { echo "usb_install.sh: run as root (it mounts a loop device)" >&2; exit 1; }
need_tools "image/deps.sh device" mmdebstrap mke2fs losetup dpkg-deb
ARCH=$(dpkg --print-architecture)
T=$(mktemp -d)
WORK=/run/cate-usb-update-test-$$
loop=""
cleanup() {
  mountpoint -q "$T/root-ro" 2>/dev/null && umount "$T/root-ro"
  [ -z "$loop" ] || losetup -d "$loop"
  rm -rf "$T" "$WORK"
}
trap cleanup EXIT

echo "== a bookworm root (mmdebstrap minbase) in an ext4 image, mounted read-only"
mmdebstrap --quiet --mode=root --variant=minbase bookworm "$T/rootfs.tar" > "$T/mm.log" 2>&1 || { cat "$T/mm.log"; exit 1; }
mkdir -p "$T/rootfs" "$T/root-ro"
tar -C "$T/rootfs" -xf "$T/rootfs.tar"
truncate -s 800M "$T/root.ext4"
mke2fs -q -t ext4 -d "$T/rootfs" "$T/root.ext4"
loop=$(losetup -f --show "$T/root.ext4")
mount -o ro,noatime "$loop" "$T/root-ro"

echo "== the office: a key, a bundle the kiosk took, two signed packages on the stick"
cd "$T"
"$A" --db office.db init > /dev/null 2>&1
M=$("$A" --db office.db meeting add --name M --starts "$(date +%F) 08:00" --ends "$(date +%F) 20:00" 2>/dev/null)
"$A" --db office.db bundle --meeting "$M" --out m.bundle 2> /dev/null
"$K" --store kiosk.db import m.bundle > /dev/null
mkdir -p stick/cate-update fakebin
printf '#!/bin/sh\necho "systemctl $*" >> %s/systemctl.log\n' "$T" > fakebin/systemctl
chmod 0755 fakebin/systemctl
# deb VERSION [DEPENDS]: a cate-kiosk package with a file and a postinst, signed, on the stick.
deb() {
  d=$T/pkg-$1
  mkdir -p "$d/DEBIAN" "$d/usr/share/cate-usb-test"
  printf 'Package: cate-kiosk\nVersion: %s\nArchitecture: %s\nMaintainer: CATE <kiosk@cate.invalid>\n%sDescription: test\n test\n' \
    "$1" "$ARCH" "${2:+Depends: $2
}" > "$d/DEBIAN/control"
  printf '#!/bin/sh\necho "$1 %s" > /var/tmp/cate-usb-test-postinst\n' "$1" > "$d/DEBIAN/postinst"
  chmod 0755 "$d/DEBIAN/postinst"
  echo "$1" > "$d/usr/share/cate-usb-test/version"
  dpkg-deb --root-owner-group -Zgzip -b "$d" "stick/cate-update/cate-kiosk_$1_$ARCH.deb" > /dev/null
  "$A" --db office.db update sign "stick/cate-update/cate-kiosk_$1_$ARCH.deb" > /dev/null 2>&1
}
run() {
  status=0
  env PATH="$T/fakebin:$PATH" CATE_UPDATE_KIOSK="$K" CATE_UPDATE_STORE="$T/kiosk.db" CATE_UPDATE_USER= \
      CATE_UPDATE_ARCH="$ARCH" CATE_UPDATE_INSTALLED=0.1.0-1 CATE_UPDATE_ROOT_RO="$T/root-ro" \
      CATE_UPDATE_WORK="$WORK" CATE_UPDATE_REBOOT=0 sh "$UPDATE" "$T/stick" > "$T/out.log" 2> "$T/err.log" || status=$?
  line=$(head -n 1 stick/cate-update/result.txt)
}
left_mounted() { awk -v r="$T/root-ro/" 'index($2, r) == 1' /proc/self/mounts; }
read_only() { awk -v r="$T/root-ro" '$2 == r { print ($4 ~ /^ro(,|$)/) ? "yes" : "no" }' /proc/self/mounts; }

echo "== a package that needs what the root lacks: refused, nothing unpacked"
deb 0.3.0-1 no-such-package-anywhere
run
case "$line" in "refused: cate-kiosk_0.3.0-1_$ARCH.deb: it needs what this kiosk does not have:"*no-such-package-anywhere*)
  ok "$line" ;; *) fail "missing dependency: exit $status, result: $line"; cat "$T/err.log" >&2 ;; esac
chroot root-ro dpkg-query -W cate-kiosk > /dev/null 2>&1 && fail "cate-kiosk is in the root's dpkg database" || ok "nothing installed"
[ -z "$(left_mounted)" ] || fail "left mounted in the root: $(left_mounted)"
[ "$(read_only)" = yes ] || fail "the root is not read-only again"
rm -f stick/cate-update/cate-kiosk_0.3.0-1_*

echo "== a signed newer package: installed into the real root"
deb 0.2.0-1
run
[ "$status" -eq 0 ] && [ "$line" = "installed 0.2.0-1" ] && ok "$line" || { fail "install: exit $status, result: $line"; cat "$T/err.log" >&2; }
[ "$(chroot root-ro dpkg-query -W -f='${Version} ${Status}' cate-kiosk)" = "0.2.0-1 install ok installed" ] &&
  ok "dpkg in the root: cate-kiosk 0.2.0-1 installed" || fail "the root's dpkg does not have cate-kiosk 0.2.0-1 installed"
[ "$(cat root-ro/usr/share/cate-usb-test/version 2>/dev/null)" = 0.2.0-1 ] || fail "the package's file is not in the root"
[ "$(cat root-ro/var/tmp/cate-usb-test-postinst 2>/dev/null)" = "configure 0.2.0-1" ] && ok "its postinst ran in the root" ||
  fail "its postinst did not run in the root"
[ ! -e /var/tmp/cate-usb-test-postinst ] || fail "the postinst ran on this machine"
[ -z "$(left_mounted)" ] && ok "nothing left mounted in the root" || fail "left mounted in the root: $(left_mounted)"
[ "$(read_only)" = yes ] && ok "the root is read-only again" || fail "the root is not read-only again"
[ ! -e "$T/systemctl.log" ] || fail "systemctl was called: $(cat "$T/systemctl.log")"
[ ! -e "$WORK/package" ] || fail "the checked copy is left in $WORK"

finish "installing from a stick into a read-only root"
