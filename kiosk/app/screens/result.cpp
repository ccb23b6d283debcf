// Result: the answer to a scan, one message per ScanOutcome (kiosk/core/messages.hpp), in big
// words with what to do next. A welcome leaves by itself after a few seconds; every other answer
// stays longer and has a "Done" button. Takes scans: the next person need not wait.
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class ResultScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::Result; }
  ScanUse scan_use(const AppState&) const override { return ScanUse::CheckIn; }

  ImU32 background(const AppState& state, const Theme& theme) const override {
    if (!state.result) return theme.background;
    switch (state.result->outcome) {
      case ScanOutcome::CheckedIn: return theme.success;
      case ScanOutcome::AlreadyCheckedIn: return theme.notice;
      default: return theme.refusal;
    }
  }

  void draw(const AppState& state, const Ui& ui, Intents& out) override {
    if (!state.result) {
      out.push_back(GoTo{Screen::Welcome});
      return;
    }
    const Message& m = state.result->message;
    const float em = ui.em();
    const float h = ImGui::GetWindowHeight();
    ImGui::SetCursorPosY(h * 0.2f);
    ui.centred_text(ui.fonts->display, m.title, ui.theme->text, 38);
    ImGui::Dummy(ui.em(0, 1.0f));
    ui.centred_text(ui.fonts->heading, m.body, ui.theme->text, 32);
    ImGui::Dummy(ui.em(0, 0.6f));
    ui.centred_text(ui.fonts->heading, m.next_step, ui.theme->text, 32);
    if (!is_welcome(state.result->outcome)) {
      ImGui::SetCursorPosY(h - 5.0f * em);
      if (ui.button("done", ui.tr("result.done"), 12)) out.push_back(GoTo{Screen::Welcome});
    }
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_result_screen() { return std::make_unique<ResultScreen>(); }

}  // namespace cate::app
