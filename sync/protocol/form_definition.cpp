// Form definitions: the types and the parser shared by the kiosk and the office.
#include "sync/protocol/form_definition.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace cate {

using nlohmann::json;

const char* field_type_code(FieldType type) {
  switch (type) {
    case FieldType::Text: return "text";
    case FieldType::Email: return "email";
    case FieldType::Phone: return "phone";
    case FieldType::Choice: return "choice";
    case FieldType::MultiChoice: return "multi_choice";
    case FieldType::Checkbox: return "checkbox";
    case FieldType::Language: return "language";
  }
  return "text";
}

std::optional<std::size_t> FormDefinition::field_index(std::string_view field_id) const {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].id == field_id) return i;
  return std::nullopt;
}

namespace {

/// Thrown inside parse_form_definition only; becomes its error value.
struct DefinitionError {
  std::string message;
};

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw DefinitionError{where.empty() ? what : where + ": " + what};
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

LocalText local_text(const json& j, const char* key, const std::string& where, bool required) {
  LocalText t;
  if (!j.contains(key)) {
    if (required) bad(where, std::string("'") + key + "' is missing");
    return t;
  }
  const json& v = j[key];
  if (v.is_string()) {
    t.en = v.get<std::string>();
  } else if (v.is_object()) {
    if (!v.contains("en") || !v["en"].is_string() || v["en"].get<std::string>().empty())
      bad(where, std::string("'") + key + "' needs an English text (\"en\")");
    t.en = v["en"].get<std::string>();
    if (v.contains("es")) {
      if (!v["es"].is_string()) bad(where, std::string("'") + key + "': \"es\" must be text");
      t.es = v["es"].get<std::string>();
    }
  } else {
    bad(where, std::string("'") + key + "' must be text or {\"en\": ..., \"es\": ...}");
  }
  return t;
}

std::optional<FieldType> parse_field_type(std::string_view s) {
  for (auto t : {FieldType::Text, FieldType::Email, FieldType::Phone, FieldType::Choice, FieldType::MultiChoice,
                 FieldType::Checkbox, FieldType::Language})
    if (s == field_type_code(t)) return t;
  return std::nullopt;
}

FormField parse_field(const json& f, std::size_t index) {
  std::string where = "field " + std::to_string(index + 1);
  if (!f.is_object()) bad(where, "must be an object");
  if (!f.contains("id") || !f["id"].is_string() || !is_identifier(f["id"].get<std::string>()))
    bad(where, "'id' must be lowercase letters, digits and _ (at most 40)");
  FormField field;
  field.id = f["id"].get<std::string>();
  where = "field '" + field.id + "'";
  if (!f.contains("type") || !f["type"].is_string()) bad(where, "'type' is missing");
  auto type = parse_field_type(f["type"].get<std::string>());
  if (!type)
    bad(where, "unknown type '" + f["type"].get<std::string>() +
                   "' (text, email, phone, choice, multi_choice, checkbox, language)");
  field.type = *type;
  if (f.contains("required")) {
    if (!f["required"].is_boolean()) bad(where, "'required' must be true or false");
    field.required = f["required"].get<bool>();
  }
  field.label = local_text(f, "label", where, true);
  field.help = local_text(f, "help", where, false);
  if (field.is_text()) {
    const std::size_t fallback = field.type == FieldType::Email ? 254 : field.type == FieldType::Phone ? 30 : 120;
    field.max_length = fallback;
    if (f.contains("max_length")) {
      if (!f["max_length"].is_number_unsigned() || f["max_length"].get<std::size_t>() == 0 ||
          f["max_length"].get<std::size_t>() > kFormTextCapacity / 4)
        bad(where, "'max_length' must be a number from 1 to " + std::to_string(kFormTextCapacity / 4));
      field.max_length = f["max_length"].get<std::size_t>();
    }
  } else if (f.contains("max_length")) {
    bad(where, "'max_length' is only for text, email and phone");
  }
  if (field.type == FieldType::Choice || field.type == FieldType::MultiChoice) {
    if (!f.contains("choices") || !f["choices"].is_array() || f["choices"].empty())
      bad(where, "'choices' must list at least one choice");
    if (f["choices"].size() > kMaxFieldChoices)
      bad(where, "at most " + std::to_string(kMaxFieldChoices) + " choices");
    for (const auto& c : f["choices"]) {
      if (!c.is_object() || !c.contains("id") || !c["id"].is_string() || !is_identifier(c["id"].get<std::string>()))
        bad(where, "each choice needs an 'id' of lowercase letters, digits and _");
      FormChoice choice{c["id"].get<std::string>(), local_text(c, "label", where + ", choice '" + c["id"].get<std::string>() + "'", true)};
      for (const auto& other : field.choices)
        if (other.id == choice.id) bad(where, "choice '" + choice.id + "' is listed twice");
      field.choices.push_back(std::move(choice));
    }
  } else if (f.contains("choices")) {
    bad(where, "'choices' are only for choice and multi_choice");
  }
  if (field.type == FieldType::Language) {
    // Each language named in itself (assets/i18n, "language.name"), as the kiosk speaks them.
    field.choices.push_back({"en", LocalText{"English", "English"}});
    field.choices.push_back({"es", LocalText{"Español", "Español"}});
  }
  return field;
}

}  // namespace

