#pragma once
/// @brief Finding an RSVP on the roster by name or e-mail ("Find my RSVP", staff check-in by
/// name). A match carries only enough to choose: the first name and the last name's initial,
/// never the e-mail or the full last name. Searches need at least kRosterSearchMinLetters letters.
///
/// Matching is case- and accent-insensitive ("jose" finds "José", "MUNOZ" finds "Muñoz"): every
/// word typed must begin a word of the name, or begin the e-mail address.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sync/protocol/ids.hpp"

namespace cate {

inline constexpr std::size_t kRosterSearchMinLetters = 3;
inline constexpr std::size_t kRosterSearchMaxResults = 6;
inline constexpr std::size_t kRosterSearchMaxQueryBytes = 256;  ///< longer queries find nothing

struct RosterMatch {
  RsvpId rsvp;
  std::string first_name;    ///< as on the roster
  std::string last_initial;  ///< one character of the last name, upper case ("G"), or ""
  std::optional<Uuid> check_in;            ///< set when already checked in (not undone)
  std::int64_t checked_in_at_ms = 0;       ///< with check_in
  std::string label() const;               ///< "Ana G."
};

/// A check-in as staff see it in the undo list: who (first name, last initial), when, how.
struct CheckInLine {
  Uuid id;
  RsvpId rsvp;
  std::string first_name;
  std::string last_initial;
  std::string method;        ///< method_code()
  std::int64_t at_ms = 0;
  std::string label() const;  ///< "Ana G."
};

/// Lower case, accents removed (Latin letters), runs of spaces made one; other characters kept.
std::string fold_for_search(std::string_view text);
/// The letters and digits in a query (code points that are not spaces or punctuation).
std::size_t search_letter_count(std::string_view query);
/// True when `query` (already folded) matches a person with these (already folded) fields.
bool roster_matches(std::string_view folded_query, std::string_view folded_name,
                    std::string_view folded_email);
/// The first character of `last_name`, upper-cased when it is a Latin letter.
std::string initial_of(std::string_view last_name);

}  // namespace cate
