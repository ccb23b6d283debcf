// Roster CSV import and spreadsheet-safe CSV export: every rule the office relies on.
#include <doctest/doctest.h>

#include <string>

#include "sync/admin/csv.hpp"

using namespace cate;

namespace {

// The messages of every problem, "line N: ..." each, joined by newlines (for CHECK output).
std::string all_problems(const RosterImport& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.str() + "\n";
  return out;
}

}  // namespace

TEST_CASE("read_csv: quotes, escaped quotes, commas and line breaks inside quotes") {
  auto r = read_csv("a,\"b,c\",\"say \"\"hi\"\"\"\n\"two\nlines\",x,\n");
  REQUIRE_FALSE(r.error_line);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0].line == 1);
  CHECK(r.records[0].fields == std::vector<std::string>{"a", "b,c", "say \"hi\""});
  CHECK(r.records[1].line == 2);
  CHECK(r.records[1].fields == std::vector<std::string>{"two\nlines", "x", ""});
}

TEST_CASE("read_csv: line numbers count lines, not records, across quoted line breaks") {
  auto r = read_csv("h\n\"a\r\nb\"\nc\n\nd");
  REQUIRE(r.records.size() == 4);
  CHECK(r.records[0].line == 1);
  CHECK(r.records[1].line == 2);
  CHECK(r.records[1].fields[0] == "a\r\nb");
  CHECK(r.records[2].line == 4);
  CHECK(r.records[3].line == 6);  // the blank line 5 is skipped, the last line has no newline
  CHECK(r.records[3].fields[0] == "d");
}

TEST_CASE("read_csv: CRLF, LF and lone CR all end lines; BOM is dropped") {
  auto r = read_csv("\xEF\xBB\xBF" "a,b\r\nc,d\re,f\ng,h");
  REQUIRE(r.records.size() == 4);
  CHECK(r.records[0].fields[0] == "a");  // no BOM left in the first field
  CHECK(r.records[1].fields == std::vector<std::string>{"c", "d"});
  CHECK(r.records[2].line == 3);
  CHECK(r.records[3].fields == std::vector<std::string>{"g", "h"});
}

TEST_CASE("read_csv: an unclosed quote names the line where the field started") {
  auto r = read_csv("a,b\nc,\"never\nclosed,\nhere\n");
  CHECK(r.records.size() == 1);
  REQUIRE(r.error_line);
  CHECK(*r.error_line == 2);
}

TEST_CASE("read_csv: empty fields and rows of commas") {
  auto r = read_csv("a,,c\n,,\n,\n\"\",x\n");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0].fields == std::vector<std::string>{"a", "", "c"});
  CHECK(r.records[1].fields == std::vector<std::string>{"", "x"});
  CHECK(r.records[1].line == 4);
}

TEST_CASE("roster: header names matched ignoring case, spaces, underscores and dashes") {
  for (const char* header : {"first_name,last_name,email", "First Name,Last Name,E-mail",
                             "FIRSTNAME,LASTNAME,EMAIL", "firstname , last_name, e_mail"}) {
    CAPTURE(header);
    auto r = parse_roster_csv(std::string(header) + "\nAna,Lopez,ana@example.org\n");
    CHECK(all_problems(r) == "");
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0].first_name == "Ana");
    CHECK(r.rows[0].last_name == "Lopez");
    CHECK(r.rows[0].email == "ana@example.org");
    CHECK(r.rows[0].line == 2);
  }
}

TEST_CASE("roster: columns in any order, extra columns ignored with one note") {
  auto r = parse_roster_csv("Phone,email,Notes,first name\n555,a@example.org,x,Ana\n556,,y,Bo\n");
  CHECK(all_problems(r) == "");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].first_name == "Ana");
  CHECK(r.rows[0].last_name == "");
  CHECK(r.rows[0].email == "a@example.org");
  CHECK(r.rows[1].email == "");
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].find("Phone") != std::string::npos);
  CHECK(r.notes[0].find("Notes") != std::string::npos);
}

