#!/bin/bash
# Walk-in and sign-up forms in a real window under Xvfb, driven by real X input (xdotool),
# checked by the text the app drew (CATE_UI_TEXT_LOG) and by the records in its SQLite file.
#
#   walk-in from "I don't have my code": on-screen keys and the physical keyboard, consent ticked
#   Ally Network: an empty name and a bad e-mail are refused by name, the text kept, then fixed;
#     consent unticked is refused at Send; interests and preferred language chosen
#   Community Network in Spanish: a required organisation and "e-mail or phone" refused, fixed
#   idle mid-form: back to Welcome, nothing typed is drawn again, every buffer empty
#   kiosk mode: staff pick booth sign-up (Welcome offers only the forms), check-in (no forms), both
#   no key to seal to: no forms offered, staff told why
#   on disk: 'form' outbox records whose payloads hold no typed text in clear, which open with the
#     demo server's secret key (cate-admin open-forms) to exactly what was typed and chosen
#
# Needs: $CATE_KIOSK, $CATE_ADMIN, Xvfb, xdotool, import (imagemagick), sqlite3 (JSON functions), jq.
# Screenshots (forms-*, form-*) go to $CATE_UI_SCREENSHOTS (default ./screenshots).
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in Xvfb xdotool import sqlite3 jq; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (image/deps.sh installs it)"
done
[ -x "${CATE_KIOSK:-}" ] || fail "CATE_KIOSK must name the cate-kiosk binary"
[ -x "${CATE_ADMIN:-}" ] || fail "CATE_ADMIN must name the cate-admin binary"

