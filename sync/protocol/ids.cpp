#include "sync/protocol/ids.hpp"

#include <sodium.h>

#include <chrono>
#include <cstdio>

namespace cate {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; a failure means no entropy source at all.
  if (sodium_init() < 0) std::abort();
}
}  // namespace

std::string u64_to_hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<std::uint64_t> hex_to_u64(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    int h = hex_value(c);
    if (h < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(h);
  }
  return v;
}

std::uint64_t random_u64() {
  ensure_sodium();
  std::uint64_t v = 0;
  while (v == 0) randombytes_buf(&v, sizeof v);
  return v;
}

std::string Uuid::str() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid u;
  std::size_t b = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes[b++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return u;
}

Uuid Uuid::v7(std::int64_t unix_ms) {
  ensure_sodium();
  Uuid u;
  randombytes_buf(u.bytes.data(), u.bytes.size());
  auto ms = static_cast<std::uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) u.bytes[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  u.bytes[6] = static_cast<std::uint8_t>(0x70 | (u.bytes[6] & 0x0f));  // version 7
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3f));  // variant 10
  return u;
}

Uuid Uuid::v7_now() {
  using namespace std::chrono;
  return v7(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace cate
