#pragma once
/// @brief Opaque identifiers: 64-bit IDs for meetings and RSVPs (made by the office), and
/// UUIDv7 record IDs (made on the device, so a retried upload can never make a second record).
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cate {

/// A 64-bit opaque ID, written as 16 lowercase hex digits. Random, so it says nothing about
/// the person or meeting it names. Tag keeps meeting and RSVP IDs from being mixed up.
template <class Tag>
struct OpaqueId {
  std::uint64_t value = 0;
  auto operator<=>(const OpaqueId&) const = default;
  std::string str() const;
  static std::optional<OpaqueId> parse(std::string_view text);
  static OpaqueId random();
};

struct MeetingTag {};
struct RsvpTag {};
using MeetingId = OpaqueId<MeetingTag>;
using RsvpId = OpaqueId<RsvpTag>;

std::string u64_to_hex(std::uint64_t v);
std::optional<std::uint64_t> hex_to_u64(std::string_view text);
std::uint64_t random_u64();

template <class Tag>
std::string OpaqueId<Tag>::str() const { return u64_to_hex(value); }
template <class Tag>
std::optional<OpaqueId<Tag>> OpaqueId<Tag>::parse(std::string_view text) {
  auto v = hex_to_u64(text);
  if (!v) return std::nullopt;
  return OpaqueId<Tag>{*v};
}
template <class Tag>
OpaqueId<Tag> OpaqueId<Tag>::random() { return OpaqueId<Tag>{random_u64()}; }

/// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. IDs made on one
/// device sort by creation time, and two devices never make the same one.
struct Uuid {
  std::array<std::uint8_t, 16> bytes{};
  auto operator<=>(const Uuid&) const = default;
  std::string str() const;  ///< 8-4-4-4-12 lowercase hex
  static std::optional<Uuid> parse(std::string_view text);
  static Uuid v7(std::int64_t unix_ms);
  static Uuid v7_now();
};

}  // namespace cate
