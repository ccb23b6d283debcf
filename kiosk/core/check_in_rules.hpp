#pragma once
/// @brief The check-in rules: given a verified ticket and what the kiosk knows, which outcome.
///
/// Pure: no clock, no disk. The store gathers the facts inside its transaction and records a
/// check-in only when this says CheckedIn. Order of the rules (first that applies wins):
///   1. no active meeting on this kiosk           -> NoActiveMeeting
///   2. ticket for a meeting other than the active -> OtherMeeting
///   3. ticket revoked                            -> Revoked
///   4. this RSVP already checked in              -> AlreadyCheckedIn (kinder than "expired"
///                                                   for someone who steps out and back in)
///   5. before the ticket's window                -> NotYetValid
///   6. after the ticket's window                 -> Expired
///   7. otherwise                                 -> CheckedIn
/// Signature, key and format are checked before any of this (kiosk/core/check_in.cpp).
#include <cstdint>
#include <optional>

#include "kiosk/core/outcome.hpp"

namespace cate {

struct CheckInFacts {
  std::optional<MeetingId> active_meeting;
  bool revoked = false;
  bool already_checked_in = false;
  std::int64_t now_s = 0;  ///< the kiosk's clock, Unix seconds
};

ScanOutcome decide_check_in(const Ticket& verified, const CheckInFacts& facts);

/// How far before a meeting starts and after it ends a check-in without a ticket is taken: the
/// same margin cate-admin gives a ticket's window by default.
inline constexpr std::int64_t kByNameMarginS = 12 * 3600;

/// @brief Check-in without a ticket: Find my RSVP's "This is me" (by_staff false) and staff's
/// check-in by name (by_staff true). The ticket rules, in the same order, with the meeting's own
/// time (kByNameMarginS either side) as the window and `facts.revoked` meaning that a ticket of
/// this RSVP was withdrawn by the office (the kiosk cannot tell a reissued one from a withdrawn
/// one, so the person is sent to staff, who check a reissued ticket by scanning it). Staff may
/// check someone in outside the window (they see the person and decide), never past a revocation.
ScanOutcome decide_check_in_by_name(MeetingId rsvp_meeting, std::int64_t meeting_starts_s, std::int64_t meeting_ends_s,
                                    bool by_staff, const CheckInFacts& facts);

}  // namespace cate
