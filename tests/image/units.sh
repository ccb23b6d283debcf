#!/bin/sh
# Checks a systemd unit of the image the way systemd itself reads it.
#
#   units.sh verify   UNIT_FILE               systemd-analyze verify; any message fails
#   units.sh security UNIT_FILE MAX_EXPOSURE  systemd-analyze security --offline; the exposure
#                                             score must be at most MAX_EXPOSURE
#
# ExecStart names /usr/bin/PROGRAM; a copy of the unit points it at the built program instead
# ($CATE_KIOSK, $CATE_SYNCD, $CATE_ADMIN; helpers under /usr/lib/cate-kiosk: $CATE_WIFI_SETUP,
# $CATE_USB_MOUNT, $CATE_SET_CLOCK), since verify refuses a missing executable.
set -eu

mode=$1
unit=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing: install systemd (image/deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$unit")
sed -e "s|/usr/bin/cate-kiosk|${CATE_KIOSK:?}|g" \
    -e "s|/usr/bin/cate-syncd|${CATE_SYNCD:?}|g" \
    -e "s|/usr/bin/cate-admin|${CATE_ADMIN:?}|g" \
    -e "s|/usr/lib/cate-kiosk/cate-wifi-setup|${CATE_WIFI_SETUP:-/usr/lib/cate-kiosk/cate-wifi-setup}|g" \
    -e "s|/usr/lib/cate-kiosk/cate-grow-data|${CATE_GROW_DATA:-/usr/lib/cate-kiosk/cate-grow-data}|g" \
    -e "s|/usr/lib/cate-kiosk/cate-usb-mount|${CATE_USB_MOUNT:-/usr/lib/cate-kiosk/cate-usb-mount}|g" \
    -e "s|/usr/lib/cate-kiosk/cate-set-clock|${CATE_SET_CLOCK:-/usr/lib/cate-kiosk/cate-set-clock}|g" "$unit" > "$work/$name"
# A path unit starts a service of its own: verify reads it beside the path unit.
case "$name" in
  *.path)
    service=$(sed -n 's/^Unit=//p' "$unit")
    if [ -n "$service" ] && [ -f "$(dirname "$unit")/$service" ]; then
      sed -e "s|/usr/lib/cate-kiosk/cate-set-clock|${CATE_SET_CLOCK:-/usr/lib/cate-kiosk/cate-set-clock}|g" \
        "$(dirname "$unit")/$service" > "$work/$service"
    fi
    ;;
esac
# A template (NAME@.service) is checked as one of its instances, as systemd starts it.
target=$name
case "$name" in *@.service) target=${name%@.service}@sda1.service ;; esac

case "$mode" in
  verify)
    status=0
    systemd-analyze verify "$work/$target" > "$work/out" 2> "$work/err" || status=$?
    cat "$work/out" "$work/err"
    if [ "$status" -ne 0 ] || [ -s "$work/err" ]; then
      echo "FAIL: systemd-analyze verify $target: exit $status, messages above" >&2
      exit 1
    fi
    echo "ok: $target verifies with no message"
    ;;
  security)
    max=$3
    status=0
    systemd-analyze security --offline=yes "$work/$name" > "$work/out" 2>&1 || status=$?
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$work/out")
    if [ -z "$score" ]; then
      cat "$work/out"
      echo "FAIL: no exposure score for $name (exit $status)" >&2
      exit 1
    fi
    grep '^✗' "$work/out" || true
    if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
      echo "ok: $name exposure $score (at most $max)"
    else
      echo "FAIL: $name exposure $score is over $max" >&2
      exit 1
    fi
    ;;
  *) echo "usage: units.sh verify|security UNIT_FILE [MAX_EXPOSURE]" >&2; exit 2 ;;
esac
