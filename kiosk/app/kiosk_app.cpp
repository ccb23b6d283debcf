// KioskApp: state, intents, check-ins off the UI thread, timers and the idle wipe.
//
// [SECTION] Frames
// [SECTION] Keyboard codes (typed, or from a keyboard-wedge scanner)
// [SECTION] Intents and check-ins
// [SECTION] Find my RSVP and staff mode (searches, PIN, counts, check-in by name, undo)
// [SECTION] First-run setup (a kiosk with no staff PIN: enrolment scan, then a PIN chosen)
// [SECTION] Timers and the idle reset
// (Forms and the kiosk mode: kiosk_app_forms.cpp; Export to USB: kiosk_app_export.cpp)
#include "kiosk/app/kiosk_app.hpp"

#include <imgui.h>
#include <imgui_internal.h>
#include <string.h>   // explicit_bzero
#include <strings.h>  // strncasecmp

#include <algorithm>
#include <cstdio>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk/core/staff_pin.hpp"
#include "platform/input/wedge.hpp"
#include "sync/protocol/ticket.hpp"

namespace cate::app {

namespace {

/// The keys came in a scanner's burst (the rule: platform/input/wedge.hpp).
bool scanner_burst(const KeyboardCode& kc) { return is_scanner_burst(kc.keys, kc.first_key_ms, kc.last_key_ms); }

/// A scanner's burst that has gone quiet is a whole code, unless it is the start of a ticket
/// that is not all there yet (a ticket's length is fixed): then its keys are still on the way
/// (a slow machine drawing between them), and the idle reset wipes them if they never come.
bool scan_ended_in_silence(const KeyboardCode& kc, std::int64_t now) {
  if (kc.text.empty() || !scanner_burst(kc) || now < kc.last_key_at + kWedgeEndPauseMs) return false;
  const std::string_view text = kc.text.view();
  const bool ticket_start = text.size() >= kTicketPrefix.size() &&
                            strncasecmp(text.data(), kTicketPrefix.data(), kTicketPrefix.size()) == 0;
  return !(ticket_start && text.size() < kTicketTextLength);
}
// Staff mode reads its counts again this often while it is on screen.
constexpr std::int64_t kStaffReadEveryMs = 2'000;
constexpr const char* kDemoStaffPin = "2468";  // said on the demo's Welcome screen

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
      text_log_(std::move(text_log)),
      clock_service_(config.clock) {
  state_.config = config;
  state_.language = config.language;
}

KioskApp::~KioskApp() {
  state_.keyboard_code.text.wipe();
  state_.search.wipe();
  state_.pin.digits.wipe();
  state_.new_pin.wipe();
  state_.setup.wipe();
  state_.staff.wipe();
  state_.form.wipe();
}

std::int64_t KioskApp::clock() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - epoch_).count();
}

void KioskApp::attach_sync(SyncScheduler* sync) {
  sync_ = sync;
  state_.sync.available = sync != nullptr;
}

void KioskApp::record_written() {
  if (sync_) sync_->record_written();
}

void KioskApp::attach(AppDevices devices) {
  devices_ = std::move(devices);
  state_.devices.serial = devices_.serial != nullptr;
  state_.devices.sound = devices_.chime != nullptr;
  update_devices(false);  // the camera knows what the first screen needs before its first frame
  if (devices_.camera) {
    state_.devices.camera = DevicesView::Camera::Starting;
    devices_.camera->start([answers = answers_](std::string code) {
      answers->post([code = std::move(code)](KioskApp& app) mutable { app.code_arrived(std::move(code), CheckInMethod::Camera); });
    });
  }
  if (devices_.serial)
    devices_.serial->start([answers = answers_](std::string code) {
      answers->post([code = std::move(code)](KioskApp& app) mutable { app.code_arrived(std::move(code), CheckInMethod::Scanner); });
    });
}

