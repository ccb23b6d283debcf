#!/bin/sh
# Builds the Debian packages from a build folder with cpack, into a folder of its own, and
# checks them: names, architecture, dependencies, files, maintainer scripts, and lintian
# (any error fails; warnings are printed).
#
#   packages.sh BUILD_DIR
set -eu

. "$(dirname "$0")/checks.sh"
build=$1
need_tools "image/deps.sh installs it" cpack dpkg-deb lintian
scratch work

cpack --config "$build/CPackConfig.cmake" -B "$work" > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; echo "FAIL: cpack" >&2; exit 1; }
arch=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$arch" ] || { echo "FAIL: no architecture in CPackConfig.cmake" >&2; exit 1; }

# check PACKAGE "DEPENDS..." "FILES..." "SCRIPT:PATTERN..."
check() {
  pkg=$1 deps=$2 files=$3 scripts=$4
  set -- "$work"/"${pkg}"_*_"${arch}".deb
  deb=$1
  if [ ! -f "$deb" ]; then fail "no ${pkg}_*_${arch}.deb (made: $(ls "$work"))"; return; fi
  echo "== $(basename "$deb") ($(wc -c < "$deb") bytes)"
  [ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || fail "$pkg: Package field"
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "$pkg: Architecture is not $arch"
  depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//')
  for d in $deps; do
    echo "$depends" | grep -qx "$d" || fail "$pkg: does not depend on $d"
  done
  dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' > "$work/$pkg.files"
  for f in $files; do
    grep -qx "$f" "$work/$pkg.files" || fail "$pkg: has no $f"
  done
  dpkg-deb -e "$deb" "$work/$pkg.control"
  for s in $scripts; do
    script=${s%%:*} pattern=$(echo "${s#*:}" | tr '+' ' ')
    [ -x "$work/$pkg.control/$script" ] || { fail "$pkg: no executable $script"; continue; }
    grep -q -- "$pattern" "$work/$pkg.control/$script" || fail "$pkg: $script does not do \"$pattern\""
  done
  # Settings under /etc are conffiles, so an upgrade keeps what the office changed.
  for f in $(grep '^/etc/.*[^/]$' "$work/$pkg.files"); do
    grep -qx "$f" "$work/$pkg.control/conffiles" 2>/dev/null || fail "$pkg: $f is not a conffile"
  done
  sh -n "$work/$pkg.control/postinst" || fail "$pkg: postinst has a syntax error"
}

check cate-kiosk \
  "adduser libsdl2-2.0-0 libstb0 libsqlite3-0 libqrencode4 libzxing2 libsodium23 libwebp7
   libturbojpeg0 libfmt9 libcurl4 libegl1 libgles2 libgbm1 libgl1-mesa-dri fonts-noto-core mount libc6" \
  "/usr/bin/cate-kiosk /lib/systemd/system/cate-kiosk.service /lib/udev/rules.d/70-cate-kiosk.rules
   /lib/systemd/system/cate-usb@.service /lib/udev/rules.d/71-cate-usb.rules /usr/lib/tmpfiles.d/cate-kiosk.conf
   /usr/lib/cate-kiosk/cate-usb-mount /usr/lib/cate-kiosk/cate-usb-update /usr/lib/cate-kiosk/cate-set-clock
   /lib/systemd/system/cate-set-clock.path /lib/systemd/system/cate-set-clock.service
   /etc/cate-kiosk/kiosk.env /usr/share/doc/cate-kiosk/copyright /usr/share/doc/cate-kiosk/changelog.Debian.gz" \
  "postinst:adduser+--quiet+--system postinst:video+render+input+dialout postinst:deb-systemd-helper+enable
   postinst:cate-set-clock.path prerm:deb-systemd-invoke+stop postrm:deb-systemd-helper+purge"

check cate-server \
  "adduser libsqlite3-0 libsodium23 libfmt9 libpq5 libqrencode4 libstb0 libwebp7 libc6" \
  "/usr/bin/cate-syncd /usr/bin/cate-admin /lib/systemd/system/cate-syncd.service
   /etc/cate-server/syncd.env /usr/share/doc/cate-server/copyright /usr/share/doc/cate-server/changelog.Debian.gz" \
  "postinst:adduser+--quiet+--system postinst:deb-systemd-helper+enable prerm:deb-systemd-invoke+stop
   postrm:deb-systemd-helper+purge"

echo "== lintian"
# Warnings are shown; an error (E:), or lintian failing to run, fails the test.
status=0
lintian --fail-on error --tag-display-limit 0 "$work"/*.deb > "$work/lintian.log" 2>&1 || status=$?
grep -v 'running with root privileges' "$work/lintian.log" || true
if [ "$status" -ne 0 ] || grep -q '^E: ' "$work/lintian.log"; then fail "lintian: exit $status"; fi

finish "both packages for $arch"
