#!/bin/sh
# image/wifi/cate-wifi-setup: cate-wifi.conf from the boot partition into wpa_supplicant's
# settings. One network, several, odd characters, Windows line ends, no file, bad files.
#
#   wifi.sh SETUP_SCRIPT
set -eu
. "$(dirname "$0")/checks.sh"
setup=$1
need_tools "apt-get install wpasupplicant (image/deps.sh)" wpa_passphrase
scratch work
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# One network, written on Windows (CRLF), with quotes and a space in the name.
printf 'WIFI_COUNTRY=us\r\nWIFI_SSID="Coalition Office"\r\nWIFI_PASSWORD=correct horse\r\n' > "$work/a.conf"
sh "$setup" "$work/a.conf" "$work/out/wlan0.conf" 2>"$work/err" || fail "one network: exit $? ($(cat "$work/err"))"
out=$work/out/wlan0.conf
grep -qx 'country=US' "$out" || fail "country"
grep -qx "  ssid=$(hex 'Coalition Office')" "$out" || fail "ssid as hex"
psk=$(wpa_passphrase 'Coalition Office' 'correct horse' | sed -n 's/^[[:space:]]*psk=\([0-9a-f]\{64\}\)$/\1/p')
grep -qx "  psk=$psk" "$out" || fail "psk"
grep -q 'correct horse' "$out" && fail "the password's text is in the settings"
[ "$(stat -c %a "$out")" = 600 ] || fail "settings readable by others ($(stat -c %a "$out"))"

# Two networks, the second open and hidden; an SSID with a quote and a dollar sign.
cat > "$work/b.conf" <<'CONF'
# comment
WIFI_COUNTRY=MX
WIFI_SSID=Ana's "$HOME"
WIFI_PASSWORD=12345678
WIFI_SSID_2=Conference guests
WIFI_HIDDEN_2=yes
CONF
sh "$setup" "$work/b.conf" "$out" 2>"$work/err" || fail "two networks: exit $? ($(cat "$work/err"))"
[ "$(grep -c '^network={' "$out")" = 2 ] || fail "two networks: $(grep -c '^network={' "$out") blocks"
grep -qx "  ssid=$(hex "Ana's \"\$HOME\"")" "$out" || fail "odd characters in the SSID"
grep -qx '  key_mgmt=NONE' "$out" || fail "open network"
grep -qx '  scan_ssid=1' "$out" || fail "hidden network"

# No file: Wi-Fi off, earlier settings gone, no failure.
sh "$setup" "$work/none.conf" "$out" 2>/dev/null || fail "no file must not fail"
[ ! -e "$out" ] || fail "settings left behind with no file"

# A password too short, or no country: refused, nothing written.
printf 'WIFI_COUNTRY=US\nWIFI_SSID=x\nWIFI_PASSWORD=short\n' > "$work/c.conf"
if sh "$setup" "$work/c.conf" "$out" 2>/dev/null; then fail "a 5-character password was taken"; fi
printf 'WIFI_SSID=x\nWIFI_PASSWORD=12345678\n' > "$work/d.conf"
if sh "$setup" "$work/d.conf" "$out" 2>/dev/null; then fail "no country was taken"; fi
[ ! -e "$out" ] || fail "settings written from a refused file"
# A file that tries to run something is only read.
printf 'WIFI_COUNTRY=US\nWIFI_SSID=$(touch %s/ran)\nWIFI_PASSWORD=`touch %s/ran`x\n' "$work" "$work" > "$work/e.conf"
sh "$setup" "$work/e.conf" "$out" 2>/dev/null || true
[ ! -e "$work/ran" ] || fail "the file's text was run"

finish "cate-wifi-setup"
