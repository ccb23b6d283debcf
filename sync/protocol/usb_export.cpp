// The sealed USB export's file format (usb_export.hpp).
#include "sync/protocol/usb_export.hpp"

#include <nlohmann/json.hpp>

#include "sync/protocol/sealed_form.hpp"

namespace cate {

using nlohmann::json;

std::size_t UsbExport::record_count() const {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.records.size();
  return n;
}

Result<std::string, std::string> write_usb_export(const UsbExport& e, const PublicKey& server_identity) {
  json inner = {{"format", kUsbExportFormat},
                {"device_id", e.device_id},
                {"device_token", e.device_token},
                {"created_ms", e.created_ms},
                {"batches", json::array()}};
  for (const auto& b : e.batches) inner["batches"].push_back(json::parse(wire::to_json(b)));
  auto sealed = seal_for_server(inner.dump(), server_identity);
  if (!sealed) return Err{"cannot seal the export to the server's key: " + sealed.error()};
  json outer = {{"format", kUsbExportFormat},
                {"device_id", e.device_id},
                {"records", e.record_count()},
                {"created_ms", e.created_ms},
                {"sealed", *sealed}};
  return outer.dump(1) + "\n";
}

Result<UsbExport, std::string> read_usb_export(std::string_view file_text, const SecretKey& server_identity) {
  json outer = json::parse(file_text, nullptr, /*allow_exceptions=*/false);
  if (outer.is_discarded() || !outer.is_object() || !outer.contains("format") || !outer["format"].is_string())
    return Err{std::string("the file is not a kiosk's USB export (cate-kiosk export --usb writes them)")};
  const std::string format = outer["format"].get<std::string>();
  if (format != kUsbExportFormat) {
    if (format.rfind("cate-usb-export/", 0) == 0)
      return Err{"the file is a USB export of format " + format + ", which this cate-admin does not read: update it"};
    return Err{std::string("the file is not a kiosk's USB export (cate-kiosk export --usb writes them)")};
  }
  if (!outer.contains("sealed") || !outer["sealed"].is_string() || !outer.contains("device_id") ||
      !outer["device_id"].is_string())
    return Err{std::string("the USB export is damaged: its sealed part or device is missing")};
  auto opened = open_sealed(outer["sealed"].get<std::string>(), server_identity);
  if (!opened)
    return Err{"the USB export cannot be opened with this server's key: it was sealed for another server, "
               "or it is damaged (" + opened.error() + ")"};
  json inner = json::parse(*opened, nullptr, false);
  try {
    if (inner.is_discarded() || !inner.is_object() || inner.value("format", "") != kUsbExportFormat)
      return Err{std::string("the sealed part of the USB export is not an export")};
    UsbExport e;
    e.device_id = inner.at("device_id").get<std::string>();
    e.device_token = inner.at("device_token").get<std::string>();
    e.created_ms = inner.at("created_ms").get<std::int64_t>();
    if (e.device_id != outer["device_id"].get<std::string>())
      return Err{std::string("the USB export names one device outside and another inside its sealed part: "
                             "it was altered")};
    const json& batches = inner.at("batches");
    if (!batches.is_array()) return Err{std::string("the USB export's batches are not a list")};
    for (std::size_t i = 0; i < batches.size(); ++i) {
      auto push = wire::parse_push_request(batches[i].dump());
      if (!push) return Err{"batch " + std::to_string(i) + " of the USB export: " + push.error().message};
      if (push->device_id != e.device_id)
        return Err{"batch " + std::to_string(i) + " of the USB export names another device"};
      e.batches.push_back(std::move(*push));
    }
    return e;
  } catch (const json::exception& ex) {
    return Err{std::string("the sealed part of the USB export is malformed: ") + ex.what()};
  }
}

std::string write_usb_receipt(const UsbReceipt& r, const SecretKey& server_identity) {
  json body = {{"device_id", r.device_id}, {"server_clock_ms", r.server_clock_ms}, {"record_ids", json::array()}};
  for (const auto& id : r.record_ids) body["record_ids"].push_back(id.str());
  std::string text = body.dump();
  auto sig = sign_bytes(text, server_identity);
  json outer = {{"format", kUsbReceiptFormat},
                {"server_key", server_identity.public_key().base64()},
                {"signature", base64_encode({reinterpret_cast<const char*>(sig.data()), sig.size()})},
                {"body", text}};
  return outer.dump(1) + "\n";
}

Result<UsbReceipt, std::string> read_usb_receipt(std::string_view file_text, const PublicKey& server_key) {
  json outer = json::parse(file_text, nullptr, false);
  if (outer.is_discarded() || !outer.is_object() || outer.value("format", "") != kUsbReceiptFormat)
    return Err{std::string("the file is not an office's receipt for a USB export (cate-admin import-usb --receipt "
                           "writes them)")};
  try {
    const std::string body = outer.at("body").get<std::string>();
    auto sig = base64_decode(outer.at("signature").get<std::string>());
    if (!sig || sig->size() != 64) return Err{std::string("the receipt's signature is damaged")};
    if (!verify_bytes(body, reinterpret_cast<const std::uint8_t*>(sig->data()), server_key))
      return Err{std::string("the receipt is not signed by this kiosk's server (or it was changed): nothing was "
                             "taken from it")};
    json inner = json::parse(body);
    UsbReceipt r;
    r.device_id = inner.at("device_id").get<std::string>();
    r.server_clock_ms = inner.at("server_clock_ms").get<std::int64_t>();
    for (const auto& id : inner.at("record_ids")) {
      auto u = Uuid::parse(id.get<std::string>());
      if (!u) return Err{std::string("the receipt names a record that is not a UUID")};
      r.record_ids.push_back(*u);
    }
    return r;
  } catch (const json::exception& e) {
    return Err{std::string("the receipt is malformed: ") + e.what()};
  }
}

}  // namespace cate
