// Checking: a code was read and the store is recording it. Usually gone before it is seen.
#include "kiosk/app/screen.hpp"

namespace cate::app {

namespace {

class CheckingScreen final : public ScreenView {
 public:
  Screen id() const override { return Screen::Checking; }

  void draw(const AppState&, const Ui& ui, Intents&) override {
    ImGui::SetCursorPosY(ImGui::GetWindowHeight() * 0.4f);
    ui.centred_text(ui.fonts->heading, ui.tr("checking.title"), ui.theme->text, 30);
  }
};

}  // namespace

std::unique_ptr<ScreenView> make_checking_screen() { return std::make_unique<CheckingScreen>(); }

}  // namespace cate::app
