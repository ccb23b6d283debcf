#!/bin/sh
# The device's own settings, applied to the root file system at the end of mmdebstrap (its
# customize hook): host name, mounts, read-only root, journal, watchdog, network, boot.
#
#   image-customize.sh ROOT ARCH CMDLINE
#
# CATE_TIMEZONE (default America/Chicago: the coalition is in St. Louis) is the device's time
# zone, a name under /usr/share/zoneinfo (tzdata).
#
# ARCH is arm64 (Raspberry Pi), amd64 (PC), or arm64-vm: the boot test's virtual machine
# (tests/image/vm_boot.sh), whose own small initramfs puts the memory overlay on the root, so
# the root has no line in fstab and there is no Raspberry Pi firmware; or rpios: Raspberry Pi OS
# built by rpi-image-gen (image/rpi-image-gen), whose layers install the firmware and the kernel
# and write the kernel command line.
set -eu
R=${1:?usage: image-customize.sh ROOT ARCH CMDLINE}
ARCH=${2:?}
CMDLINE=${3:?}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -d "$R/etc" ] && [ "$R" != "/" ] || { echo "image-customize.sh: $R is not an image's root" >&2; exit 1; }

echo cate-kiosk > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcate-kiosk\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
# Empty: systemd makes a machine ID at each boot, since the root is read-only.
: > "$R/etc/machine-id"

case "$ARCH" in arm64|arm64-vm|rpios) BOOT=/boot/firmware ;; *) BOOT=/boot/efi ;; esac
mkdir -p "$R$BOOT" "$R/var/lib/cate-kiosk"
{
  echo "# The root is read-only; overlayroot puts a memory overlay on it (kernel command line)."
  echo "# The kiosk's data has a partition of its own, checked at boot. The boot partition is"
  echo "# written only by updates."
  [ "$ARCH" = arm64-vm ] ||
  echo "LABEL=CATEROOT  /                    ext4  ro,noatime                         0 1"
  echo "LABEL=CATEDATA  /var/lib/cate-kiosk  ext4  rw,noatime,nodev,nosuid,noexec     0 2"
  echo "LABEL=CATEBOOT  $BOOT       vfat  ro,nofail,nodev,nosuid,noexec,umask=0077  0 2"
} > "$R/etc/fstab"
# recurse=0: only / gets the overlay; the data partition stays the real, writable disk.
echo 'overlayroot="tmpfs:recurse=0"' > "$R/etc/overlayroot.local.conf"

install -D -m 0644 "$HERE/systemd/journald-cate-kiosk.conf" "$R/etc/systemd/journald.conf.d/cate-kiosk.conf"
install -D -m 0644 "$HERE/systemd/watchdog-cate-kiosk.conf" "$R/etc/systemd/system.conf.d/cate-kiosk-watchdog.conf"

# Wired network by DHCP; time from the network when there is one (systemd-timesyncd).
mkdir -p "$R/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' > "$R/etc/systemd/network/20-wired.network"
install -D -m 0644 "$HERE/systemd/timesyncd-cate-kiosk.conf" "$R/etc/systemd/timesyncd.conf.d/cate-kiosk.conf"
chroot "$R" systemctl enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service >/dev/null 2>&1

# The time with no network (a Raspberry Pi has no battery clock, the root forgets what is
# written to it): timesyncd's saved time (its clock file, saved every minute) kept on the data
# partition, so the clock never starts before the last time the kiosk ran; the same for the time
# set from the staff screen (cate-set-clock.service saves it there at once). And a floor: PID 1
# raises the clock to the time of /usr/lib/clock-epoch at boot, the image's build time.
for unit in systemd-timesyncd cate-set-clock; do
  install -D -m 0644 "$HERE/systemd/timesync-on-data-cate-kiosk.conf" "$R/etc/systemd/system/$unit.service.d/cate-kiosk-data.conf"
done
touch "$R/usr/lib/clock-epoch"
chroot "$R" systemctl is-enabled cate-set-clock.path >/dev/null 2>&1 || chroot "$R" systemctl enable cate-set-clock.path >/dev/null 2>&1
# The time zone.
TIMEZONE=${CATE_TIMEZONE:-America/Chicago}
[ -f "$R/usr/share/zoneinfo/$TIMEZONE" ] || { echo "image-customize.sh: no time zone $TIMEZONE in the image (tzdata)" >&2; exit 1; }
ln -sf "/usr/share/zoneinfo/$TIMEZONE" "$R/etc/localtime"
echo "$TIMEZONE" > "$R/etc/timezone"