TEST_CASE("roster: first_name column required; the empty file gets one clear error") {
  auto none = parse_roster_csv("last_name,email\nLopez,a@example.org\n");
  CHECK(none.file_refused);
  CHECK(none.rows.empty());
  REQUIRE(none.problems.size() == 1);
  CHECK(none.problems[0].str().rfind("line 1: no first_name column", 0) == 0);

  for (const char* empty : {"", "\xEF\xBB\xBF", "\n\r\n", ",,,\n"}) {
    auto r = parse_roster_csv(empty);
    CHECK(r.file_refused);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].str() ==
          "the file is empty: the first line must name the columns, e.g. first_name,last_name,email");
  }
}

TEST_CASE("roster: quotes and SQL text in names are kept literally") {
  auto r = parse_roster_csv(
      "first_name,last_name,email\n"
      "\"Robert'); DROP TABLE rsvps;--\",\"O'Brien \"\"Bob\"\"\",bob@example.org\n"
      "\"Lee, Jr\",x,\n");
  CHECK(all_problems(r) == "");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].first_name == "Robert'); DROP TABLE rsvps;--");
  CHECK(r.rows[0].last_name == "O'Brien \"Bob\"");
  CHECK(r.rows[1].first_name == "Lee, Jr");
}

TEST_CASE("roster: emoji, accents and right-to-left names are valid and kept byte-exact") {
  const std::string arabic = "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF";          // Muhammad
  const std::string hebrew = "\xD7\xA9\xD7\xA8\xD7\x94";                  // Sarah
  const std::string emoji = "Jo \xF0\x9F\x8C\x88";                        // Jo + rainbow
  const std::string accents = "Zo\xC3\xAB Nu\xC3\xB1" "ez";               // Zoë Nuñez
  auto r = parse_roster_csv("first_name,last_name\n" + arabic + "," + hebrew + "\n" + emoji + "," +
                            accents + "\n");
  CHECK(all_problems(r) == "");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].first_name == arabic);
  CHECK(r.rows[0].last_name == hebrew);
  CHECK(r.rows[1].first_name == emoji);
  CHECK(r.rows[1].last_name == accents);
}

TEST_CASE("roster: names count characters, not bytes; 100 is the limit") {
  std::string hundred_emoji;
  for (int i = 0; i < 100; ++i) hundred_emoji += "\xF0\x9F\x98\x80";  // 400 bytes, 100 characters
  auto ok = parse_roster_csv("first_name\n" + hundred_emoji + "\n");
  CHECK(all_problems(ok) == "");
  CHECK(ok.rows.size() == 1);

  auto over = parse_roster_csv("first_name\n" + hundred_emoji + "x\n");
  REQUIRE(over.problems.size() == 1);
  CHECK(over.problems[0].str() == "line 2: first_name is 101 characters long; at most 100");
}

TEST_CASE("roster: a 10 KB name is refused with its length; the other rows are kept") {
  std::string big(10240, 'a');
  auto r = parse_roster_csv("first_name,last_name\nAna,x\n" + big + ",y\nBo,z\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].str() == "line 3: first_name is 10240 characters long; at most 100");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].first_name == "Ana");
  CHECK(r.rows[1].first_name == "Bo");
  CHECK(r.rows[1].line == 4);

  auto last = parse_roster_csv("first_name,last_name\nAna," + big + "\n");
  REQUIRE(last.problems.size() == 1);
  CHECK(last.problems[0].str() == "line 2: last_name is 10240 characters long; at most 100");
}

TEST_CASE("roster: text that is not UTF-8 is refused with how to fix it") {
  // Line 7 holds "José" in Windows-1252 (a lone E9 byte), as Excel's plain "CSV" writes it.
  auto r = parse_roster_csv("first_name\nA\nB\nC\nD\nE\nJos\xE9\nF\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].str() == "line 7: not UTF-8 text; in Excel save as 'CSV UTF-8'");
  CHECK(r.rows.size() == 6);

  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_utf8(bad));
    auto one = parse_roster_csv(std::string("first_name,email\nAna") + bad + ",\n");
    CHECK(one.rows.empty());
    CHECK(one.problems.size() == 1);
  }
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST_CASE("roster: UTF-16 files are refused as a whole with how to fix it") {
  auto r = parse_roster_csv(std::string("\xFF\xFE" "f\0i\0r\0", 8));
  CHECK(r.file_refused);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].str().find("CSV UTF-8") != std::string::npos);
}