SHOTS=${CATE_UI_SCREENSHOTS:-$PWD/screenshots}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/form-*.png "$SHOTS"/forms-*.png "$SHOTS"/forms-text.log "$SHOTS"/forms-app.err
WORK=$(mktemp -d)
LOG=$WORK/text.log
XVFB_PID="" APP_PID=""
cleanup() {
  local rc=$?
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$rc" != 0 ]; then  # keep what shows why
    cp "$LOG" "$SHOTS/forms-text.log" 2>/dev/null || true
    cp "$WORK/app.err" "$SHOTS/forms-app.err" 2>/dev/null || true
    echo "the text log and the app's messages are in $SHOTS (forms-*)" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=ui_lib.sh
. "$(dirname "$0")/ui_lib.sh"
ui_start_xvfb

IDLE=8
CATE_DATA_DIR=$WORK CATE_UI_TEXT_LOG=$LOG "$CATE_KIOSK" --demo --idle-seconds $IDLE \
  --welcome-seconds 3 --refusal-seconds 60 >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
DB=$WORK/demo/demo.db
SERVER_KEY=$WORK/demo/tickets/demo-server.key

typed() { xdotool type --delay 40 -- "$1"; }
question() { wait_for "Question $1 of"; }
sql() { sqlite3 "$DB" "$1"; }

wait_for "screen=welcome" 30
wait_for "Join the Community Network" 5
shot forms-welcome-en

echo "== walk-in: from \"I don't have my code\", on-screen keys and the physical keyboard"
touch_button "I don't have my code"
wait_for "screen=find_rsvp"
wait_for "Register as a walk-in"
shot forms-find-walk-in-en
touch_button "Register as a walk-in"
wait_for "screen=form"
wait_for "Register as a walk-in"
question 1
# Shift is on for the first letter of a name: the keys show capitals, then small letters.
touch_keys M
wait_for "M|"
touch_keys a r i s o l
wait_for "Marisol|"
shot form-walk_in-en
touch_button "Next"
question 2
typed "Quintanilla"
wait_for "Quintanilla|"
xdotool key Return
question 3
touch_button "Next"  # e-mail: optional
question 4
touch_button "Next"  # phone: optional
question 5
wait_for "CATE may contact me about future meetings"
touch_button "Yes"
wait_for "Yes ] [x]"
shot form-consent-en
touch_button "Send"
wait_for "screen=form_thanks" 10
wait_for "You are signed in as a walk-in."
shot form-thanks-en
wait_for "screen=welcome lang=en typed=0" 8

echo "== Ally Network: refusals name the field and keep the text; then fixed"
touch_button "Join the Ally Network"
wait_for "screen=form"
question 1
touch_button "Next"
wait_for "First name is needed."
shot form-problem-en
typed "Ren"   # xdotool types ASCII reliably; the accents come from the on-screen keys
touch_keys é
typed "e"
wait_for "Renée|"
last_frame | grep -qF "First name is needed." && fail "the problem stayed after the field was typed in"
touch_button "Next"
question 2
typed "Okafor-Lee"
touch_button "En español"  # the form in Spanish, the answers kept
wait_for "screen=form lang=es"
wait_for "Pregunta 2 de 9"
wait_for "Okafor-Lee|"
touch_button "In English"
wait_for "screen=form lang=en"
touch_button "Next"
question 3
typed "zoe at example"
touch_button "Next"
wait_for "E-mail does not look like an e-mail address"
last_frame | grep -qF "zoe at example|" || fail "the e-mail as typed was not kept"
shot form-bad-email-en
xdotool key Escape
wait_for "Question 3 of"
typed "zoe@example.org"
wait_for "zoe@example.org|"
touch_button "Next"
question 4
touch_button "Next"  # phone: the e-mail is enough
question 5
typed "Hope House"
touch_button "Next"
question 6
typed "St. Louis County"
touch_button "Next"
question 7
wait_for "What interests you?"
touch_keys Training Events
shot form-choices-en
touch_button "Next"
question 8
wait_for "Preferred language"
touch_button "Español"
touch_button "Next"
question 9
touch_button "Send"
wait_for "Please tick “CATE may contact me about the Ally Network” to go on."
shot form-consent-refused-en
touch_button "Yes"
wait_for "Yes ] [x]"
touch_button "Send"
wait_for "Thank you for joining the Ally Network!" 10
wait_for "screen=welcome lang=en typed=0" 8

echo "== Community Network in Spanish: organisation required, e-mail or phone"
touch_button "Español"
wait_for "Unirme a la Red Comunitaria"
shot forms-welcome-es
touch_button "Unirme a la Red Comunitaria"
wait_for "screen=form lang=es"
wait_for "Pregunta 1 de 9"
typed "Luc"
touch_keys í
typed "a"
wait_for "Lucía|"
touch_button "Siguiente"
wait_for "Pregunta 2 de 9"
typed "Ram"
touch_keys í
typed "rez"
wait_for "Ramírez|"
shot form-community-es
touch_button "Siguiente"
wait_for "Pregunta 3 de 9"
touch_button "Siguiente"  # no e-mail
wait_for "Pregunta 4 de 9"
touch_button "Siguiente"  # and no phone: refused
wait_for "Indique Correo electrónico o Teléfono: al menos uno."
shot form-problem-es
touch_keys 3 1 4 Espacio 5 5 5 Espacio 0 1 0 0
wait_for "314 555 0100|"
touch_button "Siguiente"
wait_for "Pregunta 5 de 9"
touch_button "Siguiente"
wait_for "Falta: Organización."
typed "Centro Latino"
touch_button "Siguiente"
wait_for "Pregunta 6 de 9"
typed "Jackson County"
touch_button "Siguiente"
wait_for "Pregunta 7 de 9"
touch_button "Referencias"
shot form-choices-es
touch_button "Siguiente"
wait_for "Pregunta 8 de 9"
touch_button "Siguiente"  # Español was chosen for her: the language she reads in
wait_for "Pregunta 9 de 9"
wait_for "CATE puede contactarme sobre la Red Comunitaria"
shot form-consent-es
touch_button "Sí"
wait_for "Sí ] [x]"
touch_button "Enviar"
wait_for "screen=form_thanks lang=es" 10
wait_for "¡Gracias por unirse a la Red Comunitaria!"
shot form-thanks-es
touch_button "Listo"
wait_for "screen=welcome lang=es"
touch_button "English"
wait_for "screen=welcome lang=en"

echo "== idle mid-form: back to Welcome, the typed text gone from the screen and the buffers"
touch_button "Join the Ally Network"
wait_for "screen=form"
typed "Secretname"
wait_for "Secretname|"
wait_for "typed=10"
mark=$(wc -l <"$LOG")
wait_for "screen=welcome lang=en typed=0" $((IDLE + 4))
tail -n +"$((mark + 1))" "$LOG" | awk '/^=== frame .*screen=welcome/{w=1} w' | grep -F "Secretname" \
  && fail "a frame after the idle reset still drew what was typed"
touch_button "Join the Ally Network"  # a fresh form: nothing of the last person's
wait_for "screen=form lang=en typed=0"
last_frame | grep -qF "Secretname" && fail "the next form showed the last person's text"
touch_button "Cancel"
wait_for "screen=welcome lang=en typed=0"

echo "== kiosk mode: staff choose booth sign-up, meeting check-in, both"
touch_button "Staff"
wait_for "screen=staff_pin"
touch_keys 2 4 6 8 OK
wait_for "screen=staff_home" 10
wait_for "Walk-ins: 1  ·  sign-ups: 2" 5
touch_button "Forms and kiosk mode"
wait_for "screen=staff_forms"
wait_for "Forms are sealed to the server's key"
wait_for "Walk-ins: 1  ·  sign-ups: 2" 5
shot forms-staff-en
touch_button "Booth sign-up"
for _ in $(seq 50); do [ "$(sql "SELECT value FROM setting WHERE key='kiosk_mode'")" = sign_up ] && break; sleep 0.1; done
[ "$(sql "SELECT value FROM setting WHERE key='kiosk_mode'")" = sign_up ] || fail "the kiosk mode was not kept"
touch_button "Back"
wait_for "screen=staff_home"
touch_button "Leave staff mode"
wait_for "screen=welcome"
wait_for "Sign up with CATE"
has_button "I don't have my code" && fail "booth sign-up still offers check-in"
has_button "Join the Ally Network" || fail "booth sign-up does not offer the Ally Network"
shot forms-welcome-signup-en
touch_button "Español"
wait_for "Inscríbase con CATE"
shot forms-welcome-signup-es
touch_button "English"
wait_for "screen=welcome lang=en"
touch_button "Staff"
touch_keys 2 4 6 8 OK
wait_for "screen=staff_home" 10
touch_button "Forms and kiosk mode"
wait_for "screen=staff_forms"
touch_button "Meeting check-in"
for _ in $(seq 50); do [ "$(sql "SELECT value FROM setting WHERE key='kiosk_mode'")" = check_in ] && break; sleep 0.1; done
touch_button "Back"
wait_for "screen=staff_home"
touch_button "Leave staff mode"
wait_for "screen=welcome"
wait_for "I don't have my code"
has_button "Join the Ally Network" && fail "meeting check-in still offers the sign-up forms"
touch_button "I don't have my code"
wait_for "screen=find_rsvp"
has_button "Register as a walk-in" || fail "meeting check-in does not offer the walk-in"
touch_button "Back"
wait_for "screen=welcome"
touch_button "Español"  # staff screens in Spanish
touch_button "Personal"
touch_keys 2 4 6 8 Aceptar
wait_for "screen=staff_home lang=es" 10
touch_button "Formularios y modo del quiosco"
wait_for "screen=staff_forms lang=es"
wait_for "Sin RSVP: 1  ·  inscripciones: 2"
shot forms-staff-es
touch_button "Ambos"
for _ in $(seq 50); do [ "$(sql "SELECT value FROM setting WHERE key='kiosk_mode'")" = both ] && break; sleep 0.1; done
touch_button "Volver"
wait_for "screen=staff_home lang=es"
touch_button "Salir del modo del personal"
wait_for "Unirme a la Red Comunitaria"
touch_button "No tengo mi código"
wait_for "Registrarme sin RSVP"
shot forms-find-walk-in-es
touch_button "Registrarme sin RSVP"
wait_for "screen=form lang=es"
wait_for "Díganos su nombre"
shot form-walk_in-es
touch_button "Cancelar"
wait_for "screen=welcome lang=es typed=0"
touch_button "English"
wait_for "Join the Community Network"

echo "== no key to seal to: no forms, and staff told why"
sql "UPDATE setting SET value = '' WHERE key = 'seal_key'"
touch_button "I don't have my code"
wait_for "screen=find_rsvp"
touch_button "Back"
wait_for "screen=welcome"
sleep 0.5
has_button "Join the Ally Network" && fail "forms offered with no key to seal them to"
touch_button "I don't have my code"
wait_for "screen=find_rsvp"
has_button "Register as a walk-in" && fail "the walk-in offered with no key to seal it to"
touch_button "Back"
touch_button "Staff"
touch_keys 2 4 6 8 OK
wait_for "screen=staff_home" 10
touch_button "Forms and kiosk mode"
wait_for "screen=staff_forms"
wait_for "Forms are off: this kiosk has no server key."
shot forms-staff-no-key-en
touch_button "Back"
wait_for "screen=staff_home"
touch_button "Leave staff mode"
wait_for "screen=welcome"

echo "== the kiosk closes cleanly"
kill -TERM "$APP_PID"
for _ in $(seq 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
rc=0; wait "$APP_PID" || rc=$?
APP_PID=""
[ "$rc" = 0 ] || fail "cate-kiosk exited with $rc: $(cat "$WORK/app.err")"

echo "== on disk: sealed form records, nothing typed in clear, opened by the server's key only"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'form'")" = 3 ] || fail "not 3 form records in the outbox"
[ "$(sql "SELECT group_concat(form, ' ') FROM (SELECT form FROM form_entry ORDER BY at_ms)")" = \
  "walk_in ally_network community_network" ] || fail "form_entry rows: $(sql 'SELECT * FROM form_entry')"
active=$(sql "SELECT value FROM setting WHERE key = 'active_meeting'")
[ "$(sql "SELECT json_extract(payload, '\$.meeting') FROM outbox WHERE kind = 'form' AND
          json_extract(payload, '\$.form') = 'walk_in'")" = "$active" ] || fail "the walk-in is not tied to the meeting"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'form' AND json_extract(payload, '\$.meeting') IS NOT NULL")" = 1 ] \
  || fail "a sign-up was tied to a meeting"
