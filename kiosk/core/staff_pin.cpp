// The staff PIN: Argon2id hashing, the growing wait after wrong tries, and `cate-kiosk set-pin`.
#include "kiosk/core/staff_pin.hpp"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace cate {

namespace {

constexpr const char* kHashKey = "staff_pin_hash";
constexpr const char* kFailuresKey = "staff_pin_failures";
constexpr const char* kRetryAtKey = "staff_pin_retry_at_ms";

std::int64_t setting_i64(const Store& store, const char* key) {
  auto v = store.setting(key);
  if (!v) return 0;
  try {
    return std::stoll(*v);
  } catch (...) {
    return 0;
  }
}

void wipe_string(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

}  // namespace

bool is_valid_staff_pin(std::string_view pin) {
  return pin.size() >= kStaffPinMinDigits && pin.size() <= kStaffPinMaxDigits &&
         std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

StaffPinProblem staff_pin_problem(std::string_view pin) {
  if (!std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return StaffPinProblem::NotDigits;
  if (pin.size() < kStaffPinMinDigits) return StaffPinProblem::TooShort;
  if (pin.size() > kStaffPinMaxDigits) return StaffPinProblem::TooLong;
  // The step from each digit to the next, 0 to 9 (9 after 0 is a step of 9, i.e. one down).
  auto step = [&pin](std::size_t i) { return (pin[i] - pin[i - 1] + 10) % 10; };
  bool same_step = true;
  for (std::size_t i = 2; i < pin.size() && same_step; ++i) same_step = step(i) == step(1);
  if (same_step && step(1) == 0) return StaffPinProblem::AllSame;
  if (same_step && (step(1) == 1 || step(1) == 9)) return StaffPinProblem::Run;
  return StaffPinProblem::None;
}

const char* staff_pin_problem_words(StaffPinProblem problem) {
  switch (problem) {
    case StaffPinProblem::None: return "the PIN is acceptable";
    case StaffPinProblem::NotDigits: return "a staff PIN is digits only";
    case StaffPinProblem::TooShort:
    case StaffPinProblem::TooLong: return "a staff PIN is 4 to 12 digits";
    case StaffPinProblem::AllSame: return "a staff PIN of one digit repeated (like 1111) is too easy to guess";
    case StaffPinProblem::Run: return "a staff PIN that runs up or down (like 1234 or 9876) is too easy to guess";
  }
  return "the PIN is not acceptable";
}

std::int64_t staff_pin_wait_ms(int failures) {
  if (failures <= 0) return 0;
  if (failures > 20) return kStaffPinMaxWaitMs;
  return std::min<std::int64_t>(kStaffPinMaxWaitMs, std::int64_t{1000} << (failures - 1));
}

std::string hash_staff_pin(std::string_view pin) {
  if (sodium_init() < 0) return {};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return {};
  return out;
}

bool staff_pin_matches(const std::string& hash, std::string_view pin) {
  if (sodium_init() < 0 || hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

Result<Done, StoreError> set_staff_pin(Store& store, std::string_view pin) {
  if (const StaffPinProblem p = staff_pin_problem(pin); p != StaffPinProblem::None)
    return Err{StoreError{StoreError::Kind::Refused, staff_pin_problem_words(p)}};
  const std::string hash = hash_staff_pin(pin);
  if (hash.empty()) return Err{StoreError{StoreError::Kind::Database, "the PIN could not be hashed"}};
  if (auto r = store.set_setting(kHashKey, hash); !r) return r;
  if (auto r = store.set_setting(kFailuresKey, "0"); !r) return r;
  return store.set_setting(kRetryAtKey, "0");
}

bool has_staff_pin(const Store& store) {
  auto h = store.setting(kHashKey);
  return h && !h->empty();
}

std::int64_t staff_pin_retry_at(const Store& store, std::int64_t now_ms) {
  const std::int64_t at = setting_i64(store, kRetryAtKey);
  return at > now_ms ? at : 0;
}

StaffPinCheck check_staff_pin(Store& store, std::string_view pin, std::int64_t now_ms) {
  StaffPinCheck c;
  auto hash = store.setting(kHashKey);
  if (!hash || hash->empty()) {
    c.kind = StaffPinCheck::Kind::NoPin;
    return c;
  }
  c.failures = static_cast<int>(std::clamp<std::int64_t>(setting_i64(store, kFailuresKey), 0, 1000));
  if (const std::int64_t at = staff_pin_retry_at(store, now_ms); at > 0) {
    c.kind = StaffPinCheck::Kind::Wait;
    c.retry_at_ms = at;
    return c;
  }
  if (staff_pin_matches(*hash, pin)) {
    c.failures = 0;
    if (!store.set_setting(kFailuresKey, "0") || !store.set_setting(kRetryAtKey, "0")) return c;
    c.kind = StaffPinCheck::Kind::Accepted;
    return c;
  }
  c.failures += 1;
  c.retry_at_ms = now_ms + staff_pin_wait_ms(c.failures);
  // The count and the wait are on disk before the answer is given: a restart keeps them.
  if (!store.set_setting(kFailuresKey, std::to_string(c.failures)) ||
      !store.set_setting(kRetryAtKey, std::to_string(c.retry_at_ms)))
    return c;
  c.kind = StaffPinCheck::Kind::Wrong;
  return c;
}

// ---------------------------------------------------------------------------------------------
// cate-kiosk set-pin
// ---------------------------------------------------------------------------------------------

namespace {

/// One line from standard input; without echo when it is a terminal.
bool read_secret_line(const char* prompt, std::string& out) {
  const bool tty = isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::fputs(prompt, stderr);
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  const bool got = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputs("\n", stderr);
  }
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return got;
}

}  // namespace

int run_set_pin_command(const std::string& store_path, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fputs("usage: cate-kiosk set-pin   (the new PIN, 4 to 12 digits, is read from standard input)\n", stderr);
    return 2;
  }
  std::string pin, again;
  if (!read_secret_line("New staff PIN (4 to 12 digits): ", pin)) {
    std::fputs("cate-kiosk: no PIN was given\n", stderr);
    return 2;
  }
  if (isatty(STDIN_FILENO) && (!read_secret_line("The same PIN again: ", again) || again != pin)) {
    wipe_string(pin);
    wipe_string(again);
    std::fputs("cate-kiosk: the two PINs differ; nothing was changed\n", stderr);
    return 2;
  }
  wipe_string(again);
  if (const StaffPinProblem p = staff_pin_problem(pin); p != StaffPinProblem::None) {
    wipe_string(pin);
    std::fprintf(stderr, "cate-kiosk: %s; nothing was changed\n", staff_pin_problem_words(p));
    return 2;
  }
  auto store = Store::open(store_path);
  if (!store) {
    wipe_string(pin);
    std::fprintf(stderr, "cate-kiosk: %s\n", store.error().message.c_str());
    return 1;
  }
  auto r = set_staff_pin(**store, pin);
  wipe_string(pin);
  if (!r) {
    std::fprintf(stderr, "cate-kiosk: %s\n", r.error().message.c_str());
    return 1;
  }
  std::puts("{\"staff_pin\":\"set\"}");
  return 0;
}

}  // namespace cate
