#pragma once
/// @brief The sync wire protocol between a kiosk and cate-syncd: every message, its JSON form,
/// and its version, in one place. Spec with examples: sync/protocol/SYNC.md.
///
///   POST /v1/push   PushRequest  -> PushResponse    (upload the outbox, one batch)
///   GET  /v1/pull   ?cursor=     -> PullResponse    (meetings, rosters, revocations, keys)
///   GET  /v1/health              -> Health
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
