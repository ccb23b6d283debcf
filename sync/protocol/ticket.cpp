#include "sync/protocol/ticket.hpp"

#include <cctype>
#include <charconv>
#include <cstring>

namespace cate {

// Body layout, version 1 (big-endian): see TICKET.md.
//   0  u16 key_id | 2  u64 meeting | 10  u64 rsvp | 18  u16 serial
//  20  u32 not_before | 24  u32 not_after | 28 end.  Signature (64 bytes) follows.
// The signature covers the ASCII prefix "CATE1-" followed by the 28 body bytes.
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void put_be(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i)));
}
std::uint64_t get_be(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

std::string signed_message(const std::array<std::uint8_t, kTicketBodyBytes>& body) {
  std::string m(kTicketPrefix);
  m.append(reinterpret_cast<const char*>(body.data()), body.size());
  return m;
}

std::uint32_t clamp_u32(std::int64_t v) {
  if (v < 0) return 0;
  if (v > 0xffffffffLL) return 0xffffffffu;
  return static_cast<std::uint32_t>(v);
}

}  // namespace

struct TicketCodec {
  static Result<UnverifiedTicket, TicketParseError> parse(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    if (text.empty()) return Err{TicketParseError::Empty};

    std::string upper(text);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string_view t = upper;
    if (t.substr(0, kTicketPrefix.size()) != kTicketPrefix) {
      // "CATE<digits>-": a ticket of a format this kiosk does not speak.
      if (t.substr(0, 4) == "CATE" && t.size() > 5) {
        std::size_t i = 4;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
        if (i > 4 && i < t.size() && t[i] == '-') return Err{TicketParseError::UnsupportedVersion};
      }
      return Err{TicketParseError::NotATicket};
    }
    t.remove_prefix(kTicketPrefix.size());
    for (char c : t)
      if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) return Err{TicketParseError::BadCharacters};
    if (t.size() != kTicketTextLength - kTicketPrefix.size()) return Err{TicketParseError::WrongLength};
    auto raw = base32_decode(t);
    // Non-zero padding bits: not a spelling base32_encode makes, so not a ticket we issued.
    if (!raw || raw->size() != kTicketBodyBytes + kTicketSignatureBytes)
      return Err{TicketParseError::BadCharacters};

    UnverifiedTicket u;
    std::memcpy(u.body_.data(), raw->data(), kTicketBodyBytes);
    std::memcpy(u.signature_.data(), raw->data() + kTicketBodyBytes, kTicketSignatureBytes);
    const std::uint8_t* b = u.body_.data();
    u.fields_.key_id = static_cast<KeyId>(get_be(b + 0, 2));
    u.fields_.meeting = MeetingId{get_be(b + 2, 8)};
    u.fields_.rsvp = RsvpId{get_be(b + 10, 8)};
    u.fields_.serial = static_cast<std::uint16_t>(get_be(b + 18, 2));
    u.fields_.not_before = static_cast<std::int64_t>(get_be(b + 20, 4));
    u.fields_.not_after = static_cast<std::int64_t>(get_be(b + 24, 4));
    return u;
  }

  static Result<Ticket, VerifyError> verify(const UnverifiedTicket& t, const KeyRing& keys) {
    auto candidates = keys.find_all(t.fields_.key_id);
    if (candidates.empty()) return Err{VerifyError::UnknownKey};
    std::string message = signed_message(t.body_);
    for (const PublicKey* key : candidates)
      if (verify_bytes(message, t.signature_.data(), *key)) return t.fields_;
    return Err{VerifyError::BadSignature};
  }
};

Result<UnverifiedTicket, TicketParseError> parse_ticket(std::string_view text) {
  return TicketCodec::parse(text);
}

Result<Ticket, VerifyError> verify(const UnverifiedTicket& ticket, const KeyRing& keys) {
  return TicketCodec::verify(ticket, keys);
}

std::string issue_ticket(Ticket t, const SecretKey& key) {
  t.key_id = key.public_key().id();
  std::array<std::uint8_t, kTicketBodyBytes> body{};
  put_be(body.data() + 0, t.key_id, 2);
  put_be(body.data() + 2, t.meeting.value, 8);
  put_be(body.data() + 10, t.rsvp.value, 8);
  put_be(body.data() + 18, t.serial, 2);
  put_be(body.data() + 20, clamp_u32(t.not_before), 4);
  put_be(body.data() + 24, clamp_u32(t.not_after), 4);
  auto sig = sign_bytes(signed_message(body), key);
  std::uint8_t all[kTicketBodyBytes + kTicketSignatureBytes];
  std::memcpy(all, body.data(), body.size());
  std::memcpy(all + body.size(), sig.data(), sig.size());
  return std::string(kTicketPrefix) + base32_encode(all, sizeof all);
}

std::string TicketRef::str() const { return rsvp.str() + "." + std::to_string(serial); }

std::optional<TicketRef> TicketRef::parse(std::string_view text) {
  auto dot = text.find('.');
  auto id = RsvpId::parse(text.substr(0, dot));
  if (!id) return std::nullopt;
  if (dot == std::string_view::npos) return TicketRef{*id, 1};
  unsigned serial = 0;
  auto s = text.substr(dot + 1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), serial);
  if (ec != std::errc{} || p != s.data() + s.size() || serial == 0 || serial > 0xffff)
    return std::nullopt;
  return TicketRef{*id, static_cast<std::uint16_t>(serial)};
}

std::string base32_encode(const std::uint8_t* data, std::size_t size) {
  std::string out;
  out.reserve((size * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // Leftover bits must be zero padding, or the text was not made by base32_encode: two
  // strings must never decode to the same ticket (a changed character is always noticed).
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

const char* to_string(TicketParseError e) {
  switch (e) {
    case TicketParseError::Empty: return "empty";
    case TicketParseError::NotATicket: return "not_a_ticket";
    case TicketParseError::UnsupportedVersion: return "unsupported_version";
    case TicketParseError::BadCharacters: return "bad_characters";
    case TicketParseError::WrongLength: return "wrong_length";
  }
  return "unknown";
}

const char* to_string(VerifyError e) {
  switch (e) {
    case VerifyError::None: return "none";
    case VerifyError::UnknownKey: return "unknown_key";
    case VerifyError::BadSignature: return "bad_signature";
  }
  return "unknown";
}

}  // namespace cate