void KioskApp::update_devices(bool take_preview) {
  const ScreenView* view = screens_.find(state_.screen);
  DevicesView& d = state_.devices;
  if (devices_.camera) {
    CameraFeed& cam = *devices_.camera;
    cam.set_scanning(view && (view->takes_scans(state_) || state_.screen == Screen::StaffCamera));
    cam.set_previewing(view && view->shows_camera());
    const CameraReport r = cam.report();
    using S = CameraReport::State;
    d.camera = r.state == S::Streaming || r.state == S::Ended ? DevicesView::Camera::Live
               : r.state == S::Looking                        ? DevicesView::Camera::Starting
               : r.state == S::NotFound                       ? DevicesView::Camera::None
                                                              : DevicesView::Camera::Trouble;
    d.camera_name = r.description;
    d.camera_problem = r.problem;
    d.camera_fps = r.frames_per_second;
    d.last_code = r.last_code;
    d.camera_codes = r.codes;
    if (take_preview && view && view->shows_camera()) {
      if (auto frame = cam.take_preview()) {
        if (!preview_) preview_ = std::make_unique<window::GreyTexture>();
        preview_->upload(frame->image);
        d.preview = reinterpret_cast<std::uintptr_t>(preview_->id());
        d.preview_width = preview_->width();
        d.preview_height = preview_->height();
      }
    }
  }
  if (devices_.serial) {
    const SerialReport r = devices_.serial->report();
    d.serial_connected = r.connected;
    d.serial_name = r.description;
    d.serial_problem = r.problem;
    d.serial_codes = r.codes;
  }
}

void KioskApp::code_arrived(std::string code, CheckInMethod method) {
  state_.now = clock();
  const ScreenView* view = screens_.find(state_.screen);
  if (view && view->takes_scans(state_) && !code.empty()) {
    state_.last_activity = state_.now;  // someone is in front of the kiosk
    check_in(std::move(code), method);
  } else {
    wipe(code);  // a screen that takes no codes (a form, staff mode): dropped, as typed codes are
  }
}

