#!/bin/sh
# Installs every Debian 12 (bookworm) package the project needs.
#
#   image/deps.sh            build + run + test packages (a developer machine, CI)
#   image/deps.sh run        only what the kiosk needs to run (a device)
#   image/deps.sh device     what the arm64 cross build and the virtual machine boot test need
#                            (image/cross-build-arm64.sh, tests/image/vm_boot.sh, build-image.sh)
#   image/deps.sh list LIST  prints a list (run, build or test) and installs nothing: the arm64
#                            cross build installs the build list's -dev packages as :arm64
#
# Works on Debian 12 and Raspberry Pi OS (bookworm). Uses sudo when not root.
# The same lists feed the device image recipe, so there is one place to add a package.
set -eu

RUN="libsdl2-2.0-0 libimgui-dev libstb0 libsqlite3-0 libqrencode4 libzxing2 libsodium23
     libwebp7 libturbojpeg0 libfmt9 libcurl4 libegl1 libgles2 libgbm1 libegl-mesa0 libgl1-mesa-dri
     fonts-noto-core ca-certificates mount"
BUILD="build-essential g++ cmake ninja-build pkg-config
       libsdl2-dev libimgui-dev libstb-dev libsqlite3-dev libqrencode-dev libzxing-dev
       libsodium-dev libwebp-dev libturbojpeg0-dev libfmt-dev nlohmann-json3-dev
       libcurl4-openssl-dev libcpp-httplib-dev libpq-dev"
TEST="doctest-dev clang sqlite3 jq openssl postgresql-15 xvfb xauth xdotool imagemagick python3 libzbar-dev
      systemd lintian wpasupplicant fdisk genimage e2fsprogs python3-yaml dosfstools mtools"
# The device: mmdebstrap, running arm64 programs (qemu-user, binfmt), the virtual machine,
# file systems made from folders and read back.
DEVICE="mmdebstrap arch-test qemu-user-static binfmt-support qemu-system-arm e2fsprogs fdisk
        dosfstools mtools genimage cpio kmod python3 xz-utils"

case "${1:-all}" in
  list)
    case "${2:-}" in
      run) echo $RUN ;; build) echo $BUILD ;; test) echo $TEST ;; device) echo $DEVICE ;;
      *) echo "usage: image/deps.sh list run|build|test|device" >&2; exit 2 ;;
    esac
    exit 0 ;;
  run) PKGS="$RUN" ;;
  build) PKGS="$RUN $BUILD" ;;
  all) PKGS="$RUN $BUILD $TEST" ;;
  device) PKGS="$DEVICE" ;;
  *) echo "usage: image/deps.sh [all|build|run|device|list LIST]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Skip the network round trip when everything is already there.
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then exit 0; fi

echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
