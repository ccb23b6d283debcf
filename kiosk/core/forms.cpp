// Forms: definitions, answers, validation, the sealed JSON, the seal key and the kiosk mode.
//
// [SECTION] Definitions
// [SECTION] Answers
// [SECTION] Validation
// [SECTION] Sealing
// [SECTION] Settings (seal key, kiosk mode)
#include "kiosk/core/forms.hpp"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "assets/assets.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk/core/store.hpp"
#include "sync/protocol/sealed_form.hpp"

namespace cate {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// [SECTION] Definitions
// ---------------------------------------------------------------------------------------------

namespace {
struct BuiltinForms {
  std::vector<FormDefinition> forms;
  std::vector<std::string> errors;
};
const BuiltinForms& builtin() {
  static const BuiltinForms all = [] {
    BuiltinForms b;
    for (const char* id : {"walk_in", "ally_network", "community_network"}) {
      const std::string file = std::string("forms/") + id + ".json";
      auto text = asset(file);
      if (!text) {
        b.errors.push_back(file + ": not in this build");
        continue;
      }
      auto def = parse_form_definition(*text, file);
      if (def) b.forms.push_back(std::move(def.value()));
      else b.errors.push_back(def.error());
    }
    return b;
  }();
  return all;
}
}  // namespace

const std::vector<FormDefinition>& builtin_forms() { return builtin().forms; }
const std::vector<std::string>& builtin_form_errors() { return builtin().errors; }
const FormDefinition* find_builtin_form(std::string_view id) {
  for (const auto& f : builtin_forms())
    if (f.id == id) return &f;
  return nullptr;
}

std::vector<std::shared_ptr<const FormDefinition>> forms_in_use(const Store& store) {
  std::vector<std::shared_ptr<const FormDefinition>> out;
  // Built-in ones live as long as the process: shared without owning.
  for (const auto& f : builtin_forms()) out.emplace_back(std::shared_ptr<const FormDefinition>(), &f);
  for (const std::string& text : store.office_forms()) {
    auto def = parse_form_definition(text, "office form");
    if (!def) continue;  // checked when imported; a definition that no longer parses is passed over
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& f) { return f->id == def->id; });
    if (it == out.end()) out.push_back(std::make_shared<const FormDefinition>(std::move(def.value())));
    else if (def->version > (*it)->version) *it = std::make_shared<const FormDefinition>(std::move(def.value()));
  }
  return out;
}

std::shared_ptr<const FormDefinition> find_form(const Store& store, std::string_view id) {
  for (auto& f : forms_in_use(store))
    if (f->id == id) return f;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Answers
// ---------------------------------------------------------------------------------------------

namespace {
/// Length of the longest prefix of `s` that fits in `room` bytes without cutting a character.
std::size_t fitting_prefix(std::string_view s, std::size_t room) {
  if (s.size() <= room) return s.size();
  std::size_t n = room;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}
}  // namespace

bool FormAnswers::append(std::size_t field, std::string_view text) {
  if (field >= kMaxFormFields) return false;
  Entry& e = entries_[field];
  const std::size_t n = fitting_prefix(text, kFormTextCapacity - e.size);
  std::memcpy(e.bytes.data() + e.size, text.data(), n);
  e.size += n;
  if (n < text.size()) e.overflowed = true;
  return n == text.size();
}

void FormAnswers::pop_back_character(std::size_t field) {
  if (field >= kMaxFormFields) return;
  Entry& e = entries_[field];
  while (e.size > 0 && (static_cast<unsigned char>(e.bytes[e.size - 1]) & 0xC0) == 0x80) e.bytes[--e.size] = 0;
  if (e.size > 0) e.bytes[--e.size] = 0;
  e.overflowed = false;
}

void FormAnswers::clear_text(std::size_t field) {
  if (field >= kMaxFormFields) return;
  Entry& e = entries_[field];
  explicit_bzero(e.bytes.data(), e.bytes.size());
  e.size = 0;
  e.overflowed = false;
}

std::string_view FormAnswers::text(std::size_t field) const {
  if (field >= kMaxFormFields) return {};
  return {entries_[field].bytes.data(), entries_[field].size};
}
bool FormAnswers::overflowed(std::size_t field) const { return field < kMaxFormFields && entries_[field].overflowed; }

bool FormAnswers::chosen(std::size_t field, std::size_t choice) const {
  return field < kMaxFormFields && choice < 32 && (entries_[field].chosen >> choice) & 1u;
}
void FormAnswers::choose(std::size_t field, std::size_t choice, bool only_one) {
  if (field >= kMaxFormFields || choice >= 32) return;
  if (only_one) entries_[field].chosen = 0;
  entries_[field].chosen |= 1u << choice;
}
void FormAnswers::toggle(std::size_t field, std::size_t choice) {
  if (field >= kMaxFormFields || choice >= 32) return;
  entries_[field].chosen ^= 1u << choice;
}
bool FormAnswers::ticked(std::size_t field) const { return field < kMaxFormFields && entries_[field].ticked; }
void FormAnswers::set_ticked(std::size_t field, bool on) {
  if (field < kMaxFormFields) entries_[field].ticked = on;
}

void FormAnswers::wipe() {
  explicit_bzero(entries_.data(), sizeof(Entry) * entries_.size());
  for (auto& e : entries_) e.size = 0, e.overflowed = false, e.chosen = 0, e.ticked = false;
}

std::size_t FormAnswers::bytes() const {
  std::size_t n = 0;
  for (const auto& e : entries_) n += e.size;
  return n;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Validation
// ---------------------------------------------------------------------------------------------

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Well-formed UTF-8 with no control characters.
bool clean_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int more = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      more = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      more = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      more = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(more) >= s.size()) return false;  // cut short
    for (int k = 1; k <= more; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp < 0xA0))
      return false;
    i += static_cast<std::size_t>(more) + 1;
  }
  return true;
}

