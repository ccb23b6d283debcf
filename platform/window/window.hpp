#pragma once
/// @brief The window the kiosk draws in: one runner interface, picked at run time (SDL2 on X11,
/// Wayland or KMSDRM; SDL's offscreen driver for headless runs), with Dear ImGui on OpenGL ES 3.
///
/// The runner owns the window, the GL context, Dear ImGui's context and the fonts. It draws a
/// frame only when something changed: input, a timer the app asked for, or a wake() from any
/// thread (a worker's result). Between frames it sleeps in the event wait.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/result.hpp"

struct ImFont;

namespace cate::window {

/// The fonts, loaded once for the display's size. Every size in the UI is a multiple of `em`.
struct Fonts {
  ImFont* body = nullptr;     ///< running text and buttons (1 em)
  ImFont* heading = nullptr;  ///< headings (bold, about 1.6 em)
  ImFont* display = nullptr;  ///< the one big line a person reads from a distance (bold, 2.4 em)
  float em = 16.0f;           ///< body font size in pixels
};

/// A key or typed text, as the keyboard (or a keyboard-wedge scanner, which is a keyboard) sent it.
struct KeyboardInput {
  enum class Kind { Text, Enter, Backspace, Escape, Tab };
  Kind kind = Kind::Text;
  std::string text;            ///< Kind::Text: the UTF-8 text typed
  std::uint32_t at_ms = 0;     ///< when it arrived (monotonic milliseconds), for telling scanners from hands
};

/// @brief What runs in the window: draws frames with Dear ImGui and says when it needs the next one.
class WindowApp {
 public:
  virtual ~WindowApp() = default;
  /// Once, after the window, the GL context and the fonts exist.
  virtual void start(const Fonts& fonts) = 0;
  /// Draws one frame with Dear ImGui (called between NewFrame and Render).
  virtual void draw() = 0;
  /// Keyboard input, before Dear ImGui sees it (Dear ImGui sees it too).
  virtual void on_keyboard(const KeyboardInput& input) = 0;
  /// Any input at all (touch, mouse, key): the app's idle clock starts again.
  virtual void on_activity() = 0;
  /// Milliseconds until the app needs a frame without any input (a timer), or -1 for none.
  virtual int next_frame_in_ms() = 0;
  /// True when the app wants the window closed.
  virtual bool wants_to_close() const = 0;
};

struct WindowOptions {
  std::string title = "CATE";
  bool fullscreen = true;     ///< the kiosk default; false for development (--windowed)
  int width = 1280;           ///< windowed size
  int height = 800;
  bool offscreen = false;     ///< no display at all: SDL's offscreen driver (tests, benchmarks)
  float font_scale = 1.0f;    ///< on top of the size chosen from the display's height
  /// Draw a frame every ~16 ms whether or not anything changed (a benchmark's baseline: the
  /// cost the draw-on-change loop saves).
  bool render_every_frame = false;
  /// When set, one line a frame is appended to this file: "UNIX_MS DRAW_MS SWAP_MS": the wall
  /// clock when the frame was shown, the frame's work (NewFrame to the GL draw calls issued),
  /// and the swap (which waits for the display's refresh when the driver syncs to it).
  std::string frame_log;
};

struct WindowError {
  enum class Kind { NoDisplay, NoGraphics } kind;
  std::string message;  ///< for a person: what failed and what to try
};

/// @brief Owns the window, GL context and Dear ImGui context, and runs the draw loop.
class WindowRunner {
 public:
  virtual ~WindowRunner() = default;

  /// Opens the window with the first video driver that works (SDL_VIDEODRIVER picks one).
  static Result<std::unique_ptr<WindowRunner>, WindowError> open(const WindowOptions& options);

  virtual const Fonts& fonts() const = 0;
  /// A function any thread may call to have the loop draw a frame soon (it wakes the event wait).
  virtual std::function<void()> waker() = 0;
  /// Runs until the window is closed (or SIGTERM/SIGINT) or the app asks to close. Returns 0.
  virtual int run(WindowApp& app) = 0;
  /// "x11", "wayland", "kmsdrm", "offscreen", ...
  virtual std::string driver() const = 0;
  /// Saves the next frame drawn as a PNG (glReadPixels; works offscreen too). Call it from the
  /// loop's thread (from inside the app's calls).
  virtual void request_screenshot(const std::string& png_path) = 0;
};

}  // namespace cate::window
