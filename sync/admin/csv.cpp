#include "sync/admin/csv.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <exception>
#include <map>

namespace cate {

// ---- Reading CSV ------------------------------------------------------------------------------

namespace {

bool all_empty(const std::vector<std::string>& fields) {
  for (const auto& f : fields)
    if (!f.empty()) return false;
  return true;
}

}  // namespace

CsvReadResult read_csv(std::string_view text) {
  CsvReadResult out;
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  const std::size_t n = text.size();
  std::size_t pos = 0;
  int line = 1;

  // A line break at `pos` (CRLF, LF or a lone CR): its length, or 0 when there is none.
  auto line_break_at = [&](std::size_t p) -> std::size_t {
    if (p >= n) return 0;
    if (text[p] == '\n') return 1;
    if (text[p] == '\r') return (p + 1 < n && text[p + 1] == '\n') ? 2 : 1;
    return 0;
  };

  while (pos < n) {
    CsvRecord record;
    record.line = line;
    bool record_done = false;
    while (!record_done) {
      std::string field;
      if (pos < n && text[pos] == '"') {
        const int field_line = line;
        ++pos;
        bool closed = false;
        while (pos < n) {
          char c = text[pos];
          if (c == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          if (std::size_t br = line_break_at(pos)) {
            field.append(text.substr(pos, br));
            pos += br;
            ++line;
            continue;
          }
          field.push_back(c);
          ++pos;
        }
        if (!closed) {
          out.error_line = field_line;
          out.error = "a field starts with a double quote (\") here and its closing quote is "
                      "missing; nothing from this line on could be read";
          return out;
        }
        // Text after the closing quote (not RFC 4180, but spreadsheets read it): kept as is.
        while (pos < n && text[pos] != ',' && line_break_at(pos) == 0) field.push_back(text[pos++]);
      } else {
        while (pos < n && text[pos] != ',' && line_break_at(pos) == 0) field.push_back(text[pos++]);
      }
      record.fields.push_back(std::move(field));
      if (pos < n && text[pos] == ',') {
        ++pos;  // another field follows, even at the end of the text ("a,b," has three)
      } else {
        if (std::size_t br = line_break_at(pos)) {
          pos += br;
          ++line;
        }
        record_done = true;
      }
    }
    if (!all_empty(record.fields)) out.records.push_back(std::move(record));
  }
  return out;
}

// ---- RSVP fields ------------------------------------------------------------------------------

bool is_valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte on its own, an overlong lead (C0, C1), or F5..FF
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  return count;
}

bool has_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    // U+0080..U+009F are C2 80..C2 9F in UTF-8.
    if (c == 0xC2 && i + 1 < text.size()) {
      auto d = static_cast<unsigned char>(text[i + 1]);
      if (d >= 0x80 && d <= 0x9F) return true;
    }
  }
  return false;
}

bool is_plausible_email(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailBytes) return false;
  auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) return false;
  auto local = email.substr(0, at);
  auto domain = email.substr(at + 1);
  if (local.empty() || domain.empty()) return false;
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
    if (std::string_view("()<>,;:\"[]\\").find(c) != std::string_view::npos) return false;
  }
  if (domain.find('.') == std::string_view::npos) return false;
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  return true;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::string email_key(std::string_view email) {
  std::string key(email);
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return key;
}

