#pragma once
/// @brief Walk-in and sign-up forms: their definitions (data in assets/forms/, not code), the
/// answers a person gives (fixed buffers, zeroed when wiped), validation whose messages name the
/// field, and the sealed text the server alone can open (SYNC.md, "Sealed forms").
///
/// [SECTION] Definitions   what a form asks (parse_form_definition, builtin_forms)
/// [SECTION] Answers       what a person gave (FormAnswers)
/// [SECTION] Validation    what is wrong, field by field (validate_form, problem_text)
/// [SECTION] Sealing       the JSON that is sealed, and the key it is sealed to
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/messages.hpp"
#include "kiosk/core/outbox.hpp"
#include "platform/result.hpp"
#include "sync/protocol/keys.hpp"

namespace cate {

class Store;

// ---------------------------------------------------------------------------------------------
// [SECTION] Definitions
// ---------------------------------------------------------------------------------------------

enum class FieldType { Text, Email, Phone, Choice, MultiChoice, Checkbox, Language };
/// "text", "email", "phone", "choice", "multi_choice", "checkbox", "language"
const char* field_type_code(FieldType type);

/// A text in each language the kiosk speaks (English is required; Spanish falls back to it).
struct LocalText {
  std::string en, es;
  const std::string& in(Language lang) const { return lang == Language::Spanish && !es.empty() ? es : en; }
};

struct FormChoice {
  std::string id;  ///< what the sealed answer holds ("training")
  LocalText label;
};

/// Most fields a form may have, and most choices a field may offer (big touch buttons).
inline constexpr std::size_t kMaxFormFields = 16;
inline constexpr std::size_t kMaxFieldChoices = 8;  // two to a row, four rows: a screen without scrolling
/// Bytes one text answer can hold (a field's max_length is in characters and may be less).
inline constexpr std::size_t kFormTextCapacity = 1024;

struct FormField {
  std::string id;           ///< key in the sealed "fields" object
  FieldType type = FieldType::Text;
  bool required = false;    ///< a checkbox that is required must be ticked (consent)
  std::size_t max_length = 0;  ///< text, email, phone: most characters (code points)
  LocalText label, help;
  std::vector<FormChoice> choices;  ///< choice, multi_choice; language: English and Spanish
  bool is_text() const { return type == FieldType::Text || type == FieldType::Email || type == FieldType::Phone; }
};

struct FormDefinition {
  std::string id;            ///< "walk_in", "ally_network", "community_network"
  int version = 0;           ///< goes with every answer (form_version)
  bool for_meeting = false;  ///< tied to the active meeting (walk-in)
  LocalText title, intro, thanks;
  std::vector<FormField> fields;
  /// Groups of fields of which at least one must be filled in (e-mail or phone).
  std::vector<std::vector<std::size_t>> require_one_of;
  std::optional<std::size_t> field_index(std::string_view field_id) const;
};

/// Reads a definition. The error names the file and the field: "forms/x.json: field 'email':
/// unknown type 'mail'".
Result<FormDefinition, std::string> parse_form_definition(std::string_view json, std::string_view file);

/// The embedded definitions (assets/forms/walk_in.json, ally_network.json,
/// community_network.json), read once. A definition that does not parse is left out and its
/// error kept in `builtin_form_errors()`.
const std::vector<FormDefinition>& builtin_forms();
const std::vector<std::string>& builtin_form_errors();
const FormDefinition* find_builtin_form(std::string_view id);

// ---------------------------------------------------------------------------------------------
// [SECTION] Answers
// ---------------------------------------------------------------------------------------------

/// @brief What a person gave, field by field, in fixed buffers (never reallocated) that wipe()
/// zeroes. Indexed like FormDefinition::fields.
class FormAnswers {
 public:
  FormAnswers() = default;
  FormAnswers(const FormAnswers&) = delete;
  FormAnswers& operator=(const FormAnswers&) = delete;
  ~FormAnswers() { wipe(); }

  /// Adds text to a field; what does not fit is left out (at a character boundary) and the
  /// field remembers it overflowed, so validation can say so. False when anything was left out.
  bool append(std::size_t field, std::string_view text);
  void pop_back_character(std::size_t field);
  void clear_text(std::size_t field);
  std::string_view text(std::size_t field) const;
  bool overflowed(std::size_t field) const;

