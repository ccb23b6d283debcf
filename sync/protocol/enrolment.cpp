// The enrolment QR text: writing, reading, fingerprints and tokens (enrolment.hpp).
#include "sync/protocol/enrolment.hpp"

#include <sodium.h>

#include <cctype>

namespace cate {

namespace {
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::size_t kTokenChars = 32;
constexpr std::size_t kMaxUrl = 300;

bool is_base32(std::string_view s) {
  for (char c : s)
    if (kBase32.find(c) == std::string_view::npos) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

std::string server_key_fingerprint(const PublicKey& key) {
  unsigned char h[20];
  crypto_generichash(h, sizeof h, key.bytes.data(), key.bytes.size(), nullptr, 0);
  return base32_encode(std::string_view(reinterpret_cast<const char*>(h), sizeof h));
}

std::string new_enrolment_token() {
  if (sodium_init() < 0) return {};
  unsigned char raw[20];
  randombytes_buf(raw, sizeof raw);
  return base32_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

Result<std::string, std::string> normalise_server_url(std::string_view url) {
  if (url.size() > kMaxUrl) return Err{std::string("the server's address is too long")};
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return Err{std::string("the server's address contains a space or a control character")};
  std::string low = lower(url.substr(0, 8));
  std::size_t scheme_end = low.rfind("https://", 0) == 0 ? 8 : low.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme_end == 0)
    return Err{"the server's address must start with http:// or https:// (got \"" + std::string(url) + "\")"};
  std::size_t host_end = url.find('/', scheme_end);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view authority = url.substr(scheme_end, host_end - scheme_end);
  if (authority.empty()) return Err{std::string("the server's address names no host")};
  if (authority.find('@') != std::string_view::npos)
    return Err{std::string("the server's address must not carry a user name or password")};
  std::string out = lower(url.substr(0, host_end)) + std::string(url.substr(host_end));
  while (out.size() > scheme_end && out.back() == '/') out.pop_back();
  return out;
}

std::string format_enrolment_code(const EnrolmentCode& code) {
  // Scheme and host are case-blind: capitals keep them in the QR alphanumeric set.
  std::size_t scheme_end = code.server_url.find("://");
  std::size_t host_end = scheme_end == std::string::npos ? 0 : code.server_url.find('/', scheme_end + 3);
  if (host_end == std::string::npos) host_end = code.server_url.size();
  std::string url = upper(code.server_url.substr(0, host_end)) + code.server_url.substr(host_end);
  return std::string(kEnrolmentPrefix) + code.token + "*" + code.fingerprint + "*" + url;
}

Result<EnrolmentCode, std::string> parse_enrolment_code(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.size() < kEnrolmentPrefix.size() || upper(text.substr(0, kEnrolmentPrefix.size())) != kEnrolmentPrefix) {
    if (text.size() >= 5 && upper(text.substr(0, 5)) == "CATE-" && text.find(':') != std::string_view::npos)
      return Err{std::string("this enrolment code is of a version this kiosk does not read; update the kiosk")};
    return Err{std::string("this is not a CATE enrolment code (it should start with CATE-ENROL1:)")};
  }
  text.remove_prefix(kEnrolmentPrefix.size());
  auto star1 = text.find('*');
  auto star2 = star1 == std::string_view::npos ? star1 : text.find('*', star1 + 1);
  if (star2 == std::string_view::npos)
    return Err{std::string("this enrolment code is incomplete: it needs a token, a server key and an address")};
  EnrolmentCode c;
  c.token = upper(text.substr(0, star1));
  c.fingerprint = upper(text.substr(star1 + 1, star2 - star1 - 1));
  if (c.token.size() != kTokenChars || !is_base32(c.token))
    return Err{std::string("the token in this enrolment code is damaged (32 letters and digits expected)")};
  if (c.fingerprint.size() != kTokenChars || !is_base32(c.fingerprint))
    return Err{std::string("the server key in this enrolment code is damaged (32 letters and digits expected)")};
  auto url = normalise_server_url(text.substr(star2 + 1));
  if (!url) return Err{url.error()};
  c.server_url = *url;
  return c;
}

}  // namespace cate
