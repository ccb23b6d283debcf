// Welcome: what to do, in big words, and the language switch. Takes scans: a code typed or
// sent by a keyboard-wedge scanner is collected by the app and checked in on Enter.
// "I don't have my code" leads to Find my RSVP; a small "Staff" button in the corner (or Tab on
// a keyboard) leads to the staff PIN. Never shows a name, a list, a count or an address.
// What it offers follows the kiosk mode staff chose: meeting check-in, booth sign-up (the Ally
// and Community Network forms), or both; forms only when the kiosk has a key to seal them to.
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class WelcomeScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::Welcome; }
  bool takes_scans() const override { return true; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();

    // Top row: the coalition's name, and the language switch on the right.
    ImGui::PushFont(ui.fonts->heading);
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
    ImGui::TextUnformatted(ui.tr("app.name").c_str());
    ImGui::PopStyleColor();
    ImGui::PopFont();
    const float toggle_w = 7.5f;
    ImGui::SameLine(win.x - 2 * toggle_w * em - ImGui::GetStyle().ItemSpacing.x - ImGui::GetStyle().WindowPadding.x);
    for (Language lang : kAllLanguages) {
      const std::string name = Catalog::of(lang).text("language.name");
      if (ui.toggle(language_code(lang), name, lang == state.language, toggle_w))
        out.push_back(SetLanguage{lang});
      ImGui::SameLine();
    }
    ImGui::NewLine();

    const FormsSetup& forms = state.forms;
    if (forms.check_in()) {
      ImGui::SetCursorPosY(win.y * (forms.sign_up() ? 0.14f : 0.22f));
      ui.centred_text(ui.fonts->display, ui.tr("welcome.title"), ui.theme->text, 38);
      ImGui::Dummy(ui.em(0, 0.8f));
      ui.centred_text(ui.fonts->heading, ui.tr("welcome.scan"), ui.theme->text, 30);
      ImGui::Dummy(ui.em(0, 0.4f));
      ui.centred_text(ui.fonts->body, ui.tr("welcome.scan_how"), ui.theme->muted, 28);
    } else {  // booth sign-up only
      ImGui::SetCursorPosY(win.y * 0.18f);
      ui.centred_text(ui.fonts->display, ui.tr("welcome.sign_up_title"), ui.theme->text, 38);
      ImGui::Dummy(ui.em(0, 0.8f));
      ui.centred_text(ui.fonts->heading, ui.tr(forms.sign_up() ? "welcome.sign_up_how" : "welcome.forms_off"),
                      ui.theme->text, 30);
    }
    if (!state.keyboard_code.text.empty()) {
      ImGui::Dummy(ui.em(0, 0.8f));
      ui.centred_text(ui.fonts->heading, ui.tr("welcome.reading"), ui.theme->accent, 30);
    }

    // The sign-up forms, side by side.
    if (forms.sign_up()) {
      const float w = 18.0f, gap = 0.8f;
      ImGui::SetCursorPosY(win.y - (forms.check_in() ? 12.6f : 11.0f) * em);
      ImGui::SetCursorPosX((win.x - (2 * w + gap) * em) * 0.5f);
      if (ui.button("join_ally", ui.tr("welcome.join_ally"), w, false)) out.push_back(StartForm{"ally_network"});
      ImGui::SameLine(0, gap * em);
      if (ui.button("join_community", ui.tr("welcome.join_community"), w, false))
        out.push_back(StartForm{"community_network"});
    }
    // "I don't have my code": find the RSVP by name or e-mail, or register as a walk-in.
    if (forms.check_in()) {
      ImGui::SetCursorPosY(win.y - 9.0f * em);
      if (ui.button("no_code", ui.tr("welcome.no_code"), 18)) out.push_back(GoTo{Screen::FindRsvp});
    }

    ImGui::SetCursorPosY(win.y - 4.6f * em);
    ui.centred_text(ui.fonts->body, ui.tr("welcome.help"), ui.theme->muted, 30);
    if (state.config.demo) {
      ImGui::SetCursorPosY(win.y - 3.2f * em);
      ui.centred_text(ui.fonts->body, ui.tr("welcome.demo"), ui.theme->accent, 30);
      ImGui::SetCursorPosY(win.y - 1.9f * em);
      ui.centred_text(ui.fonts->body, ui.tr("welcome.demo_pin"), ui.theme->accent, 30);
    }
    // Staff: a small, quiet button in the bottom-right corner (still a full touch target).
    ImGui::SetCursorPos({win.x - 6.5f * em, win.y - 3.6f * em});
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::ColorConvertU32ToFloat4(ui.theme->background));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImGui::ColorConvertU32ToFloat4(ui.theme->notice));
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
    const std::string staff = ui.tr("welcome.staff") + "##staff";
    const bool staff_touched = ImGui::Button(staff.c_str(), ui.em(5.0f, 2.4f));
    ImGui::PopStyleColor(3);
    if (ui.buttons) {
      const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
      ui.buttons->push_back({ui.tr("welcome.staff"), {(a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f}});
    }
    if (staff_touched) out.push_back(GoTo{Screen::StaffPin});
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_welcome_screen() { return std::make_unique<WelcomeScreen>(); }

}  // namespace cate::app
