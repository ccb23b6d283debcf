// Form: a walk-in or sign-up form drawn from its definition (assets/forms/), one question at a
// time: the label (marked when required), its help, then a text field with an on-screen keyboard
// (letters, accents, digits, Shift; the physical keyboard works too), big touch buttons for
// choices, or one big tick box. Next checks the question and names the field in what it says;
// the answer stays as typed. The last question's Next is Send. Thank-you: the form is sealed and
// on disk; it leaves by itself after a few seconds.
#include <imgui.h>
#include <imgui_internal.h>  // ImTextCharFromUtf8

#include <string>

#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

constexpr float kKeyW = 2.7f;  // em: about 8 mm on a 10-inch 1280x800 panel
constexpr float kKeyH = 1.9f;
constexpr float kGap = 0.3f;
constexpr float kNavW = 8.5f;
constexpr float kNavH = 2.4f;

// The form keyboard: digits for phones, QWERTY with the Spanish accents, what e-mail addresses
// need. Shift and Delete sit on row 4, Space on row 5.
constexpr const char* kRows[][12] = {
    {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "+", nullptr},
    {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "á", "é"},
    {"a", "s", "d", "f", "g", "h", "j", "k", "l", "ñ", "í", "ó"},
    {"z", "x", "c", "v", "b", "n", "m", "ú", "ü", "'", nullptr, nullptr},
    {"@", ".", "-", "_", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
};
constexpr int kRowCount = sizeof(kRows) / sizeof(kRows[0]);

float keyboard_height_em() { return kRowCount * kKeyH + (kRowCount - 1) * kGap; }

std::string shown_key(const char* key, bool shift) {
  if (!shift) return key;
  std::string k = key;
  if (k.size() == 1 && k[0] >= 'a' && k[0] <= 'z') return std::string(1, static_cast<char>(k[0] - 'a' + 'A'));
  static const char* const accents[][2] = {{"á", "Á"}, {"é", "É"}, {"í", "Í"}, {"ó", "Ó"},
                                           {"ú", "Ú"}, {"ñ", "Ñ"}, {"ü", "Ü"}};
  for (auto& a : accents)
    if (k == a[0]) return a[1];
  return k;
}

void form_keyboard(const Ui& ui, Intents& out, bool shift, bool enabled) {
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(kGap, kGap));
  const float shift_w = 4.6f, delete_w = 4.6f, space_w = 14.0f;
  for (int r = 0; r < kRowCount; ++r) {
    int n = 0;
    while (n < 12 && kRows[r][n]) ++n;
    float row_w = n * (kKeyW + kGap) - kGap;
    if (r == 3) row_w += shift_w + delete_w + 2 * kGap;
    if (r == 4) row_w += space_w + kGap;
    ImGui::SetCursorPosX((ImGui::GetWindowWidth() - row_w * ui.em()) * 0.5f);
    if (r == 3) {
      ImGui::PushStyleColor(ImGuiCol_Button, ImGui::ColorConvertU32ToFloat4(shift ? ui.theme->button_active
                                                                                  : ui.theme->button));
      if (ui.key("fk_shift", ui.tr("keys.shift"), shift_w, kKeyH, enabled)) out.push_back(ShiftKey{});
      ImGui::PopStyleColor();
      ImGui::SameLine();
    }
    for (int k = 0; k < n; ++k) {
      if (k) ImGui::SameLine();
      const std::string id = "fk" + std::to_string(r) + "_" + std::to_string(k);
      const std::string label = shown_key(kRows[r][k], shift);
      if (ui.key(id.c_str(), label, kKeyW, kKeyH, enabled)) out.push_back(TypeKey{kRows[r][k]});
    }
    if (r == 3) {
      ImGui::SameLine();
      if (ui.key("fk_delete", ui.tr("keys.delete"), delete_w, kKeyH, enabled)) out.push_back(TypeKey{"", true});
    } else if (r == 4) {
      ImGui::SameLine();
      if (ui.key("fk_space", ui.tr("keys.space"), space_w, kKeyH, enabled)) out.push_back(TypeKey{" "});
    }
  }
  ImGui::PopStyleVar();
}

