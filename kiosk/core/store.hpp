#pragma once
/// @brief The kiosk's local store: one SQLite file holding what the kiosk knows (keys, meetings,
/// roster, revocations) and what it recorded (check-ins, refused scans) with an outbox for sync.
///
/// Durability: WAL with synchronous=FULL, so a check-in reported by check_in_ticket() is on disk
/// and survives a power cut. One owner: a lock file next to the database keeps a second process
/// out; inside a process, one thread owns the Store and others ask it (store_service.hpp).
/// Schema and migrations: store.cpp, [SECTION] Schema.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/core/outcome.hpp"
#include "kiosk/core/roster_search.hpp"
#include "sync/protocol/bundle.hpp"
#include "sync/protocol/keys.hpp"
#include "platform/result.hpp"

struct sqlite3;

namespace cate {

struct StoreError {
  enum class Kind { CannotOpen, InUse, TooNew, DiskFull, ReadOnly, Refused, Database } kind;
  std::string message;  ///< for a person: what went wrong and what to do
};

struct Done {};

struct CheckInRecord {
  Uuid id;
  MeetingId meeting;
  RsvpId rsvp;
  std::uint16_t serial = 0;  ///< the ticket's serial; 0 when staff signed the person in
  CheckInMethod method = CheckInMethod::Scanner;
  std::int64_t at_ms = 0;    ///< kiosk clock when recorded
};

/// What check_in_ticket() decided, and the check-in record it wrote or found.
struct CheckInWrite {
  ScanOutcome outcome = ScanOutcome::Unreadable;
  std::optional<CheckInRecord> record;  ///< CheckedIn: the new one; AlreadyCheckedIn: the first
};

struct ImportSummary {
  std::size_t keys = 0, meetings = 0, rsvps = 0, revocations = 0, rsvps_removed = 0;
  std::size_t forms = 0;  ///< office form definitions taken (newer than the one kept)
  bool active_meeting_set = false;
};

struct StoreCounts {
  std::int64_t rsvps = 0;           ///< on the roster of the meeting
  std::int64_t checked_in = 0;      ///< distinct people checked in (undone ones excluded)
  std::int64_t refused_scans = 0;   ///< scans that did not check anyone in
  std::int64_t outbox_pending = 0;  ///< records not yet acknowledged by the server (all meetings)
  std::int64_t walk_ins = 0;        ///< walk-in forms taken for the meeting
  std::int64_t sign_ups = 0;        ///< Ally and Community Network sign-ups taken (all time)
};

/// A form recorded by record_form(): its record ID (also the outbox row's) and what it was tied to.
struct FormWrite {
  Uuid id;
  std::optional<MeetingId> meeting;  ///< walk-ins: the active meeting
  std::int64_t at_ms = 0;
};

/// What purge_personal_data() did.
struct PurgeSummary {
  std::int64_t meetings = 0;  ///< meetings whose roster lost its names and e-mails now
  std::int64_t rsvps = 0;     ///< RSVPs whose names and e-mails were wiped now
  std::int64_t waiting = 0;   ///< meetings past the window whose check-ins the server has not all acknowledged: kept
};

/// Days after a meeting ends that the kiosk keeps its roster's names and e-mails (setting
/// "retention_days"), once the server holds every check-in of it.
inline constexpr int kDefaultRetentionDays = 7;

/// One row of the outbox: a record waiting for the server (read by the sync client).
struct OutboxEntry {
  std::int64_t seq = 0;          ///< upload order
  std::string record_id;         ///< the record's UUIDv7
  std::string kind;              ///< 'check_in' | 'refused_scan' | 'undo' | 'form'
  std::string payload;           ///< JSON of the record
  std::int64_t created_at_ms = 0;
  int attempts = 0;              ///< uploads tried so far
  std::string last_error;        ///< the last upload failure in words; empty if none
};

class Store {
 public:
  /// Opens (creating if needed) the store at `path` and brings its schema up to date.
  static Result<std::unique_ptr<Store>, StoreError> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Takes in a provisioning bundle. A kiosk that holds keys accepts only bundles signed by one
  /// of them, unless `trust_new_signer` (staff chose to move the kiosk to another office's keys).
  Result<ImportSummary, StoreError> import_bundle(const SignedBundle& bundle, bool trust_new_signer,
                                                  std::int64_t now_ms);

  /// The public keys this kiosk trusts (kept in memory; reloaded on import).
  const KeyRing& key_ring() const { return keys_; }
  std::optional<MeetingId> active_meeting() const { return active_meeting_; }
  Result<Done, StoreError> set_active_meeting(MeetingId id);
  std::optional<Meeting> meeting(MeetingId id) const;
  std::vector<Meeting> meetings() const;
  std::optional<Rsvp> rsvp(RsvpId id) const;
  const std::string& device_id() const { return device_id_; }

