#pragma once
/// @brief What every sync store reads out of an uploaded record before it keeps it: the facts
/// of a check-in or a refused scan, checked; and the hash under which a device token is kept.
/// Shared by the SQLite and the PostgreSQL stores so both take and refuse exactly the same.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cate {

/// A check-in payload, read and checked.
struct CheckInFact {
  std::string meeting, rsvp, method;  ///< 16 hex digits each; method as the kiosk wrote it
  std::int64_t serial = 0;            ///< the ticket's serial; 0 when staff signed the person in
};
/// @brief The check-in in `payload`, or nothing when it is not a readable one ("bad_payload").
std::optional<CheckInFact> read_check_in(const std::string& payload);

/// A refused-scan payload, read and checked.
struct RefusedScanFact {
  std::string outcome, method;
  std::optional<std::string> meeting;
};
/// @brief The refused scan in `payload`, or nothing when it is not a readable one ("bad_payload").
std::optional<RefusedScanFact> read_refused_scan(const std::string& payload);

/// @brief BLAKE2b-256 of a bearer token, as 64 hex digits: what the stores keep instead of the token.
std::string token_hash(std::string_view token);

}  // namespace cate
