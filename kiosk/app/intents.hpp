#pragma once
/// @brief Intents: what a person asked for on a screen. Screens return them; the app carries
/// them out (a screen never touches the store or the network).
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kiosk/app/app_state.hpp"

namespace cate::app {

/// Check this code in (typed, wedge-scanned, or from the camera).
struct CheckInCode {
  std::string code;
  CheckInMethod method = CheckInMethod::Scanner;
};
/// Show every screen in this language from now on (until the idle reset).
struct SetLanguage {
  Language language = Language::English;
};
/// Go to a screen. Going to Welcome wipes what the last person left behind.
struct GoTo {
  Screen screen = Screen::Welcome;
};

/// A key of an on-screen keyboard or number pad: text to add, or erase the last character, or
/// clear everything typed.
struct TypeKey {
  std::string text;
  bool erase = false;  ///< Delete: the last character goes
  bool clear = false;  ///< Clear: everything typed goes
};
/// Check the staff PIN typed so far (it is wiped from the screen's buffer at once).
struct SubmitPin {};
/// Find my RSVP: the person touched one of the names found (by its place in the list), or
/// none (`index` empty: "Not me").
struct ChooseMatch {
  std::optional<std::size_t> index;
};
/// Check this RSVP in without a ticket: "This is me" (method typed) or staff (method staff).
struct CheckInRsvp {
  RsvpId rsvp;
  CheckInMethod method = CheckInMethod::Typed;
  std::string label;  ///< "Ana G.", for staff's notice
};
/// Staff undo a mistaken check-in.
struct UndoCheckIn {
  Uuid check_in;
  std::string label;
};
/// Staff choose the meeting this kiosk checks people in for.
struct ChooseMeeting {
  MeetingId meeting;
};

/// Open a form (by its definition's ID: "walk_in", "ally_network", "community_network").
struct StartForm {
  std::string form;
};
/// The form's Next (checks the question on screen first) or Previous (`forward` false).
struct FormStep {
  bool forward = true;
};
/// Send the form: check every answer, seal, record.
struct SendForm {};
/// A choice touched on the form's question on screen (a tick box has one, choice 0).
struct ChooseAnswer {
  std::size_t choice = 0;
};
/// The on-screen keyboard's Shift (the next letter a capital).
struct ShiftKey {};
/// Staff choose what the kiosk offers: meeting check-in, booth sign-up, or both.
struct SetKioskMode {
  KioskMode mode = KioskMode::Both;
};

/// Staff touch "Sync now".
struct SyncNow {};
/// Staff touch "Export" beside a USB stick: the outbox, sealed, in one file in `folder`.
struct ExportToStick {
  std::string folder;
};
/// Staff touch "Take in the office's receipt" beside a USB stick: every receipt in `folder`.
struct TakeOfficeReceipts {
  std::string folder;
};

/// Date and time: one of the − or + keys moved a part of the date and time to set.
struct StepClock {
  ClockField field = ClockField::Minute;
  int delta = 1;
};
/// Date and time: "Set the clock" to the date and time on the keys.
struct SetClock {};

using Intent = std::variant<CheckInCode, SetLanguage, GoTo, TypeKey, SubmitPin, ChooseMatch, CheckInRsvp,
                            UndoCheckIn, ChooseMeeting, StartForm, FormStep, SendForm, ChooseAnswer, ShiftKey,
                            SetKioskMode, SyncNow, ExportToStick, TakeOfficeReceipts, StepClock, SetClock>;
using Intents = std::vector<Intent>;

}  // namespace cate::app
