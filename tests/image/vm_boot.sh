#!/bin/sh
# The device boot test: the arm64 system with the cate-kiosk package, booted in
# qemu-system-aarch64 -M virt (TCG: no KVM needed), its screen on virtio-gpu through SDL's
# KMSDRM, checked from the host (tests/image/vm/run_vm.py):
#
#   - the kiosk's service reaches READY (Type=notify) and the screen (QEMU's screendump) shows
#     the Welcome screen; boot time to it, idle CPU and memory are recorded;
#   - a keyboard-wedge scan of a demo ticket typed through uinput checks it in; a second scan
#     says already checked in; the vivid V4L2 camera is read by `cate-kiosk camera`;
#   - after a clean power-off the check-in is read out of the data partition's ext4 image
#     with debugfs (e2fsck clean, SQLite);
#   - power cut: QEMU killed hard during check-ins, booted again, e2fsck clean, SQLite's
#     integrity check passes and every check-in the screen reported is there;
#   - the time with no network (the VM has no network card): booted on an RTC in 2020, the
#     clock starts from the time saved on the data partition in the boot before; the staff
#     screen's request to set the clock, written as the kiosk's user, sets it or is refused.
#
#   tests/image/vm_boot.sh [ARM64_PACKAGE_DIR [WORK_DIR]]
#
#   ARM64_PACKAGE_DIR  cate-kiosk_*_arm64.deb (default build/arm64/packages, made by
#                      image/cross-build-arm64.sh)
#   WORK_DIR           default build/vm-arm64: disks, kernel, screendumps (PNG), consoles, results
#
# Host programs (to make the test meeting, tickets and the kiosk's store): $CATE_ADMIN and
# $CATE_KIOSK, default build/default's. Runs as root. About 17 minutes on 2 shared cores (8 of
# them mmdebstrap; see image/README.md); every wait is bounded. Needs: mmdebstrap qemu-system-arm qemu-user-static
# binfmt-support e2fsprogs dosfstools mtools cpio kmod python3.
#
# The system booted is the device image's (image-customize.sh: units, journal, network,
# Wi-Fi, SSH off), with two differences: Debian's arm64 kernel boots with a small initramfs made
# here on the host from busybox-static and the few modules the root needs (virtio disks, ext4,
# overlay) instead of one built by initramfs-tools under emulation (many minutes), and that
# initramfs puts the memory overlay on the read-only root itself, as overlayroot does on the
# device. The agent that types the scans (tests/image/vm/agent.py) is only in this test's system.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PKGS=${1:-$SRC/build/arm64/packages}
WORK=${2:-$SRC/build/vm-arm64}
MIRROR=${CATE_MIRROR:-http://deb.debian.org/debian}
ADMIN=${CATE_ADMIN:-$SRC/build/default/sync/admin/cate-admin}
KIOSK=${CATE_KIOSK:-$SRC/build/default/kiosk/cate-kiosk}
TICKET_COUNT=10
DATA_MB=64
CARD_SPARE_MB=192  # the card is this much larger than the image written to it

say() { printf '%s vm_boot: %s\n' "$(date +%T)" "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap's root mode, mke2fs root_owner)"
for tool in mmdebstrap qemu-system-aarch64 mke2fs debugfs e2fsck mkfs.vfat mcopy genimage sfdisk cpio depmod python3; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install mmdebstrap qemu-system-arm qemu-user-static binfmt-support e2fsprogs dosfstools mtools genimage fdisk cpio kmod python3"
done
[ -x "$ADMIN" ] && [ -x "$KIOSK" ] || die "no host cate-admin/cate-kiosk ($ADMIN, $KIOSK): cmake --preset default && cmake --build --preset default"
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 || die "arm64 programs cannot run here: apt-get install qemu-user-static binfmt-support"
fi
DEB=$(ls "$PKGS"/cate-kiosk_*_arm64.deb 2>/dev/null | sort -V | tail -n 1)
[ -n "$DEB" ] || die "no cate-kiosk_*_arm64.deb in $PKGS: run image/cross-build-arm64.sh first"
DEB=$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")
DEB_DEPENDS=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | sort -u | tr '\n' ' ')

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
ROOTFS=$WORK/rootfs
start=$(date +%s)

# --- the test meeting, its tickets, and the kiosk's store with them --------------------------
say "test meeting and tickets"
rm -rf "$WORK/office" "$WORK/data"
mkdir -p "$WORK/office" "$WORK/data"
office=$WORK/office/office.db
"$ADMIN" --db "$office" init >/dev/null 2>&1
meeting=$("$ADMIN" --db "$office" meeting add --name "Member meeting" \
  --starts "$(date -d yesterday +%F) 00:00" --ends "$(date -d tomorrow +%F) 23:59" 2>/dev/null)
: > "$WORK/tickets.tsv"
i=1
while [ "$i" -le "$TICKET_COUNT" ]; do
  first=$(printf 'Guest%02d' "$i")
  rsvp=$("$ADMIN" --db "$office" rsvp add --meeting "$meeting" --first "$first" --last Test 2>/dev/null)
  code=$("$ADMIN" --db "$office" ticket --rsvp "$rsvp" --format text 2>/dev/null)
  printf '%s\t%s\t%s\n' "$first" "$rsvp" "$code" >> "$WORK/tickets.tsv"
  i=$((i + 1))
done
"$ADMIN" --db "$office" bundle --meeting "$meeting" --active "$meeting" --out "$WORK/office/meeting.bundle" >/dev/null 2>&1
"$KIOSK" --store "$WORK/data/kiosk.db" import "$WORK/office/meeting.bundle" >/dev/null
rm -f "$WORK/data/kiosk.db.lock" "$WORK/data/kiosk.db-wal" "$WORK/data/kiosk.db-shm"

# --- the root file system: the image's recipe, for arm64 -------------------------------------
# CATE_VM_REUSE_ROOTFS=1 (for work on the test itself) keeps a finished root file system when
# the package is the same one.
if [ "${CATE_VM_REUSE_ROOTFS:-0}" = 1 ] && [ -f "$WORK/dl/.complete" ]; then
  say "reusing $ROOTFS"
  cp "$HERE/vm/agent.py" "$ROOTFS/usr/local/lib/cate-vmtest/agent.py"
  if ! cmp -s "$DEB" "$WORK/rootfs.deb"; then
    cp "$DEB" "$ROOTFS/tmp/cate-kiosk.deb"
    chroot "$ROOTFS" dpkg -i /tmp/cate-kiosk.deb >/dev/null
    rm "$ROOTFS/tmp/cate-kiosk.deb"
    cp "$DEB" "$WORK/rootfs.deb"
  fi
else
say "mmdebstrap bookworm arm64 with $(basename "$DEB")"
rm -rf "$ROOTFS" "$WORK/rootfs.deb" "$WORK/dl"
mkdir -p "$WORK/dl"
# shellcheck disable=SC2086
mmdebstrap --mode=root --variant=minbase --arch=arm64 \
  --include="$(echo systemd systemd-sysv udev kmod dbus systemd-timesyncd systemd-resolved tzdata iproute2 fdisk e2fsprogs \
               wpasupplicant python3-evdev $DEB_DEPENDS | tr ' ' ',')" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-include=/usr/share/doc/cate-*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in '$DEB' /tmp" \
  --customize-hook="chroot \"\$1\" dpkg -i '/tmp/$(basename "$DEB")' >/dev/null && rm \"\$1/tmp/$(basename "$DEB")\"" \
  --customize-hook="sh '$SRC/image/image-customize.sh' \"\$1\" arm64-vm 'quiet'" \
  --customize-hook='mkdir -p "$1/usr/local/lib/cate-vmtest" "$1/tmp/dl"' \
  --customize-hook="copy-in '$HERE/vm/agent.py' /usr/local/lib/cate-vmtest" \
  --customize-hook="copy-in '$HERE/vm/cate-vmtest-agent.service' /etc/systemd/system" \
  --customize-hook='chroot "$1" systemctl enable cate-vmtest-agent.service >/dev/null 2>&1' \
  --customize-hook='echo CATE_UI_TEXT_LOG=/var/lib/cate-kiosk/ui-frames.log >> "$1/etc/cate-kiosk/kiosk.env"' \
  --customize-hook='chroot "$1" apt-cache depends linux-image-arm64 > "$1/tmp/dl/kernel-depends"' \
  --customize-hook='mv "$1/etc/resolv.conf" "$1/etc/resolv.conf.cate"; cp /etc/resolv.conf "$1/etc/resolv.conf"' \
  --customize-hook='k=$(sed -n "s/.*Depends: \(linux-image-[0-9].*\)/\1/p" "$1/tmp/dl/kernel-depends" | head -n 1); chroot "$1" sh -c "cd /tmp/dl && apt-get download -q $k busybox-static" >/dev/null 2>&1' \
  --customize-hook='mv "$1/etc/resolv.conf.cate" "$1/etc/resolv.conf"' \
  --customize-hook="sync-out /tmp/dl '$WORK/dl'" \
  bookworm "$ROOTFS" "$MIRROR"
say "root file system in $(( $(date +%s) - start )) s"
cp "$DEB" "$WORK/rootfs.deb"
fi

# --- Debian's kernel and its modules, unpacked (no package scripts, no initramfs-tools) ------
# (mmdebstrap empties the system's /tmp at its end: the downloads were copied out to $WORK/dl.)
kdeb=$(ls "$WORK"/dl/linux-image-*.deb) || die "the kernel package was not downloaded"
bdeb=$(ls "$WORK"/dl/busybox-static_*.deb) || die "busybox-static was not downloaded"
touch "$WORK/dl/.complete"
# /lib is a link to /usr/lib on bookworm: keep it one.
dpkg-deb --fsys-tarfile "$kdeb" | tar -x --keep-directory-symlink -C "$ROOTFS"
KVER=$(ls "$ROOTFS/lib/modules" | sort -V | tail -n 1)
depmod -b "$ROOTFS" "$KVER"
cp "$ROOTFS/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
say "kernel $KVER: $(grep -E '^CONFIG_(VIRTIO_BLK|VIRTIO_PCI|EXT4_FS|OVERLAY_FS|DRM_VIRTIO_GPU)=' "$ROOTFS/boot/config-$KVER" | tr '\n' ' ')"

# --- the initramfs: busybox, the root's modules, an init that mounts the overlay root ---------
rm -rf "$WORK/initrd" "$WORK/bb"
mkdir -p "$WORK/initrd/bin" "$WORK/initrd/modules" "$WORK/bb"
dpkg-deb -x "$bdeb" "$WORK/bb"
cp "$(find "$WORK/bb" -path "*bin/busybox" -type f | head -n 1)" "$WORK/initrd/bin/busybox"
chmod 0755 "$WORK/initrd/bin/busybox"
mods=$ROOTFS/lib/modules/$KVER
# Each module with the modules it needs first, once; the ones built into the kernel are skipped.
need() {
  local path file dep
  path=$(grep -E "^([^:]*/)?$1\.ko(\.[a-z]+)?:" "$mods/modules.dep" | head -n 1) || true
  [ -n "$path" ] || return 0
  file=${path%%:*}
  for dep in ${path#*:}; do need "$(basename "$dep" | sed 's/\.ko.*//')"; done
  grep -qx "$(basename "$file")" "$WORK/initrd/modules.order" 2>/dev/null && return 0
  cp "$mods/$file" "$WORK/initrd/modules/"
  basename "$file" >> "$WORK/initrd/modules.order"
}
: > "$WORK/initrd/modules.order"
for m in crc32c_generic libcrc32c virtio_pci virtio_blk ext4 overlay; do need "$m"; done
# Compressed modules (.ko.xz) are unpacked: busybox's insmod reads plain ones.
for f in "$WORK"/initrd/modules/*.xz; do [ -e "$f" ] && xz -d "$f"; done
sed -i 's/\.xz$//' "$WORK/initrd/modules.order"
cat > "$WORK/initrd/init" <<'EOF'
#!/bin/busybox sh
# The boot test's initramfs: the root partition (label CATEROOT) read-only under a memory
# overlay, as overlayroot=tmpfs does on the device, then systemd.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /lower /rw /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/modules/$m" 2>/dev/null || echo "init: $m not loaded"; done
root=""
for i in $(seq 100); do
  root=$(findfs LABEL=CATEROOT 2>/dev/null) && [ -b "$root" ] && break
  [ -b /dev/vda2 ] && ! command -v findfs >/dev/null && root=/dev/vda2 && break
  sleep 0.1
done
[ -b "$root" ] || { echo "init: no disk labelled CATEROOT"; sleep 5; poweroff -f; }
mount -t ext4 -o ro,noatime "$root" /lower || { echo "init: cannot mount $root"; sleep 5; poweroff -f; }
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot
# Where overlayroot leaves them: the disk's root (read-only; an update remounts it) and the overlay's.
mkdir -p /newroot/media/root-ro /newroot/media/root-rw
mount --move /lower /newroot/media/root-ro
mount --move /rw /newroot/media/root-rw
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
EOF
chmod 0755 "$WORK/initrd/init"
(cd "$WORK/initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.img"
say "initramfs: $(tr '\n' ' ' < "$WORK/initrd/modules.order")"

# --- the disk: boot (FAT, Wi-Fi settings), root (read-only), data (the kiosk's store) ---------
# Laid out by genimage as build-image.sh lays out the Raspberry Pi's card (MBR, the same
# partitions and labels), then made larger, as a card is larger than the image written to it:
# the data partition grows into the rest at boot (cate-grow-data).
rootfs_mb=$(du -sm "$ROOTFS" | cut -f1)
root_mb=$(( rootfs_mb * 115 / 100 + 64 ))
rm -rf "$WORK/parts" "$WORK/disk.img" "$WORK/data.ext4"
mkdir -p "$WORK/parts"
truncate -s "${root_mb}M" "$WORK/parts/root.ext4"
mke2fs -q -t ext4 -L CATEROOT -d "$ROOTFS" -E root_owner=0:0 "$WORK/parts/root.ext4"
uid=$(awk -F: '$1 == "cate-kiosk" { print $3 }' "$ROOTFS/etc/passwd")
gid=$(awk -F: '$1 == "cate-kiosk" { print $4 }' "$ROOTFS/etc/passwd")
[ -n "$uid" ] || die "the package made no cate-kiosk user"
chown -R "$uid:$gid" "$WORK/data"
chmod 0700 "$WORK/data"
truncate -s "${DATA_MB}M" "$WORK/parts/data.ext4"
mke2fs -q -t ext4 -L CATEDATA -d "$WORK/data" -E root_owner="$uid:$gid" "$WORK/parts/data.ext4"
mkfs.vfat -n CATEBOOT -C "$WORK/parts/boot.vfat" 16384 >/dev/null
printf 'WIFI_COUNTRY=US\r\nWIFI_SSID=Coalition Office\r\nWIFI_PASSWORD=correct horse battery\r\n' > "$WORK/cate-wifi.conf"
mcopy -i "$WORK/parts/boot.vfat" "$WORK/cate-wifi.conf" ::/cate-wifi.conf
. "$SRC/image/card-layout.sh"
card_layout disk.img mbr "$WORK/parts" "$WORK" || die "genimage could not lay out the disk"
rm -f "$WORK/parts/root.ext4"
image_mb=$(du -m --apparent-size "$WORK/disk.img" | cut -f1)
truncate -s "+${CARD_SPARE_MB}M" "$WORK/disk.img"
card_mb=$(du -m --apparent-size "$WORK/disk.img" | cut -f1)
say "disk: root $root_mb MB ($rootfs_mb MB of files), data $DATA_MB MB, image $image_mb MB on a $card_mb MB card; built in $(( $(date +%s) - start )) s"
printf '{"rootfs_mb": %s, "root_image_mb": %s, "data_mb": %s, "disk_image_mb": %s, "card_mb": %s, "kernel": "%s"}\n' \
  "$rootfs_mb" "$root_mb" "$DATA_MB" "$image_mb" "$card_mb" "$KVER" > "$WORK/image-size.json"

# --- USB sticks: an empty one for staff, and one with a signed, newer cate-kiosk package ---------
# The update is this very package with a higher version (dpkg-deb: unpacked, version raised,
# packed again), signed by the test office's key, which the kiosk trusts from the bundle.
rm -rf "$WORK/update" "$WORK/stick-staff.vfat" "$WORK/stick-update.vfat"
mkdir -p "$WORK/update"
dpkg-deb -R "$DEB" "$WORK/update/pkg"
version=$(dpkg-deb -f "$DEB" Version)
update_version="$version+update1"
sed -i "s/^Version: .*/Version: $update_version/" "$WORK/update/pkg/DEBIAN/control"
update_deb=$WORK/update/cate-kiosk_${update_version}_arm64.deb
dpkg-deb -b -Zxz "$WORK/update/pkg" "$update_deb" >/dev/null
rm -rf "$WORK/update/pkg"
"$ADMIN" --db "$office" update sign "$update_deb" >/dev/null 2>&1
[ -f "$update_deb.sig" ] || die "cate-admin update sign wrote no $update_deb.sig"
echo "$update_version" > "$WORK/update-version"
mkfs.vfat -n CATEUPDATE -C "$WORK/stick-update.vfat" 65536 >/dev/null
mmd -i "$WORK/stick-update.vfat" ::/cate-update
mcopy -i "$WORK/stick-update.vfat" "$update_deb" "$update_deb.sig" ::/cate-update/
mkfs.vfat -n STAFF -C "$WORK/stick-staff.vfat" 16384 >/dev/null
say "USB sticks: staff (empty), update ($(basename "$update_deb"), signed)"

# --- boot it ---------------------------------------------------------------------------------
# A time limit (CI's `timeout`) stops the test and, with it, the virtual machine.
status=0
/usr/bin/python3 "$HERE/vm/run_vm.py" "$WORK" "$WORK/tickets.tsv" &
runner=$!
trap 'kill "$runner" 2>/dev/null' TERM INT
wait "$runner" || status=$?
say "done in $(( $(date +%s) - start )) s (results: $WORK/vm-results.json, screens: $WORK/*.png)"
exit "$status"
