// Staff PIN: a number pad, dots for the digits typed, and what the last try gave. After a wrong
// PIN the pad is closed for a growing wait (1, 2, 4, 8 ... s), counted down on screen.
//
// First-run setup: on a kiosk with no staff PIN the screen has no pad. It says the kiosk is not
// set up yet and takes a scan of the office's enrolment code (cate-admin device add), which
// enrols the kiosk as the staff sync screen does; then, and only then, it offers "Choose a staff
// PIN" (screens/choose_pin.cpp). A kiosk with a PIN never shows this.
#include <algorithm>

#include "kiosk/app/keypads.hpp"
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class StaffPinScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffPin; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }
  /// Only first-run setup takes a code: the office's enrolment code, while none is being traded.
  ScanUse scan_use(const AppState& state) const override {
    const bool setup = state.pin.said == PinEntry::Said::NoPin && state.setup.enrol != SetupView::Enrol::Working &&
                       !state.setup.may_choose_pin;
    return setup ? ScanUse::EnrolFirstRun : ScanUse::None;
  }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const bool setup = state.pin.said == PinEntry::Said::NoPin;
    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr(setup ? "setup.title" : "pin.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(ImGui::GetWindowWidth() - 9.0f * ui.em());
    if (ui.key("cancel", ui.tr("common.back"), 7.5f, 2.4f)) out.push_back(GoTo{Screen::Welcome});
    if (setup) draw_setup(state, ui, out);
    else draw_pin(state, ui, out);
  }

 private:
  static void draw_pin(const AppState& state, const Ui& ui, Intents& out) {
    const PinEntry& pin = state.pin;
    const bool waiting = pin.retry_at > state.now;
    const bool open = !waiting && pin.said != PinEntry::Said::Checking;
    pin_dots(ui, pin.digits.size());

    std::string said;
    switch (pin.said) {
      case PinEntry::Said::Nothing:
      case PinEntry::Said::NoPin: said = ui.tr("pin.hint"); break;
      case PinEntry::Said::Checking: said = ui.tr("pin.checking"); break;
      case PinEntry::Said::Wrong:
      case PinEntry::Said::Wait: said = ui.tr("pin.wrong"); break;
      case PinEntry::Said::Failed: said = ui.tr("pin.failed"); break;
    }
    if (waiting) {
      const auto seconds = std::max<std::int64_t>(1, (pin.retry_at - state.now + 999) / 1000);
      said += " " + ui.tr("pin.wait", {{"seconds", std::to_string(seconds)}});
    }
    ui.centred_text(ui.fonts->body, said, ui.theme->text, 34);
    pin_pad_and_ok(ui, out, open, !pin.digits.empty());
  }

  static void draw_setup(const AppState& state, const Ui& ui, Intents& out) {
    const SetupView& v = state.setup;
    ImGui::SetCursorPosY(4.5f * ui.em());
    if (v.may_choose_pin) {
      ui.centred_text(ui.fonts->heading, ui.tr("setup.enrolled", {{"name", v.enrol_words}}), ui.theme->text, 34);
      ImGui::Dummy(ui.em(0, 1.0f));
      if (ui.button("choose_pin", ui.tr("setup.choose_pin"), 16.0f)) out.push_back(GoTo{Screen::ChoosePin});
      ImGui::Dummy(ui.em(0, 1.0f));
      ui.centred_text(ui.fonts->body, ui.tr("setup.choose_now"), ui.theme->muted, 34);
      return;
    }
    ui.centred_text(ui.fonts->heading, ui.tr(state.pin.enrolled ? "setup.enrolled_no_pin" : "setup.not_set_up"),
                    ui.theme->text, 34);
    ImGui::Dummy(ui.em(0, 1.0f));
    ui.centred_text(ui.fonts->body, ui.tr("setup.scan_here"), ui.theme->muted, 34);
    ImGui::Dummy(ui.em(0, 1.5f));
    switch (v.enrol) {
      case SetupView::Enrol::Nothing:
      case SetupView::Enrol::Done: break;
      case SetupView::Enrol::Working:
        ui.centred_text(ui.fonts->body, ui.tr("sync.enrolling"), ui.theme->text, 34);
        break;
      case SetupView::Enrol::NotACode:
        ui.centred_text(ui.fonts->body, ui.tr("setup.not_a_code"), ui.theme->accent, 34);
        break;
      case SetupView::Enrol::Failed:
        ui.centred_text(ui.fonts->body, ui.tr("sync.enrol_failed", {{"why", v.enrol_words}}), ui.theme->accent, 34);
        break;
    }
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_pin_screen() { return std::make_unique<StaffPinScreen>(); }

}  // namespace cate::app
