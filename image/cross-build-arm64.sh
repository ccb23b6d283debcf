#!/bin/sh
# Builds the arm64 (Raspberry Pi) Debian packages on a Debian 12 machine of another
# architecture, without touching the machine's own packages: a throwaway Debian bookworm
# chroot (mmdebstrap) holds Debian's cross compilers (crossbuild-essential-arm64) and the
# :arm64 -dev packages of image/deps.sh's build list; cmake cross-builds there with
# image/toolchain-arm64.cmake and cpack makes the .debs. Then the packages are checked
# (dpkg-deb) and the arm64 cate-kiosk is run under qemu-user on a scratch store.
#
#   image/cross-build-arm64.sh [OUT_DIR]       (default build/arm64; packages in OUT_DIR/packages)
#
# The chroot is kept in OUT_DIR/chroot and reused while image/deps.sh's list is unchanged
# (rm -rf it to start clean; CATE_CROSS_FRESH=1 does that). Runs as root.
# Needs: mmdebstrap qemu-user-static binfmt-support (for the qemu-user check).
# Environment: CATE_MIRROR (default http://deb.debian.org/debian), CATE_JOBS (default nproc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
OUT=${1:-$SRC/build/arm64}
MIRROR=${CATE_MIRROR:-http://deb.debian.org/debian}
JOBS=${CATE_JOBS:-$(nproc)}

say() { printf '%s cross-build-arm64: %s\n' "$(date +%T)" "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (the chroot)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ROOT=$OUT/chroot
start=$(date +%s)
# Never remove a chroot something is still mounted in (a build killed before its clean-up).
if grep -q " $ROOT/" /proc/mounts; then
  die "something is still mounted under $ROOT: umount it first ($(grep " $ROOT/" /proc/mounts | cut -d' ' -f2 | tr '\n' ' '))"
fi

# --- the chroot: build tools for this machine, libraries and headers for arm64 --------------
host_arch=$(dpkg --print-architecture)
tools="build-essential crossbuild-essential-arm64 cmake ninja-build pkg-config dpkg-dev file
       qemu-user-static"
arm64=""
native=""
for p in $(sh "$HERE/deps.sh" list build); do
  case "$p" in
    build-essential|g++|cmake|ninja-build|pkg-config) ;;     # in $tools, for this machine
    lib*-dev) arm64="$arm64 $p:arm64" ;;
    *) native="$native $p" ;;                                 # architecture-independent headers
  esac
done
want=$(echo "$host_arch $tools $native $arm64" | tr -s ' \n' ' ')
if [ "${CATE_CROSS_FRESH:-0}" = 1 ] || [ ! -f "$ROOT/.cate-packages" ] || [ "$(cat "$ROOT/.cate-packages")" != "$want" ]; then
  say "chroot: Debian bookworm $host_arch with arm64 libraries ($ROOT)"
  rm -rf "$ROOT"
  # shellcheck disable=SC2086
  mmdebstrap --mode=root --variant=apt --architectures="$host_arch,arm64" \
    --include="$(echo $tools $native $arm64 | tr ' ' ',')" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$ROOT" "$MIRROR"
  echo "$want" > "$ROOT/.cate-packages"
  say "chroot ready in $(( $(date +%s) - start )) s"
else
  say "chroot: reusing $ROOT"
fi

# --- the sources, the build, the packages ---------------------------------------------------
# The sources as git has them (tracked and new files, not build folders), into /src. Only files
# whose content changed are replaced (and so get a new time): the build in /build is
# incremental, and a file changed since the last copy is always rebuilt.
rm -rf "$ROOT/src.new"
mkdir -p "$ROOT/src.new" "$ROOT/src"
(cd "$SRC" && { git ls-files -z --cached --others --exclude-standard 2>/dev/null || find . -path ./build -prune -o -type f -print0; } \
  | tar --null -T - -cf -) | tar -xf - -C "$ROOT/src.new"
(cd "$ROOT/src.new" && find . -type f) | while IFS= read -r f; do
  if ! cmp -s "$ROOT/src.new/$f" "$ROOT/src/$f"; then
    mkdir -p "$(dirname "$ROOT/src/$f")"
    cp "$ROOT/src.new/$f" "$ROOT/src/$f"   # a new time: ninja rebuilds what uses it
  fi
