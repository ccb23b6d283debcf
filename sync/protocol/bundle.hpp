#pragma once
/// @brief The provisioning bundle: one signed file with what a kiosk needs before it has ever
/// synced (meetings, public keys, roster, revocations). How a kiosk is set up from a USB stick.
/// Format spec: sync/protocol/BUNDLE.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sync/protocol/ids.hpp"
#include "sync/protocol/keys.hpp"
#include "platform/result.hpp"
#include "sync/protocol/ticket.hpp"

namespace cate {

inline constexpr std::string_view kBundleFormat = "cate-bundle/1";

struct Meeting {
  MeetingId id;
  std::string name;            ///< shown to attendees ("for another meeting: <name>"); no address
  std::int64_t starts_at = 0;  ///< Unix seconds
  std::int64_t ends_at = 0;    ///< Unix seconds
};

struct Rsvp {
  RsvpId id;
  MeetingId meeting;
  std::string first_name;  ///< the only part of a name a success screen may show
  std::string last_name;
  std::string email;       ///< for "find my RSVP"; may be empty
};

struct Revocation {
  TicketRef ticket;
  std::int64_t revoked_at = 0;
};

struct Bundle {
  std::int64_t created_at = 0;
  std::vector<PublicKey> keys;
  std::vector<Meeting> meetings;
  std::vector<Rsvp> rsvps;
  std::vector<Revocation> revocations;
  std::optional<MeetingId> active_meeting;  ///< the meeting the kiosk should open on, if any
  /// The server's identity key, if the office has one: forms are sealed to it (SYNC.md, "Sealed forms").
  std::optional<PublicKey> seal_key;
  /// Form definitions from the office (JSON objects as in assets/forms/, each as its text), each
  /// checked by parse_form_definition on reading. A kiosk uses one in place of its built-in form
  /// of the same ID when its version is higher. A delta carries all of them when any changed.
  std::vector<std::string> forms;
  /// A delta (a pull with a cursor the server knows): only what changed since `since`; the kiosk
  /// merges it into its roster instead of replacing the roster of each meeting.
  bool delta = false;
  std::string since;                 ///< delta only: the cursor it follows
  std::vector<RsvpId> removed_rsvps; ///< delta only: RSVPs the office removed since then
};

struct SignedBundle {
  Bundle bundle;
  KeyId signed_by = 0;  ///< one of bundle.keys: the kiosk decides whether it trusts it
};

/// Writes the bundle as JSON and signs it with `key`, whose public key is added to the bundle's
/// keys if it is not there.
std::string write_bundle(Bundle bundle, const SecretKey& key);

/// Reads and checks a bundle file: its format, its signature, and every field. The message
/// names what is wrong ("rsvps[3].first_name is missing").
Result<SignedBundle, std::string> read_bundle(std::string_view file_text);

}  // namespace cate
