// Welcome: what to do, in big words, and the language switch. Takes scans: a code typed or
// sent by a keyboard-wedge scanner is collected by the app and checked in on Enter.
// "I don't have my code" leads to Find my RSVP; a small "Staff" button in the corner (or Tab on
// a keyboard) leads to the staff PIN. Never shows a name, a list, a count or an address.
// What it offers follows the kiosk mode staff chose: meeting check-in, booth sign-up (the Ally
// and Community Network forms), or both; forms only when the kiosk has a key to seal them to.
// With a camera, the words move left and the live preview with its frame guide takes the right;
// a "resources on your phone" QR code sits in the corner when the kiosk has a resources address.
#include <algorithm>

#include "kiosk/app/camera_panel.hpp"
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class WelcomeScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::Welcome; }
  ScanUse scan_use(const AppState&) const override { return ScanUse::CheckIn; }
  bool shows_camera() const override { return true; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();

    // Top row: the coalition's mark and name, and the language switch on the right.
    const ImVec2 mark = ImGui::GetCursorScreenPos();
    const float mark_r = ui.fonts->heading->FontSize * 0.55f;
    draw_logo(ui, {mark.x + mark_r, mark.y + ui.fonts->heading->FontSize * 0.5f}, mark_r);
    ImGui::Dummy({2 * mark_r, 1});
    ImGui::SameLine();
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
    const bool camera = forms.check_in() && camera_on_screen(state.devices);
    if (forms.check_in()) {
      ImGui::SetCursorPosY(win.y * (camera || forms.sign_up() ? 0.13f : 0.22f));
      ui.centred_text(ui.fonts->display, ui.tr("welcome.title"), ui.theme->text, 38);
      ImGui::Dummy(ui.em(0, camera ? 0.2f : 0.8f));
    } else {  // booth sign-up only
      ImGui::SetCursorPosY(win.y * 0.18f);
      ui.centred_text(ui.fonts->display, ui.tr("welcome.sign_up_title"), ui.theme->text, 38);
      ImGui::Dummy(ui.em(0, 0.8f));
      ui.centred_text(ui.fonts->heading, ui.tr(forms.sign_up() ? "welcome.sign_up_how" : "welcome.forms_off"),
                      ui.theme->text, 30);
    }
    // The middle ends above the buttons: the sign-up row sits higher when both rows show.
    const float bottom_em = forms.sign_up() && forms.check_in() ? 13.0f : 9.4f;
    const float middle_h = std::max(4.0f * em, win.y - bottom_em * em - ImGui::GetCursorPosY());
    if (camera) {  // the words on the left, the camera on the right
      ImGui::BeginChild("words", {win.x * 0.5f, middle_h}, false,
                        ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoScrollbar);
      ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(0.8f, 0.3f));
      ImGui::SetCursorPosY(middle_h * 0.12f);
    }
    if (forms.check_in()) {
      ui.centred_text(ui.fonts->heading, ui.tr("welcome.scan"), ui.theme->text, 30);
      ImGui::Dummy(ui.em(0, 0.4f));
      ui.centred_text(ui.fonts->body, ui.tr(camera ? "camera.scan_how" : "welcome.scan_how"), ui.theme->muted, 28);
    }
    if (!state.keyboard_code.text.empty()) {
      ImGui::Dummy(ui.em(0, 0.8f));
      ui.centred_text(ui.fonts->heading, ui.tr("welcome.reading"), ui.theme->accent, 30);
    }
    if (camera) {
      ImGui::PopStyleVar();
      ImGui::EndChild();
      ImGui::SameLine(0, 0.5f * em);
      draw_camera_panel(state, ui, {win.x - ImGui::GetCursorPosX() - ImGui::GetStyle().WindowPadding.x, middle_h});
    }
    if (!state.config.resources_url.empty()) draw_resources(state.config.resources_url, ui, win);

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

 private:
  /// "Resources on your phone": the coalition's public resources page as a QR code, bottom left.
  void draw_resources(const std::string& url, const Ui& ui, ImVec2 win) {
    if (url != qr_text_) {  // made once per address, not every frame
      qr_text_ = url;
      qr_ = make_qr(url);
    }
    if (!qr_) return;
    const float em = ui.em(), side = 5.6f * em;
    const ImVec2 back = ImGui::GetCursorPos();
    ImGui::SetCursorPos({1.2f * em, win.y - side - 3.6f * em});
    ImGui::PushTextWrapPos(1.2f * em + 9.0f * em);
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
    ImGui::TextUnformatted(ui.tr("welcome.resources").c_str());
    ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    const ImVec2 wp = ImGui::GetWindowPos();
    draw_qr(*qr_, {wp.x + 1.2f * em, wp.y + win.y - side - 1.0f * em}, side);
    ImGui::SetCursorPos(back);
  }

  std::string qr_text_;             ///< the address the code below was made for
  std::optional<QrModules> qr_;
};

}  // namespace

std::unique_ptr<ScreenView> make_welcome_screen() { return std::make_unique<WelcomeScreen>(); }

}  // namespace cate::app
