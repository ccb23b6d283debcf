#include "kiosk/app/text_log.hpp"

#include <imgui.h>
#include <imgui_internal.h>

namespace cate::app {

std::unique_ptr<FrameTextLog> FrameTextLog::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) {
    std::fprintf(stderr, "cate-kiosk: cannot write the UI text log %s\n", path.c_str());
    return nullptr;
  }
  return std::unique_ptr<FrameTextLog>(new FrameTextLog(f));
}

FrameTextLog::~FrameTextLog() { std::fclose(file_); }

void FrameTextLog::begin_frame() { ImGui::LogToBuffer(); }

void FrameTextLog::end_frame(const AppState& state, const std::vector<ButtonSpot>& buttons) {
  ImGuiContext& g = *ImGui::GetCurrentContext();
  std::fprintf(file_, "=== frame %ld screen=%s lang=%s typed=%zu keys=%llu t=%lld\n", ++frame_,
               screen_code(state.screen), language_code(state.language), state.typed_bytes(),
               static_cast<unsigned long long>(state.keyboard_inputs), static_cast<long long>(state.now));
  for (const auto& b : buttons)
    std::fprintf(file_, "button\t%s\t%.0f\t%.0f\n", b.label.c_str(), b.centre.x, b.centre.y);
  std::fprintf(file_, "%s\n", g.LogBuffer.c_str());
  std::fflush(file_);
  ImGui::LogFinish();
}

}  // namespace cate::app
