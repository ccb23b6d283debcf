// KioskApp's Export to USB: the stick watch started and stopped with the screen, what the kiosk
// can seal to and how many records wait (read on the store's thread), Export (export_outbox on
// the store's thread) and the office's receipts (take_usb_receipts_in on the store's thread).
// Every answer comes back through the app's RunQueue; nothing here touches a file itself.
#include <chrono>

#include "kiosk/app/kiosk_app.hpp"
#include "kiosk/core/check_in.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk/core/outbox_export.hpp"
#include "kiosk/core/usb_receipts.hpp"
#include "sync/protocol/enrolment.hpp"

namespace cate::app {

namespace {

constexpr std::chrono::milliseconds kLookForSticksEvery{2'000};

}  // namespace

void KioskApp::export_screen_changed(Screen from, Screen to) {
  if (to == Screen::StaffExport) {
    state_.usb.clear();
    if (!usb_watch_)
      usb_watch_ = std::make_unique<UsbStickWatch>(state_.config.usb, kLookForSticksEvery,
                                                   [answers = answers_](std::vector<UsbStick> sticks) {
                                                     answers->post([sticks = std::move(sticks)](KioskApp& app) mutable {
                                                       app.sticks_found(std::move(sticks));
                                                     });
                                                   });
    usb_watch_->watch(true);
    read_export_state();
  } else if (from == Screen::StaffExport) {
    if (usb_watch_) usb_watch_->watch(false);
    state_.usb.clear();
  }
}

void KioskApp::read_export_state() {
  store_.ask([answers = answers_](Store& s) {
    const std::int64_t waiting = s.outbox_size();
    std::string key_text = s.setting(kSealKeySetting).value_or("");
    if (key_text.empty()) key_text = s.setting(kSyncServerKeySetting).value_or("");
    const auto key = PublicKey::from_base64(key_text);
    std::string sealed_to = key ? server_key_fingerprint(*key) : "";
    const bool enrolled = !s.setting(kSyncTokenSetting).value_or("").empty();
    answers->post([waiting, sealed_to = std::move(sealed_to), enrolled](KioskApp& app) mutable {
      if (app.state_.screen != Screen::StaffExport) return;
      UsbExportView& v = app.state_.usb;
      v.waiting = waiting;
      v.can_seal = !sealed_to.empty();
      v.sealed_to = std::move(sealed_to);
      v.enrolled = enrolled;
    });
  });
}

void KioskApp::sticks_found(std::vector<UsbStick> sticks) {
  if (state_.screen != Screen::StaffExport) return;
  state_.usb.sticks = std::move(sticks);
  state_.usb.looked = true;
  if (!state_.usb.busy()) read_export_state();  // the background sync may have sent records meanwhile
}

void KioskApp::export_to_stick(const std::string& folder) {
  UsbExportView& v = state_.usb;
  if (!state_.staff.unlocked || state_.screen != Screen::StaffExport || v.busy()) return;
  v.said = UsbExportView::Said::Exporting;
  v.folder = folder;
  store_.ask([answers = answers_, folder](Store& s) {
    auto done = export_outbox(s, folder, now_unix_ms());
    answers->post([done = std::move(done), folder](KioskApp& app) {
      if (app.state_.screen != Screen::StaffExport || app.state_.usb.folder != folder) return;
      UsbExportView& v = app.state_.usb;
      if (!done) {
        v.said = UsbExportView::Said::ExportFailed;
        v.failure = done.error().kind;
        v.detail = done.error().message;
      } else if (done->file.empty()) {
        v.said = UsbExportView::Said::NothingToExport;
      } else {
        v.said = UsbExportView::Said::Exported;
        v.file = done->file;
        v.records = done->records;
        v.bytes = done->bytes;
        v.enrolled = done->enrolled;
      }
      if (app.usb_watch_) app.usb_watch_->look_now();  // the room left on the stick
      app.read_export_state();
    });
  });
}

void KioskApp::take_office_receipts(const std::string& folder) {
  UsbExportView& v = state_.usb;
  if (!state_.staff.unlocked || state_.screen != Screen::StaffExport || v.busy()) return;
  v.said = UsbExportView::Said::TakingReceipt;
  v.folder = folder;
  store_.ask([answers = answers_, folder](Store& s) {
    auto taken = take_usb_receipts_in(s, folder);
    const std::int64_t pending = s.outbox_size();
    answers->post([taken = std::move(taken), folder, pending](KioskApp& app) {
      // The records left the outbox whatever the screen shows now: the background sync and the
      // staff counts hear of it either way.
      if (taken && taken->left_outbox > 0) {
        if (app.sync_) app.sync_->outbox_changed(pending);
        app.record_written();
        app.read_staff_view();
      }
      if (app.state_.screen != Screen::StaffExport || app.state_.usb.folder != folder) return;
      UsbExportView& v = app.state_.usb;
      if (!taken) {
        v.said = UsbExportView::Said::ReceiptFailed;
        v.detail = taken.error();
      } else if (taken->found == 0) {
        v.said = UsbExportView::Said::NoReceipt;
      } else if (taken->taken == 0) {
        v.said = UsbExportView::Said::ReceiptRefused;
        v.detail = taken->refusal;
      } else {
        v.said = UsbExportView::Said::ReceiptTaken;
        v.receipts = taken->taken;
        v.left_outbox = taken->left_outbox;
        v.detail = taken->refusal;  // another receipt on the stick may have been refused
      }
      app.read_export_state();
    });
  });
}

}  // namespace cate::app