  /// Applies the check-in rules to a verified ticket and, when they say CheckedIn, records the
  /// check-in and its outbox entry in one transaction committed to disk before returning.
  /// Every other outcome is recorded as a refused scan (no personal data).
  Result<CheckInWrite, StoreError> check_in_ticket(const Ticket& verified, CheckInMethod method,
                                                   std::int64_t now_ms);
  /// Records a scan that never got as far as a verified ticket (unreadable, forged, unknown key).
  Result<Done, StoreError> record_refused_scan(ScanOutcome outcome, CheckInMethod method,
                                               std::int64_t now_ms);

  Result<StoreCounts, StoreError> counts(std::optional<MeetingId> meeting) const;
  /// The time of the latest thing the store holds, Unix ms (0: nothing yet): check-ins, their
  /// undos, refused scans and forms (the kiosk's clock when written), signing keys learnt, and
  /// the office's revocations and the time the office made the latest bundle imported or pulled
  /// (the office's clock). The clock is behind when "now" is before it (clock_trust, kiosk/core/clock.hpp).
  std::int64_t latest_record_ms() const;
  std::vector<CheckInRecord> check_ins(MeetingId meeting) const;
  std::int64_t outbox_size() const;

  /// Up to `max` outbox rows with seq > `after_seq`, in upload order.
  Result<std::vector<OutboxEntry>, StoreError> outbox_batch(std::size_t max, std::int64_t after_seq) const;
  /// The server has these records: their outbox rows go (the records themselves stay).
  Result<Done, StoreError> outbox_remove(const std::vector<std::string>& record_ids);
  /// These records were not taken this time: one more attempt counted, and why.
  Result<Done, StoreError> outbox_note_failure(const std::vector<std::string>& record_ids,
                                               const std::string& error);
  /// A kiosk setting ('pull_cursor', ...), if set.
  std::optional<std::string> setting(const std::string& key) const;
  /// The form definitions the office sent (JSON text, checked when imported), one per form ID:
  /// the highest version received. forms.hpp's find_form() picks between them and the built-in ones.
  std::vector<std::string> office_forms() const;
  Result<Done, StoreError> set_setting(const std::string& key, const std::string& value);

  /// Wipes the names and e-mails of the roster of every meeting that ended more than the
  /// retention window ago (setting "retention_days", default kDefaultRetentionDays) and whose
  /// check-ins have all left the outbox (the server acknowledged them). The RSVP rows, check-ins
  /// and refused scans stay, so every count survives. Call after a successful sync round.
  Result<PurgeSummary, StoreError> purge_personal_data(std::int64_t now_ms);
  /// The retention window in days (setting "retention_days"; kDefaultRetentionDays when unset or unreadable).
  int retention_days() const;

  // Staff mode and "Find my RSVP" (defined in store_staff.cpp).
  /// Up to `max` RSVPs of `meeting` matching `query` (roster_search.hpp); none under 3 letters.
  std::vector<RosterMatch> search_roster(MeetingId meeting, std::string_view query,
                                         std::size_t max = kRosterSearchMaxResults) const;
  /// Checks an RSVP of the active meeting in without a ticket (staff, or the person choosing
  /// their own name) by decide_check_in_by_name: CheckedIn (recorded with its outbox entry in one
  /// durable transaction), or AlreadyCheckedIn, NoActiveMeeting, OtherMeeting, Revoked,
  /// NotYetValid, Expired (nothing recorded).
  Result<CheckInWrite, StoreError> check_in_rsvp(RsvpId rsvp, CheckInMethod method, std::int64_t now_ms);
  /// Staff undo a mistaken check-in: sets its undone_at_ms and queues an 'undo' outbox record in
  /// one durable transaction. False when there was no such check-in still standing.
  Result<bool, StoreError> undo_check_in(const Uuid& check_in, std::int64_t now_ms);
  /// The latest standing check-ins of `meeting`, newest first (the staff undo list).
  std::vector<CheckInLine> recent_check_ins(MeetingId meeting, std::size_t max) const;

  // Forms (defined in store_forms.cpp).
  /// Records a form sealed on this kiosk (forms.hpp, seal_form): a 'form' outbox record (payload
  /// id, form, form_version, meeting for a form tied to a meeting, at_ms, sealed) and its
  /// form_entry row, in one transaction committed to disk before returning. A form tied to a
  /// meeting is refused when no meeting is active.
  Result<FormWrite, StoreError> record_form(const std::string& form, int form_version, bool for_meeting,
                                            const std::string& sealed, std::int64_t now_ms);

  int schema_version() const;
  /// SQLite's own "PRAGMA integrity_check": "ok" when the file is sound.
  std::string integrity_check() const;

 private:
  Store() = default;
  void load_cache();
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  KeyRing keys_;
  std::optional<MeetingId> active_meeting_;
  std::string device_id_;
};

/// The current schema version this build writes.
int current_store_schema_version();

/// The office keys the store at `path` trusts, read by a second process beside the running kiosk
/// (`cate-kiosk update verify`): SQLite opened read-only, no lock file, no migration, nothing
/// written. A store that does not exist yet trusts no key (an empty ring).
Result<KeyRing, StoreError> read_trusted_keys(const std::string& path);

}  // namespace cate
