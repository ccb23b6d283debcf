// The office's receipts found on a USB stick (usb_receipts.hpp).
#include "kiosk/core/usb_receipts.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "kiosk/core/outbox_export.hpp"
#include "sync/protocol/usb_export.hpp"

namespace cate {

using nlohmann::json;

bool is_usb_receipt_text(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  const auto f = j.find("format");
  if (f == j.end() || !f->is_string()) return false;
  // kUsbReceiptFormat without its version: "cate-usb-receipt/"
  const std::string_view family = kUsbReceiptFormat.substr(0, kUsbReceiptFormat.rfind('/') + 1);
  return f->get_ref<const std::string&>().starts_with(family);
}

Result<StickReceipts, std::string> take_usb_receipts_in(Store& store, const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> candidates;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (name.empty() || name.front() == '.' || p.extension() != ".json") continue;
    if (name.starts_with("cate-export-")) continue;  // this kiosk's own exports: large, and never receipts
    std::error_code e2;
    if (!it->is_regular_file(e2) || it->file_size(e2) > kUsbReceiptMaxBytes || e2) continue;
    candidates.push_back(p);
  }
  if (ec) return Err{"cannot read the folder " + folder + ": " + ec.message()};
  std::sort(candidates.begin(), candidates.end());

  StickReceipts out;
  for (const fs::path& p : candidates) {
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!is_usb_receipt_text(text)) continue;  // an export, a bundle, anything else: not a receipt
    ++out.found;
    out.files.push_back(p.filename().string());
    auto taken = take_usb_receipt(store, text);
    if (!taken) {
      if (out.refusal.empty()) out.refusal = p.filename().string() + ": " + taken.error();
      continue;
    }
    ++out.taken;
    out.left_outbox += *taken;
  }
  return out;
}

}  // namespace cate
