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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sync/admin/central_store.hpp"
#include "sync/protocol/keys.hpp"
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
  std::int64_t outbox_pending = -1;  ///< records waiting on the device, as it said; -1: not said
  /// The server's identity key, to open sealed forms with (SYNC.md, "Sealed forms"); null: forms
  /// are kept on the kiosk ("no_identity", not permanent).
  const SecretKey* identity = nullptr;
};

/// A device the office made with `cate-admin device add`: a name and a one-time token.
struct NewEnrolment {
  std::string name;                ///< for staff ("Front door"); unique among devices in use
  std::string token;               ///< the one-time token (kept only as a hash)
  std::int64_t created_at_ms = 0;  ///< office clock
  std::int64_t expires_at_ms = 0;  ///< after this the token is refused
};

/// Why an enrolment token was not traded for a credential.
enum class EnrolRefusal {
  None,       ///< traded: see Redeemed::device
  Unknown,    ///< no such token (mistyped, or from another office)
  Used,       ///< a kiosk already traded it: tokens work once
  Expired,    ///< older than its expiry
  Withdrawn,  ///< the office revoked the device before it was enrolled
};

struct Redeemed {
  EnrolRefusal refusal = EnrolRefusal::None;
  std::optional<SyncDevice> device;  ///< None: the device now enrolled under the new credential
};

/// One line of `cate-admin device list`: an enrolled device, or a token waiting for its kiosk.
struct DeviceListing {
  std::string name;
  std::string device_id;  ///< empty while the token waits
  std::string state;      ///< "waiting", "expired", "withdrawn", "enrolled", "revoked"
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> enrolled_at_ms, last_seen_ms, revoked_at_ms, expires_at_ms;
  std::optional<std::int64_t> queue_depth;  ///< records waiting on the kiosk at its last upload
  std::int64_t records = 0;                 ///< records received from it
};

/// What the server holds about one meeting, for `cate-admin report`.
struct MeetingReport {
  std::int64_t checked_in = 0;  ///< distinct RSVPs checked in (the counted check-ins)
  std::int64_t duplicates = 0;  ///< check-ins of an RSVP already checked in (another kiosk, later), not undone
  std::int64_t undone = 0;      ///< check-ins staff undid
  std::int64_t walk_ins = 0;    ///< walk-in forms taken at the meeting
  std::map<std::string, std::int64_t> refused_by_outcome;  ///< refused scans at the meeting, by outcome
  std::map<std::string, std::int64_t> records_by_device;   ///< check-ins, refused scans and forms of the meeting, by device ID
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
  bool counted = false;          ///< the first check-in of this RSVP for this meeting that was not undone
  bool undone = false;           ///< staff undid it (an `undo` record names it)
};

/// A form as the server holds it, opened (for `cate-admin export forms` and the tests).
struct ServerForm {
  std::string record_id;
  std::string device_id;
  std::string form;                    ///< "walk_in", "ally_network", ...
  std::int64_t form_version = 0;
  std::optional<std::string> meeting;  ///< 16 hex digits; set for walk-ins
  std::string language;
  std::string answers;                 ///< the fields, a JSON object as text, in the kiosk's order
  std::int64_t original_ms = 0;        ///< device clock when the person touched "Send"
  std::int64_t received_ms = 0;
  std::int64_t skew_ms = 0;
};

struct SyncCounts {
  std::int64_t records = 0;       ///< distinct records held (every kind)
  std::int64_t check_ins = 0;     ///< check-in records, duplicates included
  std::int64_t attended = 0;      ///< check-ins that count (distinct RSVPs per meeting)
  std::int64_t refused_scans = 0; ///< refused-scan records
  std::int64_t undos = 0;         ///< undo records
  std::int64_t forms = 0;         ///< form records
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

  /// @brief Keeps a one-time enrolment token (as a hash); refuses a name already in use.
  virtual StoreDone add_enrolment(const NewEnrolment& enrolment) = 0;
  /// @brief Trades an enrolment token for a device credential in one transaction: the device
  /// (named as the enrolment, under the kiosk's own ID) is enrolled under `device_token`, or
  /// re-enrolled if it was before; the token is used up.
  virtual StoreResult<Redeemed> redeem_enrolment(std::string_view enrol_token, std::string_view device_id,
                                                 std::string_view device_token, std::int64_t now_ms) = 0;
  /// @brief Every device and every unused enrolment, oldest first; states judged at `now_ms`.
  virtual StoreResult<std::vector<DeviceListing>> devices(std::int64_t now_ms) = 0;
  /// @brief Revokes the devices and withdraws the unused enrolments of this name; how many.
  virtual StoreResult<int> revoke_by_name(std::string_view name, std::int64_t now_ms) = 0;
  /// @brief Notes an authenticated request from the device (its "last seen").
  virtual StoreDone saw_device(std::string_view device_id, std::int64_t now_ms) = 0;
  /// @brief Check-ins, duplicates, refused scans and records per device for one meeting.
  virtual StoreResult<MeetingReport> meeting_report(std::string_view meeting_id) = 0;

  /// @brief Records one batch in one transaction and answers for each record; nothing is
  /// answered Stored that is not on disk.
  virtual StoreResult<std::vector<wire::RecordResult>> record_batch(const ReceivedBatch& batch) = 0;

  /// @brief Every check-in of a meeting, earliest (skew-corrected) first.
  virtual StoreResult<std::vector<ServerCheckIn>> check_ins(std::string_view meeting_id) = 0;
  /// @brief Totals over every meeting.
  virtual StoreResult<SyncCounts> counts() = 0;
  /// @brief Every form of this ID (of one meeting, when given), in the order they were made.
  virtual StoreResult<std::vector<ServerForm>> forms(std::string_view form, std::optional<std::string> meeting) = 0;

  /// @brief True when calls may come from several threads at once (each takes a connection of
  /// its own); false when the caller must make them take turns.
  virtual bool concurrent() const { return false; }
};

/// Opens the SQLite sync store at `path` (the central store's file may be shared: the sync
/// tables have their own names and their own schema version) and migrates it.
StoreResult<std::unique_ptr<SyncStore>> open_sqlite_sync_store(const std::string& path);

/// A new bearer token: 32 random bytes, base64url without padding.
std::string new_device_token();

}  // namespace cate
