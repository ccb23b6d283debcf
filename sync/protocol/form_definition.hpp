#pragma once
/// @brief What a walk-in or sign-up form asks: its definition (JSON, as in assets/forms/) and
/// the one parser that checks it. Here, under sync/, so the office (cate-admin form set) checks a
/// definition exactly as a kiosk does before it is handed out in a bundle (BUNDLE.md, `forms`).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"

namespace cate {

enum class FieldType { Text, Email, Phone, Choice, MultiChoice, Checkbox, Language };
/// "text", "email", "phone", "choice", "multi_choice", "checkbox", "language"
const char* field_type_code(FieldType type);

/// A text in each language the kiosk speaks (English is required; Spanish falls back to it).
struct LocalText {
  std::string en, es;
  const std::string& in_spanish(bool spanish) const { return spanish && !es.empty() ? es : en; }
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
  /// choice, multi_choice: as defined; language: "en" (English) and "es" (Español)
  std::vector<FormChoice> choices;
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

}  // namespace cate
