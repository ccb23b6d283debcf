#pragma once
/// @brief The sync wire protocol between a kiosk and cate-syncd: every message, its JSON form,
/// and its version, in one place. Spec with examples: sync/protocol/SYNC.md.
///
///   POST /v1/push   PushRequest  -> PushResponse    (upload the outbox, one batch)
///   GET  /v1/pull   ?cursor=     -> PullResponse    (meetings, rosters, revocations, keys)
///   GET  /v1/health              -> Health
///   POST /v1/enrol  EnrolRequest -> EnrolResponse   (trade a one-time enrolment token for a credential)
///
/// Every answer (errors included) carries kSignatureHeader: the server's identity key signs
/// answer_signing_text() over the request's kNonceHeader, so a kiosk that pinned the server at
/// enrolment (sync/protocol/enrolment.hpp) believes nothing another machine says.
///   any failure                  -> ErrorBody with an HTTP status
///
/// Parsing never throws: text that is not the message asked for gives a WireError naming what
/// is wrong ("records[3].record_id is not a UUID").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"
#include "sync/protocol/ids.hpp"

namespace cate::wire {

/// Bump for any change a peer of the previous version would misread. A server answers a
/// request of another version with ErrorBody code "unsupported_version".
inline constexpr int kProtocolVersion = 1;

/// The largest batch a kiosk sends and a server takes in one push.
inline constexpr std::size_t kMaxBatchRecords = 500;
/// The largest payload of one record, in bytes of JSON.
inline constexpr std::size_t kMaxPayloadBytes = 16 * 1024;

/// Why a body is not the message it should be.
struct WireError {
  std::string message;  ///< for logs and for staff: what is wrong, with the JSON path
};

/// One record of the outbox as it travels: made on the device, named by the device.
struct Record {
  Uuid record_id;                ///< UUIDv7 made on the device; the server de-duplicates on it
  std::string kind;              ///< "check_in" | "refused_scan" (more kinds join later)
  std::int64_t original_ms = 0;  ///< device clock when the record was made, Unix milliseconds
  std::string payload;           ///< the record itself, a JSON object as text
};

/// Upload: one batch of the outbox.
struct PushRequest {
  std::string device_id;             ///< the device's own ID (a UUID made at first start)
  std::int64_t device_clock_ms = 0;  ///< device clock when the batch was sent: the server derives skew
  std::vector<Record> records;
  std::int64_t outbox_pending = -1;  ///< records waiting on the device before this batch; -1: not said
};

enum class RecordStatus {
  Stored,     ///< new, now on the server's disk
  Duplicate,  ///< the server already held this record_id: done all the same
  Refused,    ///< not taken; see `permanent`
};
const char* to_string(RecordStatus s);

/// The server's answer for one record.
struct RecordResult {
  Uuid record_id;
  RecordStatus status = RecordStatus::Refused;
  bool permanent = false;  ///< Refused only: true = never send it again; false = keep and retry later
  std::string reason;      ///< Refused only: a short machine code ("bad_payload", "unknown_kind")
  std::string note;        ///< optional: "attendance_duplicate" when another device counted this RSVP first
};

struct PushResponse {
  std::int64_t server_clock_ms = 0;
  std::vector<RecordResult> results;  ///< one per record sent, in any order
};

/// Download: what the kiosk needs to check people in, as a bundle signed by the office key
/// (sync/protocol/BUNDLE.md), so nothing on the way can add a key or change a roster.
struct PullResponse {
  std::string cursor;                ///< give it back on the next pull; made from the server's clock
  std::int64_t server_clock_ms = 0;
  bool unchanged = false;            ///< true: nothing new since the cursor; `bundle` is empty
  std::string bundle;                ///< a signed bundle file (the whole roster of each meeting in it)
};

struct Health {
  std::string status;  ///< "ok"
  int protocol = kProtocolVersion;
  std::int64_t server_clock_ms = 0;
};

/// Every failure has one shape; `code` is for programs, `message` for people.
struct ErrorBody {
  std::string code;     ///< "bad_json", "too_large", "unauthorized", "rate_limited", ...
  std::string message;  ///< in words, for logs and for the staff screen
  bool retry = false;   ///< true: the same request may succeed later (busy, rate limited)
};

/// Enrolment: the kiosk gives the one-time token from the enrolment QR, its own ID, and a
/// public key (X25519, made for this attempt) that the server seals the device token to.
struct EnrolRequest {
  std::string token;      ///< the one-time enrolment token (base32, from the QR)
  std::string device_id;  ///< the kiosk's own ID
  std::string box_key;    ///< base64 of a 32-byte X25519 public key made for this attempt only
};

/// The server's answer: the device credential, sealed to the kiosk's box_key, and the server's
/// identity key; signed by that key over enrol_response_signing_text().
struct EnrolResponse {
  std::string device_id;           ///< as asked
  std::string name;                ///< the name the office gave the device ("Front door")
  std::string sealed_token;        ///< base64 crypto_box_seal(device token, box_key)
  std::string server_key;          ///< base64 of the server's Ed25519 identity key (its fingerprint is in the QR)
  std::int64_t server_clock_ms = 0;
  std::string signature;           ///< base64 Ed25519 signature by server_key
};

/// What the server signs in an EnrolResponse: every field and the kiosk's box_key, one a line.
std::string enrol_response_signing_text(const EnrolResponse& m, std::string_view box_key);

/// Request header: 16 random bytes (base64) the kiosk makes for each request.
inline constexpr const char* kNonceHeader = "X-Cate-Nonce";
/// Answer header: base64 of the server's identity key (a kiosk checks it against the pinned
/// fingerprint or key; the header alone proves nothing).
inline constexpr const char* kServerKeyHeader = "X-Cate-Server-Key";
/// Answer header: base64 Ed25519 signature by the server's identity key over answer_signing_text().
inline constexpr const char* kSignatureHeader = "X-Cate-Signature";
/// What the server signs in every answer: the request's nonce, method and path (no query), the
/// status, and BLAKE2b-256 of the body. A replayed or re-routed answer does not verify.
std::string answer_signing_text(std::string_view nonce, std::string_view method, std::string_view path, int status,
                                std::string_view body);

std::string to_json(const EnrolRequest& m);
std::string to_json(const EnrolResponse& m);
Result<EnrolRequest, WireError> parse_enrol_request(std::string_view body);
Result<EnrolResponse, WireError> parse_enrol_response(std::string_view body);

std::string to_json(const PushRequest& m);
std::string to_json(const PushResponse& m);
std::string to_json(const PullResponse& m);
std::string to_json(const Health& m);
std::string to_json(const ErrorBody& m);

Result<PushRequest, WireError> parse_push_request(std::string_view body);
Result<PushResponse, WireError> parse_push_response(std::string_view body);
Result<PullResponse, WireError> parse_pull_response(std::string_view body);
Result<Health, WireError> parse_health(std::string_view body);
Result<ErrorBody, WireError> parse_error_body(std::string_view body);

}  // namespace cate::wire
