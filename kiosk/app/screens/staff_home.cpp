// Staff home: the active meeting and a picker among the kiosk's meetings, live counts (checked
// in of RSVPs, refused scans, records waiting to sync), the latest check-ins with Undo, check-in
// by name, device information, and Leave staff mode. Walk-ins and sign-ups are counted too; what
// the kiosk offers and whether forms can be sealed are on their own screen (staff_forms.cpp), the
// date and time on theirs (staff_clock.cpp).
// Everything shown is read by the store's thread and read again every few seconds.
#include <algorithm>

#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class StaffHomeScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffHome; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const StaffView& s = state.staff;

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("staff.title").c_str());
    ImGui::PopFont();
    if (!s.notice.empty()) {  // what was just done, beside the title
      ImGui::SameLine(0, 2.0f * em);
      ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
      ImGui::TextUnformatted(s.notice.c_str());
      ImGui::PopStyleColor();
    }
    // Export to USB (the records' way out with no network), then Leave, at the top right.
    ImGui::SameLine(win.x - 29.0f * em);
    if (ui.key("usb_export", ui.tr("staff.export"), 13.5f, 2.4f, !s.busy)) out.push_back(GoTo{Screen::StaffExport});
    ImGui::SameLine(win.x - 15.0f * em);
    if (ui.key("leave", ui.tr("staff.leave"), 13.5f, 2.4f)) out.push_back(GoTo{Screen::Welcome});

    // Live counts, across the top.
    ImGui::PushFont(ui.fonts->heading);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(ui.tr("staff.checked_in", {{"n", std::to_string(s.counts.checked_in)},
                                                      {"total", std::to_string(s.counts.rsvps)}}).c_str());
    ImGui::PopFont();
    // Date and time, under Export (it says so when the clock is provably behind), then Forms and
    // kiosk mode (what Welcome offers), at the right of the counts.
    ImGui::SameLine(std::max(win.x - 29.0f * em, ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + em));
    const bool behind = state.clock.trust == ClockTrust::Behind;
    if (ui.key("clock", ui.tr(behind ? "staff.clock_behind" : "staff.clock"), 13.5f, 2.4f, !s.busy))
      out.push_back(GoTo{Screen::StaffClock});
    ImGui::SameLine(win.x - 15.0f * em);
    if (ui.key("forms", ui.tr("staff.forms_title"), 13.5f, 2.4f, !s.busy)) out.push_back(GoTo{Screen::StaffForms});
    const std::string more = ui.tr("staff.refused", {{"n", std::to_string(s.counts.refused_scans)}}) + "  ·  " +
                             ui.tr("staff.outbox", {{"n", std::to_string(s.counts.outbox_pending)}}) + "  ·  " +
                             ui.tr("staff.forms_count", {{"walk_ins", std::to_string(s.counts.walk_ins)},
                                                         {"sign_ups", std::to_string(s.counts.sign_ups)}});
    ImGui::TextUnformatted(more.c_str());

    ImGui::BeginDisabled(s.busy);
    const float col_w = (win.x - 3.0f * em) * 0.5f;
    // The columns end above the bottom button, whatever the header above them holds.
    const float col_h = win.y - 7.6f * em - ImGui::GetCursorPosY();
    // Left: the meeting picker.
    ImGui::BeginChild("meeting", {col_w, col_h}, false, ImGuiWindowFlags_NoBackground);
    ImGui::TextDisabled("%s", ui.tr("staff.meeting").c_str());
    for (const Meeting& m : s.meetings) {
      const bool chosen = s.active && *s.active == m.id;
      if (ui.toggle(("meeting" + m.id.str()).c_str(), m.name, chosen, col_w / em - 2.0f) && !chosen)
        out.push_back(ChooseMeeting{m.id});
    }
    if (s.meetings.empty()) ImGui::TextUnformatted(ui.tr("staff.no_meetings").c_str());
    ImGui::EndChild();

    // Right: the latest check-ins, each with Undo.
    ImGui::SameLine();
    ImGui::BeginChild("recent", {col_w, col_h}, false, ImGuiWindowFlags_NoBackground);
    ImGui::TextDisabled("%s", ui.tr("staff.recent").c_str());
    if (s.recent.empty()) ImGui::TextUnformatted(ui.tr("staff.none_yet").c_str());
    for (const CheckInLine& c : s.recent) {
      const std::string line = c.label() + "  " + format_time_of_day(c.at_ms, ui.language) + "  " +
                               ui.tr("staff.method." + c.method);
      ImGui::AlignTextToFramePadding();
      ImGui::TextUnformatted(line.c_str());
      ImGui::SameLine(col_w - 8.0f * em);
      if (ui.key(("undo" + c.id.str()).c_str(), ui.tr("staff.undo"), 7.0f, 2.2f, !s.busy))
        out.push_back(UndoCheckIn{c.id, c.label()});
    }
    ImGui::EndChild();
    ImGui::EndDisabled();

    // Device information, under both columns.
    ImGui::SetCursorPosY(win.y - 7.2f * em);
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
    const std::string device = ui.tr("staff.device") + ":  " + ui.tr("staff.device_id", {{"id", s.device_id}}) +
                               "  ·  " + ui.tr("staff.schema", {{"n", std::to_string(s.schema)}});
    ImGui::TextUnformatted(device.c_str());
    ImGui::TextUnformatted(ui.tr("staff.store", {{"path", state.config.store_path}}).c_str());
    ImGui::PopStyleColor();

    ImGui::SetCursorPosY(win.y - 4.2f * em);
    // Widths that leave room for the camera test at the right on a 1280-pixel-wide panel.
    if (ui.button("by_name", ui.tr("staff.check_in_by_name"), 16, false) && !s.busy) out.push_back(GoTo{Screen::StaffCheckIn});
    ImGui::SameLine(0, 0.8f * ui.em());
    if (ui.button("sync", ui.tr("staff.sync"), 10, false) && !s.busy) out.push_back(GoTo{Screen::StaffSync});
    ImGui::SetCursorPos({win.x - 12.5f * em, win.y - 4.2f * em});  // the camera test, bottom right
    if (ui.key("camera_test", ui.tr("staff.camera_test"), 11.0f, 2.8f, !s.busy)) out.push_back(GoTo{Screen::StaffCamera});
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_home_screen() { return std::make_unique<StaffHomeScreen>(); }

}  // namespace cate::app