Result<FormDefinition, std::string> parse_form_definition(std::string_view text, std::string_view file) {
  const std::string prefix = std::string(file) + ": ";
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Err{prefix + "not JSON"};
  if (!j.is_object()) return Err{prefix + "must be a JSON object"};
  FormDefinition def;
  try {
    if (!j.contains("id") || !j["id"].is_string() || !is_identifier(j["id"].get<std::string>()))
      bad("", "'id' must be lowercase letters, digits and _");
    def.id = j["id"].get<std::string>();
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<std::int64_t>() < 1 ||
        j["version"].get<std::int64_t>() > 1'000'000)
      bad("", "'version' must be a whole number from 1");
    def.version = j["version"].get<int>();
    if (j.contains("meeting")) {
      if (!j["meeting"].is_boolean()) bad("", "'meeting' must be true or false");
      def.for_meeting = j["meeting"].get<bool>();
    }
    def.title = local_text(j, "title", "", true);
    def.intro = local_text(j, "intro", "", false);
    def.thanks = local_text(j, "thanks", "", true);
    if (!j.contains("fields") || !j["fields"].is_array() || j["fields"].empty())
      bad("", "'fields' must list at least one field");
    if (j["fields"].size() > kMaxFormFields) bad("", "at most " + std::to_string(kMaxFormFields) + " fields");
    for (std::size_t i = 0; i < j["fields"].size(); ++i) {
      FormField field = parse_field(j["fields"][i], i);
      if (def.field_index(field.id)) bad("field '" + field.id + "'", "the id is used twice");
      def.fields.push_back(std::move(field));
    }
    if (j.contains("require_one_of")) {
      if (!j["require_one_of"].is_array()) bad("", "'require_one_of' must be a list of lists of field ids");
      for (const auto& group : j["require_one_of"]) {
        if (!group.is_array() || group.size() < 2) bad("require_one_of", "each group names at least two fields");
        std::vector<std::size_t> g;
        for (const auto& id : group) {
          if (!id.is_string()) bad("require_one_of", "field ids must be text");
          auto at = def.field_index(id.get<std::string>());
          if (!at) bad("require_one_of", "no field '" + id.get<std::string>() + "'");
          if (!def.fields[*at].is_text())
            bad("field '" + id.get<std::string>() + "'", "require_one_of takes only text, email and phone fields");
          g.push_back(*at);
        }
        def.require_one_of.push_back(std::move(g));
      }
    }
  } catch (const DefinitionError& e) {
    return Err{prefix + e.message};
  } catch (const json::exception& e) {
    return Err{prefix + e.what()};
  }
  return def;
}

}  // namespace cate