/// The end of `text` that fits in `width` pixels in `font` (the cursor end is what matters).
std::string_view tail_that_fits(ImFont* font, std::string_view text, float width) {
  float w = 0;
  std::size_t start = text.size();
  while (start > 0) {
    std::size_t prev = start - 1;
    while (prev > 0 && (static_cast<unsigned char>(text[prev]) & 0xC0) == 0x80) --prev;
    unsigned int c = 0;
    ImTextCharFromUtf8(&c, text.data() + prev, text.data() + start);
    const float advance = font->GetCharAdvance(static_cast<ImWchar>(c <= 0xFFFF ? c : '?'));
    if (w + advance > width) break;
    w += advance;
    start = prev;
  }
  return text.substr(start);
}

/// What was typed, in a white box `w` wide, with a cursor mark.
void text_box(const Ui& ui, std::string_view text, float w) {
  const float em = ui.em();
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const float h = kNavH * em;
  ImGui::GetWindowDrawList()->AddRectFilled(a, {a.x + w, a.y + h}, IM_COL32(255, 255, 255, 255), 0.3f * em);
  ImGui::PushFont(ui.fonts->heading);
  const float text_h = ImGui::GetTextLineHeight();
  ImGui::SetCursorScreenPos({a.x + 0.6f * em, a.y + (h - text_h) * 0.5f});
  ImGui::GetCurrentWindow()->DC.CurrLineTextBaseOffset = 0;  // not lowered to the buttons' text beside it
  ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->button_text);
  const std::string shown = std::string(tail_that_fits(ui.fonts->heading, text, w - 2.0f * em)) + "|";
  ImGui::TextUnformatted(shown.c_str());
  ImGui::PopStyleColor();
  ImGui::PopFont();
  ImGui::SetCursorScreenPos({a.x + w, a.y});
  ImGui::Dummy({0, h});
}

class FormScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::Form; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const FormSession& f = state.form;
    if (!f.form || f.page >= f.form->fields.size()) {
      out.push_back(GoTo{Screen::Welcome});
      return;
    }
    const FormDefinition& def = *f.form;
    const FormField& field = def.fields[f.page];
    const float em = ui.em();
    const ImVec2 win = ImGui::GetWindowSize();
    const float pad = ImGui::GetStyle().WindowPadding.x;
    const bool sending = f.said == FormSession::Said::Sending;
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(0.8f, 0.45f));

    // Title, where the person is, Cancel.
    ImGui::PushFont(ui.fonts->heading);
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
    ImGui::TextUnformatted(in(def.title, ui.language).c_str());
    ImGui::PopStyleColor();
    ImGui::PopFont();
    const std::string step = ui.tr("form.step", {{"n", std::to_string(f.page + 1)},
                                                 {"total", std::to_string(def.fields.size())}});
    // The other language, for a person who would rather read the form in it.
    const float switch_w = 7.5f;
    ImGui::SameLine(win.x - pad - (9.0f + 0.6f + switch_w) * em - ImGui::CalcTextSize(step.c_str()).x - 1.0f * em);
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%s", step.c_str());
    ImGui::SameLine(win.x - pad - (9.0f + 0.6f + switch_w) * em);
    const Language other = ui.language == Language::English ? Language::Spanish : Language::English;
    if (ui.toggle("form_language", ui.tr("form.switch_language"), false, switch_w)) out.push_back(SetLanguage{other});
    ImGui::SameLine(win.x - pad - 9.0f * em);
    if (ui.key("form_cancel", ui.tr("form.cancel"), 9.0f, kNavH)) out.push_back(GoTo{Screen::Welcome});
    if (f.page == 0 && !in(def.intro, ui.language).empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
      ImGui::PushTextWrapPos(win.x - pad);
      ImGui::TextUnformatted(in(def.intro, ui.language).c_str());
      ImGui::PopTextWrapPos();
      ImGui::PopStyleColor();
    }

    // The question: its label (marked when required) and help.
    ImGui::Dummy(ui.em(0, 0.2f));
    ImGui::PushFont(ui.fonts->heading);
    ImGui::PushTextWrapPos(win.x - pad);
    ImGui::TextUnformatted(in(field.label, ui.language).c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    std::string help = in(field.help, ui.language);
    if (field.type == FieldType::MultiChoice && help.empty()) help = ui.tr("form.choose_many");
    if (field.required) help = ui.tr("form.required") + (help.empty() ? "" : "  ·  " + help);
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->muted);
    ImGui::PushTextWrapPos(win.x - pad);
    ImGui::TextUnformatted(help.empty() ? " " : help.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();

    // Previous | the answer (text) | Next or Send.
    ImGui::BeginDisabled(sending);
    const bool last = f.page + 1 == def.fields.size();
    if (ui.key("form_previous", ui.tr("form.previous"), kNavW, kNavH, f.page > 0 && !sending))
      out.push_back(FormStep{false});
    ImGui::SameLine();
    if (field.is_text()) {
      const float box_w = win.x - 2 * pad - 2 * kNavW * em - 2 * ImGui::GetStyle().ItemSpacing.x;
      text_box(ui, f.answers.text(f.page), box_w);
      ImGui::SameLine();
    } else {
      ImGui::SetCursorPosX(win.x - pad - kNavW * em);
    }
    if (ui.key("form_next", ui.tr(last ? "form.send" : "form.next"), kNavW, kNavH, !sending))
      out.push_back(last ? Intent{SendForm{}} : Intent{FormStep{true}});

    // What the last Next or Send said.
    std::string said;
    if (f.problem) said = problem_text(def, *f.problem, ui.language);
    else if (f.said == FormSession::Said::Sending) said = ui.tr("form.sending");
    else if (f.said == FormSession::Said::NotSaved) said = ui.tr("form.not_saved");
    else if (f.said == FormSession::Said::NoMeeting) said = ui.tr("form.no_meeting");
    ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->accent);
    ImGui::PushTextWrapPos(win.x - pad);
    ImGui::TextUnformatted(said.empty() ? " " : said.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();

    if (field.is_text()) {
      ImGui::SetCursorPosY(win.y - (keyboard_height_em() + 0.5f) * em);
      form_keyboard(ui, out, f.shift, !sending);
    } else if (field.type == FieldType::Checkbox) {
      ImGui::Dummy(ui.em(0, 0.6f));
      ImGui::SetCursorPosX((win.x - 14.0f * em) * 0.5f);
      const bool ticked = f.answers.ticked(f.page);
      if (ui.toggle("form_tick", ui.tr("form.tick_yes"), ticked, 14.0f)) out.push_back(ChooseAnswer{0});
      // The box at the button's left, with a check mark when ticked; "[x]" or "[ ]" in the text
      // log, as Dear ImGui's own Checkbox logs itself.
      const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
      const float side = 1.4f * em, inset = 0.25f * em;
      const ImVec2 box{a.x + 1.0f * em, (a.y + b.y - side) * 0.5f};
      const ImU32 ink = ticked ? ui.theme->button_text : ui.theme->text;
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->AddRect(box, {box.x + side, box.y + side}, ink, 0.15f * em, 0, 0.12f * em);
      if (ticked) ImGui::RenderCheckMark(dl, {box.x + inset, box.y + inset}, ink, side - 2 * inset);
      ImGui::LogText(ticked ? " [x]" : " [ ]");
    } else {
      // Choices as big touch buttons, two to a row.
      ImGui::Dummy(ui.em(0, 0.4f));
      const float col_w = 18.0f;
      const float row_w = 2 * col_w + 0.8f;
      for (std::size_t c = 0; c < field.choices.size(); ++c) {
        if (c % 2 == 0) ImGui::SetCursorPosX((win.x - row_w * em) * 0.5f);
        else ImGui::SameLine();
        const bool chosen = f.answers.chosen(f.page, c);
        const std::string id = "choice" + std::to_string(c);
        if (ui.toggle(id.c_str(), in(field.choices[c].label, ui.language), chosen, col_w)) out.push_back(ChooseAnswer{c});
      }
    }
    ImGui::EndDisabled();
    ImGui::PopStyleVar();
  }
};

class FormThanksScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::FormThanks; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.success; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float h = ImGui::GetWindowHeight();
    ImGui::SetCursorPosY(h * 0.2f);
    ui.centred_text(ui.fonts->display, ui.tr("form.thanks_title"), ui.theme->text, 38);
    ImGui::Dummy(ui.em(0, 1.0f));
    if (state.form.form) ui.centred_text(ui.fonts->heading, in(state.form.form->thanks, ui.language), ui.theme->text, 32);
    ImGui::Dummy(ui.em(0, 0.6f));
    ui.centred_text(ui.fonts->body, ui.tr("form.sealed_note"), ui.theme->text, 32);
    ImGui::SetCursorPosY(h - 5.0f * ui.em());
    if (ui.button("form_done", ui.tr("form.done"), 12)) out.push_back(GoTo{Screen::Welcome});
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_form_screen() { return std::make_unique<FormScreen>(); }
std::unique_ptr<ScreenView> make_form_thanks_screen() { return std::make_unique<FormThanksScreen>(); }

}  // namespace cate::app
