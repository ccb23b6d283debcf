// The SDL2 window runner: one implementation for X11, Wayland, KMSDRM (a Raspberry Pi with no
// desktop) and SDL's offscreen driver, which SDL picks at run time (SDL_VIDEODRIVER overrides).
// Dear ImGui draws with OpenGL ES 3 (desktop GL 3 when built with CATE_WINDOW_DESKTOP_GL).
//
// [SECTION] Opening: SDL, window, GL context, Dear ImGui, fonts
// [SECTION] The loop: wait for an event or a timer, then draw one frame
// [SECTION] Screenshots
#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>
#include <stb_image_write.h>
#include <dlfcn.h>
#include <link.h>

#if defined(CATE_WINDOW_DESKTOP_GL)
#include <SDL_opengl.h>
#else
#include <GLES3/gl3.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "platform/window/fonts.hpp"
#include "platform/window/window.hpp"

namespace cate::window {

namespace {

// Frames drawn after any input even if nothing else happens: Dear ImGui needs a second frame to
// see a button released, and a third to settle what the release changed.
constexpr int kFramesAfterInput = 3;
// At most about 60 frames a second: a burst of input (a scanner types a whole code in a few
// milliseconds) is gathered into one frame.
constexpr Uint64 kMinFrameMs = 16;

class SdlRunner final : public WindowRunner {
 public:
  ~SdlRunner() override;
  static Result<std::unique_ptr<WindowRunner>, WindowError> open(const WindowOptions& options);

  const Fonts& fonts() const override { return fonts_; }
  std::function<void()> waker() override;
  int run(WindowApp& app) override;
  std::string driver() const override { return driver_; }
  void request_screenshot(const std::string& png_path) override;

 private:
  bool handle(const SDL_Event& ev, WindowApp& app);
  void draw_frame(WindowApp& app);
  bool write_screenshot(const std::string& png_path);

  SDL_Window* window_ = nullptr;
  SDL_GLContext gl_ = nullptr;
  bool sdl_ = false, imgui_ = false, imgui_sdl_ = false, imgui_gl_ = false;
  Fonts fonts_;
  std::string driver_;
  Uint32 wake_event_ = 0;
  std::shared_ptr<std::atomic<bool>> wake_pending_ = std::make_shared<std::atomic<bool>>(false);
  bool quit_ = false;
  bool have_held_ = false;
  SDL_Event held_{};  // a key release kept for the next frame (see handle())
  std::string screenshot_;  // taken from the next frame drawn
  bool render_every_frame_ = false;
  std::FILE* frame_log_ = nullptr;  // one line a frame (WindowOptions::frame_log)
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Opening
// ---------------------------------------------------------------------------------------------

/// Mesa unloads its GL driver (llvmpipe, v3d, ...) when the last context goes, and the driver's
/// globals go with it: leak checkers then count all they pointed to as leaked. Keep the driver
/// loaded for the life of the process (a new window would load it again anyway).
void keep_gl_driver_loaded() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void*) {
        if (info->dlpi_name && std::strstr(info->dlpi_name, "_dri.so"))
          dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
        return 0;
      },
      nullptr);
}

WindowError no_display(const std::string& what) {
  return {WindowError::Kind::NoDisplay,
          "No display could be opened (" + what +
              "). Run from a desktop session (DISPLAY or WAYLAND_DISPLAY set), or on the console "
              "of a device with a screen, as a user in the video and input groups."};
}

Result<std::unique_ptr<WindowRunner>, WindowError> SdlRunner::open(const WindowOptions& options) {
  auto r = std::unique_ptr<SdlRunner>(new SdlRunner());
  r->render_every_frame_ = options.render_every_frame;
  if (!options.frame_log.empty() && !(r->frame_log_ = std::fopen(options.frame_log.c_str(), "a")))
    std::fprintf(stderr, "cate-kiosk: cannot write the frame log %s\n", options.frame_log.c_str());
  if (options.offscreen) SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");  // a kiosk stays on screen
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) return Err(no_display(SDL_GetError()));
  r->sdl_ = true;
  if (const char* d = SDL_GetCurrentVideoDriver()) r->driver_ = d;
  // SDL falls back to drawing offscreen when no display answers: a kiosk nobody can see.
  const char* asked = std::getenv("SDL_VIDEODRIVER");
  const bool asked_offscreen = options.offscreen || (asked && std::string_view(asked) == "offscreen");
  if (r->driver_ == "dummy" || (r->driver_ == "offscreen" && !asked_offscreen))
    return Err(no_display("no X11, Wayland or KMSDRM display answered"));

