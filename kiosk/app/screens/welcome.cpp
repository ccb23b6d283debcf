// Welcome: what to do, in big words, and the language switch. Takes scans: a code typed or
// sent by a keyboard-wedge scanner is collected by the app and checked in on Enter.
// Never shows a name, a list, a count or an address.
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

    ImGui::SetCursorPosY(win.y * 0.22f);
    ui.centred_text(ui.fonts->display, ui.tr("welcome.title"), ui.theme->text, 38);
    ImGui::Dummy(ui.em(0, 0.8f));
    ui.centred_text(ui.fonts->heading, ui.tr("welcome.scan"), ui.theme->text, 30);
    ImGui::Dummy(ui.em(0, 0.4f));
    ui.centred_text(ui.fonts->body, ui.tr("welcome.scan_how"), ui.theme->muted, 28);
    if (!state.keyboard_code.text.empty()) {
      ImGui::Dummy(ui.em(0, 0.8f));
      ui.centred_text(ui.fonts->heading, ui.tr("welcome.reading"), ui.theme->accent, 30);
    }

    ImGui::SetCursorPosY(win.y - 3.2f * em);
    ui.centred_text(ui.fonts->body, ui.tr("welcome.help"), ui.theme->muted, 40);
    if (state.config.demo) {
      ImGui::SetCursorPosY(win.y - 1.8f * em);
      ui.centred_text(ui.fonts->body, ui.tr("welcome.demo"), ui.theme->accent, 40);
    }
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_welcome_screen() { return std::make_unique<WelcomeScreen>(); }

}  // namespace cate::app
