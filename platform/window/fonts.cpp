// Fonts: Noto Sans from fonts-noto-core, Latin with its extensions (Spanish, Vietnamese,
// most European names), at three sizes in one atlas.
#include "platform/window/fonts.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace cate::window {

namespace {

// Basic Latin, Latin-1 (á é í ó ú ñ ¿ ¡), Latin Extended-A and -B, combining accents,
// Latin Extended Additional (ễ ạ, Vietnamese), general punctuation (… ’ “ ” –).
constexpr ImWchar kGlyphRanges[] = {
    0x0020, 0x024F,
    0x0300, 0x036F,
    0x1E00, 0x1EFF,
    0x2010, 0x205E,
    0x20AC, 0x20AC,
    0,
};

std::string find_font(const char* file) {
  std::error_code ec;
  if (const char* dir = std::getenv("CATE_FONT_DIR"); dir && *dir) {
    std::string p = std::string(dir) + "/" + file;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  for (const char* dir : {"/usr/share/fonts/truetype/noto", "/usr/local/share/fonts/truetype/noto"}) {
    std::string p = std::string(dir) + "/" + file;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return {};
}

}  // namespace

float em_for_display_height(int height_px, float scale) {
  // About 26 lines of body text on the screen: 18 px on a 480-line panel, 31 px on 800 lines.
  float em = static_cast<float>(height_px) / 26.0f;
  return std::clamp(em, 14.0f, 64.0f) * std::clamp(scale, 0.5f, 3.0f);
}

Fonts load_fonts(float em, std::string& warning) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  Fonts f;
  f.em = em;
  const std::string regular = find_font("NotoSans-Regular.ttf");
  std::string bold = find_font("NotoSans-Bold.ttf");
  if (bold.empty()) bold = regular;
  if (!regular.empty()) {
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    cfg.OversampleV = 1;
    f.body = io.Fonts->AddFontFromFileTTF(regular.c_str(), em, &cfg, kGlyphRanges);
    f.heading = io.Fonts->AddFontFromFileTTF(bold.c_str(), std::round(em * 1.6f), &cfg, kGlyphRanges);
    cfg.OversampleH = 1;  // big glyphs need no oversampling, and keep the atlas small
    f.display = io.Fonts->AddFontFromFileTTF(bold.c_str(), std::round(em * 2.4f), &cfg, kGlyphRanges);
  }
  if (!f.body || !f.heading || !f.display) {
    warning = "Noto Sans (Debian package fonts-noto-core) was not found: using Dear ImGui's "
              "built-in font, which has no accented letters. Install fonts-noto-core.";
    io.Fonts->Clear();
    ImFontConfig cfg;
    cfg.SizePixels = em;
    f.body = io.Fonts->AddFontDefault(&cfg);
    cfg.SizePixels = std::round(em * 1.6f);
    f.heading = io.Fonts->AddFontDefault(&cfg);
    cfg.SizePixels = std::round(em * 2.4f);
    f.display = io.Fonts->AddFontDefault(&cfg);
  }
  io.FontDefault = f.body;
  return f;
}

}  // namespace cate::window
