#!/bin/sh
# Builds the kiosk's disk image: Debian bookworm with the cate-kiosk package, booting straight
# into check-in. Read-only root (an overlay in memory on top of it), the kiosk's data on a
# partition of its own, journal in memory. No loop devices, no mounts: the file systems are
# made from folders (mke2fs -d, mkfs.vfat + mcopy) and laid out on the disk by genimage.
#
#   image/build-image.sh ARCH [PACKAGE_DIR] [OUT_DIR]
#
#   ARCH         arm64 (Raspberry Pi 4) or amd64 (a small PC or a VM, UEFI)
#   PACKAGE_DIR  where cate-kiosk_*_ARCH.deb is (default build/release/packages, made by cpack)
#   OUT_DIR      where the image goes (default build/image-ARCH)
#
# Environment: CATE_MIRROR (default http://deb.debian.org/debian), CATE_ROOT_EXTRA_MB (free
# space on the root file system, default 256), CATE_DATA_MB (data partition, default 512),
# CATE_TIMEZONE (the device's time zone, default America/Chicago).
#
# Provisioning one kiosk's card (its store on the data partition, made with a cate-kiosk built
# for this machine, $CATE_KIOSK, default build/release/kiosk/cate-kiosk):
#   CATE_IMAGE_BUNDLE=meeting.bundle   a bundle from `cate-admin bundle` (meetings, roster, keys)
#   CATE_IMAGE_ENROL_QR=front-door.png an enrolment QR from `cate-admin device add` (the office's
#                                      server must answer from this machine now)
#   CATE_IMAGE_PIN_FILE=pin.txt        the staff PIN (the file's first line; kept as a hash)
# Each makes the image one kiosk's: flash it to that kiosk only.
#
# Runs as root (mmdebstrap's root mode keeps file owners right). Building arm64 on another
# machine needs qemu-user-static and binfmt-support (see image/README.md).
# Needs: mmdebstrap genimage e2fsprogs dosfstools mtools.
set -eu

ARCH=${1:?usage: image/build-image.sh arm64|amd64 [PACKAGE_DIR] [OUT_DIR]}
PKGS=${2:-build/release/packages}
OUT=${3:-build/image-$ARCH}
MIRROR=${CATE_MIRROR:-http://deb.debian.org/debian}
ROOT_EXTRA_MB=${CATE_ROOT_EXTRA_MB:-256}
DATA_MB=${CATE_DATA_MB:-512}
HERE=$(cd "$(dirname "$0")" && pwd)

say() { printf '%s build-image: %s\n' "$(date +%T)" "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap's root mode keeps file owners right)"
for tool in mmdebstrap genimage mke2fs mkfs.vfat mcopy; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install mmdebstrap genimage e2fsprogs dosfstools mtools"
done

DEB=$(ls "$PKGS"/cate-kiosk_*_"$ARCH".deb 2>/dev/null | sort -V | tail -n 1)
[ -n "$DEB" ] || die "no cate-kiosk_*_$ARCH.deb in $PKGS: build it with cpack first"
DEB=$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")
# The package's dependencies come from the archive with everything else; the package itself
# is installed with dpkg at the end (apt cannot hand a local file into the chroot). The
# initramfs is made once, at the end: while packages install, update-initramfs is diverted to
# true (each of the kernel, overlayroot and busybox would make it again, minutes each when the
# image's architecture runs emulated).
DEB_DEPENDS=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | sort -u | tr '\n' ' ')

# Kernel cmdline: root by label, read-only with a memory overlay (overlayroot, whose recurse=0
# leaves the data partition writable), no console blanking, no blinking cursor, quiet.
CMDLINE="root=LABEL=CATEROOT rootfstype=ext4 ro rootwait overlayroot=tmpfs:recurse=0 consoleblank=0 vt.global_cursor_default=0 quiet loglevel=3"

COMMON="systemd systemd-sysv udev dbus systemd-timesyncd systemd-resolved tzdata
        initramfs-tools overlayroot e2fsprogs ca-certificates
        iproute2 wpasupplicant wireless-regdb
        fdisk"
case "$ARCH" in
  arm64)
    # As Debian's own Raspberry Pi images: Debian's kernel, raspi-firmware (non-free-firmware)
    # which puts the boot firmware, the bcm2711 device trees, the kernel and the initramfs on
    # the boot partition, and the Wi-Fi firmware.
    KERNEL="linux-image-arm64 raspi-firmware firmware-brcm80211"
    COMPONENTS="main,non-free-firmware"
    ;;
  amd64)
    KERNEL="linux-image-amd64 systemd-boot-efi"
    COMPONENTS="main"
    ;;
  *) die "ARCH is arm64 or amd64, not $ARCH" ;;
esac

rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
ROOTFS=$WORK/rootfs
mkdir -p "$WORK/boot" "$WORK/data" "$WORK/images"

# --- the root file system -------------------------------------------------------------------
say "mmdebstrap bookworm $ARCH"
start=$(date +%s)
# shellcheck disable=SC2086
mmdebstrap --mode=root --variant=minbase --arch="$ARCH" --components="$COMPONENTS" \
  --include="$(echo $COMMON $KERNEL $DEB_DEPENDS | tr ' ' ',')" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-include=/usr/share/doc/cate-*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/es*' \
  --setup-hook='mkdir -p "$1/boot/firmware" "$1/etc/initramfs-tools/conf.d"' \
  --setup-hook='echo COMPRESS=lz4 > "$1/etc/initramfs-tools/conf.d/cate-kiosk"' \
  --include=lz4 \
  --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
  --essential-hook='ln -s /bin/true "$1/usr/sbin/update-initramfs"' \
  --customize-hook="copy-in '$DEB' /tmp" \
  --customize-hook="chroot \"\$1\" dpkg -i '/tmp/$(basename "$DEB")' && rm \"\$1/tmp/$(basename "$DEB")\"" \
  --customize-hook='rm "$1/usr/sbin/update-initramfs"' \
  --customize-hook='chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs' \
  --customize-hook='chroot "$1" update-initramfs -c -k all' \
  --customize-hook="CATE_TIMEZONE='${CATE_TIMEZONE:-}' sh '$HERE/image-customize.sh' \"\$1\" '$ARCH' '$CMDLINE'" \
  bookworm "$ROOTFS" "$MIRROR"
