#pragma once
/// @brief The sealed USB export: a kiosk with no network writes its outbox to a USB stick, sealed
/// to the server's identity key, and the office takes it in with `cate-admin import-usb`, through
/// the same store path as a network push (so every record is stored once, whichever way it comes
/// first). Format: sync/protocol/SYNC.md, "Sealed USB export".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/wire.hpp"

namespace cate {

inline constexpr std::string_view kUsbExportFormat = "cate-usb-export/1";
/// Records a batch of the export holds at most (the push limit): a longer outbox makes more batches.
inline constexpr std::size_t kUsbExportBatch = 500;

/// What the sealed part of an export file holds.
struct UsbExport {
  std::string device_id;          ///< the kiosk's own ID
  std::string device_token;       ///< its bearer token, proving the device as a push does; empty when not enrolled
  std::int64_t created_ms = 0;    ///< kiosk clock when the file was written
  std::vector<wire::PushRequest> batches;  ///< push requests of at most kUsbExportBatch records each
  std::size_t record_count() const;
};

/// The file's text: a small JSON envelope ({"format", "device_id", "records", "created_ms",
/// "sealed"}) whose `sealed` is seal_for_server() of the JSON of everything above. Fails only
/// for a key that cannot be sealed to.
Result<std::string, std::string> write_usb_export(const UsbExport& e, const PublicKey& server_identity);

/// Opens an export file with the server's identity key and checks every field and every batch
/// as a push request is checked. The message says what is wrong: not an export, another format
/// version, sealed to another server or damaged, a batch that is not a push request.
Result<UsbExport, std::string> read_usb_export(std::string_view file_text, const SecretKey& server_identity);

inline constexpr std::string_view kUsbReceiptFormat = "cate-usb-receipt/1";

/// What the office writes back after taking an export in (`cate-admin import-usb FILE --receipt
/// OUT`): the records the server now holds, signed by its identity key. A kiosk that takes it in
/// (`cate-kiosk import-receipt OUT`) lets those records leave its outbox, as a sync would.
struct UsbReceipt {
  std::string device_id;              ///< the kiosk the records came from
  std::int64_t server_clock_ms = 0;   ///< when the office took them in
  std::vector<Uuid> record_ids;       ///< held by the server (stored, already held, or refused for good)
};

/// {"format", "server_key", "signature", "body"}: `signature` is Ed25519 by the server's identity
/// over `body` byte for byte (as a bundle is signed).
std::string write_usb_receipt(const UsbReceipt& r, const SecretKey& server_identity);

/// Reads a receipt and checks its signature against `server_key` (the key the kiosk pinned or
/// seals to): a receipt from any other server, or changed, is refused with a reason.
Result<UsbReceipt, std::string> read_usb_receipt(std::string_view file_text, const PublicKey& server_key);

}  // namespace cate
