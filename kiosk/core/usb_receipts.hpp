#pragma once
/// @brief The office's receipts on a USB stick: finds them (the top folder's .json files whose
/// "format" is cate-usb-receipt) and takes each in with take_usb_receipt(), so staff need not know
/// what the office named the file. Runs on the store's thread (it reads files and writes the store).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/store.hpp"
#include "platform/result.hpp"

namespace cate {

/// A receipt is at most this big (about 400,000 record IDs): bigger files are not receipts.
inline constexpr std::size_t kUsbReceiptMaxBytes = 16u << 20;

/// Whether a file's text is an office receipt: a JSON object whose "format" is cate-usb-receipt/
/// of any version (a newer version is then refused with a reason, not passed over in silence).
bool is_usb_receipt_text(std::string_view text);

struct StickReceipts {
  std::size_t found = 0;           ///< receipt files on the stick
  std::size_t taken = 0;           ///< of them, signed by this kiosk's server and made for this kiosk
  std::size_t left_outbox = 0;     ///< records that left the outbox (0 when taken before)
  std::vector<std::string> files;  ///< the receipt files found, by name
  std::string refusal;             ///< why the first refused receipt was refused; empty when none was
};

/// @brief Takes in every receipt in `folder` (not its sub-folders), in name order. A folder
/// that cannot be read is an error; a stick with no receipt is not (found 0).
Result<StickReceipts, std::string> take_usb_receipts_in(Store& store, const std::string& folder);

}  // namespace cate
