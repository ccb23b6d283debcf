// Choose a staff PIN: first-run setup's last step, reached only from the PIN screen right after
// the office's enrolment code enrolled this kiosk (SetupView::may_choose_pin). The new PIN is
// typed, then typed again; the rule (kiosk/core/staff_pin.hpp, staff_pin_problem) is checked
// after the first, the two are compared after the second, and every refusal says what to do.
// Saved (Argon2id), staff mode opens. Dots only, never the digits.
#include "kiosk/app/keypads.hpp"
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

/// The words for a PIN the rule refused, with what to do.
const char* problem_key(StaffPinProblem problem) {
  switch (problem) {
    case StaffPinProblem::AllSame: return "choose_pin.all_same";
    case StaffPinProblem::Run: return "choose_pin.run";
    case StaffPinProblem::None:
    case StaffPinProblem::NotDigits:
    case StaffPinProblem::TooShort:
    case StaffPinProblem::TooLong: break;
  }
  return "choose_pin.length";
}

class ChoosePinScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::ChoosePin; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const NewPinEntry& n = state.new_pin;
    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("choose_pin.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(ImGui::GetWindowWidth() - 9.0f * ui.em());
    if (ui.key("cancel", ui.tr("common.back"), 7.5f, 2.4f)) out.push_back(GoTo{Screen::StaffPin});
    pin_dots(ui, n.typing().size());

    const std::string step = ui.tr(n.confirming ? "choose_pin.again" : "choose_pin.first");
    std::string said;
    switch (n.said) {
      case NewPinEntry::Said::Nothing: said = step; break;
      case NewPinEntry::Said::Refused: said = ui.tr(problem_key(n.problem)); break;
      case NewPinEntry::Said::Mismatch: said = ui.tr("choose_pin.mismatch"); break;
      case NewPinEntry::Said::Saving: said = ui.tr("choose_pin.saving"); break;
      case NewPinEntry::Said::Failed: said = ui.tr("choose_pin.failed"); break;
      case NewPinEntry::Said::PinExists: said = ui.tr("choose_pin.exists"); break;
    }
    const bool refused = n.said != NewPinEntry::Said::Nothing && n.said != NewPinEntry::Said::Saving;
    // One line between the dots and the pad: the rule is in the first step's words and in each refusal.
    ui.centred_text(ui.fonts->body, said, refused ? ui.theme->accent : ui.theme->text, 38);

    const bool open = n.said != NewPinEntry::Said::Saving && n.said != NewPinEntry::Said::PinExists;
    pin_pad_and_ok(ui, out, open, !n.typing().empty());
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_choose_pin_screen() { return std::make_unique<ChoosePinScreen>(); }

}  // namespace cate::app
