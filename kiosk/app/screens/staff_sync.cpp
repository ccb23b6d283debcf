// Staff mode's sync screen: is this kiosk enrolled and with which server, when it last synced,
// how many records wait, a progress bar while a round runs, the last error in words, Sync now;
// and enrolment: a scan of the office's enrolment code on this screen enrols the kiosk.
// The sync itself runs in the background (kiosk/core/sync_scheduler.hpp); this only shows it.
#include "kiosk/app/screen.hpp"

#include <algorithm>

namespace cate::app {

namespace {

/// "just now", "4 min ago", "2 h ago", "3 days ago" in the kiosk's language.
std::string ago(const Ui& ui, std::int64_t now_ms, std::int64_t then_ms) {
  const std::int64_t s = std::max<std::int64_t>(0, (now_ms - then_ms) / 1000);
  if (s < 60) return ui.tr("sync.just_now");
  if (s < 3600) return ui.tr("sync.minutes_ago", {{"n", std::to_string(s / 60)}});
  if (s < 86400) return ui.tr("sync.hours_ago", {{"n", std::to_string(s / 3600)}});
  return ui.tr("sync.days_ago", {{"n", std::to_string(s / 86400)}});
}

/// The failure's headline in the kiosk's language; the client's own words follow it.
const char* failure_key(SyncFailure f) {
  switch (f) {
    case SyncFailure::Transport: return "sync.failure.transport";
    case SyncFailure::Http: return "sync.failure.http";
    case SyncFailure::Protocol: return "sync.failure.protocol";
    case SyncFailure::Outbox: return "sync.failure.outbox";
    case SyncFailure::Pull: return "sync.failure.pull";
    case SyncFailure::Identity: return "sync.failure.identity";
    case SyncFailure::None: break;
  }
  return "sync.failure.other";
}

class StaffSyncScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffSync; }
  ScanUse scan_use(const AppState&) const override { return ScanUse::Enrol; }  // the office's enrolment code
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const SyncView& v = state.sync;
    const SyncStatus& st = v.status;

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("sync.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(win.x - 15.0f * em);
    if (ui.key("back", ui.tr("sync.back"), 13.5f, 2.4f)) out.push_back(GoTo{Screen::StaffHome});
    ImGui::Spacing();

    if (!v.available) {
      ImGui::TextWrapped("%s", ui.tr("sync.unavailable").c_str());
    } else if (!st.enrolled) {
      ImGui::TextWrapped("%s", ui.tr("sync.not_enrolled").c_str());
    } else {
      ImGui::PushFont(ui.fonts->heading);
      const std::string last = st.last_ok_ms > 0 ? ui.tr("sync.last", {{"time", format_time_of_day(st.last_ok_ms, ui.language)},
                                                                      {"ago", ago(ui, v.now_ms, st.last_ok_ms)}})
                                                 : ui.tr("sync.never");
      ImGui::TextUnformatted(last.c_str());
      ImGui::PopFont();
      const std::int64_t waiting = st.pending >= 0 ? st.pending : state.staff.counts.outbox_pending;
      ImGui::TextUnformatted(ui.tr("staff.outbox", {{"n", std::to_string(waiting)}}).c_str());

      if (st.running) {
        const SyncProgress& p = st.progress;
        const float fraction =
            p.waiting > 0 ? std::clamp(static_cast<float>(p.sent) / static_cast<float>(p.waiting), 0.0f, 1.0f) : 0.0f;
        const std::string words = p.phase == SyncProgress::Phase::Downloading
                                      ? ui.tr("sync.downloading")
                                      : ui.tr("sync.uploading", {{"n", std::to_string(p.sent)},
                                                                 {"total", std::to_string(p.waiting)}});
        ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ui.theme->accent);
        ImGui::ProgressBar(fraction, {win.x - 2.0f * em, 2.0f * em}, words.c_str());
        ImGui::PopStyleColor();
      } else if (!st.last_error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
        ImGui::TextWrapped("%s", ui.tr(failure_key(st.failure)).c_str());
        ImGui::PopStyleColor();
        ImGui::TextWrapped("%s", st.last_error.c_str());
        if (st.next_try_ms > 0 && !st.revoked)
          ImGui::TextUnformatted(ui.tr("sync.next_try", {{"time", format_time_of_day(st.next_try_ms, ui.language)}}).c_str());
      } else if (st.last_ok_ms > 0) {
        ImGui::TextUnformatted(ui.tr("sync.all_good").c_str());
      }
      ImGui::Spacing();
      if (ui.key("sync_now", ui.tr("sync.now"), 16.0f, 2.6f, !st.running && !st.revoked)) out.push_back(SyncNow{});
      if (!st.running && !st.last_error.empty()) {  // the round failed: the stick is the other way to the office
        ImGui::SameLine(0, 1.5f * em);
        if (ui.key("usb_export", ui.tr("sync.export"), 20.0f, 2.6f)) out.push_back(GoTo{Screen::StaffExport});
      }
    }

    // Enrolment, at the bottom: scan the office's code (cate-admin device add) here.
    ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY() + 1.5f * em, win.y - 6.0f * em));
    ImGui::Separator();
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
    ImGui::TextWrapped("%s", ui.tr(st.enrolled ? "sync.enrol_again" : "sync.enrol_how").c_str());
    ImGui::PopStyleColor();
    switch (v.enrol) {
      case SyncView::Enrol::Nothing: break;
      case SyncView::Enrol::Working: ImGui::TextUnformatted(ui.tr("sync.enrolling").c_str()); break;
      case SyncView::Enrol::Done:
        ImGui::TextUnformatted(ui.tr("sync.enrolled", {{"name", v.enrol_words}}).c_str());
        break;
      case SyncView::Enrol::Failed:
        ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
        ImGui::TextWrapped("%s", ui.tr("sync.enrol_failed", {{"why", v.enrol_words}}).c_str());
        ImGui::PopStyleColor();
        break;
    }
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_sync_screen() { return std::make_unique<StaffSyncScreen>(); }

}  // namespace cate::app
