#pragma once
/// @brief cate-kiosk's sync subcommands: `enrol` joins the office's server (by the enrolment QR,
/// or the plain way with an address and a token); `sync` does one round (upload the outbox,
/// then pull) and prints it as one JSON line; `purge` wipes the personal data the retention
/// window no longer allows. Exit codes as the other commands: 0 done, 1 failed, 2 usage.
#include <string>
#include <vector>

#include "kiosk/cli/commands.hpp"

namespace cate::cli {

/// @brief `enrol CODE`, `enrol --qr FILE` (an image of the enrolment QR) or, unpinned,
/// `enrol --server URL --token TOKEN`: keeps the server's address, this kiosk's credential and
/// (by QR) the server's pinned key in the store's settings.
int cmd_enrol(const Options& o, const std::vector<std::string>& args);

/// @brief `sync [--server URL] [--token TOKEN]`: one round with the given or the enrolled
/// values; after a good round, personal data past the retention window is purged.
int cmd_sync(const Options& o, const std::vector<std::string>& args);

/// @brief `purge [--retention-days N]`: wipes roster names and e-mails of meetings that ended
/// more than N days ago (kept as the setting; default 7) and that the server fully holds.
int cmd_purge(const Options& o, const std::vector<std::string>& args);

/// @brief `export --usb FOLDER`: every outbox record, sealed to the server's key, in one file in
/// FOLDER (kiosk/core/outbox_export.hpp); the records stay in the outbox until a sync.
int cmd_export(const Options& o, const std::vector<std::string>& args);

/// @brief `import-receipt FILE`: the office's signed receipt for an export; the records it names
/// leave the outbox (kiosk/core/outbox_export.hpp, take_usb_receipt).
int cmd_import_receipt(const Options& o, const std::vector<std::string>& args);

}  // namespace cate::cli