TEST_CASE("roster: control characters are refused, line breaks in quoted names too") {
  auto r = parse_roster_csv("first_name,last_name\n\"An\na\",x\nB\x01,y\nC,\xC2\x85\nD\x7F,z\nGood,\n");
  REQUIRE(r.problems.size() == 4);
  CHECK(r.problems[0].str() == "line 2: first_name contains a line break, tab or other control character");
  CHECK(r.problems[1].line == 4);
  CHECK(r.problems[2].str() == "line 5: last_name contains a line break, tab or other control character");
  CHECK(r.problems[3].line == 6);
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].first_name == "Good");
}

TEST_CASE("roster: first_name required in every row") {
  auto r = parse_roster_csv("first_name,last_name,email\n,Lopez,a@example.org\n  ,Diaz,\n");
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0].str() == "line 2: first_name is empty; every RSVP needs a first name");
  CHECK(r.problems[1].line == 3);
  CHECK(r.rows.empty());
  CHECK_FALSE(r.file_refused);
}

TEST_CASE("roster: e-mail addresses empty or plausible") {
  for (const char* good : {"a@example.org", "first.last+tag@mail.example.co.uk", "x@b.c"}) {
    CAPTURE(good);
    CHECK(is_plausible_email(good));
  }
  for (const char* bad : {"plainaddress", "a@b", "@example.org", "a@", "a@@example.org",
                          "a@b@example.org", "a b@example.org", "a@.example.org", "a@example.org.",
                          "a@example..org", "<a@example.org>"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_plausible_email(bad));
  }
  std::string long_local(250, 'x');
  CHECK(is_plausible_email(long_local.substr(0, 246) + "@ex.org"));  // 253 bytes
  CHECK(is_plausible_email(long_local.substr(0, 247) + "@ex.org"));  // 254 bytes
  CHECK_FALSE(is_plausible_email(long_local.substr(0, 248) + "@ex.org"));  // 255 bytes

  auto r = parse_roster_csv("first_name,email\nAna,not-an-address\nBo," + long_local + "@ex.org\nCy,\n");
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0].str() ==
        "line 2: email 'not-an-address' does not look like an e-mail address (like name@example.org)");
  CHECK(r.problems[1].str() == "line 3: email is 257 bytes long; at most 254");
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].first_name == "Cy");
}

TEST_CASE("roster: a duplicate e-mail is refused with the line of the first one") {
  auto r = parse_roster_csv("first_name,email\nAna,ana@example.org\nBo,\nCy,\nAnita,ANA@Example.org\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].str() == "line 5: email ANA@Example.org is already on line 2; one RSVP per address");
  CHECK(r.rows.size() == 3);  // two rows without an e-mail are not duplicates of each other
}

TEST_CASE("roster: spaces around values are trimmed, names kept otherwise") {
  auto r = parse_roster_csv("first_name,email\n  Ana Maria  , ana@example.org \n");
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].first_name == "Ana Maria");
  CHECK(r.rows[0].email == "ana@example.org");
}

