#pragma once
/// @brief Export to a USB stick when there is no network: the outbox's records, as push
/// requests with this kiosk's ID and clock, sealed to the server's identity key, written whole
/// or not at all into one file in a folder (the stick). The records stay in the outbox until a
/// network sync acknowledges them (the server answers "duplicate" for those the office already
/// took in from the stick), so nothing is lost if the stick is. Format: sync/protocol/usb_export.hpp.
#include <cstdint>
#include <string>

#include "kiosk/core/store.hpp"
#include "platform/result.hpp"

namespace cate {

struct OutboxExported {
  std::string file;         ///< the file written; empty when there was nothing to export
  std::size_t records = 0;  ///< records in it
  std::size_t bytes = 0;    ///< its size
  std::string sealed_to;    ///< fingerprint of the server key it is sealed to
  bool enrolled = false;    ///< it carries this kiosk's credential (the office can tell it is this kiosk)
};

struct ExportFailure {
  enum class Kind { NoSealKey, NoFolder, Full, ReadOnly, CannotWrite, Store } kind;
  std::string message;  ///< for staff: what went wrong and what to do
};

/// @brief Writes every outbox record into one sealed file in `folder` (named
/// cate-export-<device id>-<ms>.json). Needs a key to seal to: the setting `seal_key`, else the
/// pinned server key. A full or read-only stick, or a missing folder, gets its own message; a
/// half-written file is removed.
Result<OutboxExported, ExportFailure> export_outbox(Store& store, const std::string& folder, std::int64_t now_ms);

/// @brief Takes in the office's receipt for an export (cate-admin import-usb --receipt): checks
/// it is signed by this kiosk's server (the pinned key, else `seal_key`) and made for this kiosk,
/// then lets the records it names leave the outbox, as a sync's acknowledgement does. Returns
/// how many left. Taking the same receipt twice changes nothing.
Result<std::size_t, std::string> take_usb_receipt(Store& store, std::string_view file_text);

}  // namespace cate