# Wi-Fi from cate-wifi.conf on the boot partition: cate-wifi.service writes wpa_supplicant's
# settings under /run at each boot (the root is read-only), wpa_supplicant@wlan0 joins the
# network when they exist, systemd-networkd asks for an address.
install -D -m 0755 "$HERE/wifi/cate-wifi-setup" "$R/usr/lib/cate-kiosk/cate-wifi-setup"
install -D -m 0644 "$HERE/wifi/cate-wifi.service" "$R/etc/systemd/system/cate-wifi.service"
install -D -m 0644 "$HERE/wifi/wpa_supplicant-cate.conf" "$R/etc/systemd/system/wpa_supplicant@.service.d/cate-kiosk.conf"
mkdir -p "$R/etc/wpa_supplicant"
ln -sf /run/cate-wifi/wpa_supplicant-wlan0.conf "$R/etc/wpa_supplicant/wpa_supplicant-wlan0.conf"
printf '[Match]\nName=wl*\n\n[Network]\nDHCP=yes\n\n[DHCPv4]\nRouteMetric=600\n' > "$R/etc/systemd/network/25-wireless.network"
chroot "$R" systemctl enable cate-wifi.service wpa_supplicant@wlan0.service >/dev/null 2>&1
# The system-wide wpa_supplicant (D-Bus, for desktops) is not used.
chroot "$R" systemctl disable wpa_supplicant.service >/dev/null 2>&1 || true
mkdir -p "$R$BOOT"
install -m 0644 "$HERE/wifi/cate-wifi.conf.example" "$R$BOOT/cate-wifi.conf.example"

# The data partition grows to the end of the card at the first boot; at later boots
# cate-grow-data finds nothing to grow and changes nothing.
install -D -m 0755 "$HERE/grow/cate-grow-data" "$R/usr/lib/cate-kiosk/cate-grow-data"
install -D -m 0644 "$HERE/grow/cate-grow-data.service" "$R/etc/systemd/system/cate-grow-data.service"
chroot "$R" systemctl enable cate-grow-data.service >/dev/null 2>&1

chroot "$R" systemctl is-enabled cate-kiosk.service >/dev/null || chroot "$R" systemctl enable cate-kiosk.service

# No password login and no SSH server: the device is run through the kiosk's staff mode. SSH is
# off even if a package pulls a server in: its units are masked.
chroot "$R" passwd --lock root >/dev/null
chroot "$R" systemctl mask ssh.service ssh.socket sshd.service >/dev/null 2>&1
if [ -e "$R/usr/sbin/sshd" ]; then echo "image-customize.sh: an SSH server is installed (masked); it should not be" >&2; fi

if [ "$ARCH" = arm64 ]; then
  # raspi-firmware writes cmdline.txt and config.txt on the boot partition from these files,
  # now and at every kernel update on the device.
  sed -i -e 's/^#\{0,1\}ROOTPART=.*/ROOTPART=LABEL=CATEROOT/' -e 's/^#\{0,1\}CONSOLES=.*/CONSOLES="tty1"/' \
    "$R/etc/default/raspi-firmware"
  echo "$CMDLINE" | sed 's/root=LABEL=CATEROOT //' > "$R/etc/default/raspi-extra-cmdline"
  printf '# The kiosk: no rainbow splash at boot.\ndisable_splash=1\n' > "$R/etc/default/raspi-firmware-custom"
  kernel=$(ls "$R/lib/modules" | sort -V | tail -n 1)
  chroot "$R" env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "$kernel" >/dev/null
  # Whatever the hook made, the kiosk boots with this command line.
  echo "console=tty1 $CMDLINE" > "$R/boot/firmware/cmdline.txt"
  [ -f "$R/boot/firmware/bcm2711-rpi-4-b.dtb" ] || { echo "no bcm2711-rpi-4-b.dtb on the boot partition" >&2; exit 1; }
fi
