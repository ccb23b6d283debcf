#pragma once
/// @brief For UI tests: every frame's drawn text, and where its buttons are, appended to a file
/// (set by CATE_UI_TEXT_LOG). Uses Dear ImGui's own text capture, so it holds what was drawn.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kiosk/app/app_state.hpp"
#include "kiosk/app/ui.hpp"

namespace cate::app {

class FrameTextLog {
 public:
  /// Opens `path` for appending; nullptr (and a message on stderr) when it cannot.
  static std::unique_ptr<FrameTextLog> open(const std::string& path);
  ~FrameTextLog();

  /// Starts capturing text (call inside the full-screen window, before drawing).
  void begin_frame();
  /// Stops capturing and writes the frame:
  ///   === frame N screen=S lang=L typed=BYTES keys=K t=APP_CLOCK_MS
  ///   button<TAB>LABEL<TAB>X<TAB>Y        (one line a button, centre in window pixels)
  ///   <the text drawn, a line per row>
  void end_frame(const AppState& state, const std::vector<ButtonSpot>& buttons);

 private:
  explicit FrameTextLog(std::FILE* f) : file_(f) {}
  std::FILE* file_;
  long frame_ = 0;
};

}  // namespace cate::app
