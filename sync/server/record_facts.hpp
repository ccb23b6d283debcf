#pragma once
/// @brief What every sync store reads out of an uploaded record before it keeps it: the facts
/// of a check-in or a refused scan, checked; and the hash under which a device token is kept.
/// Shared by the SQLite and the PostgreSQL stores so both take and refuse exactly the same.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "sync/protocol/keys.hpp"

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

/// An undo payload, read and checked: staff undid the check-in `check_in` (a record ID).
struct UndoFact {
  std::string check_in;       ///< the record ID of the check-in undone (canonical UUID text)
  std::string meeting, rsvp;  ///< as the kiosk held them; the undo applies only to a check-in of these
};
/// @brief The undo in `payload`, or nothing when it is not a readable one ("bad_payload").
std::optional<UndoFact> read_undo(const std::string& payload);

/// A form payload, opened and checked (SYNC.md, "Sealed forms").
struct FormFact {
  std::string form;                    ///< "walk_in", "ally_network", ...
  std::int64_t form_version = 0;
  std::optional<std::string> meeting;  ///< 16 hex digits; always set for a walk-in
  std::string language;                ///< "en", "es", ... as the person chose; may be empty
  std::string answers;                 ///< the fields, a JSON object as text, in the kiosk's order
};
/// Why a form could not be taken.
enum class FormRefusal {
  BadPayload,  ///< it can never be read here: not a form, sealed to another key, damaged (permanent)
  NoIdentity,  ///< this server has no identity key to open it with (not permanent)
};
/// @brief The form in `payload`, opened with the server's identity key, or why not.
Result<FormFact, FormRefusal> read_form(const std::string& payload, const SecretKey* identity);

/// @brief BLAKE2b-256 of a bearer token, as 64 hex digits: what the stores keep instead of the token.
std::string token_hash(std::string_view token);

}  // namespace cate