void KioskApp::start(const window::Fonts& fonts) {
  fonts_ = fonts;
  theme_.apply_to(ImGui::GetStyle(), fonts_.em);
  state_.now = clock();
  state_.screen_since = state_.last_activity = state_.now;
  if (state_.config.demo) {
    // The demo's staff PIN (its Welcome screen says it); a real kiosk gets one from set-pin.
    store_.ask([](Store& s) {
      if (!has_staff_pin(s)) (void)set_staff_pin(s, kDemoStaffPin);
    });
  }
  read_forms_setup();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Frames
// ---------------------------------------------------------------------------------------------

void KioskApp::draw() {
  state_.now = clock();
  answers_->run_all(*this);
  run_timers();
  if (sync_ && (state_.screen == Screen::StaffSync || state_.screen == Screen::StaffHome)) {
    state_.sync.status = sync_->status();
    state_.sync.now_ms = now_unix_ms();
  }
  if (state_.screen == Screen::StaffHome || state_.screen == Screen::StaffClock) judge_clock();

  ScreenView* view = screens_.find(state_.screen);
  if (!view) {  // a screen this build does not have: never a blank kiosk
    go(Screen::Welcome);
    view = screens_.find(Screen::Welcome);
  }
  update_devices(true);
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
  if (!said_ready_ && state_.screen == Screen::Welcome) {
    said_ready_ = true;  // start-up time is measured to this line
    std::fprintf(stderr, "cate-kiosk: ready: the Welcome screen is drawn\n");
  }
  for (auto& intent : intents) apply(intent);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Keyboard codes
// ---------------------------------------------------------------------------------------------

void KioskApp::on_keyboard(const window::KeyboardInput& in) {
  ++state_.keyboard_inputs;
  if (ImGui::GetIO().WantTextInput) return;  // a text field has the keyboard (forms)
  state_.now = clock();
  using Kind = window::KeyboardInput::Kind;
  if (state_.screen == Screen::Form) {  // keys type into the question on screen; Enter is Next
    switch (in.kind) {
      case Kind::Text:
        state_.form.shift = false;  // a physical keyboard has its own Shift
        form_key(TypeKey{in.text});
        break;
      case Kind::Backspace: form_key(TypeKey{"", true}); break;
      case Kind::Escape: form_key(TypeKey{"", false, true}); break;
      case Kind::Enter: form_step(true); break;
      case Kind::Tab: break;
    }
    return;
  }
  if (typing_target()) {  // Find my RSVP, check-in by name, the PIN: keys type into that screen
    switch (in.kind) {
      case Kind::Text: type_key(TypeKey{in.text}); break;
      case Kind::Backspace: type_key(TypeKey{"", true}); break;
      case Kind::Escape: type_key(TypeKey{"", false, true}); break;
      case Kind::Enter:
        if (state_.screen == Screen::StaffPin) submit_pin();
        if (state_.screen == Screen::ChoosePin) submit_new_pin();
        break;
      case Kind::Tab: break;
    }
    return;
  }
  // Find my RSVP's "Is this you?", staff home and the thank-you take no typing and no codes.
  if (state_.screen == Screen::FindRsvp || state_.screen == Screen::StaffHome || state_.screen == Screen::FormThanks)
    return;
  KeyboardCode& kc = state_.keyboard_code;
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
    case Kind::Tab:
      // Staff's keyboard way in (a scanner's Tab suffix comes after a code, so never alone).
      if (state_.screen == Screen::Welcome && kc.text.empty()) go(Screen::StaffPin);
      break;
    case Kind::Enter: submit_keyboard_code(); break;
  }
}

/// The code collected from the keyboard goes to be checked in (Enter, or a scanner's pause).
void KioskApp::submit_keyboard_code() {
  KeyboardCode& kc = state_.keyboard_code;
  if (kc.text.empty()) return;
  const ScreenView* view = screens_.find(state_.screen);
  if (view && view->takes_scans(state_) && !kc.text.overflowed()) {
    Intent intent = CheckInCode{std::string(kc.text.view()), scanner_burst(kc) ? CheckInMethod::Scanner : CheckInMethod::Typed};
    apply(intent);
  }
  kc.text.wipe();
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
  } else if (auto* k = std::get_if<TypeKey>(&intent)) {
    if (state_.screen == Screen::Form) form_key(*k);
    else type_key(*k);
  } else if (std::holds_alternative<SubmitPin>(intent)) {
    if (state_.screen == Screen::ChoosePin) submit_new_pin();
    else submit_pin();
  } else if (auto* c = std::get_if<ChooseMatch>(&intent)) {
    if (c->index && *c->index < state_.search.matches.size()) state_.search.chosen = c->index;
    else state_.search.chosen.reset();
  } else if (auto* r = std::get_if<CheckInRsvp>(&intent)) {
    check_in_rsvp(*r);
  } else if (auto* u = std::get_if<UndoCheckIn>(&intent)) {
    undo_check_in(*u);
  } else if (auto* m = std::get_if<ChooseMeeting>(&intent)) {
    choose_meeting(m->meeting);
  } else if (std::holds_alternative<SyncNow>(intent)) {
    if (sync_ && state_.staff.unlocked) sync_->sync_now();
  } else if (auto* f = std::get_if<StartForm>(&intent)) {
    start_form(*f);
  } else if (auto* st = std::get_if<FormStep>(&intent)) {
    form_step(st->forward);
  } else if (std::holds_alternative<SendForm>(intent)) {
    send_form();
  } else if (auto* a = std::get_if<ChooseAnswer>(&intent)) {
    form_choose(a->choice);
  } else if (std::holds_alternative<ShiftKey>(intent)) {
    state_.form.shift = !state_.form.shift;
  } else if (auto* km = std::get_if<SetKioskMode>(&intent)) {
    set_kiosk_mode(km->mode);
  } else if (auto* ex = std::get_if<ExportToStick>(&intent)) {
    export_to_stick(ex->folder);
  } else if (auto* rc = std::get_if<TakeOfficeReceipts>(&intent)) {
    take_office_receipts(rc->folder);
  } else if (auto* sc = std::get_if<StepClock>(&intent)) {
    step_clock(*sc);
  } else if (std::holds_alternative<SetClock>(intent)) {
    set_clock();
  }
}

void KioskApp::check_in(std::string code, CheckInMethod method) {
  // What a code means here is the screen's to say (ScreenView::scan_use).
  const ScreenView* view = screens_.find(state_.screen);
  switch (view ? view->scan_use(state_) : ScanUse::None) {
    case ScanUse::Enrol: enrol(std::move(code)); return;
    case ScanUse::EnrolFirstRun: enrol_first_run(std::move(code)); return;
    case ScanUse::None: wipe(code); return;
    case ScanUse::CheckIn: break;
  }
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
  if (result.outcome == ScanOutcome::CheckedIn && devices_.chime) devices_.chime->play();
  wipe(result.first_name);
  record_written();  // a check-in or a refused scan: either is a record for the office
  go(Screen::Result);
}

