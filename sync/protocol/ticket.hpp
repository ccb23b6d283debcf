#pragma once
/// @brief The RSVP ticket: what an RSVP QR code carries. Format spec: sync/protocol/TICKET.md.
///
/// A ticket names a meeting and an RSVP by opaque IDs, carries a validity window and the ID of
/// the key that signed it, and an Ed25519 signature. It never carries a name, e-mail or address.
/// Parsing gives an UnverifiedTicket whose fields cannot be read until verify() has checked the
/// signature against a trusted key: no code path can trust a field of a forged ticket.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sync/protocol/ids.hpp"
#include "sync/protocol/keys.hpp"
#include "platform/result.hpp"

namespace cate {

/// Ticket format version 1. Bump the prefix for any change to the body layout.
inline constexpr std::string_view kTicketPrefix = "CATE1-";
inline constexpr std::size_t kTicketBodyBytes = 28;
inline constexpr std::size_t kTicketSignatureBytes = 64;
inline constexpr std::size_t kTicketTextLength = 6 + 148;  ///< prefix + base32(92 bytes): QR 6-M

/// The signed fields of a ticket.
struct Ticket {
  KeyId key_id = 0;
  MeetingId meeting;
  RsvpId rsvp;
  std::uint16_t serial = 1;    ///< which ticket of this RSVP (reissued after a lost phone: 2, ...)
  std::int64_t not_before = 0; ///< Unix seconds, valid from (inclusive)
  std::int64_t not_after = 0;  ///< Unix seconds, valid until (inclusive)
  bool operator==(const Ticket&) const = default;
};

/// Names one ticket for revocation: "<rsvp hex>.<serial>".
struct TicketRef {
  RsvpId rsvp;
  std::uint16_t serial = 1;
  auto operator<=>(const TicketRef&) const = default;
  std::string str() const;
  static std::optional<TicketRef> parse(std::string_view text);
};
inline TicketRef ref_of(const Ticket& t) { return {t.rsvp, t.serial}; }

/// Why a string is not a ticket at all (before any signature is looked at).
enum class TicketParseError {
  Empty,              ///< nothing was read
  NotATicket,         ///< some other code: a URL, a product barcode, text
  UnsupportedVersion, ///< "CATE<n>-" with a version this kiosk does not know
  BadCharacters,      ///< a character outside the ticket alphabet
  WrongLength,        ///< cut short or too long
};
const char* to_string(TicketParseError e);

/// A well-formed ticket whose signature has not been checked yet.
class UnverifiedTicket {
 public:
  KeyId key_id() const { return fields_.key_id; }  ///< the only field usable before verify()
 private:
  friend struct TicketCodec;
  Ticket fields_;
  std::array<std::uint8_t, kTicketBodyBytes> body_{};
  std::array<std::uint8_t, kTicketSignatureBytes> signature_{};
};

enum class VerifyError {
  None,
  UnknownKey,    ///< signed with a key this kiosk does not hold
  BadSignature,  ///< the signature does not match: altered, or forged
};
const char* to_string(VerifyError e);

/// Reads ticket text as scanned or typed. Leading/trailing white space is ignored and letters
/// may be in either case (a person typing a code).
Result<UnverifiedTicket, TicketParseError> parse_ticket(std::string_view text);

/// Checks the signature against the key named by the ticket; only then are its fields returned.
Result<Ticket, VerifyError> verify(const UnverifiedTicket& ticket, const KeyRing& keys);

/// Writes and signs a ticket (office side: needs the secret key). Sets key_id from the key.
std::string issue_ticket(Ticket ticket, const SecretKey& key);

/// RFC 4648 base32 (A-Z, 2-7), no padding: every character is in QR alphanumeric mode.
std::string base32_encode(const std::uint8_t* data, std::size_t size);
std::optional<std::string> base32_decode(std::string_view text);

}  // namespace cate