bool looks_like_email(std::string_view s) {
  const auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view domain = s.substr(at + 1);
  const auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size()) return false;
  for (char c : s)
    if (c == ' ' || c == ',' || c == ';' || c == '<' || c == '>' || c == '"') return false;
  return domain.find("..") == std::string_view::npos;
}

bool looks_like_phone(std::string_view s) {
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') ++digits;
    else if (c == '+' && i == 0) continue;
    else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') return false;
  }
  return digits >= 7 && digits <= 15;
}

bool has_answer(const FormField& f, const FormAnswers& a, std::size_t i) {
  if (f.is_text()) return !trimmed(a.text(i)).empty();
  if (f.type == FieldType::Checkbox) return a.ticked(i);
  for (std::size_t c = 0; c < f.choices.size(); ++c)
    if (a.chosen(i, c)) return true;
  return false;
}

}  // namespace

const char* problem_code(FormProblem::Kind kind) {
  switch (kind) {
    case FormProblem::Kind::Required: return "required";
    case FormProblem::Kind::NotTicked: return "not_ticked";
    case FormProblem::Kind::TooLong: return "too_long";
    case FormProblem::Kind::BadEmail: return "bad_email";
    case FormProblem::Kind::BadPhone: return "bad_phone";
    case FormProblem::Kind::BadText: return "bad_text";
    case FormProblem::Kind::NeedOneOf: return "need_one_of";
  }
  return "required";
}

std::optional<FormProblem> validate_field(const FormDefinition& def, const FormAnswers& a, std::size_t i) {
  if (i >= def.fields.size()) return std::nullopt;
  const FormField& f = def.fields[i];
  using K = FormProblem::Kind;
  if (!has_answer(f, a, i)) {
    if (f.required) return FormProblem{f.type == FieldType::Checkbox ? K::NotTicked : K::Required, i, 0};
    return std::nullopt;
  }
  if (!f.is_text()) return std::nullopt;
  const std::string_view t = trimmed(a.text(i));
  if (a.overflowed(i) || utf8_length(t) > f.max_length) return FormProblem{K::TooLong, i, 0};
  if (!clean_text(t)) return FormProblem{K::BadText, i, 0};
  if (f.type == FieldType::Email && !looks_like_email(t)) return FormProblem{K::BadEmail, i, 0};
  if (f.type == FieldType::Phone && !looks_like_phone(t)) return FormProblem{K::BadPhone, i, 0};
  return std::nullopt;
}

std::vector<FormProblem> validate_form(const FormDefinition& def, const FormAnswers& a) {
  std::vector<FormProblem> out;
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    if (auto p = validate_field(def, a, i)) out.push_back(*p);
    // A group none of whose fields is filled in is reported at its last field (after the
    // person has passed all of them).
    for (std::size_t g = 0; g < def.require_one_of.size(); ++g) {
      const auto& group = def.require_one_of[g];
      if (group.back() != i) continue;
      bool any = false;
      for (std::size_t f : group) any = any || has_answer(def.fields[f], a, f);
      if (!any) out.push_back(FormProblem{FormProblem::Kind::NeedOneOf, group.front(), g});
    }
  }
  return out;
}

