// Staff camera test: the live preview, what the camera last read, frames a second, and the
// serial scanner's state. Codes read here are shown, not checked in.
#include <cstdio>

#include "kiosk/app/camera_panel.hpp"
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class StaffCameraScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffCamera; }
  bool shows_camera() const override { return true; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const DevicesView& d = state.devices;

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("staff.camera_title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(win.x - 15.0f * em);
    if (ui.key("back", ui.tr("staff.back"), 13.5f, 2.4f)) out.push_back(GoTo{Screen::StaffHome});

    const float top = ImGui::GetCursorPosY();
    const ImVec2 panel = {win.x * 0.55f, win.y - top - 2.0f * em};
    if (d.camera == DevicesView::Camera::None) {
      ImGui::TextUnformatted(ui.tr("staff.camera_none").c_str());
    } else {
      draw_camera_panel(state, ui, panel);
    }

    // Beside the preview: what the camera is and does.
    ImGui::SetCursorPos({win.x * 0.55f + 3.0f * em, top});
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(win.x - 1.5f * em);
    if (d.camera != DevicesView::Camera::None) {
      ImGui::TextUnformatted(ui.tr("staff.camera_name", {{"name", d.camera_name}}).c_str());
      char fps[32];
      std::snprintf(fps, sizeof fps, "%.1f", d.camera_fps);
      ImGui::TextUnformatted(ui.tr("staff.camera_fps", {{"fps", fps}}).c_str());
      ImGui::TextUnformatted(ui.tr("staff.camera_codes", {{"n", std::to_string(d.camera_codes)}}).c_str());
      ImGui::TextDisabled("%s", ui.tr("staff.camera_last").c_str());
      ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
      ImGui::TextUnformatted(d.last_code.empty() ? ui.tr("staff.camera_nothing_yet").c_str() : d.last_code.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::Dummy(ui.em(0, 0.6f));
    if (d.serial) {
      ImGui::TextUnformatted(ui.tr(d.serial_connected ? "staff.serial_connected" : "staff.serial_waiting",
                                   {{"name", d.serial_name}, {"n", std::to_string(d.serial_codes)}})
                                 .c_str());
      if (!d.serial_problem.empty()) ImGui::TextUnformatted(d.serial_problem.c_str());
    }
    ImGui::TextUnformatted(ui.tr(d.sound ? "staff.sound_on" : "staff.sound_off").c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_camera_screen() { return std::make_unique<StaffCameraScreen>(); }

}  // namespace cate::app
