#pragma once
/// @brief What every screen draws with: the theme (assets/theme.json), the fonts, the words of
/// the current language, and a few widgets sized in font units (em) for touch.
#include <imgui.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/messages.hpp"
#include "platform/window/window.hpp"

namespace cate::app {

/// Colours from assets/theme.json (high contrast: at least 7:1 for text on its background).
struct Theme {
  ImU32 background = IM_COL32(11, 31, 51, 255);
  ImU32 text = IM_COL32(255, 255, 255, 255);
  ImU32 muted = IM_COL32(201, 214, 227, 255);
  ImU32 accent = IM_COL32(255, 210, 63, 255);
  ImU32 button = IM_COL32(255, 210, 63, 255);
  ImU32 button_hovered = IM_COL32(255, 224, 120, 255);
  ImU32 button_active = IM_COL32(230, 180, 30, 255);
  ImU32 button_text = IM_COL32(11, 31, 51, 255);
  ImU32 success = IM_COL32(20, 96, 48, 255);
  ImU32 notice = IM_COL32(22, 62, 112, 255);
  ImU32 refusal = IM_COL32(122, 28, 28, 255);

  /// The embedded assets/theme.json; a missing or damaged file keeps the colours above.
  static Theme load();
  void apply_to(ImGuiStyle& style, float em) const;
};

/// A button's place on screen, recorded for the UI tests (they touch it with real input).
struct ButtonSpot {
  std::string label;
  ImVec2 centre;
};

/// @brief What a screen draws with for one frame.
struct Ui {
  const window::Fonts* fonts = nullptr;
  const Theme* theme = nullptr;
  Language language = Language::English;
  std::vector<ButtonSpot>* buttons = nullptr;  ///< set only while UI tests listen

  float em() const { return fonts->em; }
  ImVec2 em(float x, float y) const { return {x * fonts->em, y * fonts->em}; }
  /// The translated text for `key` (assets/i18n/<lang>.json).
  std::string tr(std::string_view key, const std::map<std::string, std::string>& vars = {}) const;

  /// Text centred on the window's width, wrapped at `width_em`, in `font` and `colour`.
  void centred_text(ImFont* font, std::string_view text, ImU32 colour, float width_em = 0) const;
  /// A large touch button centred or at the cursor; true when touched. `id` keeps its identity
  /// across languages.
  bool button(const char* id, std::string_view label, float width_em, bool centred = true) const;
  /// A key-sized button at the cursor (on-screen keyboards, lists): `w_em` by `h_em`. When not
  /// `enabled` it is greyed out, cannot be touched, and is not reported to the UI tests.
  bool key(const char* id, std::string_view label, float w_em, float h_em, bool enabled = true) const;
  /// A button drawn as chosen (for the language switch).
  bool toggle(const char* id, std::string_view label, bool chosen, float width_em) const;
};

}  // namespace cate::app
