#pragma once
/// @brief CSV in and out for the office: an RFC 4180 reader, the roster importer built on it
/// (the rules an RSVP's name and e-mail must meet, shared with `cate-admin rsvp add`), and
/// spreadsheet-safe CSV fields for exports that are opened in Excel.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cate {

// ---- Reading CSV ------------------------------------------------------------------------------

/// One record of a CSV file and the line it starts on (1-based; a quoted field can span lines).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

/// What a CSV file holds: its records, and what stopped the reading, if anything.
struct CsvReadResult {
  std::vector<CsvRecord> records;  ///< every complete record before any error
  std::optional<int> error_line;   ///< set when reading stopped (a quote that is never closed)
  std::string error;               ///< the message for error_line, without the line number
};

/// Reads RFC 4180 CSV: fields in double quotes may hold commas, line breaks and "" for a quote.
/// Lines end in CRLF, LF or CR; a UTF-8 byte order mark at the start is dropped; the last line
/// needs no line break. Records with only empty fields (blank lines, ",,," rows) are skipped.
/// Bytes are passed through as they are: checking the text is the caller's job.
CsvReadResult read_csv(std::string_view text);

// ---- RSVP fields ------------------------------------------------------------------------------

inline constexpr std::size_t kMaxNameCodePoints = 100;
inline constexpr std::size_t kMaxEmailBytes = 254;

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text);
/// The number of code points in well-formed UTF-8 text.
std::size_t count_code_points(std::string_view text);
/// True when the text holds a control character (U+0000..U+001F, U+007F, U+0080..U+009F).
bool has_control_character(std::string_view text);
/// True for an address of the plausible shape name@domain.tld, at most 254 bytes, no spaces.
bool is_plausible_email(std::string_view email);

/// Checks one RSVP's fields; `field_names` are how they are called in messages. Nothing when
/// they are fine, else a message a person can act on ("first_name is empty; ..."), without a
/// line number. Names are kept byte-exact: accents, emoji and right-to-left scripts are fine.
std::optional<std::string> check_rsvp_fields(std::string_view first_name, std::string_view last_name,
                                             std::string_view email);

/// The text without ASCII spaces at either end (cells typed in a spreadsheet often have them).
std::string_view trim_spaces(std::string_view text);

/// Lower-cases ASCII letters, so "Ana@Example.org" and "ana@example.org" are the same address.
std::string email_key(std::string_view email);

// ---- Roster import ----------------------------------------------------------------------------

/// One roster row that passed every check.
struct RosterRow {
  int line = 0;
  std::string first_name;
  std::string last_name;
  std::string email;  ///< may be empty
};

/// A row, or the whole file, that was refused. Line 0 means the whole file.
struct RosterProblem {
  int line = 0;
  std::string message;  ///< what is wrong, without the line number
  /// "line 7: not UTF-8 text; ..." (or just the message for the whole file)
  std::string str() const;
};

struct RosterImport {
  std::vector<RosterRow> rows;             ///< good rows, in file order
  std::vector<RosterProblem> problems;     ///< refused rows and whole-file problems, in file order
  std::vector<std::string> notes;          ///< things worth knowing that refused nothing
  bool file_refused = false;               ///< nothing could be read (empty file, no header, ...)
};

/// Reads a roster: a header line naming the columns (first_name required; last_name and email
/// optional; names matched ignoring case, spaces, '_' and '-'; other columns ignored), then one
/// RSVP a line. Good rows are kept even when others are refused. Never throws.
RosterImport parse_roster_csv(std::string_view text);

// ---- Writing CSV for spreadsheets --------------------------------------------------------------

/// The UTF-8 byte order mark, written first so Excel reads the file as UTF-8.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

/// One CSV field that a spreadsheet shows as the text it is: always in double quotes (quotes
/// doubled), and when it starts with = + - @ TAB or CR, prefixed with an apostrophe so a
/// spreadsheet never runs it as a formula.
std::string csv_field_for_spreadsheet(std::string_view value);
/// A whole record of such fields, comma-separated, ending in CRLF.
std::string csv_record_for_spreadsheet(const std::vector<std::string>& fields);

}  // namespace cate