#if defined(CATE_WINDOW_DESKTOP_GL)
  const char* glsl = "#version 130";
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
#else
  const char* glsl = "#version 300 es";
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
#endif
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);

  Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI;
  int w = options.width, h = options.height;
  if (options.fullscreen) {
    flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
    SDL_DisplayMode mode;
    if (SDL_GetDesktopDisplayMode(0, &mode) == 0) w = mode.w, h = mode.h;
  } else {
    flags |= SDL_WINDOW_RESIZABLE;
  }
  r->window_ = SDL_CreateWindow(options.title.c_str(), options.fullscreen ? 0 : SDL_WINDOWPOS_CENTERED,
                                options.fullscreen ? 0 : SDL_WINDOWPOS_CENTERED, w, h, flags);
  if (!r->window_)
    return Err(WindowError{WindowError::Kind::NoGraphics,
                           std::string("The window could not be made (") + SDL_GetError() +
                               "). The graphics driver (Mesa: libegl1, libgles2, libgl1-mesa-dri) may be missing."});
  r->gl_ = SDL_GL_CreateContext(r->window_);
  if (!r->gl_)
    return Err(WindowError{WindowError::Kind::NoGraphics,
                           std::string("No OpenGL ES 3 context (") + SDL_GetError() +
                               "). The graphics driver (Mesa: libegl1, libgles2, libgl1-mesa-dri) may be missing."});
  SDL_GL_MakeCurrent(r->window_, r->gl_);
  keep_gl_driver_loaded();
  SDL_GL_SetSwapInterval(1);
  SDL_ShowCursor(options.fullscreen ? SDL_DISABLE : SDL_ENABLE);  // a touch kiosk shows no pointer

  r->wake_event_ = SDL_RegisterEvents(1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  r->imgui_ = true;
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // a kiosk keeps no window layout file
  io.LogFilename = nullptr;
  SDL_GetWindowSize(r->window_, &w, &h);
  std::string warning;
  r->fonts_ = load_fonts(em_for_display_height(h, options.font_scale), warning);
  if (!warning.empty()) std::fprintf(stderr, "cate-kiosk: %s\n", warning.c_str());
  if (!ImGui_ImplSDL2_InitForOpenGL(r->window_, r->gl_))
    return Err(WindowError{WindowError::Kind::NoGraphics, "Dear ImGui could not start on this window."});
  r->imgui_sdl_ = true;
  if (!ImGui_ImplOpenGL3_Init(glsl))
    return Err(WindowError{WindowError::Kind::NoGraphics, "Dear ImGui could not start its OpenGL renderer."});
  r->imgui_gl_ = true;

  const char* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const char* version = reinterpret_cast<const char*>(glGetString(GL_VERSION));
  std::fprintf(stderr, "cate-kiosk: window %dx%d on %s, %s (%s), text %.0f px\n", w, h, r->driver_.c_str(),
               version ? version : "?", renderer ? renderer : "?", r->fonts_.em);
  return std::unique_ptr<WindowRunner>(std::move(r));
}

SdlRunner::~SdlRunner() {
  // In reverse order of opening.
  if (imgui_gl_) ImGui_ImplOpenGL3_Shutdown();
  if (imgui_sdl_) ImGui_ImplSDL2_Shutdown();
  if (imgui_) ImGui::DestroyContext();
  if (gl_) SDL_GL_DeleteContext(gl_);
  if (window_) SDL_DestroyWindow(window_);
  if (sdl_) {
    SDL_Quit();
  }
  if (frame_log_) std::fclose(frame_log_);
}

