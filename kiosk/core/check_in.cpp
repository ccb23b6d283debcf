#include "kiosk/core/check_in.hpp"

#include <chrono>

namespace cate {

std::int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

ScanResult check_in_code(Store& store, std::string_view code, const ScanContext& ctx) {
  ScanResult r;
  auto refuse = [&](ScanOutcome outcome, std::string detail) {
    r.outcome = outcome;
    r.detail = std::move(detail);
    // A refused scan that cannot be recorded is still refused: the person is told the same.
    auto saved = store.record_refused_scan(outcome, ctx.method, ctx.now_ms);
    if (!saved) r.detail += "; not recorded: " + saved.error().message;
    return r;
  };

  auto parsed = parse_ticket(code);
  if (!parsed) return refuse(ScanOutcome::Unreadable, to_string(parsed.error()));
  auto verified = verify(*parsed, store.key_ring());
  if (!verified) {
    return refuse(verified.error() == VerifyError::UnknownKey ? ScanOutcome::UnknownKey : ScanOutcome::Forged,
                  std::string(to_string(verified.error())) + " (key " + key_id_str(parsed->key_id()) + ")");
  }
  const Ticket& t = *verified;
  r.ticket = t;

  auto written = store.check_in_ticket(t, ctx.method, ctx.now_ms);
  if (!written) {
    r.outcome = ScanOutcome::NotSaved;
    r.detail = written.error().message;
    return r;
  }
  r.outcome = written->outcome;
  if (written->record) {
    r.check_in_id = written->record->id;
    r.checked_in_at_ms = written->record->at_ms;
  }
  if (r.outcome == ScanOutcome::CheckedIn || r.outcome == ScanOutcome::AlreadyCheckedIn) {
    if (auto p = store.rsvp(t.rsvp)) r.first_name = p->first_name;
  }
  if (r.outcome == ScanOutcome::OtherMeeting) r.other_meeting = store.meeting(t.meeting);
  return r;
}

}  // namespace cate
