#!/bin/sh
# The Raspberry Pi 4 card image that image/build-image.sh arm64 makes, checked as it would be
# written to the card (no mount, no loop device): the partition table, the boot partition as
# the Pi's firmware reads it, the root and data file systems.
#
#   tests/image/pi_card.sh IMAGE.img
#
# Checks: MBR with CATEBOOT (FAT, bootable), CATEROOT and CATEDATA (ext4) in that order, data
# last (it grows to the end of the card); on the boot partition the Pi 4's firmware
# (start4.elf, fixup4.dat), the bcm2711 device trees, config.txt (64-bit, no splash) and the
# kernel and initramfs it names, and cmdline.txt naming the root by label, read-only under
# overlayroot, on tty1, with no console blanking; on the root the kiosk's program and service
# (enabled), the grow and Wi-Fi services (enabled), the fstab, overlayroot's initramfs script,
# the hardware watchdog and small journal settings, SSH masked, no SSH server, root locked; the
# time: timesyncd's saved time on the data partition (its drop-in), the clock's floor
# (/usr/lib/clock-epoch), the staff screen's clock requests (cate-set-clock.path, enabled), the
# time zone America/Chicago with tzdata; the data partition owned by the kiosk's user.
# Needs: sfdisk (fdisk), mtools, e2fsprogs (debugfs), util-linux (blkid).
set -eu
. "$(dirname "$0")/checks.sh"
img=${1:?usage: pi_card.sh IMAGE.img}
need_tools "image/deps.sh device installs them" sfdisk mcopy mdir debugfs blkid jq
scratch work
[ -s "$img" ] || { echo "no image at $img: run image/build-image.sh arm64 first" >&2; exit 1; }

table=$(sfdisk --json "$img")
[ "$(echo "$table" | jq -r .partitiontable.label)" = dos ] || fail "the partition table is not MBR (the Pi 4's firmware reads MBR)"
[ "$(echo "$table" | jq '.partitiontable.partitions | length')" -eq 3 ] || fail "not three partitions"
# part N FILE: partition N's bytes copied out to FILE.
part() {
  start=$(echo "$table" | jq ".partitiontable.partitions[$(($1 - 1))].start")
  size=$(echo "$table" | jq ".partitiontable.partitions[$(($1 - 1))].size")
  dd if="$img" of="$2" bs=512 skip="$start" count="$size" status=none
}
part 1 "$work/boot.vfat"
part 2 "$work/root.ext4"
part 3 "$work/data.ext4"
[ "$(echo "$table" | jq -r '.partitiontable.partitions[0].type')" = c ] || fail "partition 1 is not FAT32 (LBA)"
[ "$(echo "$table" | jq -r '.partitiontable.partitions[0].bootable // false')" = true ] || fail "partition 1 is not bootable"
for n in 1:CATEBOOT:vfat 2:CATEROOT:ext4 3:CATEDATA:ext4; do
  file=$work/$(echo boot.vfat root.ext4 data.ext4 | cut -d' ' -f"${n%%:*}")
  want_label=$(echo "$n" | cut -d: -f2)
  want_type=$(echo "$n" | cut -d: -f3)
  label=$(blkid -o value -s LABEL "$file" || true)
  type=$(blkid -o value -s TYPE "$file" || true)
  [ "$label" = "$want_label" ] && [ "$type" = "$want_type" ] ||
    fail "partition ${n%%:*} is '$type' labelled '$label', not $want_type labelled $want_label"
done
echo "partitions: $(echo "$table" | jq -c '[.partitiontable.partitions[] | {start, size, type}]')"

# --- the boot partition, as the firmware reads it ------------------------------------------
mdir -i "$work/boot.vfat" -b ::/ > "$work/boot.list" 2>&1 || fail "the boot partition cannot be read as FAT"
for f in start4.elf fixup4.dat bcm2711-rpi-4-b.dtb config.txt cmdline.txt cate-wifi.conf.example; do
  grep -q "^::/$f\$" "$work/boot.list" || fail "no $f on the boot partition"
done
mcopy -n -i "$work/boot.vfat" ::/cmdline.txt "$work/cmdline.txt" 2>/dev/null || : > "$work/cmdline.txt"
cmdline=$(cat "$work/cmdline.txt")
for w in root=LABEL=CATEROOT ro overlayroot=tmpfs:recurse=0 console=tty1 consoleblank=0 rootwait; do
  case " $cmdline " in *" $w "*) ;; *) fail "cmdline.txt lacks $w: $cmdline" ;; esac
