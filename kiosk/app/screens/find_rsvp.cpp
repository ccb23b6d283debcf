// Find my RSVP ("I don't have my code") and staff check-in by name: the same search, on an
// on-screen keyboard (the physical keyboard works too). Names found show only the first name and
// the last initial, and only after 3 letters. On Find my RSVP a touched name asks "Is this you?"
// before "This is me" checks it in; staff check a name in with one touch. Someone with no RSVP
// can register as a walk-in (when the kiosk can seal forms and a meeting is active).
#include "kiosk/app/keypads.hpp"
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

constexpr float kResultW = 12.0f;  // em
constexpr float kResultH = 2.6f;

/// The title with a Back button on the right.
void title_row(const Ui& ui, const std::string& title, Screen back_to, Intents& out) {
  const float em = ui.em();
  ImGui::PushFont(ui.fonts->heading);
  ImGui::TextUnformatted(title.c_str());
  ImGui::PopFont();
  ImGui::SameLine(ImGui::GetWindowWidth() - 9.0f * em);
  if (ui.key("back", ui.tr("common.back"), 7.5f, 2.4f)) out.push_back(GoTo{back_to});
}

/// What was typed, in a white field, with a cursor mark.
void query_field(const AppState& state, const Ui& ui) {
  const float em = ui.em();
  const float w = 30.0f * em;
  ImGui::SetCursorPosX((ImGui::GetWindowWidth() - w) * 0.5f);
  const ImVec2 a = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(a, {a.x + w, a.y + 2.2f * em}, IM_COL32(255, 255, 255, 255), 0.3f * em);
  ImGui::SetCursorScreenPos({a.x + 0.6f * em, a.y + 0.3f * em});
  ImGui::PushFont(ui.fonts->heading);
  ImGui::PushStyleColor(ImGuiCol_Text, ui.theme->button_text);
  const std::string shown = std::string(state.search.text.view()) + "|";
  ImGui::TextUnformatted(shown.c_str());
  ImGui::PopStyleColor();
  ImGui::PopFont();
  ImGui::SetCursorScreenPos({a.x, a.y + 2.6f * em});
}

/// The names found, three to a row. Returns nothing; touched names become intents.
void match_list(const AppState& state, const Ui& ui, Intents& out, bool staff) {
  const auto& matches = state.search.matches;
  if (search_letter_count(state.search.text.view()) < kRosterSearchMinLetters) {
    ui.centred_text(ui.fonts->body, ui.tr(staff ? "staff.find_hint" : "find.hint"), ui.theme->muted, 34);
    return;
  }
  if (matches.empty()) {
    ui.centred_text(ui.fonts->body, ui.tr("find.none"), ui.theme->muted, 34);
    return;
  }
  ui.centred_text(ui.fonts->body, ui.tr(staff ? "staff.find_choose" : "find.choose"), ui.theme->muted, 34);
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ui.em(0.5f, 0.5f));
  const float row_w = 3 * kResultW + 2 * 0.5f;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (i % 3 == 0) ImGui::SetCursorPosX((ImGui::GetWindowWidth() - row_w * ui.em()) * 0.5f);
    else ImGui::SameLine();
    const RosterMatch& m = matches[i];
    std::string label = m.label();
    // Staff see who is already in; a person choosing their own name is told on the result screen.
    const bool enabled = !(staff && m.check_in);
    if (staff && m.check_in) label += " · " + ui.tr("staff.already");
    const std::string id = "match" + std::to_string(i);
    if (ui.key(id.c_str(), label, kResultW, kResultH, enabled)) {
      if (staff) out.push_back(CheckInRsvp{m.rsvp, CheckInMethod::Staff, m.label()});
      else out.push_back(ChooseMatch{i});
    }
  }
  ImGui::PopStyleVar();
}

class FindRsvpScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::FindRsvp; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float em = ui.em();
    const float h = ImGui::GetWindowHeight();
    title_row(ui, ui.tr("find.title"), Screen::Welcome, out);
    if (state.forms.walk_in()) {
      ImGui::SameLine(ImGui::GetWindowWidth() - 23.5f * em);
      if (ui.key("walk_in", ui.tr("welcome.walk_in"), 14.0f, 2.4f)) out.push_back(StartForm{"walk_in"});
    }
    const auto& s = state.search;
    if (s.chosen && *s.chosen < s.matches.size()) {
      // "Is this you?" with the first name and last initial only.
      const RosterMatch& m = s.matches[*s.chosen];
      ImGui::SetCursorPosY(h * 0.28f);
      ui.centred_text(ui.fonts->heading, ui.tr("find.confirm"), ui.theme->text, 30);
      ImGui::Dummy(ui.em(0, 0.5f));
      ui.centred_text(ui.fonts->display, m.label(), ui.theme->accent, 30);
      ImGui::Dummy(ui.em(0, 1.2f));
      if (ui.button("this_is_me", ui.tr("find.this_is_me"), 16))
        out.push_back(CheckInRsvp{m.rsvp, CheckInMethod::Typed, m.label()});
      ImGui::Dummy(ui.em(0, 0.3f));
      if (ui.button("not_me", ui.tr("find.not_me"), 16)) out.push_back(ChooseMatch{std::nullopt});
      return;
    }
    query_field(state, ui);
    match_list(state, ui, out, false);
    ImGui::SetCursorPosY(h - (letter_keyboard_height_em() + 1.0f) * em);
    letter_keyboard(ui, out);
  }
};

class StaffCheckInScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::StaffCheckIn; }
  ImU32 background(const AppState&, const Theme& theme) const override { return theme.notice; }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    const float h = ImGui::GetWindowHeight();
    title_row(ui, ui.tr("staff.find_title"), Screen::StaffHome, out);
    ImGui::BeginDisabled(state.staff.busy);
    query_field(state, ui);
    match_list(state, ui, out, true);
    ImGui::EndDisabled();
    ImGui::SetCursorPosY(h - (letter_keyboard_height_em() + 1.0f) * ui.em());
    letter_keyboard(ui, out);
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_find_rsvp_screen() { return std::make_unique<FindRsvpScreen>(); }
std::unique_ptr<ScreenView> make_staff_check_in_screen() { return std::make_unique<StaffCheckInScreen>(); }

}  // namespace cate::app
