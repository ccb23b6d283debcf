// Staff mode's Export to USB: for a kiosk with no network. Lists the USB sticks found (looked for
// every 2 s off the render thread while this screen shows), the records waiting and the key an
// export is sealed to; beside each stick, Export (the outbox, sealed, in one file) and Take in the
// office's receipt (the records the office now holds leave the outbox). What the last of them did
// is said at the bottom, in words, with what to do next.
#include <algorithm>
#include <cstdio>

#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

/// "740 KB", "3.2 GB" (a decimal comma in Spanish).
std::string size_words(std::uint64_t bytes, Language language) {
  static const char* const kUnits[] = {"bytes", "KB", "MB", "GB", "TB"};
  double n = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (n >= 1000.0 && unit + 1 < std::size(kUnits)) n /= 1000.0, ++unit;
  char text[32];
  if (unit == 0 || n >= 100) std::snprintf(text, sizeof text, "%.0f %s", n, kUnits[unit]);
  else std::snprintf(text, sizeof text, "%.1f %s", n, kUnits[unit]);
  std::string s = text;
  if (language == Language::Spanish)
    for (char& c : s)
      if (c == '.') c = ',';
  return s;
}

const char* failure_key(ExportFailure::Kind kind) {
  switch (kind) {
    case ExportFailure::Kind::Full: return "export.failure.full";
    case ExportFailure::Kind::ReadOnly: return "export.failure.read_only";
    case ExportFailure::Kind::NoFolder: return "export.failure.no_folder";
    case ExportFailure::Kind::NoSealKey: return "export.failure.no_seal_key";
    case ExportFailure::Kind::Store: return "export.failure.store";
    case ExportFailure::Kind::CannotWrite: break;
  }
  return "export.failure.cannot_write";
}

std::string stick_name(const UsbExportView& v, const std::string& folder) {
  for (const UsbStick& s : v.sticks)
    if (s.folder == folder) return s.name;
  const std::size_t slash = folder.find_last_of('/');
  return slash == std::string::npos || slash + 1 == folder.size() ? folder : folder.substr(slash + 1);
}

class StaffExportScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffExport; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const UsbExportView& v = state.usb;
    const ImVec4 accent = ImGui::ColorConvertU32ToFloat4(ui.theme->accent);

    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("export.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine(win.x - 15.0f * em);
    if (ui.key("back", ui.tr("export.back"), 13.5f, 2.4f, !v.busy())) out.push_back(GoTo{Screen::StaffHome});

    // What an export holds and whom it is for.
    if (v.waiting >= 0) {
      ImGui::PushFont(ui.fonts->heading);
      ImGui::TextUnformatted(ui.tr("staff.outbox", {{"n", std::to_string(v.waiting)}}).c_str());
      ImGui::PopFont();
    }
    ImGui::PushTextWrapPos(win.x - 1.5f * em);
    if (v.waiting >= 0 && !v.can_seal) {
      ImGui::TextColored(accent, "%s", ui.tr("export.failure.no_seal_key").c_str());
    } else if (v.can_seal) {
      ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
      ImGui::TextWrapped("%s", ui.tr("export.sealed", {{"id", v.sealed_to}}).c_str());
      if (!v.enrolled) ImGui::TextWrapped("%s", ui.tr("export.not_enrolled").c_str());
      ImGui::PopStyleColor();
    }
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
    ImGui::Separator();

    // The sticks, each with its two buttons; the words of the last action below them.
    const float list_h = std::max(6.0f * em, win.y - ImGui::GetCursorPosY() - 8.5f * em);
    ImGui::BeginChild("sticks", {win.x - 2.0f * em, list_h}, false, ImGuiWindowFlags_NoBackground);
    if (!v.looked) ImGui::TextUnformatted(ui.tr("export.looking").c_str());
    else if (v.sticks.empty()) ImGui::TextWrapped("%s", ui.tr("export.none").c_str());
    for (std::size_t i = 0; i < v.sticks.size(); ++i) {
      const UsbStick& s = v.sticks[i];
      ImGui::PushID(static_cast<int>(i));
      if (i > 0) ImGui::Separator();
      // Its name, its state and where it is mounted on one line; its two buttons under that.
      ImGui::PushFont(ui.fonts->heading);
      ImGui::TextUnformatted(s.name.c_str());
      ImGui::PopFont();
      const float baseline = (ui.fonts->heading->FontSize - ImGui::GetFontSize()) * 0.75f;
      const std::string about = !s.present   ? ui.tr("export.missing")
                                : !s.writable ? ui.tr("export.read_only")
                                              : ui.tr("export.free", {{"size", size_words(s.free_bytes, ui.language)}});
      ImGui::SameLine(0, 1.5f * em);
      ImGui::SetCursorPosY(ImGui::GetCursorPosY() + baseline);
      ImGui::PushStyleColor(ImGuiCol_Text, s.present && s.writable ? ui.theme->text : ui.theme->accent);
      ImGui::TextUnformatted(about.c_str());
      ImGui::PopStyleColor();
      ImGui::SameLine(0, 1.5f * em);  // on the state's own line, already lowered
      ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
      const std::string where = s.fs_type.empty() ? s.folder : s.folder + "  ·  " + s.fs_type + "  ·  " + s.device;
      ImGui::TextUnformatted(where.c_str());
      ImGui::PopStyleColor();
      // A read-only stick keeps its button: its lock switch may have moved since the last look,
      // and if not, the answer says so in words.
      if (ui.key("export", ui.tr("export.export"), 10.0f, 2.6f, !v.busy() && s.present && v.can_seal))
        out.push_back(ExportToStick{s.folder});
      ImGui::SameLine(0, 1.0f * em);
      if (ui.key("receipt", ui.tr("export.take_receipt"), 20.0f, 2.6f, !v.busy() && s.present))
        out.push_back(TakeOfficeReceipts{s.folder});
      ImGui::PopID();
      ImGui::Spacing();
    }
    ImGui::EndChild();

    // What the last Export or receipt did.
    ImGui::SetCursorPosY(win.y - 8.0f * em);
    ImGui::Separator();
    ImGui::PushTextWrapPos(win.x - 1.5f * em);
    const std::string name = stick_name(v, v.folder);
    using Said = UsbExportView::Said;
    switch (v.said) {
      case Said::Nothing:
        ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
        ImGui::TextWrapped("%s", ui.tr("export.how").c_str());
        ImGui::PopStyleColor();
        break;
      case Said::Exporting: ImGui::TextUnformatted(ui.tr("export.working", {{"name", name}}).c_str()); break;
      case Said::Exported:
        ImGui::PushFont(ui.fonts->heading);
        ImGui::TextUnformatted(ui.tr("export.done", {{"n", std::to_string(v.records)}}).c_str());
        ImGui::PopFont();
        ImGui::TextWrapped("%s", ui.tr("export.done_file", {{"file", v.file},
                                                           {"size", size_words(v.bytes, ui.language)}}).c_str());
        if (!v.enrolled) ImGui::TextWrapped("%s", ui.tr("export.not_enrolled").c_str());
        break;
      case Said::NothingToExport: ImGui::TextWrapped("%s", ui.tr("export.nothing").c_str()); break;
      case Said::ExportFailed:
        ImGui::TextColored(accent, "%s", ui.tr(failure_key(v.failure), {{"name", name}}).c_str());
        if (v.failure == ExportFailure::Kind::CannotWrite || v.failure == ExportFailure::Kind::Store)
          ImGui::TextWrapped("%s", v.detail.c_str());  // the system's own words, for whoever fixes it
        break;
      case Said::TakingReceipt:
        ImGui::TextUnformatted(ui.tr("export.receipt_working", {{"name", name}}).c_str());
        break;
      case Said::ReceiptTaken:
        ImGui::PushFont(ui.fonts->heading);
        ImGui::TextUnformatted(ui.tr("export.receipt_done", {{"n", std::to_string(v.left_outbox)}}).c_str());
        ImGui::PopFont();
        ImGui::TextWrapped("%s", ui.tr("export.receipt_count", {{"n", std::to_string(v.receipts)}}).c_str());
        if (!v.detail.empty())
          ImGui::TextColored(accent, "%s", ui.tr("export.receipt_refused", {{"why", v.detail}}).c_str());
        break;
      case Said::NoReceipt: ImGui::TextWrapped("%s", ui.tr("export.no_receipt", {{"name", name}}).c_str()); break;
      case Said::ReceiptRefused:
        ImGui::TextColored(accent, "%s", ui.tr("export.receipt_refused", {{"why", v.detail}}).c_str());
        break;
      case Said::ReceiptFailed:
        ImGui::TextColored(accent, "%s", ui.tr("export.receipt_failed", {{"why", v.detail}}).c_str());
        break;
    }
    ImGui::PopTextWrapPos();
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_staff_export_screen() { return std::make_unique<StaffExportScreen>(); }

}  // namespace cate::app