sql "SELECT payload FROM outbox WHERE kind = 'form' ORDER BY seq" >"$WORK/payloads"
for clear in Marisol Quintanilla "Renée" Okafor "zoe@example.org" "Hope House" "Lucía" "Ramírez" "314 555 0100" \
             "Centro Latino" "Jackson County" Secretname; do
  grep -qF -- "$clear" "$WORK/payloads" && fail "\"$clear\" is in a payload in clear"
  # Nowhere in the file either (the WAL included), but for the roster's own names.
  for f in "$DB" "$DB-wal"; do
    [ -f "$f" ] && grep -qaF -- "$clear" "$f" && fail "\"$clear\" is in $f in clear"
  done
done
jq -s -e 'all(.[]; keys == ["at_ms","form","form_version","id","meeting","sealed"] or
                   keys == ["at_ms","form","form_version","id","sealed"])' "$WORK/payloads" >/dev/null \
  || fail "a payload has other fields: $(cat "$WORK/payloads")"
# The demo server's secret key opens them; another key does not.
# As the README shows it: the outbox's form payloads, one a line, into cate-admin open-forms.
sqlite3 "$DB" "SELECT payload FROM outbox WHERE kind = 'form' ORDER BY seq" |
  "$CATE_ADMIN" open-forms --key "$SERVER_KEY" >"$WORK/opened" 2>"$WORK/open.err" \
  || fail "cate-admin open-forms: $(cat "$WORK/open.err")"