std::string problem_text(const FormDefinition& def, const FormProblem& p, Language lang) {
  const Catalog& words = Catalog::of(lang);
  const std::string key = std::string("form.problem.") + problem_code(p.kind);
  if (p.kind == FormProblem::Kind::NeedOneOf && p.group < def.require_one_of.size()) {
    std::string names;
    const auto& group = def.require_one_of[p.group];
    for (std::size_t k = 0; k < group.size(); ++k) {
      if (k) names += k + 1 == group.size() ? words.text("form.or") : ", ";
      names += in(def.fields[group[k]].label, lang);
    }
    return words.text(key, {{"fields", names}});
  }
  if (p.field >= def.fields.size()) return words.text(key, {{"field", ""}, {"max", ""}});
  const FormField& f = def.fields[p.field];
  return words.text(key, {{"field", in(f.label, lang)}, {"max", std::to_string(f.max_length)}});
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Sealing
// ---------------------------------------------------------------------------------------------

namespace {
/// Appends `s` as a JSON string (UTF-8 passed through; the caller made sure it is clean).
void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}
}  // namespace

std::string form_json(const FormDefinition& def, const FormAnswers& a, Language filled_in) {
  std::string out;
  out.reserve(256 + a.bytes() * 2);  // grown once: no stray copies of the answers on the heap
  out += "{\"form\":";
  json_string(out, def.id);
  out += ",\"form_version\":" + std::to_string(def.version) + ",\"language\":";
  json_string(out, language_code(filled_in));
  out += ",\"fields\":{";
  bool first = true;
  auto key = [&](const std::string& id) {
    if (!first) out += ',';
    first = false;
    json_string(out, id);
    out += ':';
  };
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    const FormField& f = def.fields[i];
    if (f.is_text()) {
      const std::string_view t = trimmed(a.text(i));
      if (t.empty()) continue;
      key(f.id);
      json_string(out, t);
    } else if (f.type == FieldType::Checkbox) {
      key(f.id);
      out += a.ticked(i) ? "true" : "false";
    } else if (f.type == FieldType::MultiChoice) {
      std::vector<const std::string*> ids;
      for (std::size_t c = 0; c < f.choices.size(); ++c)
        if (a.chosen(i, c)) ids.push_back(&f.choices[c].id);
      if (ids.empty()) continue;
      key(f.id);
      out += '[';
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (k) out += ',';
        json_string(out, *ids[k]);
      }
      out += ']';
    } else {  // choice, language: one
      for (std::size_t c = 0; c < f.choices.size(); ++c)
        if (a.chosen(i, c)) {
          key(f.id);
          json_string(out, f.choices[c].id);
          break;
        }
    }
  }
  out += "}}";
  return out;
}

Result<std::string, std::string> seal_form(const FormDefinition& def, const FormAnswers& answers, Language filled_in,
                                           const PublicKey& server_key) {
  std::string plain = form_json(def, answers, filled_in);
  auto sealed = seal_for_server(plain, server_key);
  explicit_bzero(plain.data(), plain.size());
  return sealed;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Settings (seal key, kiosk mode)
// ---------------------------------------------------------------------------------------------

FormSealKey form_seal_key(const Store& store) {
  FormSealKey k;
  const auto seal = store.setting(kSealKeySetting);
  const auto pinned = store.setting(kSyncServerKeySetting);
  const bool has_seal = seal && !seal->empty(), has_pinned = pinned && !pinned->empty();
  if (!has_seal && !has_pinned) {
    k.why = "no server key: enrol this kiosk or import a bundle that carries the server's key";
    return k;
  }
  const std::string& text = has_seal ? *seal : *pinned;
  k.key = PublicKey::from_base64(text);
  if (!k.key) {
    k.source = FormSealKey::Source::Damaged;
    k.why = std::string("the server key in setting '") + (has_seal ? kSealKeySetting : kSyncServerKeySetting) +
            "' is damaged: enrol this kiosk again";
    return k;
  }
  // A key libsodium cannot turn into a sealing key is as good as none.
  if (!seal_for_server("", *k.key)) {
    k.key.reset();
    k.source = FormSealKey::Source::Damaged;
    k.why = "the server key is not a usable key: enrol this kiosk again";
    return k;
  }
  k.source = has_seal ? FormSealKey::Source::SealKey : FormSealKey::Source::PinnedServerKey;
  return k;
}

const char* kiosk_mode_code(KioskMode mode) {
  switch (mode) {
    case KioskMode::CheckIn: return "check_in";
    case KioskMode::SignUp: return "sign_up";
    case KioskMode::Both: return "both";
  }
  return "both";
}

std::optional<KioskMode> parse_kiosk_mode(std::string_view code) {
  for (KioskMode m : kAllKioskModes)
    if (code == kiosk_mode_code(m)) return m;
  return std::nullopt;
}

KioskMode kiosk_mode_of(const Store& store) {
  auto v = store.setting(kKioskModeSetting);
  if (!v) return KioskMode::Both;
  return parse_kiosk_mode(*v).value_or(KioskMode::Both);
}

}  // namespace cate