namespace {

constexpr std::string_view kNotUtf8 = "not UTF-8 text; in Excel save as 'CSV UTF-8'";

std::optional<std::string> check_text(std::string_view value, std::string_view name) {
  if (!is_valid_utf8(value)) return std::string(kNotUtf8);
  if (has_control_character(value))
    return fmt::format("{} contains a line break, tab or other control character", name);
  return std::nullopt;
}

std::optional<std::string> check_name(std::string_view value, std::string_view name) {
  if (auto problem = check_text(value, name)) return problem;
  std::size_t length = count_code_points(value);
  if (length > kMaxNameCodePoints)
    return fmt::format("{} is {} characters long; at most {}", name, length, kMaxNameCodePoints);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_rsvp_fields(std::string_view first_name, std::string_view last_name,
                                             std::string_view email) {
  if (auto problem = check_name(first_name, "first_name")) return problem;
  if (first_name.empty()) return std::string("first_name is empty; every RSVP needs a first name");
  if (auto problem = check_name(last_name, "last_name")) return problem;
  if (auto problem = check_text(email, "email")) return problem;
  if (email.size() > kMaxEmailBytes)
    return fmt::format("email is {} bytes long; at most {}", email.size(), kMaxEmailBytes);
  if (!email.empty() && !is_plausible_email(email))
    return fmt::format("email '{}' does not look like an e-mail address (like name@example.org)",
                       email);
  return std::nullopt;
}

// ---- Roster import ----------------------------------------------------------------------------

std::string RosterProblem::str() const {
  if (line <= 0) return message;
  return fmt::format("line {}: {}", line, message);
}

namespace {

enum class Column { First, Last, Email, Other };

Column column_for(std::string_view header_cell) {
  std::string key;
  for (char c : header_cell) {
    if (c == ' ' || c == '_' || c == '-') continue;
    key.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (key == "firstname" || key == "first" || key == "givenname" || key == "forename")
    return Column::First;
  if (key == "lastname" || key == "last" || key == "surname" || key == "familyname")
    return Column::Last;
  if (key == "email" || key == "emailaddress" || key == "mail") return Column::Email;
  return Column::Other;
}

const char* column_name(Column c) {
  switch (c) {
    case Column::First: return "first_name";
    case Column::Last: return "last_name";
    case Column::Email: return "email";
    case Column::Other: break;
  }
  return "other";
}

constexpr std::string_view kHeaderExample =
    "the first line must name the columns, e.g. first_name,last_name,email";

// Header cells for a message: shown as they are when they are sane text, cut short when long.
std::string describe_header(const std::vector<std::string>& header) {
  std::string out;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) out += ", ";
    std::string_view cell = trim_spaces(header[i]);
    if (cell.empty()) out += "(empty)";
    else if (!is_valid_utf8(cell) || has_control_character(cell)) out += "(unreadable)";
    else out += cell;
    if (out.size() > 200) {
      out += ", ...";
      break;
    }
  }
  return out;
}

void parse_roster(std::string_view text, RosterImport& out) {
  auto refuse = [&](int line, std::string message) {
    out.problems.push_back({line, std::move(message)});
    out.file_refused = true;
  };

  if (text.size() >= 2 && ((text[0] == '\xFF' && text[1] == '\xFE') ||
                           (text[0] == '\xFE' && text[1] == '\xFF'))) {
    refuse(0, "the file is UTF-16 text, not UTF-8; in Excel save as 'CSV UTF-8'");
    return;
  }

  CsvReadResult csv = read_csv(text);
  if (csv.records.empty()) {
    if (csv.error_line) refuse(*csv.error_line, csv.error);
    else refuse(0, fmt::format("the file is empty: {}", kHeaderExample));
    return;
  }

  const CsvRecord& header = csv.records.front();
  std::optional<std::size_t> index[3];
  std::vector<std::string> ignored;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    std::string_view cell = trim_spaces(header.fields[i]);
    Column col = column_for(cell);
    if (col == Column::Other) {
      if (!cell.empty()) ignored.push_back(describe_header({std::string(cell)}));
      continue;
    }
    auto& slot = index[static_cast<int>(col)];
    if (slot) {
      refuse(header.line, fmt::format("columns {} and {} both hold {}; keep one of them",
                                      *slot + 1, i + 1, column_name(col)));
      return;
    }
    slot = i;
  }
  if (!index[static_cast<int>(Column::First)]) {
    refuse(header.line, fmt::format("no first_name column; {} (this file's first line has: {})",
                                    kHeaderExample, describe_header(header.fields)));
    return;
  }
  if (!ignored.empty()) {
    std::string list;
    for (const auto& name : ignored) list += (list.empty() ? "" : ", ") + name;
    out.notes.push_back(fmt::format("ignored columns: {} (only first_name, last_name and email "
                                    "are kept)",
                                    list));
  }

  auto get = [&](const CsvRecord& r, Column col) -> std::string_view {
    const auto& slot = index[static_cast<int>(col)];
    if (!slot || *slot >= r.fields.size()) return {};
    return trim_spaces(r.fields[*slot]);
  };

  std::map<std::string, int> email_lines;
  for (std::size_t k = 1; k < csv.records.size(); ++k) {
    const CsvRecord& r = csv.records[k];
    bool extra_values = false;
    for (std::size_t i = header.fields.size(); i < r.fields.size(); ++i)
      if (!trim_spaces(r.fields[i]).empty()) extra_values = true;
    if (extra_values) {
      out.problems.push_back(
          {r.line, fmt::format("{} values but the first line names {} columns; a name with a "
                               "comma in it must be in double quotes",
                               r.fields.size(), header.fields.size())});
      continue;
    }
    std::string_view first = get(r, Column::First);
    std::string_view last = get(r, Column::Last);
    std::string_view email = get(r, Column::Email);
    if (auto problem = check_rsvp_fields(first, last, email)) {
      out.problems.push_back({r.line, std::move(*problem)});
      continue;
    }
    if (!email.empty()) {
      auto [it, inserted] = email_lines.emplace(email_key(email), r.line);
      if (!inserted) {
        out.problems.push_back(
            {r.line, fmt::format("email {} is already on line {}; one RSVP per address", email,
                                 it->second)});
        continue;
      }
    }
    out.rows.push_back({r.line, std::string(first), std::string(last), std::string(email)});
  }
  if (csv.error_line) out.problems.push_back({*csv.error_line, csv.error});
}

}  // namespace

RosterImport parse_roster_csv(std::string_view text) {
  RosterImport out;
  try {
    parse_roster(text, out);
  } catch (const std::exception& e) {
    // Only running out of memory can land here; keep what was read and say why it stopped.
    out.problems.push_back({0, fmt::format("the file could not be read to the end ({})", e.what())});
    out.file_refused = out.rows.empty();
  }
  return out;
}

// ---- Writing CSV for spreadsheets --------------------------------------------------------------

std::string csv_field_for_spreadsheet(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 3);
  out.push_back('"');
  if (!value.empty()) {
    char c = value.front();
    if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r') out.push_back('\'');
  }
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_record_for_spreadsheet(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    out += csv_field_for_spreadsheet(fields[i]);
  }
  out += "\r\n";
  return out;
}

}  // namespace cate
