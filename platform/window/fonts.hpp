#pragma once
/// @brief The kiosk's fonts from Debian's font packages (Noto Sans), with the glyphs that
/// Spanish and the names people really have need; Dear ImGui's own font when they are missing.
#include <string>

#include "platform/window/window.hpp"

namespace cate::window {

/// The body font size in pixels for a display of this height (large, touch-friendly text).
float em_for_display_height(int height_px, float scale);

/// Loads body, heading and display fonts into Dear ImGui's atlas at `em` pixels. Fonts are
/// looked for in $CATE_FONT_DIR, then Debian's fonts-noto-core folder; when none is found,
/// Dear ImGui's built-in font is used (ASCII only) and `warning` says so.
Fonts load_fonts(float em, std::string& warning);

}  // namespace cate::window