std::function<void()> SdlRunner::waker() {
  return [type = wake_event_, pending = wake_pending_] {
    if (pending->exchange(true)) return;  // one wake in the queue is enough
    SDL_Event ev{};
    ev.type = type;
    SDL_PushEvent(&ev);
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The loop
// ---------------------------------------------------------------------------------------------

/// Passes one event on. Returns false when this event must wait for the next frame: a key
/// released in the same batch it was pressed in (a scanner or a fast typist) would otherwise
/// be pressed and released before Dear ImGui 1.86 ever saw it down.
bool SdlRunner::handle(const SDL_Event& ev, WindowApp& app) {
  if (ev.type == wake_event_) {
    wake_pending_->store(false);
    return true;
  }
  switch (ev.type) {
    case SDL_QUIT: quit_ = true; return true;
    case SDL_WINDOWEVENT:
      if (ev.window.event == SDL_WINDOWEVENT_CLOSE) quit_ = true;
      break;
    case SDL_KEYDOWN: {
      app.on_activity();
      KeyboardInput in;
      in.at_ms = ev.key.timestamp;
      bool named = true;  // printable keys arrive as SDL_TEXTINPUT instead
      switch (ev.key.keysym.sym) {
        case SDLK_RETURN: case SDLK_KP_ENTER: in.kind = KeyboardInput::Kind::Enter; break;
        case SDLK_BACKSPACE: in.kind = KeyboardInput::Kind::Backspace; break;
        case SDLK_ESCAPE: in.kind = KeyboardInput::Kind::Escape; break;
        case SDLK_TAB: in.kind = KeyboardInput::Kind::Tab; break;
        default: named = false; break;
      }
      if (named) app.on_keyboard(in);
      break;
    }
    case SDL_TEXTINPUT: {
      app.on_activity();
      KeyboardInput in;
      in.kind = KeyboardInput::Kind::Text;
      in.text = ev.text.text;
      in.at_ms = ev.text.timestamp;
      app.on_keyboard(in);
      break;
    }
    case SDL_MOUSEBUTTONDOWN: case SDL_MOUSEWHEEL: case SDL_FINGERDOWN:
      app.on_activity();
      break;
    default: break;
  }
  ImGui_ImplSDL2_ProcessEvent(&ev);
  return true;
}

/// True for a key Dear ImGui acts on as a key (Enter, Backspace, arrows, shortcuts), not as text.
/// Shift, Ctrl, Alt and GUI themselves are not: a scanner presses Shift around every capital
/// letter, and holding each Shift release for a frame would take a ticket in one character a
/// frame (seconds on a slow GPU, and no longer a scanner's burst).
bool acts_as_key(const SDL_KeyboardEvent& key) {
  const SDL_Keycode sym = key.keysym.sym;
  if (sym >= SDLK_LCTRL && sym <= SDLK_RGUI) return false;  // the modifier keys
  return sym < 0x20 || sym >= 0x7F || (key.keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI));
}

int SdlRunner::run(WindowApp& app) {
  app.start(fonts_);
  int frames_owed = kFramesAfterInput;  // Dear ImGui lays windows out over the first frames
  Uint64 last_frame = 0;
  bool drawn_since_hold = true;
  bool want_frame = true;  // something happened that the screen has not shown yet
  std::vector<SDL_Keycode> pressed;  // keys that went down since the last frame
  while (!quit_ && !app.wants_to_close()) {
    if (render_every_frame_) want_frame = true;  // the benchmark's baseline: never idle
    const Uint64 now = SDL_GetTicks64();
    const int until_slot = last_frame + kMinFrameMs > now ? static_cast<int>(last_frame + kMinFrameMs - now) : 0;
    bool input = false;
    if (have_held_ && !drawn_since_hold) {
      // A key release waits for one frame to see its key down: draw first, read on after.
      if (until_slot > 0) SDL_Delay(static_cast<Uint32>(until_slot));
    } else {
      SDL_Event ev;
      bool got;
      if (have_held_) {
        ev = held_;
        have_held_ = false;
        got = true;
      } else if (frames_owed > 0 || want_frame) {
        got = until_slot > 0 ? SDL_WaitEventTimeout(&ev, until_slot) : SDL_PollEvent(&ev);
      } else {
        int wait = app.next_frame_in_ms();
        if (wait >= 0) wait = std::max(wait, until_slot);
        got = wait < 0 ? SDL_WaitEvent(&ev) : SDL_WaitEventTimeout(&ev, wait);
        if (!got) want_frame = true;  // a timer the app asked for
      }
      if (got) want_frame = true;
      // Drain everything waiting. A key Dear ImGui acts on, released before any frame saw it
      // down (a scanner's Enter, a fast Backspace), would be lost to Dear ImGui 1.86: its
      // release, and everything after it, wait for the next frame.
      while (got) {
        if (ev.type == SDL_KEYUP && acts_as_key(ev.key) &&
            std::find(pressed.begin(), pressed.end(), ev.key.keysym.sym) != pressed.end()) {
          held_ = ev;
          have_held_ = true;
          drawn_since_hold = false;
          break;
        }
        if (ev.type == SDL_KEYDOWN) pressed.push_back(ev.key.keysym.sym);
        if (ev.type != wake_event_) input = true;
        handle(ev, app);
        got = SDL_PollEvent(&ev);
      }
    }
    if (input || have_held_) frames_owed = kFramesAfterInput;
    if (quit_) break;
    if (!want_frame && frames_owed == 0) continue;
    if (SDL_GetTicks64() < last_frame + kMinFrameMs) continue;  // too soon: gather more input first
    if (SDL_GetWindowFlags(window_) & SDL_WINDOW_MINIMIZED) {
      frames_owed = 0;  // nothing to see: wait for the window to come back
      want_frame = false;
      continue;
    }
    draw_frame(app);
    last_frame = SDL_GetTicks64();
    drawn_since_hold = true;
    want_frame = false;
    pressed.clear();
    if (frames_owed > 0) --frames_owed;
  }
  return 0;
}

void SdlRunner::draw_frame(WindowApp& app) {
  const auto started = std::chrono::steady_clock::now();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
  app.draw();
  ImGui::Render();
  const ImGuiIO& io = ImGui::GetIO();
  glViewport(0, 0, static_cast<int>(io.DisplaySize.x * io.DisplayFramebufferScale.x),
             static_cast<int>(io.DisplaySize.y * io.DisplayFramebufferScale.y));
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  const auto drawn = std::chrono::steady_clock::now();
  if (!screenshot_.empty()) {
    if (!write_screenshot(screenshot_))
      std::fprintf(stderr, "cate-kiosk: cannot write the screenshot %s\n", screenshot_.c_str());
    screenshot_.clear();
  }
  SDL_GL_SwapWindow(window_);
  if (frame_log_) {
    const auto done = std::chrono::steady_clock::now();
    const auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
    std::fprintf(frame_log_, "%lld %.3f %.3f\n", static_cast<long long>(unix_ms),
                 std::chrono::duration<double, std::milli>(drawn - started).count(),
                 std::chrono::duration<double, std::milli>(done - drawn).count());
    std::fflush(frame_log_);
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Screenshots
// ---------------------------------------------------------------------------------------------

void SdlRunner::request_screenshot(const std::string& png_path) {
  screenshot_ = png_path;
  waker()();
}

/// Reads the frame just drawn (before the swap: a GL ES front buffer cannot be read).
bool SdlRunner::write_screenshot(const std::string& png_path) {
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  if (w <= 0 || h <= 0) return false;
  std::vector<unsigned char> rgba(static_cast<std::size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  // GL's rows run bottom-up; a PNG's run top-down.
  std::vector<unsigned char> rgb(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            rgba[(static_cast<std::size_t>(h - 1 - y) * w + x) * 4 + c];
  return stbi_write_png(png_path.c_str(), w, h, 3, rgb.data(), w * 3) != 0;
}

}  // namespace

Result<std::unique_ptr<WindowRunner>, WindowError> WindowRunner::open(const WindowOptions& options) {
  return SdlRunner::open(options);
}

}  // namespace cate::window
