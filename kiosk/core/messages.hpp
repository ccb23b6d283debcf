#pragma once
/// @brief What the kiosk says, in English and Spanish: the message for each scan outcome and
/// the date and time formats. The words live in assets/i18n/<lang>.json (data, not code).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/outcome.hpp"

namespace cate {

enum class Language { English, Spanish };
inline constexpr Language kAllLanguages[] = {Language::English, Language::Spanish};
const char* language_code(Language lang);  ///< "en", "es"
std::optional<Language> parse_language(std::string_view code);

/// The translated texts of one language, read from the embedded assets/i18n/<code>.json.
class Catalog {
 public:
  static const Catalog& of(Language lang);
  /// The text for `key` with {name} placeholders filled from `vars`. A key missing from the
  /// file gives the English text, and failing that the key itself (never an empty screen).
  std::string text(std::string_view key, const std::map<std::string, std::string>& vars = {}) const;
  bool has(std::string_view key) const;
  std::vector<std::string> list(std::string_view key) const;
  std::vector<std::string> keys() const;

 private:
  explicit Catalog(Language lang);
  Language lang_;
  std::map<std::string, std::string, std::less<>> texts_;
  std::map<std::string, std::vector<std::string>, std::less<>> lists_;
};

/// A message for a person: a title in big words, one sentence, and what to do next.
struct Message {
  std::string title;
  std::string body;
  std::string next_step;
};

/// The message for a scan result. `show_first_name` off gives "Welcome!" without a name.
Message message_for(const ScanResult& result, Language lang, bool show_first_name = true);

/// "6:02 PM" (English) or "18:02" (Spanish), in the kiosk's local time zone.
std::string format_time_of_day(std::int64_t unix_ms, Language lang);
/// An hour (0..23) and minute on the language's clock: "6:02 PM" or "18:02"; with no minute,
/// "6 PM" or "18".
std::string format_clock_time(int hour, std::optional<int> minute, Language lang);
/// "Thursday, December 3" or "jueves 3 de diciembre", in local time.
std::string format_date(std::int64_t unix_s, Language lang);

}  // namespace cate
