#include "kiosk/app/keypads.hpp"

#include <string>

namespace cate::app {

namespace {

constexpr float kKeyW = 3.3f;      // em: about 10 mm on a 10-inch 1280x800 panel
constexpr float kKeyH = 2.3f;
constexpr float kGap = 0.35f;
constexpr float kDeleteW = 5.0f;
constexpr float kSpaceW = 10.0f;
constexpr float kPadKeyW = 5.0f;
constexpr float kPadKeyH = 2.6f;

// Accents and e-mail characters, then QWERTY. Each UTF-8 string is one key.
constexpr const char* kRows[][10] = {
    {"á", "é", "í", "ó", "ú", "ñ", "ü", "@", ".", "-"},
    {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"},
    {"a", "s", "d", "f", "g", "h", "j", "k", "l", nullptr},
    {"z", "x", "c", "v", "b", "n", "m", nullptr, nullptr, nullptr},
};

void start_row(const Ui& ui, float row_w_em) {
  ImGui::SetCursorPosX((ImGui::GetWindowWidth() - row_w_em * ui.em()) * 0.5f);
}

}  // namespace

float letter_keyboard_height_em() { return 4 * kKeyH + 3 * kGap; }

void letter_keyboard(const Ui& ui, Intents& out) {
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(kGap, kGap));
  for (int r = 0; r < 4; ++r) {
    int n = 0;
    while (n < 10 && kRows[r][n]) ++n;
    // Row 3 ends with Delete, row 4 with Space; each row is centred on its own, as on a keyboard.
    const float extra = r == 2 ? kDeleteW : r == 3 ? kSpaceW : 0.0f;
    start_row(ui, n * (kKeyW + kGap) - kGap + (extra > 0 ? extra + kGap : 0.0f));
    for (int k = 0; k < n; ++k) {
      if (k) ImGui::SameLine();
      const std::string id = "key" + std::to_string(r) + "_" + std::to_string(k);
      if (ui.key(id.c_str(), kRows[r][k], kKeyW, kKeyH)) out.push_back(TypeKey{kRows[r][k]});
    }
    if (r == 2) {
      ImGui::SameLine();
      if (ui.key("key_delete", ui.tr("keys.delete"), kDeleteW, kKeyH)) out.push_back(TypeKey{"", true});
    } else if (r == 3) {
      ImGui::SameLine();
      if (ui.key("key_space", ui.tr("keys.space"), kSpaceW, kKeyH)) out.push_back(TypeKey{" "});
    }
  }
  ImGui::PopStyleVar();
}

float number_pad_height_em() { return 4 * kPadKeyH + 3 * kGap; }

void number_pad(const Ui& ui, Intents& out, bool enabled) {
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(kGap, kGap));
  const char* const digits[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
  for (int r = 0; r < 4; ++r) {
    start_row(ui, 3 * kPadKeyW + 2 * kGap);
    for (int c = 0; c < 3; ++c) {
      if (c) ImGui::SameLine();
      const std::string id = "pad" + std::to_string(r) + std::to_string(c);
      if (r < 3) {
        const char* d = digits[r * 3 + c];
        if (ui.key(id.c_str(), d, kPadKeyW, kPadKeyH, enabled)) out.push_back(TypeKey{d});
      } else if (c == 0) {
        if (ui.key(id.c_str(), ui.tr("keys.clear"), kPadKeyW, kPadKeyH, enabled)) out.push_back(TypeKey{"", false, true});
      } else if (c == 1) {
        if (ui.key(id.c_str(), "0", kPadKeyW, kPadKeyH, enabled)) out.push_back(TypeKey{"0"});
      } else {
        if (ui.key(id.c_str(), ui.tr("keys.delete"), kPadKeyW, kPadKeyH, enabled)) out.push_back(TypeKey{"", true});
      }
    }
  }
  ImGui::PopStyleVar();
}

void pin_dots(const Ui& ui, std::size_t digits_typed) {
  std::string dots;
  for (std::size_t i = 0; i < digits_typed; ++i) dots += i ? " *" : "*";
  ImGui::SetCursorPosY(3.6f * ui.em());
  ui.centred_text(ui.fonts->display, dots.empty() ? std::string(" ") : dots, ui.theme->accent, 30);
}

void pin_pad_and_ok(const Ui& ui, Intents& out, bool open, bool any_typed) {
  const float em = ui.em();
  ImGui::SetCursorPosY(ImGui::GetWindowHeight() - (number_pad_height_em() + 5.4f) * em);
  number_pad(ui, out, open);
  ImGui::Dummy(ui.em(0, 0.4f));
  ImGui::SetCursorPosX((ImGui::GetWindowWidth() - 15.7f * em) * 0.5f);
  if (ui.key("pin_ok", ui.tr("pin.ok"), 15.7f, 2.8f, open && any_typed)) out.push_back(SubmitPin{});
}

}  // namespace cate::app