  /// Choices by their place in the field's list.
  bool chosen(std::size_t field, std::size_t choice) const;
  void choose(std::size_t field, std::size_t choice, bool only_one);  ///< only_one: others go
  void toggle(std::size_t field, std::size_t choice);
  bool ticked(std::size_t field) const;
  void set_ticked(std::size_t field, bool on);

  void wipe();             ///< zeroes every byte and choice
  std::size_t bytes() const;  ///< text bytes held (0 after wipe)

 private:
  struct Entry {
    std::array<char, kFormTextCapacity> bytes{};
    std::size_t size = 0;
    bool overflowed = false;
    std::uint32_t chosen = 0;  ///< bit i: choice i
    bool ticked = false;
  };
  std::array<Entry, kMaxFormFields> entries_{};
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Validation
// ---------------------------------------------------------------------------------------------

struct FormProblem {
  enum class Kind {
    Required,      ///< nothing given
    NotTicked,     ///< a required tick box (consent) is not ticked
    TooLong,       ///< more than max_length characters (or more than the buffer holds)
    BadEmail,      ///< not an e-mail address
    BadPhone,      ///< not a phone number
    BadText,       ///< control characters or text that is not UTF-8
    NeedOneOf,     ///< none of a require_one_of group filled in (field: the group's first)
  } kind;
  std::size_t field = 0;  ///< index into FormDefinition::fields
  std::size_t group = 0;  ///< NeedOneOf: index into require_one_of
};
const char* problem_code(FormProblem::Kind kind);

/// Checks one field on its own (what "Next" checks).
std::optional<FormProblem> validate_field(const FormDefinition& def, const FormAnswers& answers, std::size_t field);
/// Checks everything, in the order of the fields (what "Send" checks). Empty: ready to seal.
std::vector<FormProblem> validate_form(const FormDefinition& def, const FormAnswers& answers);
/// The problem in words that name the field: "First name is needed." (assets/i18n, form.problem.*)
std::string problem_text(const FormDefinition& def, const FormProblem& problem, Language lang);

/// Characters (UTF-8 code points) in `text`.
std::size_t utf8_length(std::string_view text);

// ---------------------------------------------------------------------------------------------
// [SECTION] Sealing
// ---------------------------------------------------------------------------------------------

/// The JSON text that is sealed (SYNC.md, "Sealed forms"): {"form","form_version","language",
/// "fields":{...}}. Text is trimmed; empty optional answers are left out; a tick box is always a
/// boolean; several choices are a list of choice IDs; a language is "en" or "es". The caller
/// wipes the result once sealed.
std::string form_json(const FormDefinition& def, const FormAnswers& answers, Language filled_in);

/// The form's JSON sealed to the server's key; the plain JSON never outlives this call.
Result<std::string, std::string> seal_form(const FormDefinition& def, const FormAnswers& answers,
                                           Language filled_in, const PublicKey& server_key);

// Where the key to seal to comes from: setting kSealKeySetting "seal_key" (from a bundle or
// enrolment, kiosk/core/outbox.hpp), else the pinned server key "sync_server_key".

/// The key forms are sealed to, or why there is none (then the kiosk takes no forms).
struct FormSealKey {
  enum class Source { SealKey, PinnedServerKey, None, Damaged } source = Source::None;
  std::optional<PublicKey> key;
  std::string why;  ///< for staff, when there is no usable key
};
FormSealKey form_seal_key(const Store& store);

/// What a kiosk shows on Welcome (setting "kiosk_mode"; staff pick it in staff mode).
enum class KioskMode { CheckIn, SignUp, Both };
inline constexpr const char* kKioskModeSetting = "kiosk_mode";
inline constexpr KioskMode kAllKioskModes[] = {KioskMode::CheckIn, KioskMode::SignUp, KioskMode::Both};
const char* kiosk_mode_code(KioskMode mode);  ///< "check_in", "sign_up", "both"
std::optional<KioskMode> parse_kiosk_mode(std::string_view code);
/// The store's mode; Both when unset or unreadable.
KioskMode kiosk_mode_of(const Store& store);

}  // namespace cate
