// KioskApp: state, intents, check-ins off the UI thread, timers and the idle wipe.
//
// [SECTION] Frames
// [SECTION] Keyboard codes (typed, or from a keyboard-wedge scanner)
// [SECTION] Intents and check-ins
// [SECTION] Timers and the idle reset
#include "kiosk/app/kiosk_app.hpp"

#include <imgui.h>
#include <imgui_internal.h>
#include <string.h>  // explicit_bzero

#include <algorithm>

#include "kiosk/core/check_in.hpp"

namespace cate::app {

namespace {

// A keyboard-wedge scanner types a whole code in a burst; a person types far slower. Codes whose
// keys came this fast on average are recorded as scanned (a later issue refines the detection).
constexpr std::uint32_t kScannerKeyGapMs = 35;
constexpr int kScannerMinKeys = 8;

template <class T>
void wipe_vector(ImVector<T>& v) {
  if (v.Data && v.Capacity > 0) explicit_bzero(v.Data, static_cast<std::size_t>(v.Capacity) * sizeof(T));
  v.clear();
}

}  // namespace

KioskApp::KioskApp(const AppConfig& config, StoreService& store, std::function<void()> wake,
                   std::unique_ptr<FrameTextLog> text_log)
    : store_(store),
      answers_(std::make_shared<RunQueue<KioskApp>>(std::move(wake))),
      screens_(make_screens()),
      theme_(Theme::load()),
      text_log_(std::move(text_log)) {
  state_.config = config;
  state_.language = config.language;
}

KioskApp::~KioskApp() { state_.keyboard_code.text.wipe(); }

std::int64_t KioskApp::clock() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - epoch_).count();
}

