// KioskApp's forms: opening a walk-in or sign-up form, typing and choosing, Next and Previous
// (each checks the question on screen), Send (checks everything, seals on this thread so only
// sealed text leaves it, records on the store's thread), and the kiosk mode staff choose.
#include <string.h>  // explicit_bzero

#include "kiosk/app/kiosk_app.hpp"
#include "kiosk/core/check_in.hpp"

namespace cate::app {

namespace {

/// The problem to show when leaving question `page` forward: its own, or a group of fields
/// none of which is filled in, when `page` is the group's last field.
std::optional<FormProblem> problem_leaving(const FormDefinition& def, const FormAnswers& answers, std::size_t page) {
  if (auto p = validate_field(def, answers, page)) return p;
  for (const FormProblem& p : validate_form(def, answers))
    if (p.kind == FormProblem::Kind::NeedOneOf && def.require_one_of[p.group].back() == page) return p;
  return std::nullopt;
}

/// Letters the Shift key turns into capitals (ASCII and the Spanish accents on the keyboard).
std::string capital(std::string_view key) {
  static const std::pair<std::string_view, std::string_view> accents[] = {
      {"á", "Á"}, {"é", "É"}, {"í", "Í"}, {"ó", "Ó"}, {"ú", "Ú"}, {"ñ", "Ñ"}, {"ü", "Ü"}};
  if (key.size() == 1 && key[0] >= 'a' && key[0] <= 'z') return std::string(1, static_cast<char>(key[0] - 'a' + 'A'));
  for (auto [lower, upper] : accents)
    if (key == lower) return std::string(upper);
  return std::string(key);
}

bool is_letter_key(std::string_view key) { return capital(key) != key; }

}  // namespace

void KioskApp::read_forms_setup() {
  store_.ask([answers = answers_](Store& s) {
    FormsSetup setup;
    setup.mode = kiosk_mode_of(s);
    setup.seal = form_seal_key(s);
    setup.meeting_active = s.active_meeting().has_value();
    setup.definitions = forms_in_use(s);
    setup.read = true;
    answers->post([setup = std::move(setup)](KioskApp& app) mutable { app.state_.forms = std::move(setup); });
  });
}

void KioskApp::start_form(const StartForm& start) {
  const FormsSetup& setup = state_.forms;
  std::shared_ptr<const FormDefinition> def = setup.definition(start.form);
  if (!def || !setup.forms_on()) return;
  if (def->for_meeting ? !setup.walk_in() : !setup.sign_up()) return;
  state_.form.wipe();
  state_.form.held = def;
  state_.form.form = def.get();
  // The preferred language starts as the one the person is reading in.
  for (std::size_t i = 0; i < def->fields.size(); ++i)
    if (def->fields[i].type == FieldType::Language)
      for (std::size_t c = 0; c < def->fields[i].choices.size(); ++c)
        if (def->fields[i].choices[c].id == language_code(state_.language)) state_.form.answers.choose(i, c, true);
  go(Screen::Form);
  state_.form.shift = true;  // a name starts with a capital
}

void KioskApp::form_step(bool forward) {
  FormSession& f = state_.form;
  if (state_.screen != Screen::Form || !f.form || f.said == FormSession::Said::Sending) return;
  const std::size_t n = f.form->fields.size();
  if (!forward) {
    f.problem.reset();
    if (f.page > 0) --f.page;
  } else {
    // What is wrong is said, naming the field; the answer stays as it was typed.
    f.problem = problem_leaving(*f.form, f.answers, f.page);
    if (f.problem) return;
    if (f.page + 1 >= n) {
      send_form();
      return;
    }
    ++f.page;
  }
  f.said = FormSession::Said::Nothing;
  const FormField& field = f.form->fields[f.page];
  f.shift = field.type == FieldType::Text && f.answers.text(f.page).empty();
}

void KioskApp::form_key(const TypeKey& key) {
  FormSession& f = state_.form;
  if (state_.screen != Screen::Form || !f.form || f.said == FormSession::Said::Sending) return;
  const FormField& field = f.form->fields[f.page];
  if (!field.is_text()) return;
  if (key.clear) {
    f.answers.clear_text(f.page);
  } else if (key.erase) {
    f.answers.pop_back_character(f.page);
  } else {
    const bool letter = is_letter_key(key.text);
    if (f.shift && letter) {
      f.answers.append(f.page, capital(key.text));
      f.shift = false;
    } else {
      f.answers.append(f.page, key.text);
    }
    // After a space or a hyphen in a name, the next letter is a capital again.
    if (field.type == FieldType::Text && (key.text == " " || key.text == "-")) f.shift = true;
  }
  if (f.problem && f.problem->field == f.page) f.problem.reset();
}

void KioskApp::form_choose(std::size_t choice) {
  FormSession& f = state_.form;
  if (state_.screen != Screen::Form || !f.form || f.said == FormSession::Said::Sending) return;
  const FormField& field = f.form->fields[f.page];
  switch (field.type) {
    case FieldType::Checkbox: f.answers.set_ticked(f.page, !f.answers.ticked(f.page)); break;
    case FieldType::MultiChoice:
      if (choice < field.choices.size()) f.answers.toggle(f.page, choice);
      break;
    case FieldType::Choice:
    case FieldType::Language:
      if (choice < field.choices.size()) f.answers.choose(f.page, choice, true);
      break;
    default: return;
  }
  f.problem.reset();
}

void KioskApp::send_form() {
  FormSession& f = state_.form;
  if (state_.screen != Screen::Form || !f.form || f.said == FormSession::Said::Sending) return;
  const auto problems = validate_form(*f.form, f.answers);
  if (!problems.empty()) {  // back to the first question that needs something, answers kept
    f.problem = problems.front();
    f.page = problems.front().field;
    return;
  }
  const FormsSetup& setup = state_.forms;
  if (!setup.seal.key) return;  // Welcome offered no form without a key; keep the answers
  // Sealed here, before anything is written or handed to another thread.
  auto sealed = seal_form(*f.form, f.answers, state_.language, *setup.seal.key);
  if (!sealed) {
    f.said = FormSession::Said::NotSaved;
    return;
  }
  f.said = FormSession::Said::Sending;
  store_.ask([answers = answers_, form = f.form, sealed = std::move(sealed.value()), now = now_unix_ms()](Store& s) {
    auto w = s.record_form(form->id, form->version, form->for_meeting, sealed, now);
    const bool ok = w.ok();
    const bool no_meeting = !ok && w.error().kind == StoreError::Kind::Refused;
    answers->post([ok, no_meeting, form](KioskApp& app) {
      if (ok) app.record_written();  // a sealed form for the office: sync soon
      FormSession& f = app.state_.form;
      // The person may have left (idle) meanwhile: the record stands, the screen moves on.
      if (app.state_.screen != Screen::Form || f.form != form || f.said != FormSession::Said::Sending) return;
      if (!ok) {
        f.said = no_meeting ? FormSession::Said::NoMeeting : FormSession::Said::NotSaved;
        return;  // the answers stay, so the person can try again
      }
      f.answers.wipe();
      f.said = FormSession::Said::Nothing;
      app.go(Screen::FormThanks);
    });
  });
}

void KioskApp::set_kiosk_mode(KioskMode mode) {
  staff_change([mode](Store& s) { return s.set_setting(kKioskModeSetting, kiosk_mode_code(mode)).ok(); }, true);
}

}  // namespace cate::app
