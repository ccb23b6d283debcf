// Export of the outbox to a USB stick (outbox_export.hpp).
#include "kiosk/core/outbox_export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kiosk/core/outbox.hpp"
#include "sync/protocol/enrolment.hpp"
#include "sync/protocol/usb_export.hpp"

namespace cate {

namespace {

ExportFailure write_failure(int e, const std::string& folder) {
  if (e == ENOSPC || e == EDQUOT)
    return {ExportFailure::Kind::Full, "the USB stick at " + folder +
                                           " is full: nothing was written. Free some space or use another stick; "
                                           "the records stay on this kiosk"};
  if (e == EROFS)
    return {ExportFailure::Kind::ReadOnly, "the USB stick at " + folder +
                                               " is read-only (check its lock switch): nothing was written; the "
                                               "records stay on this kiosk"};
  if (e == EACCES || e == EPERM)
    return {ExportFailure::Kind::ReadOnly,
            "this kiosk may not write to " + folder + ": nothing was written; the records stay on this kiosk"};
  if (e == ENOENT || e == ENOTDIR)
    return {ExportFailure::Kind::NoFolder,
            "there is no folder " + folder + ": is the USB stick plugged in and mounted?"};
  return {ExportFailure::Kind::CannotWrite,
          "cannot write to " + folder + ": " + std::strerror(e) + "; the records stay on this kiosk"};
}

// The whole file or nothing: a hidden temporary file beside it, flushed, then renamed.
Result<std::monostate, ExportFailure> write_whole(const std::string& folder, const std::string& name,
                                                  const std::string& bytes) {
  std::string temp = folder + "/." + name + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return Err{write_failure(errno, folder)};
  std::size_t done = 0;
  int e = 0;
  while (done < bytes.size() && e == 0) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) e = n < 0 ? errno : ENOSPC;
    else done += static_cast<std::size_t>(n);
  }
  if (e == 0 && ::fsync(fd) != 0) e = errno;
  if (::close(fd) != 0 && e == 0) e = errno;
  if (e == 0 && ::rename(temp.c_str(), (folder + "/" + name).c_str()) != 0) e = errno;
  if (e != 0) {
    ::unlink(temp.c_str());
    return Err{write_failure(e, folder)};
  }
  int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // the rename itself on the stick (best effort: FAT may refuse)
    ::close(dfd);
  }
  return std::monostate{};
}

}  // namespace

Result<OutboxExported, ExportFailure> export_outbox(Store& store, const std::string& folder, std::int64_t now_ms) {
  std::string key_text = store.setting(kSealKeySetting).value_or("");
  if (key_text.empty()) key_text = store.setting(kSyncServerKeySetting).value_or("");
  if (key_text.empty())
    return Err{ExportFailure{ExportFailure::Kind::NoSealKey,
                             "this kiosk does not know the office server's key to seal the export to: enrol it, or "
                             "import a bundle from the office made after the server was set up"}};
  auto key = PublicKey::from_base64(key_text);
  if (!key)
    return Err{ExportFailure{ExportFailure::Kind::NoSealKey,
                             "the server key this kiosk keeps is damaged: enrol it again"}};
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Err{write_failure(::stat(folder.c_str(), &st) != 0 ? errno : ENOTDIR, folder)};

  UsbExport e;
  e.device_id = store.device_id();
  e.device_token = store.setting(kSyncTokenSetting).value_or("");
  e.created_ms = now_ms;
  const std::int64_t pending = store.outbox_size();
  std::int64_t after = 0;
  for (;;) {
    auto rows = store.outbox_batch(kUsbExportBatch, after);
    if (!rows) return Err{ExportFailure{ExportFailure::Kind::Store, rows.error().message}};
    if (rows->empty()) break;
    wire::PushRequest push;
    push.device_id = e.device_id;
    push.device_clock_ms = now_ms;
    push.outbox_pending = pending;
    for (auto& r : *rows)
      if (auto id = Uuid::parse(r.record_id))  // as a sync round: a row that is not a record is not sent
        push.records.push_back(wire::Record{*id, r.kind, r.created_at_ms, std::move(r.payload)});
    after = rows->back().seq;
    if (!push.records.empty()) e.batches.push_back(std::move(push));
  }
  OutboxExported out;
  out.sealed_to = server_key_fingerprint(*key);
  out.enrolled = !e.device_token.empty();
  out.records = e.record_count();
  if (out.records == 0) return out;
  auto text = write_usb_export(e, *key);
  if (!text) return Err{ExportFailure{ExportFailure::Kind::NoSealKey, text.error()}};
  const std::string name = "cate-export-" + e.device_id + "-" + std::to_string(now_ms) + ".json";
  if (auto w = write_whole(folder, name, *text); !w) return Err{w.error()};
  out.file = folder + "/" + name;
  out.bytes = text->size();
  return out;
}

Result<std::size_t, std::string> take_usb_receipt(Store& store, std::string_view file_text) {
  std::string key_text = store.setting(kSyncServerKeySetting).value_or("");
  if (key_text.empty()) key_text = store.setting(kSealKeySetting).value_or("");
  auto key = PublicKey::from_base64(key_text);
  if (!key) return Err{std::string("this kiosk does not know its server's key, so it cannot check a receipt: enrol it")};
  auto receipt = read_usb_receipt(file_text, *key);
  if (!receipt) return Err{receipt.error()};
  if (receipt->device_id != store.device_id())
    return Err{"the receipt is for another kiosk (" + receipt->device_id + "): nothing was taken from it"};
  std::vector<std::string> ids;
  ids.reserve(receipt->record_ids.size());
  for (const auto& id : receipt->record_ids) ids.push_back(id.str());
  const std::int64_t before = store.outbox_size();
  if (auto r = store.outbox_remove(ids); !r) return Err{r.error().message};
  return static_cast<std::size_t>(before - store.outbox_size());
}

}  // namespace cate
