#pragma once
/// @brief UsbExportView: what staff mode's "Export to USB" screen shows (plain data in AppState,
/// filled by the app from the stick watch and the store's answers; screens/staff_export.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kiosk/core/outbox_export.hpp"
#include "platform/storage/usb_sticks.hpp"

namespace cate::app {

struct UsbExportView {
  std::vector<UsbStick> sticks;  ///< as last looked at (every 2 s while the screen shows)
  bool looked = false;           ///< looked for sticks at least once since the screen opened
  std::int64_t waiting = -1;     ///< records in the outbox (-1: not read yet)
  bool can_seal = false;         ///< the kiosk knows a server key to seal an export to
  bool enrolled = false;         ///< the export carries this kiosk's credential
  std::string sealed_to;         ///< the key's fingerprint, for staff to compare with the office's

  /// What the last Export or receipt did, for the stick `folder`.
  enum class Said {
    Nothing,
    Exporting,        ///< writing the file (the buttons are greyed out meanwhile)
    Exported,         ///< `file` holds `records` records, `bytes` long
    NothingToExport,  ///< the outbox is empty: no file was written
    ExportFailed,     ///< `failure` says why; `detail` has the kiosk's own words
    TakingReceipt,
    ReceiptTaken,     ///< `receipts` receipts taken, `left_outbox` records left the outbox
    NoReceipt,        ///< no receipt file on the stick
    ReceiptRefused,   ///< every receipt found was refused: `detail` says why
    ReceiptFailed,    ///< the stick could not be read: `detail` says why
  };
  Said said = Said::Nothing;
  std::string folder;
  std::string file;
  std::size_t records = 0;
  std::size_t bytes = 0;
  ExportFailure::Kind failure = ExportFailure::Kind::CannotWrite;
  std::size_t receipts = 0;
  std::size_t left_outbox = 0;
  std::string detail;

  bool busy() const { return said == Said::Exporting || said == Said::TakingReceipt; }
  /// Back to nothing said (leaving the screen).
  void clear() { *this = UsbExportView{}; }
};

}  // namespace cate::app
