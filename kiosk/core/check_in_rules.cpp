#include "kiosk/core/check_in_rules.hpp"

namespace cate {

ScanOutcome decide_check_in(const Ticket& t, const CheckInFacts& f) {
  if (!f.active_meeting) return ScanOutcome::NoActiveMeeting;
  if (t.meeting != *f.active_meeting) return ScanOutcome::OtherMeeting;
  if (f.revoked) return ScanOutcome::Revoked;
  if (f.already_checked_in) return ScanOutcome::AlreadyCheckedIn;
  if (f.now_s < t.not_before) return ScanOutcome::NotYetValid;
  if (f.now_s > t.not_after) return ScanOutcome::Expired;
  return ScanOutcome::CheckedIn;
}

}  // namespace cate