TEST_CASE("roster: more values than columns is refused (an unquoted comma in a name)") {
  auto r = parse_roster_csv("first_name,last_name\nLee, Jr,Smith\nAna,Lopez,\nBo\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].line == 2);
  CHECK(r.problems[0].message.find("double quotes") != std::string::npos);
  REQUIRE(r.rows.size() == 2);  // a trailing empty value and a short row are fine
  CHECK(r.rows[1].first_name == "Bo");
}

TEST_CASE("roster: an unclosed quote names its line and keeps the rows before it") {
  auto r = parse_roster_csv("first_name,last_name\r\nAna,Lopez\r\nBo,\"Diaz\r\nCy,Ng\r\n");
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].first_name == "Ana");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].line == 3);
  CHECK(r.problems[0].str().rfind("line 3: a field starts with a double quote", 0) == 0);
  CHECK_FALSE(r.file_refused);

  auto header = parse_roster_csv("\"first_name,last_name\nAna,Lopez\n");
  CHECK(header.file_refused);
  REQUIRE(header.problems.size() == 1);
  CHECK(header.problems[0].line == 1);
}

TEST_CASE("roster: Excel's CSV UTF-8 (BOM, CRLF, no final newline) reads cleanly") {
  auto r = parse_roster_csv("\xEF\xBB\xBF" "First Name,Last Name,Email\r\nAna,L\xC3\xB3pez,ana@example.org\r\nBo,Diaz,bo@example.org");
  CHECK(all_problems(r) == "");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].last_name == "L\xC3\xB3pez");
  CHECK(r.rows[1].email == "bo@example.org");
  CHECK(r.rows[1].line == 3);
}

TEST_CASE("roster: two columns for the same field are refused") {
  auto r = parse_roster_csv("first_name,email,E-Mail\nAna,a@example.org,b@example.org\n");
  CHECK(r.file_refused);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].str() == "line 1: columns 2 and 3 both hold email; keep one of them");
}

TEST_CASE("check_rsvp_fields: the rules cate-admin rsvp add shares") {
  CHECK_FALSE(check_rsvp_fields("Ana", "", ""));
  CHECK(check_rsvp_fields("", "Lopez", "").value() == "first_name is empty; every RSVP needs a first name");
  CHECK(check_rsvp_fields("Ana", "", "nope").has_value());
  CHECK(check_rsvp_fields("Ana\t", "", "").has_value());
  CHECK(check_rsvp_fields("Ana", "\xFF", "").value() == "not UTF-8 text; in Excel save as 'CSV UTF-8'");
}

TEST_CASE("csv_field_for_spreadsheet: always quoted, formulas defused") {
  CHECK(csv_field_for_spreadsheet("Ana") == "\"Ana\"");
  CHECK(csv_field_for_spreadsheet("") == "\"\"");
  CHECK(csv_field_for_spreadsheet("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field_for_spreadsheet("a,b\nc") == "\"a,b\nc\"");
  CHECK(csv_field_for_spreadsheet("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(csv_field_for_spreadsheet("+1 555") == "\"'+1 555\"");
  CHECK(csv_field_for_spreadsheet("-2+3") == "\"'-2+3\"");
  CHECK(csv_field_for_spreadsheet("@SUM(A1)") == "\"'@SUM(A1)\"");
  CHECK(csv_field_for_spreadsheet("\t=1") == "\"'\t=1\"");
  CHECK(csv_field_for_spreadsheet("\r=1") == "\"'\r=1\"");
  CHECK(csv_field_for_spreadsheet("a=1") == "\"a=1\"");        // only the first character counts
  CHECK(csv_field_for_spreadsheet("O'Brien") == "\"O'Brien\"");
  CHECK(csv_field_for_spreadsheet(std::string_view("\0x", 2)) == std::string("\"\0x\"", 4));
}

TEST_CASE("csv_record_for_spreadsheet: CRLF records that read back to the same text") {
  std::vector<std::string> fields = {"id", "Lee, Jr", "say \"hi\"", "=cmd()", "\xD9\x85\xD8\xAD"};
  std::string line = csv_record_for_spreadsheet(fields);
  CHECK(line.size() >= 2);
  CHECK(line.substr(line.size() - 2) == "\r\n");
  auto back = read_csv(std::string(kUtf8Bom) + line);
  REQUIRE(back.records.size() == 1);
  std::vector<std::string> expected = fields;
  expected[3] = "'=cmd()";
  CHECK(back.records[0].fields == expected);
}
