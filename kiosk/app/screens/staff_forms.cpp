// Staff: forms and kiosk mode. What Welcome offers (meeting check-in, booth sign-up, or both),
// whether forms can be sealed (the server key they are sealed to, or why they are off), the
// walk-ins and sign-ups taken, and the form definitions this kiosk has.
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class StaffFormsScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffForms; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const float pad = ImGui::GetStyle().WindowPadding.x;
    const FormsSetup& forms = state.forms;
    const StaffView& s = state.staff;

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("staff.forms_title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(win.x - pad - 7.5f * em);
    if (ui.key("back", ui.tr("common.back"), 7.5f, 2.4f)) out.push_back(GoTo{Screen::StaffHome});

    // The mode: three big toggles.
    ImGui::Dummy(ui.em(0, 0.4f));
    ImGui::TextDisabled("%s", ui.tr("staff.mode").c_str());
    const float mode_w = 12.0f;
    ImGui::BeginDisabled(s.busy || !forms.read);
    for (KioskMode m : kAllKioskModes) {
      if (m != KioskMode::CheckIn) ImGui::SameLine(0, 0.6f * em);
      else ImGui::SetCursorPosX(pad);
      const std::string key = std::string("staff.mode.") + kiosk_mode_code(m);
      const bool chosen = forms.read && forms.mode == m;
      if (ui.toggle(key.c_str(), ui.tr(key), chosen, mode_w) && !chosen) out.push_back(SetKioskMode{m});
    }
    ImGui::EndDisabled();

    // Whether forms can be sealed, and what was taken.
    ImGui::Dummy(ui.em(0, 0.6f));
    ImGui::PushTextWrapPos(win.x - pad);
    if (forms.read) {
      ImGui::PushFont(ui.fonts->heading);
      if (forms.seal.key) {
        ImGui::TextUnformatted(ui.tr("staff.forms_on", {{"id", key_id_str(forms.seal.key->id())}}).c_str());
      } else {
        const char* why = forms.seal.source == FormSealKey::Source::Damaged ? "staff.forms_off.damaged"
                                                                            : "staff.forms_off.none";
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ui.theme->accent), "%s", ui.tr(why).c_str());
      }
      ImGui::PopFont();
    }
    ImGui::TextUnformatted(ui.tr("staff.forms_count", {{"walk_ins", std::to_string(s.counts.walk_ins)},
                                                       {"sign_ups", std::to_string(s.counts.sign_ups)}})
                               .c_str());

    ImGui::Dummy(ui.em(0, 0.6f));
    ImGui::TextDisabled("%s", ui.tr("staff.forms_defs").c_str());
    for (const auto& def : forms.definitions) {
      const FormDefinition& f = *def;
      const std::string line = in(f.title, ui.language) + "  ·  " + f.id + " v" + std::to_string(f.version) + "  ·  " +
                               std::to_string(f.fields.size()) + " " + ui.tr("staff.forms_questions");
      ImGui::TextUnformatted(line.c_str());
    }
    for (const std::string& e : builtin_form_errors())
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ui.theme->accent), "%s", e.c_str());
    ImGui::PopTextWrapPos();
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_forms_screen() { return std::make_unique<StaffFormsScreen>(); }

}  // namespace cate::app
