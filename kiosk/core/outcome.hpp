#pragma once
/// @brief ScanOutcome: the one answer a kiosk gives for a scanned or typed ticket.
///
/// Every outcome has its own plain message in every language (kiosk/core/messages.hpp and
/// assets/i18n/). Nothing a scan can produce falls outside this list.
#include <cstdint>
#include <optional>
#include <string>

#include "sync/protocol/bundle.hpp"
#include "sync/protocol/ids.hpp"
#include "sync/protocol/ticket.hpp"

namespace cate {

enum class ScanOutcome {
  CheckedIn,         ///< recorded on disk just now: welcome
  AlreadyCheckedIn,  ///< this RSVP was checked in before (at `checked_in_at_ms`); nothing recorded
  OtherMeeting,      ///< a good ticket, but for another meeting (`other_meeting`, if known)
  NotYetValid,       ///< a good ticket, but its validity window has not started
  Expired,           ///< a good ticket, but its validity window has ended
  Revoked,           ///< the office withdrew this ticket (a reissued or cancelled one)
  UnknownKey,        ///< signed with a key this kiosk does not hold (not synced, or not ours)
  Forged,            ///< looks like a ticket, but the signature does not match
  Unreadable,        ///< not a ticket at all, damaged, or cut short
  NoActiveMeeting,   ///< staff have not chosen a meeting on this kiosk yet
  NotSaved,          ///< the kiosk could not write to its storage: nothing was recorded
};

inline constexpr ScanOutcome kAllScanOutcomes[] = {
    ScanOutcome::CheckedIn,   ScanOutcome::AlreadyCheckedIn, ScanOutcome::OtherMeeting,
    ScanOutcome::NotYetValid, ScanOutcome::Expired,          ScanOutcome::Revoked,
    ScanOutcome::UnknownKey,  ScanOutcome::Forged,           ScanOutcome::Unreadable,
    ScanOutcome::NoActiveMeeting, ScanOutcome::NotSaved};

/// A stable machine name: "checked_in", "already_checked_in", ... (JSON output, logs, i18n keys).
const char* outcome_code(ScanOutcome outcome);
/// True only for the outcome that lets a person in for the first time.
inline bool is_welcome(ScanOutcome o) { return o == ScanOutcome::CheckedIn; }

/// How a ticket reached the kiosk.
enum class CheckInMethod { Camera, Scanner, Typed, ImageFile, Staff };
const char* method_code(CheckInMethod method);

/// The result of one scan, with what its message needs. Personal data here is at most the
/// first name; the UI decides whether to show it.
struct ScanResult {
  ScanOutcome outcome = ScanOutcome::Unreadable;
  std::optional<Ticket> ticket;                ///< set once the signature was verified
  std::string first_name;                      ///< CheckedIn / AlreadyCheckedIn, when on the roster
  std::optional<std::int64_t> checked_in_at_ms;///< CheckedIn: now; AlreadyCheckedIn: the first time
  std::optional<Uuid> check_in_id;             ///< the check-in record (new or the first one)
  std::optional<Meeting> other_meeting;        ///< OtherMeeting, when the kiosk knows that meeting
  std::string detail;                          ///< for logs and JSON, never for the screen
};

}  // namespace cate
