#pragma once
/// @brief The staff PIN: kept only as an Argon2id hash (libsodium, interactive limits) in the
/// store's settings, with a growing wait after wrong tries (1, 2, 4, 8 ... s, at most 5 min)
/// that is kept in the store, so restarting the kiosk does not reset it.
///
/// Settings written here: "staff_pin_hash" (the Argon2id string), "staff_pin_failures" (wrong
/// tries in a row), "staff_pin_retry_at_ms" (Unix ms before which no PIN is checked).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/store.hpp"

namespace cate {

inline constexpr std::size_t kStaffPinMinDigits = 4;
inline constexpr std::size_t kStaffPinMaxDigits = 12;
inline constexpr std::int64_t kStaffPinMaxWaitMs = 5 * 60 * 1000;

/// 4 to 12 digits, nothing else.
bool is_valid_staff_pin(std::string_view pin);

/// Why a PIN someone is choosing is refused.
enum class StaffPinProblem {
  None,       ///< acceptable
  NotDigits,  ///< something else than the digits 0-9
  TooShort,   ///< fewer than kStaffPinMinDigits
  TooLong,    ///< more than kStaffPinMaxDigits
  AllSame,    ///< one digit repeated: 1111, 00000
  Run,        ///< each digit one up or one down from the last, 9 and 0 neighbours: 1234, 98765, 7890
};
/// @brief The rule for a new staff PIN, wherever one is chosen (set_staff_pin, so the kiosk's
/// "Choose a staff PIN" screen and `cate-kiosk set-pin`): 4 to 12 digits, not one digit
/// repeated, not a run up or down by one. A PIN a passer-by would try first is refused.
StaffPinProblem staff_pin_problem(std::string_view pin);
inline bool staff_pin_acceptable(std::string_view pin) { return staff_pin_problem(pin) == StaffPinProblem::None; }
/// The problem in words (English; the kiosk's screen has its own in each language).
const char* staff_pin_problem_words(StaffPinProblem problem);
/// The wait after `failures` wrong tries in a row: 0 for none, then 1 s, 2 s, 4 s ... (capped).
std::int64_t staff_pin_wait_ms(int failures);

/// An Argon2id hash string of `pin` (crypto_pwhash_str, interactive limits); empty on failure.
std::string hash_staff_pin(std::string_view pin);
/// True when `pin` matches `hash` (crypto_pwhash_str_verify).
bool staff_pin_matches(const std::string& hash, std::string_view pin);

/// What checking a PIN against the store gave.
struct StaffPinCheck {
  enum class Kind {
    Accepted,  ///< right PIN: the wrong-try count starts again
    Wrong,     ///< wrong PIN: counted; `retry_at_ms` says when the next try is taken
    Wait,      ///< asked before the wait was over: not checked, not counted
    NoPin,     ///< this kiosk has no staff PIN yet (cate-kiosk set-pin)
    Failed,    ///< the store could not be read or written
  } kind = Kind::Failed;
  int failures = 0;              ///< wrong tries in a row, after this one
  std::int64_t retry_at_ms = 0;  ///< Unix ms; 0 when a try is taken now
};

/// Sets (or replaces) the staff PIN and clears the wrong-try count; refuses a PIN that breaks
/// the rule (staff_pin_problem) with its words.
Result<Done, StoreError> set_staff_pin(Store& store, std::string_view pin);
bool has_staff_pin(const Store& store);
/// Checks `pin` at `now_ms` (Unix ms), honouring and updating the wait kept in the store.
StaffPinCheck check_staff_pin(Store& store, std::string_view pin, std::int64_t now_ms);
/// When the next try is taken (Unix ms), or 0 when it is taken now (for the PIN screen).
std::int64_t staff_pin_retry_at(const Store& store, std::int64_t now_ms);

/// `cate-kiosk set-pin`: reads the new PIN from standard input (typed twice, without echo, on a
/// terminal; one line when piped), stores its hash, prints {"staff_pin":"set"}. Exit 0, 1 or 2.
int run_set_pin_command(const std::string& store_path, const std::vector<std::string>& args);

}  // namespace cate
