// Staff mode's Date and time: the time now and whether it can be trusted (network time, none
// since the kiosk started, or provably behind: the store holds later records), the date and
// time to set on five pairs of - and + keys (held down, they repeat), "Set the clock", and what
// the system answered, in words. Where the system takes no requests (a desktop, the demo) and
// where network time keeps the clock, there is nothing to set and no keys are drawn.
#include <cstdio>

#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

/// "Wednesday, November 25, 2026, 3:26 PM" in the screen's language.
std::string date_and_time(std::int64_t unix_ms, Language language) {
  const LocalDateTime t = local_date_time(unix_ms / 1000);
  return Catalog::of(language).text("clock.when", {{"date", format_date(unix_ms / 1000, language)},
                                                   {"year", std::to_string(t.year)},
                                                   {"time", format_time_of_day(unix_ms, language)}});
}

/// The value between a field's - and + keys.
std::string field_value(const LocalDateTime& t, ClockField field, Language language) {
  const Catalog& c = Catalog::of(language);
  char buf[16];
  switch (field) {
    case ClockField::Year: return std::to_string(t.year);
    case ClockField::Month: {
      auto months = c.list("date.months");
      return t.month - 1 < static_cast<int>(months.size()) ? months[t.month - 1] : std::to_string(t.month);
    }
    case ClockField::Day: return std::to_string(t.day);
    case ClockField::Hour: return format_clock_time(t.hour, std::nullopt, language);
    case ClockField::Minute: std::snprintf(buf, sizeof buf, "%02d", t.minute); return buf;
  }
  return {};
}

const char* answer_key(ClockAnswer::Kind kind) {
  switch (kind) {
    case ClockAnswer::Kind::Set: return "clock.done";
    case ClockAnswer::Kind::Network: return "clock.refused.network";
    case ClockAnswer::Kind::TooEarly: return "clock.refused.too_early";
    case ClockAnswer::Kind::TooLate: return "clock.refused.too_late";
    case ClockAnswer::Kind::Unreadable: return "clock.refused.unreadable";
    case ClockAnswer::Kind::Failed: return "clock.system_failed";
    case ClockAnswer::Kind::Garbled: break;
  }
  return "clock.garbled";
}

class StaffClockScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffClock; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const ClockView& c = state.clock;
    const ImVec4 accent = ImGui::ColorConvertU32ToFloat4(ui.theme->accent);
    const bool asking = c.said == ClockView::Said::Asking;

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("clock.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(win.x - 15.0f * em);
    if (ui.key("back", ui.tr("clock.back"), 13.5f, 2.4f, !asking)) out.push_back(GoTo{Screen::StaffHome});

    // The time now, and how far it can be trusted.
    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("clock.now", {{"when", date_and_time(c.now_ms, ui.language)}}).c_str());
    ImGui::PopFont();
    ImGui::PushTextWrapPos(win.x - 1.5f * em);
    switch (c.trust) {
      case ClockTrust::Network: ImGui::TextWrapped("%s", ui.tr("clock.trust.network").c_str()); break;
      case ClockTrust::Unchecked: ImGui::TextWrapped("%s", ui.tr("clock.trust.unchecked").c_str()); break;
      case ClockTrust::Behind:
        ImGui::TextColored(accent, "%s",
                           ui.tr("clock.trust.behind",
                                 {{"when", date_and_time(state.staff.latest_record_ms, ui.language)}}).c_str());
        break;
    }
    if (!c.can_set) ImGui::TextWrapped("%s", ui.tr("clock.cannot_set").c_str());
    ImGui::PopTextWrapPos();
    if (!c.can_set || c.trust == ClockTrust::Network) return;  // nothing to set here

    // The date and time to set, a row a field, its - and + keys either side of its value: the
    // date at the left, the time and "Set the clock" at the right.
    ImGui::Spacing();
    const float top = ImGui::GetCursorPosY() + 0.5f * em;
    const float row_h = 2.8f * em;
    constexpr float kLabelEm = 4.0f, kKeyEm = 3.6f, kValueEm = 7.5f;
    constexpr float kColumnEm = kLabelEm + 2 * kKeyEm + kValueEm;
    const float column_x[2] = {1.5f * em, win.x - (1.5f + kColumnEm) * em};
    auto row = [&](ClockField field, const char* id, const char* label, int column, int line) {
      const ImVec2 at = {column_x[column], top + line * row_h};
      ImGui::PushID(id);
      ImGui::SetCursorPos({at.x, at.y + 0.5f * em});
      ImGui::TextUnformatted(ui.tr(label).c_str());
      ImGui::PushFont(ui.fonts->heading);
      const float keys_x = at.x + kLabelEm * em;
      ImGui::SetCursorPos({keys_x, at.y});
      if (ui.key("down", "-", kKeyEm, 2.3f, !asking)) out.push_back(StepClock{field, -1});
      const std::string value = field_value(c.editing, field, ui.language);
      ImGui::SetCursorPos({keys_x + kKeyEm * em + (kValueEm * em - ImGui::CalcTextSize(value.c_str()).x) * 0.5f,
                           at.y + (2.3f * em - ImGui::GetFontSize()) * 0.5f});
      ImGui::TextUnformatted(value.c_str());
      ImGui::SetCursorPos({keys_x + (kKeyEm + kValueEm) * em, at.y});
      if (ui.key("up", "+", kKeyEm, 2.3f, !asking)) out.push_back(StepClock{field, +1});
      ImGui::PopFont();
      ImGui::PopID();
    };
    ImGui::PushButtonRepeat(true);  // held down, a key goes on stepping
    row(ClockField::Year, "year", "clock.year", 0, 0);
    row(ClockField::Month, "month", "clock.month", 0, 1);
    row(ClockField::Day, "day", "clock.day", 0, 2);
    row(ClockField::Hour, "hour", "clock.hour", 1, 0);
    row(ClockField::Minute, "minute", "clock.minute", 1, 1);
    ImGui::PopButtonRepeat();
    ImGui::SetCursorPos({column_x[1] + kLabelEm * em, top + 2 * row_h});
    if (ui.key("set", ui.tr("clock.set"), kColumnEm - kLabelEm, 2.3f, !asking)) out.push_back(SetClock{});
    ImGui::SetCursorPos({1.5f * em, top + 3 * row_h + 0.3f * em});

    // What came of the last request.
    ImGui::PushTextWrapPos(win.x - 1.5f * em);
    switch (c.said) {
      case ClockView::Said::Nothing: break;
      case ClockView::Said::Confirm: {
        const std::int64_t days = c.confirm_days < 0 ? -c.confirm_days : c.confirm_days;
        ImGui::TextColored(accent, "%s",
                           ui.tr(c.confirm_days < 0 ? "clock.confirm_back" : "clock.confirm_ahead",
                                 {{"n", std::to_string(days)}}).c_str());
        break;
      }
      case ClockView::Said::Asking: ImGui::TextUnformatted(ui.tr("clock.asking").c_str()); break;
      case ClockView::Said::Answered:
        if (c.answer.kind == ClockAnswer::Kind::Set)
          ImGui::TextWrapped("%s", ui.tr("clock.done", {{"when", date_and_time(c.answer.unix_s * 1000, ui.language)}}).c_str());
        else
          ImGui::TextColored(accent, "%s", ui.tr(answer_key(c.answer.kind)).c_str());
        break;
      case ClockView::Said::NoAnswer: ImGui::TextColored(accent, "%s", ui.tr("clock.no_answer").c_str()); break;
      case ClockView::Said::Failed:
        ImGui::TextColored(accent, "%s", ui.tr("clock.failed", {{"why", c.problem}}).c_str());
        break;
    }
    ImGui::PopTextWrapPos();
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_clock_screen() { return std::make_unique<StaffClockScreen>(); }

}  // namespace cate::app
