#!/bin/bash
# HTTPS with the real programs on loopback: a throwaway office CA made by openssl,
# `cate-syncd --tls-cert --tls-key`, `cate-admin device add --url https://...`,
# `cate-kiosk enrol CODE --ca FILE`, a sync that uploads a check-in over TLS; a kiosk that does not
# trust the office's CA refused in words; plain http to another machine refused by the kiosk, and a
# public address without TLS refused by cate-syncd.
#
#   kiosk_tls_cli.sh CATE_ADMIN CATE_KIOSK CATE_SYNCD
set -euo pipefail
admin=$(realpath "$1") kiosk=$(realpath "$2") syncd=$(realpath "$3")

work=$(mktemp -d "${TMPDIR:-/tmp}/cate-kiosk-tls.XXXXXX")
syncd_pid=""
cleanup() {
  if [[ -n "$syncd_pid" ]]; then kill "$syncd_pid" 2>/dev/null || true; wait "$syncd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { jq -r ".$1" <<<"$2"; }

# The office's own CA and the server's certificate for 127.0.0.1.
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext.cnf
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Office test CA" \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout server.key -out server.csr 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf \
  -out server.pem 2>/dev/null

"$admin" --db office.db init >/dev/null 2>&1
meeting=$("$admin" --db office.db meeting add --name "Member meeting" --starts "$(date +%F) 00:00" --ends "$(date +%F) 23:59" 2>/dev/null)
rsvp=$("$admin" --db office.db rsvp add --meeting "$meeting" --first Ana --last García 2>/dev/null)
code=$("$admin" --db office.db ticket --rsvp "$rsvp" --format text 2>/dev/null)

# A public address without TLS is refused before anything listens.
set +e
"$syncd" --db office.db --listen 0.0.0.0 --port 0 2>refused.log; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "needs TLS" refused.log || fail "cate-syncd on 0.0.0.0 without TLS (exit $rc): $(cat refused.log)"

"$syncd" --db office.db --port 0 --tls-cert server.pem --tls-key server.key 2>syncd.log &
syncd_pid=$!
port=""
for _ in $(seq 100); do
  port=$(jq -r 'select(.event == "listening") | .port' syncd.log 2>/dev/null | head -1)
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || fail "cate-syncd did not start: $(cat syncd.log)"
[[ $(jq -r 'select(.event == "listening") | .tls' syncd.log | head -1) == true ]] || fail "not serving TLS: $(cat syncd.log)"

"$admin" --db office.db device add "Front door" --url "https://127.0.0.1:$port" --text >front.txt 2>/dev/null
"$admin" --db office.db device add "Booth" --url "https://127.0.0.1:$port" --text >booth.txt 2>/dev/null

# Without the office's CA the kiosk does not trust the server, and says so.
set +e
out=$("$kiosk" --store booth.db enrol "$(tail -1 booth.txt)" 2>/dev/null); rc=$?
set -e
[[ $rc == 1 && $(field error "$out") == *"certificate is not trusted"* ]] || fail "enrol without the CA (exit $rc): $out"

out=$("$kiosk" --store kiosk.db enrol "$(tail -1 front.txt)" --ca ca.pem) || fail "enrol --ca: $out"
[[ $(field enrolled "$out") == true && $(field server "$out") == "https://127.0.0.1:$port" ]] || fail "enrol --ca: $out"
out=$("$kiosk" --store kiosk.db sync) || fail "first sync over TLS: $out"
[[ $(field pulled "$out") == true ]] || fail "first sync over TLS: $out"
"$kiosk" --store kiosk.db meeting "$meeting" >/dev/null
out=$("$kiosk" --store kiosk.db checkin "$code")
[[ $(field outcome "$out") == checked_in ]] || fail "check-in: $out"
out=$("$kiosk" --store kiosk.db sync) || fail "sync over TLS: $out"
[[ $(field stored "$out") == 1 && $(field outbox "$out") == 0 ]] || fail "sync over TLS: $out"

# Plain http to another machine: refused by the kiosk, nothing sent.
set +e
out=$("$kiosk" --store plain.db enrol --server "http://192.0.2.10:8443" --token not-sent 2>&1); rc=$?
set -e
[[ $rc == 1 && "$out" == *"plain http to another machine"* ]] || fail "plain http enrol (exit $rc): $out"
echo "kiosk TLS CLI: all checks passed"
