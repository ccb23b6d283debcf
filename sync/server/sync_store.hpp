#pragma once
/// @brief What cate-syncd records: enrolled devices, and every record a kiosk uploaded, kept as
/// a fact (device, original time, received time, clock skew). One interface; the embedded
/// SQLite store (sync_store_sqlite.cpp) and PostgreSQL (sync_store_pg.hpp) implement it.
///
/// Exactly once: a record is named by the UUID its device made; a record_id the store already
/// holds is answered Duplicate and changes nothing. Attendance: of all check-ins of one RSVP for
/// one meeting, the one made first (by the device's clock corrected for its skew) counts; the
/// others are kept, flagged as attendance duplicates, for the report.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sync/admin/central_store.hpp"
#include "sync/protocol/wire.hpp"

namespace cate {

/// A kiosk the server accepts uploads from.
struct SyncDevice {
  std::string device_id;  ///< the kiosk's own ID (a UUID it made at first start)
  std::string name;       ///< for staff: "Front door", "Booth 2"
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;  ///< set when the office withdrew the device
  std::optional<std::int64_t> last_seen_ms;   ///< last authenticated request
};

/// One batch as the server received it.
struct ReceivedBatch {
  std::string device_id;             ///< the authenticated device (never taken from the body)
  std::int64_t device_clock_ms = 0;  ///< the device's clock when it sent the batch
  std::int64_t received_ms = 0;      ///< the server's clock when it took the batch in
  std::vector<wire::Record> records;
};

/// A check-in as the server holds it (for the report and the tests).
struct ServerCheckIn {
  std::string record_id;
  std::string device_id;
  std::string meeting_id;
  std::string rsvp_id;
  std::int64_t original_ms = 0;  ///< device clock when the person was checked in
  std::int64_t received_ms = 0;  ///< server clock when it arrived
  std::int64_t skew_ms = 0;      ///< server clock minus device clock, at upload
  bool counted = false;          ///< the first check-in of this RSVP for this meeting
};

struct SyncCounts {
  std::int64_t records = 0;       ///< distinct records held (every kind)
  std::int64_t check_ins = 0;     ///< check-in records, duplicates included
  std::int64_t attended = 0;      ///< check-ins that count (distinct RSVPs per meeting)
  std::int64_t refused_scans = 0; ///< refused-scan records
};

class SyncStore {
 public:
  virtual ~SyncStore() = default;

  /// @brief Enrols a device under a bearer token (stored only as a hash); refuses a known device.
  virtual StoreDone add_device(const SyncDevice& device, std::string_view token) = 0;
  /// @brief The device this bearer token belongs to, if any (revoked ones included: the caller refuses them).
  virtual StoreResult<std::optional<SyncDevice>> device_for_token(std::string_view token) = 0;
  /// @brief Withdraws a device at `now_ms`: its next request is refused.
  virtual StoreDone revoke_device(std::string_view device_id, std::int64_t now_ms) = 0;

  /// @brief Records one batch in one transaction and answers for each record; nothing is
  /// answered Stored that is not on disk.
  virtual StoreResult<std::vector<wire::RecordResult>> record_batch(const ReceivedBatch& batch) = 0;

  /// @brief Every check-in of a meeting, earliest (skew-corrected) first.
  virtual StoreResult<std::vector<ServerCheckIn>> check_ins(std::string_view meeting_id) = 0;
  /// @brief Totals over every meeting.
  virtual StoreResult<SyncCounts> counts() = 0;
};

/// Opens the SQLite sync store at `path` (the central store's file may be shared: the sync
/// tables have their own names and their own schema version) and migrates it.
StoreResult<std::unique_ptr<SyncStore>> open_sqlite_sync_store(const std::string& path);

/// A new bearer token: 32 random bytes, base64url without padding.
std::string new_device_token();

}  // namespace cate