done
(cd "$ROOT/src" && find . -type f) | while IFS= read -r f; do
  [ -e "$ROOT/src.new/$f" ] || rm -f "$ROOT/src/$f"
done
rm -rf "$ROOT/src.new"

mounted=""
cleanup() {
  for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
# /proc only (mmdebstrap made the few device nodes a build needs).
mount -t proc proc "$ROOT/proc" && mounted="$ROOT/proc"

build_start=$(date +%s)
say "cmake (cross, RelWithDebInfo) and ninja -j$JOBS"
# The chroot's own environment: nothing of this machine's build settings (a compiler launcher
# such as ccache, flags) leaks into the cross build.
chroot "$ROOT" /usr/bin/env -u CMAKE_C_COMPILER_LAUNCHER -u CMAKE_CXX_COMPILER_LAUNCHER -u CFLAGS -u CXXFLAGS \
  -u LDFLAGS /bin/sh -eu -c "
  cd /src
  mkdir -p /build
  cmake -S /src -B /build -G Ninja -DCMAKE_TOOLCHAIN_FILE=/src/image/toolchain-arm64.cmake \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCATE_TESTS=OFF -DCATE_BENCH=OFF >/build/configure.log 2>&1 \
    || { cat /build/configure.log; exit 1; }
  ninja -C /build -j $JOBS cate-kiosk cate-admin \$(ninja -C /build -t targets all | grep -q '^cate-syncd:' && echo cate-syncd)
  cd /build && cpack -G DEB >/build/cpack.log 2>&1 || { cat /build/cpack.log; exit 1; }
"
say "built in $(( $(date +%s) - build_start )) s"
rm -rf "$OUT/packages"
mkdir -p "$OUT/packages"
cp "$ROOT"/build/packages/*.deb "$OUT/packages/"

# --- checks -----------------------------------------------------------------------------------
failed=0
for deb in "$OUT"/packages/*.deb; do
  say "$(basename "$deb"): $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) $(dpkg-deb -f "$deb" Architecture)"
  [ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || { say "FAIL: $deb is not arm64"; failed=1; }
done
kiosk_deb=$(ls "$OUT"/packages/cate-kiosk_*_arm64.deb 2>/dev/null | head -n 1)
[ -n "$kiosk_deb" ] || die "FAIL: no cate-kiosk_*_arm64.deb"
dpkg-deb -I "$kiosk_deb" >&2
dpkg-deb -f "$kiosk_deb" Depends | grep -q 'libc6 (>=' || { say "FAIL: no libc6 version from dpkg-shlibdeps"; failed=1; }
file "$ROOT/build/kiosk/cate-kiosk" | grep -q 'ARM aarch64' || { say "FAIL: cate-kiosk is not an arm64 program"; failed=1; }

# The arm64 program itself, under qemu-user, in the chroot (it holds the arm64 libraries):
# --help, then a headless command on a scratch store.
if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; update-binfmts --enable qemu-aarch64 2>/dev/null; [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; }; then
  chroot "$ROOT" /build/kiosk/cate-kiosk --help > "$OUT/help.txt" 2>&1 || true
  grep -q 'status' "$OUT/help.txt" || { cat "$OUT/help.txt" >&2; say "FAIL: cate-kiosk --help under qemu-user"; failed=1; }
  rm -f "$ROOT/tmp/cate-status.db"*
  if chroot "$ROOT" /build/kiosk/cate-kiosk --store /tmp/cate-status.db status > "$OUT/status.json" 2>&1; then
    say "under qemu-user: cate-kiosk status -> $(head -c 200 "$OUT/status.json")"
  else
    cat "$OUT/status.json" >&2; say "FAIL: cate-kiosk status under qemu-user"; failed=1
  fi
  rm -f "$ROOT/tmp/cate-status.db"*
else
  say "FAIL: qemu-user for arm64 is not set up: apt-get install qemu-user-static binfmt-support"
  failed=1
fi

[ "$failed" -eq 0 ] || die "checks failed"
say "done in $(( $(date +%s) - start )) s: $(ls "$OUT"/packages/*.deb | tr '\n' ' ')"
