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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/messages.hpp"
#include "kiosk/core/outbox.hpp"
#include "platform/result.hpp"
#include "sync/protocol/form_definition.hpp"
#include "sync/protocol/keys.hpp"

namespace cate {

class Store;

// ---------------------------------------------------------------------------------------------
// [SECTION] Definitions
// ---------------------------------------------------------------------------------------------

// The definition types and parse_form_definition live in sync/protocol/form_definition.hpp
// (the office checks definitions with the same parser).

/// A definition's text in the language the person reads.
inline const std::string& in(const LocalText& text, Language lang) { return text.in_spanish(lang == Language::Spanish); }

/// The embedded definitions (assets/forms/walk_in.json, ally_network.json,
/// community_network.json), read once. A definition that does not parse is left out and its
/// error kept in `builtin_form_errors()`.
const std::vector<FormDefinition>& builtin_forms();
const std::vector<std::string>& builtin_form_errors();
const FormDefinition* find_builtin_form(std::string_view id);

/// The definition the kiosk uses for `id`: the office's (from a bundle or a pull, kept in the
/// store) when its version is above the built-in one's, else the built-in one; none if neither
/// exists. An office definition that no longer parses is passed over. Call on the store's thread.
std::shared_ptr<const FormDefinition> find_form(const Store& store, std::string_view id);
/// find_form() of every form the kiosk knows (the built-in ones and the office's), built-in order first.
std::vector<std::shared_ptr<const FormDefinition>> forms_in_use(const Store& store);

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
