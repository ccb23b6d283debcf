// The camera panel, QR codes drawn with rectangles, and the logo.
#include "kiosk/app/camera_panel.hpp"

#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace cate::app {

void draw_camera_panel(const AppState& state, const Ui& ui, ImVec2 size) {
  const DevicesView& d = state.devices;
  const float em = ui.em();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // The box takes the picture's shape (4:3 until the first picture says otherwise), as large as fits.
  const float aspect = d.preview_width > 0 && d.preview_height > 0
                           ? static_cast<float>(d.preview_width) / static_cast<float>(d.preview_height)
                           : 4.0f / 3.0f;
  const float box_h = std::max(0.0f, std::min(size.y, size.x / aspect));
  const bool trouble = d.camera == DevicesView::Camera::Trouble;  // words need the whole room
  const ImVec2 box = trouble ? ImVec2{size.x, size.y} : ImVec2{box_h * aspect, box_h};
  const ImVec2 corner = ImGui::GetCursorScreenPos();
  const ImVec2 at = {corner.x + (size.x - box.x) * 0.5f, corner.y};
  const ImVec2 end = {at.x + box.x, at.y + box.y};
  dl->AddRectFilled(at, end, IM_COL32(0, 0, 0, 255), 0.4f * em);

  if (trouble) {
    // Calm words for the person in front; staff read the camera's own words under them.
    ImGui::PushClipRect(at, end, true);
    ImGui::SetCursorScreenPos({at.x + em, at.y + 0.7f * em});
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(0.8f, 0.35f));
    ImGui::BeginGroup();  // new lines start at the panel's left edge, not the window's
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + box.x - 2 * em);
    ImGui::PushFont(ui.fonts->heading);
    ImGui::TextUnformatted(ui.tr("camera.trouble").c_str());
    ImGui::PopFont();
    ImGui::TextUnformatted(ui.tr("camera.trouble_next").c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
    ImGui::TextUnformatted(ui.tr("camera.trouble_staff", {{"why", d.camera_problem}}).c_str());
    ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
    ImGui::PopStyleVar();
    ImGui::PopClipRect();
    ImGui::SetCursorScreenPos(corner);
    ImGui::Dummy(size);
    return;
  }

  if (d.preview && d.preview_width > 0 && d.preview_height > 0) {
    // Letterboxed: the whole picture, as large as fits.
    const float scale = std::min(box.x / d.preview_width, box.y / d.preview_height);
    const ImVec2 img = {d.preview_width * scale, d.preview_height * scale};
    const ImVec2 p0 = {at.x + (box.x - img.x) * 0.5f, at.y + (box.y - img.y) * 0.5f};
    dl->AddImage(reinterpret_cast<ImTextureID>(d.preview), p0, {p0.x + img.x, p0.y + img.y});
  } else {
    const std::string starting = ui.tr("camera.starting");
    const ImVec2 ts = ImGui::CalcTextSize(starting.c_str());
    dl->AddText({at.x + (box.x - ts.x) * 0.5f, at.y + box.y * 0.5f - ts.y}, ui.theme->muted, starting.c_str());
  }
  // The guide: corner brackets of a square in the middle, where a ticket reads best.
  const float side = std::min(box.x, box.y) * 0.62f;
  const ImVec2 c = {at.x + box.x * 0.5f, at.y + box.y * 0.5f};
  const float h = side * 0.5f, arm = side * 0.22f, thick = std::max(2.0f, 0.18f * em);
  for (int sx : {-1, 1})
    for (int sy : {-1, 1}) {
      const ImVec2 corner = {c.x + sx * h, c.y + sy * h};
      dl->AddLine(corner, {corner.x - sx * arm, corner.y}, ui.theme->accent, thick);
      dl->AddLine(corner, {corner.x, corner.y - sy * arm}, ui.theme->accent, thick);
    }
  // The caption on a dark band across the bottom of the picture.
  const std::string caption = ui.tr("camera.hold");
  const ImVec2 ts = ImGui::CalcTextSize(caption.c_str());
  const float band = ts.y + 0.6f * em;
  dl->AddRectFilled({at.x, end.y - band}, end, IM_COL32(0, 0, 0, 170), 0.4f * em, ImDrawFlags_RoundCornersBottom);
  ImGui::SetCursorScreenPos({at.x + std::max(0.0f, (box.x - ts.x) * 0.5f), end.y - band + 0.3f * em});
  ImGui::TextUnformatted(caption.c_str());
  ImGui::SetCursorScreenPos(corner);
  ImGui::Dummy(size);
}

std::optional<QrModules> make_qr(std::string_view text) {
  const std::string s(text);
  QRcode* code = QRcode_encodeString8bit(s.c_str(), 0, QR_ECLEVEL_M);
  if (!code) return std::nullopt;
  QrModules q;
  q.size = code->width;
  q.dark.resize(static_cast<std::size_t>(code->width) * code->width);
  for (std::size_t i = 0; i < q.dark.size(); ++i) q.dark[i] = code->data[i] & 1;
  QRcode_free(code);
  return q;
}

void draw_qr(const QrModules& qr, ImVec2 top_left, float side) {
  if (qr.size <= 0) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int with_quiet = qr.size + 8;
  const float px = std::max(1.0f, std::floor(side / with_quiet));
  const float full = px * with_quiet;
  const ImVec2 o = {std::floor(top_left.x), std::floor(top_left.y)};
  dl->AddRectFilled(o, {o.x + full, o.y + full}, IM_COL32(255, 255, 255, 255));
  for (int y = 0; y < qr.size; ++y) {
    int x = 0;
    while (x < qr.size) {  // one rectangle per run of dark modules in a row
      if (!qr.dark[static_cast<std::size_t>(y) * qr.size + x]) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < qr.size && qr.dark[static_cast<std::size_t>(y) * qr.size + x]) ++x;
      const ImVec2 a = {o.x + (start + 4) * px, o.y + (y + 4) * px};
      dl->AddRectFilled(a, {o.x + (x + 4) * px, a.y + px}, IM_COL32(0, 0, 0, 255));
    }
  }
}

void draw_logo(const Ui& ui, ImVec2 centre, float radius) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddCircleFilled(centre, radius, ui.theme->accent, 48);
  const float r = radius * 0.36f, ring = radius * 0.34f, thick = std::max(1.5f, radius * 0.09f);
  constexpr float kPi = 3.14159265f;
  for (int i = 0; i < 3; ++i) {
    const float a = -kPi / 2 + i * 2 * kPi / 3;
    dl->AddCircle({centre.x + ring * std::cos(a), centre.y + ring * std::sin(a)}, r, ui.theme->background, 32, thick);
  }
}

}  // namespace cate::app
