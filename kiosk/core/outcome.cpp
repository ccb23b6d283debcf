#include "kiosk/core/outcome.hpp"

namespace cate {

const char* outcome_code(ScanOutcome outcome) {
  switch (outcome) {
    case ScanOutcome::CheckedIn: return "checked_in";
    case ScanOutcome::AlreadyCheckedIn: return "already_checked_in";
    case ScanOutcome::OtherMeeting: return "other_meeting";
    case ScanOutcome::NotYetValid: return "not_yet_valid";
    case ScanOutcome::Expired: return "expired";
    case ScanOutcome::Revoked: return "revoked";
    case ScanOutcome::UnknownKey: return "unknown_key";
    case ScanOutcome::Forged: return "forged";
    case ScanOutcome::Unreadable: return "unreadable";
    case ScanOutcome::NoActiveMeeting: return "no_active_meeting";
    case ScanOutcome::NotSaved: return "not_saved";
  }
  return "unreadable";
}

const char* method_code(CheckInMethod method) {
  switch (method) {
    case CheckInMethod::Camera: return "camera";
    case CheckInMethod::Scanner: return "scanner";
    case CheckInMethod::Typed: return "typed";
    case CheckInMethod::ImageFile: return "image_file";
    case CheckInMethod::Staff: return "staff";
  }
  return "typed";
}

}  // namespace cate
