#pragma once
/// @brief The enrolment QR: what `cate-admin device add` prints and a kiosk scans to join the
/// office's server. Format and reasoning: sync/protocol/SYNC.md, "Enrolment".
///
///   CATE-ENROL1:<one-time token>*<server key fingerprint>*<server URL>
///
/// Token and fingerprint are base32 (RFC 4648, no padding), and the URL's scheme and host are
/// written in capitals, so a URL without a path keeps the whole code in the QR alphanumeric
/// mode (small, easy to scan). Reading never throws: text that is not an enrolment code is a
/// clear error.
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "sync/protocol/keys.hpp"

namespace cate {

/// The versioned prefix of every enrolment code.
inline constexpr std::string_view kEnrolmentPrefix = "CATE-ENROL1:";

/// What an enrolment QR holds.
struct EnrolmentCode {
  std::string server_url;   ///< "http://127.0.0.1:8443" (scheme and host in lower case, no trailing slash)
  std::string token;        ///< the one-time token, 32 base32 characters
  std::string fingerprint;  ///< the server's identity key fingerprint, 32 base32 characters
};

/// @brief The text of the QR for `code` (see the format above).
std::string format_enrolment_code(const EnrolmentCode& code);
/// @brief Reads an enrolment code; an error in words for anything else (a ticket, garbage).
Result<EnrolmentCode, std::string> parse_enrolment_code(std::string_view text);

/// @brief The fingerprint of a server identity key: BLAKE2b-160 of the key, base32 (32 characters).
std::string server_key_fingerprint(const PublicKey& key);
/// @brief A fresh one-time enrolment token: 20 random bytes, base32 (32 characters).
std::string new_enrolment_token();
/// @brief Checks a server URL as the kiosk keeps it: http:// or https://, a host, no user part;
/// returns it with scheme and host in lower case and no trailing slash.
Result<std::string, std::string> normalise_server_url(std::string_view url);

/// @brief RFC 4648 base32 without padding (A-Z, 2-7).
std::string base32_encode(std::string_view bytes);

}  // namespace cate