grep -qF "3 forms opened, 0 refused" "$WORK/open.err" || fail "open-forms said: $(cat "$WORK/open.err")"
cat "$WORK/opened"
line() { sed -n "$1p" "$WORK/opened"; }
[ "$(line 1 | jq -c '.answers')" = \
  '{"fields":{"consent":true,"first_name":"Marisol","last_name":"Quintanilla"},"form":"walk_in","form_version":1,"language":"en"}' ] \
  || fail "the walk-in opened to $(line 1)"
[ "$(line 2 | jq -c '.answers.fields')" = \
  '{"consent":true,"county":"St. Louis County","email":"zoe@example.org","first_name":"Renée","interests":["training","events"],"last_name":"Okafor-Lee","organisation":"Hope House","preferred_language":"es"}' ] \
  || fail "the Ally Network sign-up opened to $(line 2)"
[ "$(line 3 | jq -c '.answers')" = \
  '{"fields":{"consent":true,"county":"Jackson County","first_name":"Lucía","interests":["referrals"],"last_name":"Ramírez","organisation":"Centro Latino","phone":"314 555 0100","preferred_language":"es"},"form":"community_network","form_version":1,"language":"es"}' ] \
  || fail "the Community Network sign-up opened to $(line 3)"
# Another office's identity opens none of them.
"$CATE_ADMIN" --db "$WORK/other.db" init >/dev/null 2>&1 || fail "cate-admin init failed"
rc=0; "$CATE_ADMIN" --db "$WORK/other.db" open-forms "$WORK/payloads" >"$WORK/other-opened" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "another key's open-forms exited $rc"
[ "$(jq -s '[.[] | select(.answers)] | length' "$WORK/other-opened")" = 0 ] || fail "another key opened a form"
if "$CATE_ADMIN" open-forms --key "$SERVER_KEY" <<<"not sealed" >/dev/null 2>&1; then
  fail "open-forms took text that is not sealed"
fi
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "the store is damaged"
echo "frames drawn: $(grep -c '^=== frame' "$LOG")"
echo "PASS: screenshots in $SHOTS"
