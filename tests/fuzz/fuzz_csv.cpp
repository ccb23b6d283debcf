// Fuzzes the roster importer: any bytes must give rows and problems, never a crash, and every
// row it keeps must meet the rules it promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sync/admin/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  cate::RosterImport roster = cate::parse_roster_csv(text);
  for (const auto& row : roster.rows) {
    if (row.first_name.empty() || !cate::is_valid_utf8(row.first_name) ||
        cate::count_code_points(row.first_name) > cate::kMaxNameCodePoints ||
        cate::has_control_character(row.first_name) || !cate::is_valid_utf8(row.last_name) ||
        cate::has_control_character(row.last_name) ||
        (!row.email.empty() && !cate::is_plausible_email(row.email)))
      std::abort();  // a row that breaks the rules got through
  }
  if (roster.file_refused && !roster.rows.empty()) std::abort();

  // Spreadsheet fields must read back as one field holding the (defused) text.
  std::string field = cate::csv_record_for_spreadsheet({std::string(text.substr(0, 64)), "x"});
  auto back = cate::read_csv(field);
  if (back.error_line || back.records.size() > 1) std::abort();
  return 0;
}