void KioskApp::start(const window::Fonts& fonts) {
  fonts_ = fonts;
  theme_.apply_to(ImGui::GetStyle(), fonts_.em);
  state_.now = clock();
  state_.screen_since = state_.last_activity = state_.now;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Frames
// ---------------------------------------------------------------------------------------------

void KioskApp::draw() {
  state_.now = clock();
  answers_->run_all(*this);
  run_timers();

  ScreenView* view = screens_.find(state_.screen);
  if (!view) {  // a screen this build does not have: never a blank kiosk
    go(Screen::Welcome);
    view = screens_.find(Screen::Welcome);
  }
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos({0, 0});
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, view->background(state_, theme_));
  ImGui::Begin("kiosk", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  if (text_log_) text_log_->begin_frame();
  buttons_.clear();
  Ui ui{&fonts_, &theme_, state_.language, text_log_ ? &buttons_ : nullptr};
  Intents intents;
  view->draw(state_, ui, intents);
  if (text_log_) text_log_->end_frame(state_, buttons_);
  ImGui::End();
  ImGui::PopStyleColor();
  for (auto& intent : intents) apply(intent);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Keyboard codes
// ---------------------------------------------------------------------------------------------

void KioskApp::on_keyboard(const window::KeyboardInput& in) {
  if (ImGui::GetIO().WantTextInput) return;  // a text field has the keyboard (forms)
  state_.now = clock();
  KeyboardCode& kc = state_.keyboard_code;
  using Kind = window::KeyboardInput::Kind;
  switch (in.kind) {
    case Kind::Text:
      if (kc.text.empty()) kc.first_key_ms = in.at_ms, kc.keys = 0;
      kc.text.append(in.text);
      kc.last_key_ms = in.at_ms;
      kc.last_key_at = state_.now;
      ++kc.keys;
      break;
    case Kind::Backspace: kc.text.pop_back_character(); break;
    case Kind::Escape: kc.text.wipe(); break;
    case Kind::Tab: break;
    case Kind::Enter: {
      if (kc.text.empty()) break;
      const ScreenView* view = screens_.find(state_.screen);
      if (view && view->takes_scans() && !kc.text.overflowed()) {
        const std::uint32_t span = kc.last_key_ms - kc.first_key_ms;
        const bool burst = kc.keys >= kScannerMinKeys &&
                           span <= kScannerKeyGapMs * static_cast<std::uint32_t>(kc.keys - 1);
        Intent intent = CheckInCode{std::string(kc.text.view()), burst ? CheckInMethod::Scanner : CheckInMethod::Typed};
        apply(intent);
      }
      kc.text.wipe();
      break;
    }
  }
}

void KioskApp::on_activity() { state_.last_activity = clock(); }

// ---------------------------------------------------------------------------------------------
// [SECTION] Intents and check-ins
// ---------------------------------------------------------------------------------------------

void KioskApp::apply(Intent& intent) {
  if (auto* c = std::get_if<CheckInCode>(&intent)) {
    check_in(std::move(c->code), c->method);
  } else if (auto* l = std::get_if<SetLanguage>(&intent)) {
    state_.language = l->language;
  } else if (auto* g = std::get_if<GoTo>(&intent)) {
    go(g->screen);
  }
}

void KioskApp::check_in(std::string code, CheckInMethod method) {
  ++state_.checks_in_flight;
  go(Screen::Checking);
  // On the store's thread: verify, apply the rules, record durably; then back to this thread.
  store_.ask([answers = answers_, code = std::move(code), ctx = ScanContext{now_unix_ms(), method}](Store& s) mutable {
    ScanResult result = check_in_code(s, code, ctx);
    wipe(code);
    answers->post([result = std::move(result)](KioskApp& app) mutable { app.show(result); });
  });
}

void KioskApp::show(ScanResult& result) {
  --state_.checks_in_flight;
  if (state_.result) {
    wipe(state_.result->message.title);
    wipe(state_.result->message.body);
    wipe(state_.result->message.next_step);
  }
  state_.result = ShownResult{result.outcome, message_for(result, state_.language, state_.config.show_first_name)};
  wipe(result.first_name);
  go(Screen::Result);
}

void KioskApp::go(Screen screen) {
  if (state_.screen == Screen::Result && screen != Screen::Result && state_.result) {
    wipe(state_.result->message.title);
    wipe(state_.result->message.body);
    wipe(state_.result->message.next_step);
    state_.result.reset();
  }
  state_.screen = screen;
  state_.screen_since = clock();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Timers and the idle reset
// ---------------------------------------------------------------------------------------------

void KioskApp::wipe_for_next_person() {
  go(Screen::Welcome);
  state_.keyboard_code.text.wipe();
  state_.language = state_.config.language;
  // Dear ImGui keeps its own copy of a text field being edited: zero it too.
  ImGuiContext& g = *ImGui::GetCurrentContext();
  ImGui::ClearActiveID();
  wipe_vector(g.InputTextState.TextW);
  wipe_vector(g.InputTextState.TextA);
  wipe_vector(g.InputTextState.InitialTextA);
  g.InputTextState.CurLenA = g.InputTextState.CurLenW = 0;
}

std::int64_t KioskApp::next_deadline() const {
  std::int64_t next = -1;
  auto consider = [&next](std::int64_t t) { next = next < 0 ? t : std::min(next, t); };
  if (state_.screen == Screen::Result && state_.result)
    consider(state_.screen_since +
             (is_welcome(state_.result->outcome) ? state_.config.welcome_ms : state_.config.refusal_ms));
  const bool left_behind = state_.screen != Screen::Welcome || !state_.keyboard_code.text.empty() ||
                           state_.language != state_.config.language;
  if (left_behind && state_.screen != Screen::Checking) consider(state_.last_activity + state_.config.idle_ms);
  return next;
}

void KioskApp::run_timers() {
  const std::int64_t deadline = next_deadline();
  if (deadline < 0 || state_.now < deadline) return;
  if (state_.now >= state_.last_activity + state_.config.idle_ms) wipe_for_next_person();
  else go(Screen::Welcome);  // a result's time is up
}

int KioskApp::next_frame_in_ms() {
  const std::int64_t deadline = next_deadline();
  if (deadline < 0) return -1;
  return static_cast<int>(std::clamp<std::int64_t>(deadline - clock() + 1, 0, 24 * 3600 * 1000));
}

}  // namespace cate::app
