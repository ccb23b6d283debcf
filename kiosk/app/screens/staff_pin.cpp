// Staff PIN: a number pad, dots for the digits typed, and what the last try gave. After a wrong
// PIN the pad is closed for a growing wait (1, 2, 4, 8 ... s), counted down on screen.
#include <algorithm>

#include "kiosk/app/keypads.hpp"
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class StaffPinScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffPin; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const float h = ImGui::GetWindowHeight();
    const PinEntry& pin = state.pin;
    const bool waiting = pin.retry_at > state.now;
    const bool open = !waiting && pin.said != PinEntry::Said::Checking && pin.said != PinEntry::Said::NoPin;

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("pin.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(ImGui::GetWindowWidth() - 9.0f * em);
    if (ui.key("cancel", ui.tr("common.back"), 7.5f, 2.4f)) out.push_back(GoTo{Screen::Welcome});

    // One dot a digit typed, never the digits.
    std::string dots;
    for (std::size_t i = 0; i < pin.digits.size(); ++i) dots += i ? " *" : "*";
    ImGui::SetCursorPosY(3.6f * em);
    ui.centred_text(ui.fonts->display, dots.empty() ? std::string(" ") : dots, ui.theme->accent, 30);

    std::string said;
    switch (pin.said) {
      case PinEntry::Said::Nothing: said = ui.tr("pin.hint"); break;
      case PinEntry::Said::Checking: said = ui.tr("pin.checking"); break;
      case PinEntry::Said::Wrong:
      case PinEntry::Said::Wait: said = ui.tr("pin.wrong"); break;
      case PinEntry::Said::NoPin: said = ui.tr("pin.no_pin"); break;
      case PinEntry::Said::Failed: said = ui.tr("pin.failed"); break;
    }
    if (waiting) {
      const auto seconds = std::max<std::int64_t>(1, (pin.retry_at - state.now + 999) / 1000);
      said += " " + ui.tr("pin.wait", {{"seconds", std::to_string(seconds)}});
    }
    ui.centred_text(ui.fonts->body, said, ui.theme->text, 34);

    ImGui::SetCursorPosY(h - (number_pad_height_em() + 5.4f) * em);
    number_pad(ui, out, open);
    ImGui::Dummy(ui.em(0, 0.4f));
    ImGui::SetCursorPosX((ImGui::GetWindowWidth() - 15.7f * em) * 0.5f);
    if (ui.key("pin_ok", ui.tr("pin.ok"), 15.7f, 2.8f, open && !pin.digits.empty())) out.push_back(SubmitPin{});
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_pin_screen() { return std::make_unique<StaffPinScreen>(); }

}  // namespace cate::app
