#pragma once
/// @brief The office's central store: signing keys, meetings, RSVPs with their current ticket
/// serial, revoked tickets, the server's identity key, and a change number on every row (so a
/// pull can send only what changed). One interface over the embedded SQLite file
/// (central_store.cpp) and PostgreSQL (central_store_pg.cpp); errors are values with a message a
/// person can act on.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sync/protocol/bundle.hpp"
#include "sync/protocol/ids.hpp"
#include "sync/protocol/keys.hpp"
#include "platform/result.hpp"
#include "sync/protocol/ticket.hpp"

namespace cate {

/// The result of a store call: a value, or what went wrong.
template <class T>
using StoreResult = Result<T, std::string>;
/// A store call that returns nothing but can fail.
using StoreDone = StoreResult<std::monostate>;

/// A signing key as the office keeps it. Tickets and bundles are signed with the current key
/// (the newest one not retired); every key not retired is handed to kiosks for checking.
struct SigningKeyRecord {
  KeyId id = 0;
  PublicKey public_key;
  SecretKey secret_key;
  std::int64_t created_at = 0;             ///< Unix seconds
  std::optional<std::int64_t> retired_at;  ///< Unix seconds; none while the key is in use
};

/// An RSVP with what the office keeps beside it.
struct RsvpRecord {
  Rsvp rsvp;
  std::uint16_t serial = 1;     ///< the serial of its current ticket (1, then 2 after a reissue)
  std::int64_t created_at = 0;  ///< Unix seconds
};

/// What an RSVP is made from; its ID is chosen by the store.
struct NewRsvp {
  std::string first_name;
  std::string last_name;
  std::string email;  ///< may be empty
};

/// What purge_personal_data() wiped.
struct CentralPurge {
  std::int64_t meetings = 0;  ///< meetings whose RSVPs lost names and e-mails
  std::int64_t rsvps = 0;     ///< RSVPs wiped
};

/// A form definition the office hands to kiosks in place of the built-in one of the same ID.
struct OfficeForm {
  std::string id;               ///< the form's ID ("ally_network")
  int version = 0;              ///< only a higher version replaces a stored one
  std::string definition;       ///< the definition's JSON, checked by parse_form_definition
  std::int64_t updated_at = 0;  ///< Unix seconds, when `form set` stored it
};

/// What changed in the office's data after a change number (changes_since()). Every row of the
/// office's tables carries the change number of its last write; a removed RSVP leaves a
/// tombstone with one. Numbers only grow, one a write, in commit order.
struct OfficeChanges {
  std::string epoch;         ///< random ID of this database's change count: a cursor from another one is not ours
  std::int64_t seq = 0;      ///< the newest change number: what the rows below are complete up to
  std::vector<Meeting> meetings;          ///< meetings written after `since`
  std::vector<Rsvp> rsvps;                ///< RSVPs written after `since`
  std::vector<Revocation> revocations;    ///< revocations written after `since`
  std::vector<RsvpId> removed_rsvps;      ///< RSVPs removed after `since` (cancelled)
  std::vector<std::string> forms;         ///< every form definition, when any was written after `since`
};

class CentralStore {
 public:
  virtual ~CentralStore() = default;

  /// @brief The schema version of the opened store (after any migrations ran).
  virtual int schema_version() = 0;
  /// @brief Where the store lives, for messages: the file's path, or "PostgreSQL (CONNINFO)".
  virtual std::string location() const = 0;

  /// @brief Stores a new signing key, created at `now`; it becomes the current key.
  virtual StoreResult<SigningKeyRecord> add_signing_key(const SecretKey& key, std::int64_t now) = 0;
  /// @brief Every signing key, retired or not, oldest first.
  virtual StoreResult<std::vector<SigningKeyRecord>> signing_keys() = 0;
  /// @brief The key that signs now: the newest one not retired; none if every key is retired.
  virtual StoreResult<std::optional<SigningKeyRecord>> current_signing_key() = 0;
  /// @brief Retires a key at `now`: it no longer signs and is no longer handed to kiosks.
  virtual StoreDone retire_signing_key(KeyId id, std::int64_t now) = 0;

  /// @brief Stores a new meeting with a fresh random ID and returns it.
  virtual StoreResult<Meeting> add_meeting(std::string_view name, std::int64_t starts_at,
                                           std::int64_t ends_at, std::int64_t now) = 0;
  /// @brief The meeting with this ID, if there is one.
  virtual StoreResult<std::optional<Meeting>> find_meeting(MeetingId id) = 0;
  /// @brief Every meeting, earliest start first.
  virtual StoreResult<std::vector<Meeting>> meetings() = 0;