void KioskApp::go(Screen screen) {
  if (is_staff_screen(screen) && !state_.staff.unlocked) screen = Screen::StaffPin;
  if (screen == Screen::ChoosePin && !state_.setup.may_choose_pin) screen = Screen::StaffPin;
  const Screen from = state_.screen;
  if (from == Screen::Result && screen != Screen::Result && state_.result) {
    wipe(state_.result->message.title);
    wipe(state_.result->message.body);
    wipe(state_.result->message.next_step);
    state_.result.reset();
  }
  if (from != screen) {
    // What was typed on a screen stays with that screen; leaving staff mode locks it.
    if (from == Screen::FindRsvp || from == Screen::StaffCheckIn) state_.search.wipe();
    if (from == Screen::StaffPin) state_.pin.digits.wipe();
    if (from == Screen::ChoosePin) state_.new_pin.wipe();
    // First-run setup's right to choose a PIN ends when the kiosk is back at Welcome.
    if (screen == Screen::Welcome) state_.setup.wipe();
    if (!is_staff_screen(screen) && (is_staff_screen(from) || state_.staff.unlocked)) state_.staff.wipe();
    if (!is_staff_screen(screen)) state_.sync.enrol = SyncView::Enrol::Nothing, wipe(state_.sync.enrol_words);
    // A form's answers go when the person leaves it (the thank-you keeps only which form it was).
    if (from == Screen::Form && screen != Screen::FormThanks) state_.form.wipe();
    if (from == Screen::FormThanks) state_.form.wipe();
  }
  state_.screen = screen;
  state_.screen_since = clock();
  if (from != screen) update_devices(false);  // the camera reads (or not) for the new screen at once
  if (from != screen) export_screen_changed(from, screen);
  if (from != screen && screen == Screen::StaffPin) ask_pin_state();
  if (from != screen && screen == Screen::StaffHome) read_staff_view();
  if (from != screen && (screen == Screen::Welcome || screen == Screen::FindRsvp || screen == Screen::StaffForms))
    read_forms_setup();
  if (from != screen && screen == Screen::StaffForms) read_staff_view();  // the counts
  if (from != screen && screen == Screen::StaffClock) clock_screen_opened();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Find my RSVP and staff mode
// ---------------------------------------------------------------------------------------------

TypedText* KioskApp::typing_target() {
  switch (state_.screen) {
    case Screen::FindRsvp: return state_.search.chosen ? nullptr : &state_.search.text;
    case Screen::StaffCheckIn: return &state_.search.text;
    case Screen::StaffPin: return state_.pin.said == PinEntry::Said::NoPin ? nullptr : &state_.pin.digits;  // setup takes codes
    case Screen::ChoosePin: return &state_.new_pin.typing();
    default: return nullptr;
  }
}

void KioskApp::type_key(const TypeKey& key) {
  TypedText* target = typing_target();
  if (!target) return;
  const bool new_pin = target == &state_.new_pin.first || target == &state_.new_pin.again;
  const bool pin = target == &state_.pin.digits || new_pin;
  if (target == &state_.pin.digits &&
      (state_.pin.retry_at > state_.now || state_.pin.said == PinEntry::Said::Checking))
    return;
  if (new_pin && (state_.new_pin.said == NewPinEntry::Said::Saving || state_.new_pin.said == NewPinEntry::Said::PinExists))
    return;
  if (key.clear) target->wipe();
  else if (key.erase) target->pop_back_character();
  else if (pin) {
    for (char c : key.text)
      if (c >= '0' && c <= '9' && target->size() < kStaffPinMaxDigits) target->append(std::string_view(&c, 1));
  } else if (target->size() + key.text.size() <= kRosterSearchMaxQueryBytes) {
    target->append(key.text);
  }
  if (!pin) search_changed();
}

void KioskApp::search_changed() {
  RosterSearch& s = state_.search;
  const std::uint64_t asked = ++s.asked;
  s.chosen.reset();
  if (search_letter_count(s.text.view()) < kRosterSearchMinLetters) {
    for (auto& m : s.matches) wipe(m.first_name), wipe(m.last_initial);
    s.matches.clear();
    return;
  }
  // On the store's thread; the answer is dropped if the person typed on meanwhile.
  store_.ask([answers = answers_, query = std::string(s.text.view()), asked](Store& st) mutable {
    std::vector<RosterMatch> found;
    if (auto meeting = st.active_meeting()) found = st.search_roster(*meeting, query);
    wipe(query);
    answers->post([found = std::move(found), asked](KioskApp& app) mutable {
      RosterSearch& s = app.state_.search;
      const bool current = asked == s.asked &&
                           (app.state_.screen == Screen::FindRsvp || app.state_.screen == Screen::StaffCheckIn);
      if (current) {
        for (auto& m : s.matches) wipe(m.first_name), wipe(m.last_initial);
        s.matches = std::move(found);
      } else {
        for (auto& m : found) wipe(m.first_name), wipe(m.last_initial);
      }
    });
  });
}

void KioskApp::ask_pin_state() {
  store_.ask([answers = answers_, now_unix = now_unix_ms()](Store& s) {
    const bool has_pin = has_staff_pin(s);
    const bool enrolled = sync_config_from_store(s).ok();
    const std::int64_t retry_at = staff_pin_retry_at(s, now_unix);
    answers->post([has_pin, enrolled, wait = retry_at ? retry_at - now_unix : 0](KioskApp& app) {
      PinEntry& p = app.state_.pin;
      p.said = has_pin ? (wait > 0 ? PinEntry::Said::Wait : PinEntry::Said::Nothing) : PinEntry::Said::NoPin;
      p.retry_at = wait > 0 ? app.clock() + wait : 0;
      p.enrolled = enrolled;
      if (has_pin) app.state_.setup.wipe();  // a PIN set meanwhile (set-pin): it is the way in now
    });
  });
}

void KioskApp::submit_pin() {
  PinEntry& p = state_.pin;
  if (state_.screen != Screen::StaffPin || p.digits.empty() || p.retry_at > state_.now ||
      p.said == PinEntry::Said::Checking || p.said == PinEntry::Said::NoPin)
    return;
  p.said = PinEntry::Said::Checking;
  // One heap copy, shared rather than copied along the way, wiped by the store's thread after use.
  auto pin = std::make_shared<std::string>(p.digits.view());
  p.digits.wipe();  // the screen's copy goes at once
  store_.ask([answers = answers_, pin, now_unix = now_unix_ms()](Store& s) {
    const StaffPinCheck c = check_staff_pin(s, *pin, now_unix);
    wipe(*pin);
    answers->post([c, now_unix](KioskApp& app) {
      PinEntry& p = app.state_.pin;
      p.failures = c.failures;
      p.retry_at = c.retry_at_ms > now_unix ? app.clock() + (c.retry_at_ms - now_unix_ms()) : 0;
      switch (c.kind) {
        case StaffPinCheck::Kind::Accepted:
          p.said = PinEntry::Said::Nothing;
          if (app.state_.screen == Screen::StaffPin) {
            app.state_.staff.unlocked = true;
            app.go(Screen::StaffHome);
          }
          break;
        case StaffPinCheck::Kind::Wrong: p.said = PinEntry::Said::Wrong; break;
        case StaffPinCheck::Kind::Wait: p.said = PinEntry::Said::Wait; break;
        case StaffPinCheck::Kind::NoPin: p.said = PinEntry::Said::NoPin; break;
        case StaffPinCheck::Kind::Failed: p.said = PinEntry::Said::Failed; break;
      }
    });
  });
}

void KioskApp::read_staff_view() {
  state_.staff.read_at = state_.now;
  store_.ask([answers = answers_, path = state_.config.store_path](Store& s) {
    StaffView v;
    v.active = s.active_meeting();
    v.meetings = s.meetings();
    if (auto c = s.counts(v.active)) v.counts = *c;
    if (v.active) v.recent = s.recent_check_ins(*v.active, 4);
    v.device_id = s.device_id();
    v.schema = s.schema_version();
    v.latest_record_ms = s.latest_record_ms();
    answers->post([v = std::move(v)](KioskApp& app) mutable {
      StaffView& shown = app.state_.staff;
      if (!shown.unlocked || !is_staff_screen(app.state_.screen)) {
        for (auto& c : v.recent) wipe(c.first_name), wipe(c.last_initial);
        return;
      }
      for (auto& c : shown.recent) wipe(c.first_name), wipe(c.last_initial);
      shown.active = v.active;
      shown.meetings = std::move(v.meetings);
      shown.counts = v.counts;
      shown.recent = std::move(v.recent);
      shown.device_id = std::move(v.device_id);
      shown.schema = v.schema;
      shown.latest_record_ms = v.latest_record_ms;
    });
  });
}

void KioskApp::check_in_rsvp(const CheckInRsvp& who) {
  const bool staff = who.method == CheckInMethod::Staff;
  if (staff && (!state_.staff.unlocked || state_.staff.busy)) return;
  if (!staff) {
    ++state_.checks_in_flight;
    go(Screen::Checking);
  } else {
    state_.staff.busy = true;
  }
  store_.ask([answers = answers_, who, staff, now = now_unix_ms()](Store& s) mutable {
    ScanResult result;
    auto w = s.check_in_rsvp(who.rsvp, who.method, now);
    if (!w) {
      result.outcome = ScanOutcome::NotSaved;
    } else {
      result.outcome = w->outcome;
      if (w->record) {
        result.checked_in_at_ms = w->record->at_ms;
        result.check_in_id = w->record->id;
      }
      if (auto r = s.rsvp(who.rsvp)) {
        result.first_name = r->first_name;
        wipe(r->first_name), wipe(r->last_name), wipe(r->email);
      }
    }
    answers->post([result = std::move(result), label = std::move(who.label), staff](KioskApp& app) mutable {
      if (!staff) {
        app.show(result);  // the same result screen a scan gets
      } else {
        app.record_written();
        StaffView& v = app.state_.staff;
        v.busy = false;
        wipe(v.notice);
        const char* key = result.outcome == ScanOutcome::CheckedIn          ? "staff.checked_in_notice"
                          : result.outcome == ScanOutcome::AlreadyCheckedIn ? "staff.already_notice"
                          : result.outcome == ScanOutcome::Revoked          ? "staff.revoked_notice"
                                                                            : "staff.not_saved_notice";
        if (v.unlocked) {
          v.notice = Catalog::of(app.state_.language).text(key, {{"name", label}});
          app.go(Screen::StaffHome);
        }
        wipe(result.first_name);
      }
      wipe(label);
    });
  });
}

void KioskApp::undo_check_in(const UndoCheckIn& what) {
  if (!state_.staff.unlocked || state_.staff.busy) return;
  state_.staff.busy = true;
  store_.ask([answers = answers_, what, now = now_unix_ms()](Store& s) mutable {
    auto r = s.undo_check_in(what.check_in, now);
    const bool undone = r.ok() && *r;
    answers->post([undone, label = std::move(what.label)](KioskApp& app) mutable {
      StaffView& v = app.state_.staff;
      v.busy = false;
      if (undone) app.record_written();
      if (v.unlocked) {
        wipe(v.notice);
        v.notice = Catalog::of(app.state_.language)
                       .text(undone ? "staff.undone_notice" : "staff.not_saved_notice", {{"name", label}});
        app.read_staff_view();
      }
      wipe(label);
    });
  });
}

void KioskApp::staff_change(std::function<bool(Store&)> change, bool forms_too) {
  if (!state_.staff.unlocked || state_.staff.busy) return;
  state_.staff.busy = true;
  store_.ask([answers = answers_, change = std::move(change), forms_too](Store& s) {
    const bool ok = change(s);
    answers->post([ok, forms_too](KioskApp& app) {
      StaffView& v = app.state_.staff;
      v.busy = false;
      if (!v.unlocked) return;
      wipe(v.notice);
      if (!ok) v.notice = Catalog::of(app.state_.language).text("staff.not_saved_notice", {{"name", ""}});
      if (forms_too) app.read_forms_setup();
      app.read_staff_view();
    });
  });
}

void KioskApp::choose_meeting(MeetingId meeting) {
  staff_change([meeting](Store& s) { return s.set_active_meeting(meeting).ok(); }, false);
}

void KioskApp::enrol_by_code(std::string code, bool only_without_pin,
                             std::function<void(KioskApp&, EnrolAnswer&)> done) {
  // On the store's thread: the one-time token is traded over HTTP (a few seconds at most) and
  // the credential kept; the screen waits meanwhile.
  store_.ask([answers = answers_, code = std::move(code), only_without_pin, done = std::move(done)](Store& s) mutable {
    EnrolAnswer a;
    if (only_without_pin && has_staff_pin(s)) {
      a.kind = EnrolAnswer::Kind::HasPin;  // a PIN is never replaced by a scan
    } else if (auto r = enrol_kiosk(s, code); r.ok()) {
      a.kind = EnrolAnswer::Kind::Enrolled;
      a.words = r->name + " (" + r->server_url + ")";
    } else {
      a.kind = r.error().code == "bad_code" ? EnrolAnswer::Kind::NotACode : EnrolAnswer::Kind::Failed;
      a.words = r.error().message;
    }
    wipe(code);
    answers->post([a = std::move(a), done = std::move(done)](KioskApp& app) mutable {
      if (a.kind == EnrolAnswer::Kind::Enrolled && app.sync_) app.sync_->settings_changed();
      done(app, a);
    });
  });
}

void KioskApp::enrol(std::string code) {
  SyncView& v = state_.sync;
  if (!state_.staff.unlocked || v.enrol == SyncView::Enrol::Working) return wipe(code);
  v.enrol = SyncView::Enrol::Working;
  wipe(v.enrol_words);
  enrol_by_code(std::move(code), false, [](KioskApp& app, EnrolAnswer& a) {
    SyncView& v = app.state_.sync;
    if (!app.state_.staff.unlocked) return;
    v.enrol = a.kind == EnrolAnswer::Kind::Enrolled ? SyncView::Enrol::Done : SyncView::Enrol::Failed;
    v.enrol_words = std::move(a.words);
  });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] First-run setup
// ---------------------------------------------------------------------------------------------

void KioskApp::enrol_first_run(std::string code) {
  SetupView& v = state_.setup;
  if (state_.screen != Screen::StaffPin || state_.pin.said != PinEntry::Said::NoPin ||
      v.enrol == SetupView::Enrol::Working || v.may_choose_pin)
    return wipe(code);
  v.enrol = SetupView::Enrol::Working;
  wipe(v.enrol_words);
  enrol_by_code(std::move(code), true, [](KioskApp& app, EnrolAnswer& a) {
    SetupView& v = app.state_.setup;
    // Only the person still at the setup screen may choose the PIN; the enrolment holds anyway.
    if (app.state_.screen != Screen::StaffPin) return v.wipe();
    using K = EnrolAnswer::Kind;
    if (a.kind == K::HasPin) {
      v.wipe();
      app.ask_pin_state();  // the PIN screen with its pad again
      return;
    }
    v.enrol = a.kind == K::Enrolled ? SetupView::Enrol::Done
              : a.kind == K::NotACode ? SetupView::Enrol::NotACode
                                      : SetupView::Enrol::Failed;
    v.enrol_words = std::move(a.words);
    v.may_choose_pin = a.kind == K::Enrolled;
    if (v.may_choose_pin) app.state_.pin.enrolled = true;
  });
}

void KioskApp::submit_new_pin() {
  NewPinEntry& n = state_.new_pin;
  using Said = NewPinEntry::Said;
  if (state_.screen != Screen::ChoosePin || !state_.setup.may_choose_pin || n.typing().empty() ||
      n.said == Said::Saving || n.said == Said::PinExists)
    return;
  if (!n.confirming) {  // the first time: the rule, at once
    n.problem = staff_pin_problem(n.first.view());
    n.said = n.problem == StaffPinProblem::None ? Said::Nothing : Said::Refused;
    if (n.said == Said::Refused) n.first.wipe();
    else n.confirming = true;
    return;
  }
  const bool same = n.first.view() == n.again.view();
  // One heap copy for the store's thread, wiped there; the screen's copies go at once.
  auto pin = std::make_shared<std::string>(same ? n.first.view() : std::string_view());
  n.first.wipe();
  n.again.wipe();
  n.confirming = false;
  if (!same) {
    n.said = Said::Mismatch;
    return;
  }
  n.said = Said::Saving;
  store_.ask([answers = answers_, pin](Store& s) {
    const bool exists = has_staff_pin(s);  // set meanwhile (set-pin): never replaced from here
    const bool saved = !exists && set_staff_pin(s, *pin).ok();
    wipe(*pin);
    answers->post([exists, saved](KioskApp& app) {
      if (saved || exists) app.state_.setup.may_choose_pin = false;
      if (app.state_.screen != Screen::ChoosePin) return;  // left meanwhile; a saved PIN holds
      if (!saved) {
        app.state_.new_pin.said = exists ? NewPinEntry::Said::PinExists : NewPinEntry::Said::Failed;
        return;
      }
      app.state_.setup.wipe();
      app.state_.pin.said = PinEntry::Said::Nothing;
      app.state_.staff.unlocked = true;
      app.go(Screen::StaffHome);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Timers and the idle reset
// ---------------------------------------------------------------------------------------------

void KioskApp::wipe_for_next_person() {
  go(Screen::Welcome);
  state_.keyboard_code.text.wipe();
  state_.search.wipe();
  state_.pin.digits.wipe();
  state_.new_pin.wipe();
  state_.setup.wipe();
  state_.staff.wipe();
  state_.form.wipe();
  state_.language = state_.config.language;
  // Dear ImGui keeps its own copy of a text field being edited: zero it too.
  ImGuiContext& g = *ImGui::GetCurrentContext();
  ImGui::ClearActiveID();
  wipe_vector(g.InputTextState.TextW);
  wipe_vector(g.InputTextState.TextA);
  wipe_vector(g.InputTextState.InitialTextA);
  g.InputTextState.CurLenA = g.InputTextState.CurLenW = 0;
}

std::int64_t KioskApp::idle_limit() const {
  const bool staff =
      is_staff_screen(state_.screen) || state_.screen == Screen::StaffPin || state_.screen == Screen::ChoosePin;
  return staff ? state_.config.staff_idle_ms : state_.config.idle_ms;
}

std::int64_t KioskApp::next_deadline() const {
  std::int64_t next = -1;
  auto consider = [&next](std::int64_t t) { next = next < 0 ? t : std::min(next, t); };
  if (state_.screen == Screen::Result && state_.result)
    consider(state_.screen_since +
             (is_welcome(state_.result->outcome) ? state_.config.welcome_ms : state_.config.refusal_ms));
  if (state_.screen == Screen::FormThanks) consider(state_.screen_since + state_.config.welcome_ms);
  const bool left_behind = state_.screen != Screen::Welcome || !state_.keyboard_code.text.empty() ||
                           state_.language != state_.config.language;
  if (left_behind && state_.screen != Screen::Checking) consider(state_.last_activity + idle_limit());
  // Staff mode's live counts; the PIN's wait counted down a second at a time.
  if (state_.screen == Screen::StaffHome && state_.staff.read_at >= 0)
    consider(state_.staff.read_at + kStaffReadEveryMs);
  // A scanner's burst: look again when its silence would end it (once; a ticket still arriving waits for keys).
  const KeyboardCode& kc = state_.keyboard_code;
  if (!kc.text.empty() && scanner_burst(kc) && state_.now < kc.last_key_at + kWedgeEndPauseMs)
    consider(kc.last_key_at + kWedgeEndPauseMs);
  // The sync screen's progress bar and "4 min ago".
  if (state_.screen == Screen::StaffSync) consider(state_.now + (state_.sync.status.running ? 250 : 1000));
  if (const std::int64_t c = clock_deadline(); c >= 0) consider(c);
  if (state_.screen == Screen::StaffPin && state_.pin.retry_at > state_.now) {
    const std::int64_t left = state_.pin.retry_at - state_.now;
    consider(state_.now + (left % 1000 ? left % 1000 : 1000));
  }
  return next;
}

void KioskApp::run_timers() {
  if (scan_ended_in_silence(state_.keyboard_code, state_.now)) {
    submit_keyboard_code();  // a scanner that sends no Enter
    return;
  }
  const bool left_behind = state_.screen != Screen::Welcome || !state_.keyboard_code.text.empty() ||
                           state_.language != state_.config.language;
  if (left_behind && state_.screen != Screen::Checking && state_.now >= state_.last_activity + idle_limit()) {
    wipe_for_next_person();
    return;
  }
  if (state_.screen == Screen::Result && state_.result &&
      state_.now >= state_.screen_since +
                         (is_welcome(state_.result->outcome) ? state_.config.welcome_ms : state_.config.refusal_ms))
    go(Screen::Welcome);  // a result's time is up
  if (state_.screen == Screen::FormThanks && state_.now >= state_.screen_since + state_.config.welcome_ms)
    go(Screen::Welcome);
  if (state_.screen == Screen::StaffHome && state_.staff.read_at >= 0 &&
      state_.now >= state_.staff.read_at + kStaffReadEveryMs)
    read_staff_view();
  look_for_clock_answer();
}

int KioskApp::next_frame_in_ms() {
  const std::int64_t deadline = next_deadline();
  if (deadline < 0) return -1;
  return static_cast<int>(std::clamp<std::int64_t>(deadline - clock() + 1, 0, 24 * 3600 * 1000));
}

}  // namespace cate::app