done
[ "$(wc -l < "$work/cmdline.txt")" -le 1 ] || fail "cmdline.txt is more than one line"
mcopy -n -i "$work/boot.vfat" ::/config.txt "$work/config.txt" 2>/dev/null || : > "$work/config.txt"
grep -q '^arm_64bit=1' "$work/config.txt" || fail "config.txt does not start the Pi in 64-bit mode"
grep -q '^disable_splash=1' "$work/config.txt" || fail "config.txt keeps the rainbow splash"
# The kernel and the initramfs config.txt names (raspi-firmware keeps their versions in the names).
kernel=$(sed -n 's/^kernel=//p' "$work/config.txt" | tail -n 1)
initrd=$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' "$work/config.txt" | tail -n 1)
[ -n "$kernel" ] && [ -n "$initrd" ] || fail "config.txt names no kernel or no initramfs"
size_kb() { mcopy -n -i "$work/boot.vfat" "::/$1" "$work/$1" 2>/dev/null && echo $(( $(stat -c %s "$work/$1") / 1024 )) || echo 0; }
kernel_kb=$(size_kb "$kernel")
initrd_kb=$(size_kb "$initrd")
[ "$kernel_kb" -gt 1024 ] || fail "the kernel config.txt names ($kernel) is not on the boot partition"
[ "$initrd_kb" -gt 1024 ] || fail "the initramfs config.txt names ($initrd) is not on the boot partition"
echo "boot partition: $(grep -c . "$work/boot.list") files, $kernel $kernel_kb KB, $initrd $initrd_kb KB"

# --- the root file system ----------------------------------------------------------------------
dbg() { debugfs -R "$1" "$work/root.ext4" 2>/dev/null; }
exists() { debugfs -R "stat $1" "$work/root.ext4" 2>&1 | grep -q "^Inode:"; }
for f in /usr/bin/cate-kiosk /lib/systemd/system/cate-kiosk.service /usr/lib/cate-kiosk/cate-grow-data \
         /usr/lib/cate-kiosk/cate-wifi-setup /usr/lib/cate-kiosk/cate-usb-mount /usr/lib/cate-kiosk/cate-usb-update \
         /usr/share/initramfs-tools/scripts/init-bottom/overlayroot \
         /etc/systemd/system/multi-user.target.wants/cate-kiosk.service \
         /etc/systemd/system/multi-user.target.wants/cate-grow-data.service \
         /etc/systemd/system.conf.d/cate-kiosk-watchdog.conf /etc/systemd/journald.conf.d/cate-kiosk.conf \
         /etc/systemd/system/systemd-timesyncd.service.d/cate-kiosk-data.conf /usr/lib/clock-epoch \
         /usr/lib/cate-kiosk/cate-set-clock /lib/systemd/system/cate-set-clock.service \
         /etc/systemd/system/paths.target.wants/cate-set-clock.path /usr/share/zoneinfo/America/Chicago; do
  exists "$f" || fail "no $f on the root"
done
dbg "stat /etc/localtime" | grep -q 'Fast link dest: "/usr/share/zoneinfo/America/Chicago"' || fail "the time zone is not America/Chicago"
dbg "cat /etc/systemd/system/systemd-timesyncd.service.d/cate-kiosk-data.conf" | grep -q '^BindPaths=.*/var/lib/cate-kiosk/system-clock:/var/lib/systemd/timesync' ||
  fail "timesyncd's saved time is not bound from the data partition"
exists /usr/sbin/sshd && fail "an SSH server is on the root"
dbg "stat /etc/systemd/system/ssh.service" | grep -q "Type: symlink" || fail "ssh.service is not masked"
dbg "cat /etc/fstab" > "$work/fstab"
grep -q '^LABEL=CATEROOT[[:space:]]\+/[[:space:]]\+ext4[[:space:]]\+ro' "$work/fstab" || fail "fstab does not mount the root read-only"
grep -q '^LABEL=CATEDATA[[:space:]]\+/var/lib/cate-kiosk[[:space:]]' "$work/fstab" || fail "fstab does not mount the data partition"
dbg "cat /etc/overlayroot.local.conf" | grep -q 'tmpfs:recurse=0' || fail "overlayroot is not set to a memory overlay"
dbg "cat /etc/shadow" | grep -q '^root:!' || fail "root's password is not locked"
dbg "cat /etc/systemd/system.conf.d/cate-kiosk-watchdog.conf" | grep -q '^RuntimeWatchdogSec=' || fail "the hardware watchdog is not armed"
kiosk_uid=$(dbg "cat /etc/passwd" | awk -F: '$1 == "cate-kiosk" { print $3 }')
[ -n "$kiosk_uid" ] || fail "no cate-kiosk user"

# --- the data partition ------------------------------------------------------------------------
data_uid=$(debugfs -R "stat /" "$work/data.ext4" 2>/dev/null | sed -n 's/.*User: *\([0-9]*\).*/\1/p' | head -n 1)
[ "$data_uid" = "$kiosk_uid" ] || fail "the data partition's top folder belongs to uid $data_uid, not cate-kiosk ($kiosk_uid)"

finish "the Raspberry Pi card image $(basename "$img") ($(du -m --apparent-size "$img" | cut -f1) MB)"