  /// @brief Stores RSVPs for a meeting all at once (all or none), each with a fresh random ID
  /// and ticket serial 1; returns them in the order given.
  virtual StoreResult<std::vector<RsvpRecord>> add_rsvps(MeetingId meeting,
                                                         const std::vector<NewRsvp>& rsvps,
                                                         std::int64_t now) = 0;
  /// @brief The RSVP with this ID, if there is one.
  virtual StoreResult<std::optional<RsvpRecord>> find_rsvp(RsvpId id) = 0;
  /// @brief The meeting's RSVP with this e-mail address (ASCII case ignored), if there is one.
  virtual StoreResult<std::optional<RsvpRecord>> find_rsvp_by_email(MeetingId meeting,
                                                                    std::string_view email) = 0;
  /// @brief Every RSVP of a meeting, in the order they were added.
  virtual StoreResult<std::vector<RsvpRecord>> rsvps_for_meeting(MeetingId meeting) = 0;

  /// @brief Revokes one ticket at `now`; true when newly revoked, false when it already was.
  virtual StoreResult<bool> revoke_ticket(TicketRef ticket, std::int64_t now) = 0;
  /// @brief The revocation of this ticket, if it is revoked.
  virtual StoreResult<std::optional<Revocation>> find_revocation(TicketRef ticket) = 0;
  /// @brief Every revoked ticket of the meeting's RSVPs.
  virtual StoreResult<std::vector<Revocation>> revocations_for_meeting(MeetingId meeting) = 0;
  /// @brief Revokes the RSVP's current ticket (if not yet) and moves it to the next serial, in
  /// one step; returns the new serial.
  virtual StoreResult<std::uint16_t> reissue_ticket(RsvpId rsvp, std::int64_t now) = 0;

  /// @brief Wipes the names and e-mails of the RSVPs of every meeting that ended before
  /// `ended_before` (Unix seconds), in one transaction. The RSVPs themselves stay, so counts
  /// and check-ins still add up; their IDs say nothing about the person.
  virtual StoreResult<CentralPurge> purge_personal_data(std::int64_t ended_before) = 0;

  /// @brief Removes an RSVP that was cancelled, with its revocations; it leaves a tombstone so a
  /// kiosk pulling changes drops it too. False when there was no such RSVP.
  virtual StoreResult<bool> remove_rsvp(RsvpId rsvp) = 0;

  /// @brief Stores a form definition (already checked by parse_form_definition): a new form, or
  /// a higher version of a stored one. A version not above the stored one is refused, in words.
  virtual StoreDone set_form(const OfficeForm& form) = 0;
  /// @brief Every stored form definition, by ID.
  virtual StoreResult<std::vector<OfficeForm>> forms() = 0;

  /// @brief What changed after change number `since` (0: everything), as one consistent
  /// snapshot, limited to meetings that end at or after `ends_after` (Unix seconds) and their
  /// RSVPs and revocations. Tombstones are not limited.
  virtual StoreResult<OfficeChanges> changes_since(std::int64_t since, std::int64_t ends_after) = 0;

  /// @brief cate-syncd's long-term identity key (server_identity.hpp), kept beside the signing
  /// keys. Made on first use when `create`; otherwise none until something made it.
  virtual StoreResult<std::optional<SecretKey>> server_identity(bool create) = 0;
};

/// The schema version this build writes; older stores are migrated when opened.
inline constexpr int kCentralSchemaVersion = 3;

enum class OpenMode {
  CreateIfMissing,  ///< make an empty store when there is no file
  MustExist,        ///< no file is an error ("no database at X")
};

/// Opens (or creates) the SQLite central store at `path`: WAL, foreign keys on, file mode 0600
/// (it holds secret keys), schema migrated to kCentralSchemaVersion.
StoreResult<std::unique_ptr<CentralStore>> open_sqlite_central_store(
    const std::string& path, OpenMode mode = OpenMode::CreateIfMissing);

/// Connects to PostgreSQL with a libpq connection string ("dbname=cate",
/// "postgresql://cate@db/cate") and creates or migrates the office's tables there (a comment on
/// every column: `\d+ rsvps` in psql). MustExist: tables not made yet is an error ("run
/// `cate-admin --pg ... init` first"). Safe to call from several threads (calls take turns).
StoreResult<std::unique_ptr<CentralStore>> open_pg_central_store(
    const std::string& conninfo, OpenMode mode = OpenMode::CreateIfMissing);

}  // namespace cate
