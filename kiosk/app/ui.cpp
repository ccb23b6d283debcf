#include "kiosk/app/ui.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cstring>

#include "assets/assets.hpp"

namespace cate::app {

namespace {

/// "#RRGGBB" or "#RRGGBBAA"; `fallback` for anything else.
ImU32 parse_colour(const nlohmann::json& j, const char* key, ImU32 fallback) {
  if (!j.contains(key) || !j[key].is_string()) return fallback;
  const std::string s = j[key].get<std::string>();
  unsigned r = 0, g = 0, b = 0, a = 255;
  if (s.size() == 7 && std::sscanf(s.c_str(), "#%2x%2x%2x", &r, &g, &b) == 3) return IM_COL32(r, g, b, 255);
  if (s.size() == 9 && std::sscanf(s.c_str(), "#%2x%2x%2x%2x", &r, &g, &b, &a) == 4) return IM_COL32(r, g, b, a);
  return fallback;
}

ImVec4 v4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

}  // namespace

Theme Theme::load() {
  Theme t;
  auto j = nlohmann::json::parse(asset("theme.json").value_or("{}"), nullptr, false);
  if (!j.is_object()) return t;
  const auto& c = j.contains("colours") ? j["colours"] : j;
  t.background = parse_colour(c, "background", t.background);
  t.text = parse_colour(c, "text", t.text);
  t.muted = parse_colour(c, "muted", t.muted);
  t.accent = parse_colour(c, "accent", t.accent);
  t.button = parse_colour(c, "button", t.button);
  t.button_hovered = parse_colour(c, "button_hovered", t.button_hovered);
  t.button_active = parse_colour(c, "button_active", t.button_active);
  t.button_text = parse_colour(c, "button_text", t.button_text);
  t.success = parse_colour(c, "success", t.success);
  t.notice = parse_colour(c, "notice", t.notice);
  t.refusal = parse_colour(c, "refusal", t.refusal);
  return t;
}

void Theme::apply_to(ImGuiStyle& style, float em) const {
  style = ImGuiStyle();
  style.WindowPadding = {1.5f * em, 1.2f * em};
  style.FramePadding = {1.0f * em, 0.7f * em};
  style.ItemSpacing = {0.8f * em, 0.8f * em};
  style.ItemInnerSpacing = {0.5f * em, 0.5f * em};
  style.TouchExtraPadding = {0.3f * em, 0.3f * em};  // fingers are wider than pointers
  style.ScrollbarSize = 1.2f * em;
  style.GrabMinSize = 1.2f * em;
  style.WindowRounding = 0;
  style.WindowBorderSize = 0;
  style.FrameRounding = 0.4f * em;
  style.FrameBorderSize = 0;
  style.Colors[ImGuiCol_WindowBg] = v4(background);
  style.Colors[ImGuiCol_Text] = v4(text);
  style.Colors[ImGuiCol_TextDisabled] = v4(muted);
  style.Colors[ImGuiCol_Button] = v4(button);
  style.Colors[ImGuiCol_ButtonHovered] = v4(button_hovered);
  style.Colors[ImGuiCol_ButtonActive] = v4(button_active);
  style.Colors[ImGuiCol_FrameBg] = v4(IM_COL32(255, 255, 255, 255));
  style.Colors[ImGuiCol_NavHighlight] = v4(accent);
}

std::string Ui::tr(std::string_view key, const std::map<std::string, std::string>& vars) const {
  return Catalog::of(language).text(key, vars);
}

void Ui::centred_text(ImFont* font, std::string_view text, ImU32 colour, float width_em) const {
  ImGui::PushFont(font);
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  const float window_w = ImGui::GetWindowWidth();
  const float wrap = width_em > 0 ? std::min(width_em * em(), window_w - 2 * em()) : window_w - 4 * em();
  const char* s = text.data();
  const char* end = text.data() + text.size();
  while (s < end) {
    const char* line_end = font->CalcWordWrapPositionA(1.0f, s, end, wrap);
    if (line_end == s) ++line_end;  // a word longer than the line: break it
    const char* newline = static_cast<const char*>(std::memchr(s, '\n', static_cast<std::size_t>(line_end - s)));
    if (newline) line_end = newline;
    const float w = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, s, line_end).x;
    ImGui::SetCursorPosX(std::max(0.0f, (window_w - w) * 0.5f));
    ImGui::TextUnformatted(s, line_end);
    s = line_end;
    while (s < end && (*s == ' ' || *s == '\n')) ++s;
  }
  ImGui::PopStyleColor();
  ImGui::PopFont();
}

bool Ui::button(const char* id, std::string_view label, float width_em, bool centred) const {
  const ImVec2 size = {width_em * em(), 2.8f * em()};  // about 9 mm and more on a kiosk panel
  if (centred) ImGui::SetCursorPosX((ImGui::GetWindowWidth() - size.x) * 0.5f);
  ImGui::PushStyleColor(ImGuiCol_Text, theme->button_text);
  const std::string text = std::string(label) + "##" + id;
  bool touched = ImGui::Button(text.c_str(), size);
  ImGui::PopStyleColor();
  if (buttons) {
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    buttons->push_back({std::string(label), {(a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f}});
  }
  return touched;
}

bool Ui::key(const char* id, std::string_view label, float w_em, float h_em, bool enabled) const {
  ImGui::BeginDisabled(!enabled);
  ImGui::PushStyleColor(ImGuiCol_Text, theme->button_text);
  // A key lower than the padding and its text: less padding, so the label stays centred, not cut.
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding,
                      {pad.x, std::clamp((h_em * em() - ImGui::GetFontSize()) * 0.5f, 0.0f, pad.y)});
  const std::string text = std::string(label) + "##" + id;
  const bool touched = ImGui::Button(text.c_str(), em(w_em, h_em));
  ImGui::PopStyleVar();
  ImGui::PopStyleColor();
  ImGui::EndDisabled();
  if (buttons && enabled) {
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    buttons->push_back({std::string(label), {(a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f}});
  }
  return touched && enabled;
}

bool Ui::toggle(const char* id, std::string_view label, bool chosen, float width_em) const {
  if (!chosen) {
    // Not chosen: an outlined button in the screen's colours.
    ImGui::PushStyleColor(ImGuiCol_Button, v4(IM_COL32(0, 0, 0, 0)));
    ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 0.12f * em());
    ImGui::PushStyleColor(ImGuiCol_Border, v4(theme->text));
  }
  const ImVec2 size = {width_em * em(), 2.4f * em()};
  ImGui::PushStyleColor(ImGuiCol_Text, chosen ? theme->button_text : theme->text);
  const std::string text = std::string(label) + "##" + id;
  bool touched = ImGui::Button(text.c_str(), size);
  ImGui::PopStyleColor();
  if (!chosen) {
    ImGui::PopStyleColor(2);
    ImGui::PopStyleVar();
  }
  if (buttons) {
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    buttons->push_back({std::string(label), {(a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f}});
  }
  return touched;
}

}  // namespace cate::app
