// Roster search: folding for case- and accent-insensitive matching, and the match rule.
#include "kiosk/core/roster_search.hpp"

#include <vector>

namespace cate {

namespace {

/// Decodes one UTF-8 code point at `i`, moving `i` past it; U+FFFD for a broken sequence.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// U+00C0..U+00FF, then U+0100..U+017F, each as the base letter (0 where none).
constexpr char kLatin1[] =
    "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"   // C0..DF
    "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";  // E0..FF
constexpr char kExtA[] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// The plain lower-case letter for a Latin-1 or Latin Extended-A letter, or 0.
char plain_letter(char32_t cp) {
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  if (cp >= 0x100 && cp <= 0x17F) return kExtA[cp - 0x100];
  return 0;
}

bool is_space(char32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0; }

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string RosterMatch::label() const {
  return last_initial.empty() ? first_name : first_name + " " + last_initial + ".";
}
std::string CheckInLine::label() const {
  return last_initial.empty() ? first_name : first_name + " " + last_initial + ".";
}

std::string fold_for_search(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = true;  // drops leading spaces
  std::size_t i = 0;
  while (i < text.size()) {
    const char32_t cp = next_code_point(text, i);
    if (is_space(cp) || cp == '-' || cp == '\'' || cp == 0x2019) {  // "O'Connor", "Lan-Anh": word breaks
      if (!space) out += ' ';
      space = true;
      continue;
    }
    space = false;
    if (cp < 0x80) out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    else if (cp == 0xDF) out += "ss";
    else if (char p = plain_letter(cp)) out += p;
    else append_utf8(out, cp);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::size_t search_letter_count(std::string_view query) {
  std::size_t n = 0, i = 0;
  while (i < query.size()) {
    const char32_t cp = next_code_point(query, i);
    if (cp < 0x80 ? ((cp | 32) >= 'a' && (cp | 32) <= 'z') || (cp >= '0' && cp <= '9') : cp != 0xFFFD && !is_space(cp))
      ++n;
  }
  return n;
}

bool roster_matches(std::string_view folded_query, std::string_view folded_name, std::string_view folded_email) {
  const auto query_words = words_of(folded_query);
  if (query_words.empty()) return false;
  const auto name_words = words_of(folded_name);
  for (std::string_view q : query_words) {
    bool found = !folded_email.empty() && starts_with(folded_email, q);
    for (std::size_t k = 0; !found && k < name_words.size(); ++k) found = starts_with(name_words[k], q);
    if (!found) return false;
  }
  return true;
}

std::string initial_of(std::string_view last_name) {
  std::size_t i = 0;
  while (i < last_name.size() && last_name[i] == ' ') ++i;
  if (i >= last_name.size()) return {};
  const std::size_t start = i;
  const char32_t cp = next_code_point(last_name, i);
  std::string out;
  if (cp >= 'a' && cp <= 'z') out += static_cast<char>(cp - 32);
  else if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) append_utf8(out, cp - 0x20);  // é -> É
  else if (cp == 0xFFFD) return {};
  else out.assign(last_name.substr(start, i - start));
  return out;
}

}  // namespace cate
