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

ScanOutcome decide_check_in_by_name(MeetingId rsvp_meeting, std::int64_t starts_s, std::int64_t ends_s, bool by_staff,
                                    const CheckInFacts& f) {
  if (!f.active_meeting) return ScanOutcome::NoActiveMeeting;
  if (rsvp_meeting != *f.active_meeting) return ScanOutcome::OtherMeeting;
  if (f.revoked) return ScanOutcome::Revoked;
  if (f.already_checked_in) return ScanOutcome::AlreadyCheckedIn;
  if (!by_staff && f.now_s < starts_s - kByNameMarginS) return ScanOutcome::NotYetValid;
  if (!by_staff && f.now_s > ends_s + kByNameMarginS) return ScanOutcome::Expired;
  return ScanOutcome::CheckedIn;
}

}  // namespace cate
