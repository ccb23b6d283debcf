// KioskApp's Date and time: how far the clock can be trusted (clock_trust, judged each frame a
// staff screen shows, from network time and the store's latest record), the date and time on the
// screen's keys, and the request to set the clock, handed to the system (ClockService) and its
// answer looked for a few times a second until it comes or kClockAnswerWaitMs runs out.
#include "kiosk/app/kiosk_app.hpp"
#include "kiosk/core/check_in.hpp"

namespace cate::app {

namespace {
constexpr std::int64_t kLookForAnswerEveryMs = 200;
}  // namespace

void KioskApp::judge_clock() {
  ClockView& c = state_.clock;
  c.now_ms = now_unix_ms();
  c.trust = clock_trust(c.now_ms, clock_service_.network_synced(), state_.staff.latest_record_ms);
}

void KioskApp::clock_screen_opened() {
  ClockView& c = state_.clock;
  c.can_set = clock_service_.can_set();
  c.editing = local_date_time(now_unix_ms() / 1000);
  c.said = ClockView::Said::Nothing;
  c.problem.clear();
  read_staff_view();  // the latest record, for clock_trust
}

void KioskApp::step_clock(const StepClock& step) {
  ClockView& c = state_.clock;
  if (!state_.staff.unlocked || c.said == ClockView::Said::Asking) return;
  c.editing = step_clock_field(c.editing, step.field, step.delta);
  c.said = ClockView::Said::Nothing;
}

void KioskApp::set_clock() {
  ClockView& c = state_.clock;
  if (!state_.staff.unlocked || !c.can_set || c.said == ClockView::Said::Asking) return;
  const auto wanted = unix_seconds(c.editing);
  if (!wanted) {  // the keys never make one, but a request is only ever a real date
    c.said = ClockView::Said::Failed;
    c.problem = "not a date";
    return;
  }
  const std::int64_t change_ms = *wanted * 1000 - now_unix_ms();
  if (c.said != ClockView::Said::Confirm && (change_ms > kClockConfirmOverMs || -change_ms > kClockConfirmOverMs)) {
    c.said = ClockView::Said::Confirm;  // the keys unchanged and Set touched again: go on
    c.confirm_days = change_ms / (24LL * 3600 * 1000);
    return;
  }
  c.problem = clock_service_.request(clock_request_text(*wanted));
  c.said = c.problem.empty() ? ClockView::Said::Asking : ClockView::Said::Failed;
  c.asked_at = state_.now;
}

void KioskApp::look_for_clock_answer() {
  ClockView& c = state_.clock;
  if (c.said != ClockView::Said::Asking) return;
  if (auto text = clock_service_.answer()) {
    c.answer = parse_clock_answer(*text);
    c.said = ClockView::Said::Answered;
    if (c.answer.kind == ClockAnswer::Kind::Set) c.editing = local_date_time(c.answer.unix_s);
  } else if (state_.now >= c.asked_at + kClockAnswerWaitMs) {
    c.said = ClockView::Said::NoAnswer;
  }
}

std::int64_t KioskApp::clock_deadline() const {
  if (state_.screen != Screen::StaffClock) return -1;
  // The answer looked for while it is awaited; the time shown kept to the minute.
  return state_.now + (state_.clock.said == ClockView::Said::Asking ? kLookForAnswerEveryMs : 1'000);
}

}  // namespace cate::app