say "root file system done in $(( $(date +%s) - start )) s"

# --- split it: boot partition, data partition, root -----------------------------------------
case "$ARCH" in
  arm64)
    cp -a "$ROOTFS/boot/firmware/." "$WORK/boot/"
    find "$ROOTFS/boot/firmware" -mindepth 1 -delete
    ;;
  amd64)
    # UEFI: systemd-boot as the fallback loader, one entry, the kernel and initramfs beside it.
    mkdir -p "$WORK/boot/EFI/BOOT" "$WORK/boot/loader/entries"
    cp "$ROOTFS/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$WORK/boot/EFI/BOOT/BOOTX64.EFI"
    cp "$(ls "$ROOTFS"/boot/vmlinuz-* | sort -V | tail -n 1)" "$WORK/boot/vmlinuz"
    cp "$(ls "$ROOTFS"/boot/initrd.img-* | sort -V | tail -n 1)" "$WORK/boot/initrd.img"
    printf 'default cate-kiosk.conf\ntimeout 0\neditor no\n' > "$WORK/boot/loader/loader.conf"
    printf 'title CATE check-in kiosk\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s\n' \
      "$CMDLINE" > "$WORK/boot/loader/entries/cate-kiosk.conf"
    mv "$ROOTFS/boot/efi/cate-wifi.conf.example" "$WORK/boot/"
    ;;
esac
if [ -d "$ROOTFS/var/lib/cate-kiosk" ]; then
  cp -a "$ROOTFS/var/lib/cate-kiosk/." "$WORK/data/"
  find "$ROOTFS/var/lib/cate-kiosk" -mindepth 1 -delete
fi
KIOSK_UID=$(chroot "$ROOTFS" id -u cate-kiosk)
KIOSK_GID=$(chroot "$ROOTFS" id -g cate-kiosk)

# --- one kiosk's store, when asked for ------------------------------------------------------
if [ -n "${CATE_IMAGE_BUNDLE:-}${CATE_IMAGE_ENROL_QR:-}${CATE_IMAGE_PIN_FILE:-}" ]; then
  KIOSK=${CATE_KIOSK:-build/release/kiosk/cate-kiosk}
  [ -x "$KIOSK" ] || die "provisioning needs cate-kiosk built for this machine (CATE_KIOSK=$KIOSK)"
  store=$WORK/data/kiosk.db
  if [ -n "${CATE_IMAGE_BUNDLE:-}" ]; then
    "$KIOSK" --store "$store" import "$CATE_IMAGE_BUNDLE" >&2 || die "cannot import $CATE_IMAGE_BUNDLE"
  fi
  if [ -n "${CATE_IMAGE_ENROL_QR:-}" ]; then
    "$KIOSK" --store "$store" enrol --qr "$CATE_IMAGE_ENROL_QR" >&2 || die "enrolment with $CATE_IMAGE_ENROL_QR failed"
  fi
  if [ -n "${CATE_IMAGE_PIN_FILE:-}" ]; then
    head -n 1 "$CATE_IMAGE_PIN_FILE" | "$KIOSK" --store "$store" set-pin >&2 || die "cannot set the staff PIN"
  fi
  rm -f "$store.lock" "$store-wal" "$store-shm"
  chown -R "$KIOSK_UID:$KIOSK_GID" "$WORK/data"
  chmod 0700 "$WORK/data"
  say "store provisioned: $(ls "$WORK/data" | tr '\n' ' ')"
fi

# --- file systems from folders, then the disk -----------------------------------------------
say "file systems"
root_mb=$(( $(du -sm "$ROOTFS" | cut -f1) * 115 / 100 + ROOT_EXTRA_MB ))
truncate -s "${root_mb}M" "$WORK/images/root.ext4"
mke2fs -q -t ext4 -L CATEROOT -d "$ROOTFS" -E root_owner=0:0 "$WORK/images/root.ext4"
truncate -s "${DATA_MB}M" "$WORK/images/data.ext4"
mke2fs -q -t ext4 -L CATEDATA -d "$WORK/data" -E root_owner="$KIOSK_UID:$KIOSK_GID" "$WORK/images/data.ext4"
rm -f "$WORK/images/boot.vfat"
mkfs.vfat -n CATEBOOT -C "$WORK/images/boot.vfat" $((256 * 1024)) >/dev/null
mcopy -s -i "$WORK/images/boot.vfat" "$WORK/boot/"* ::/

if [ "$ARCH" = arm64 ]; then TABLE=mbr; else TABLE=gpt; fi
IMG=cate-kiosk-bookworm-$ARCH.img
. "$HERE/card-layout.sh"
card_layout "$IMG" "$TABLE" "$WORK/images" "$OUT" || die "genimage could not lay out the card"
say "done in $(( $(date +%s) - start )) s: $OUT/$IMG ($(du -m --apparent-size "$OUT/$IMG" | cut -f1) MB)"
