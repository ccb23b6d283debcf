// The office's receipts found on a USB stick and taken in (kiosk/core/usb_receipts.hpp).
#include <doctest/doctest.h>

#include <fstream>

#include "kiosk/core/outbox.hpp"
#include "kiosk/core/usb_receipts.hpp"
#include "kiosk_fixture.hpp"
#include "sync/protocol/usb_export.hpp"

using namespace cate;
using namespace cate::test;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<Uuid> outbox_ids(Store& s) {
  std::vector<Uuid> ids;
  auto batch = s.outbox_batch(100, 0);
  REQUIRE(batch.ok());
  for (const auto& e : *batch) ids.push_back(*Uuid::parse(e.record_id));
  return ids;
}

}  // namespace

TEST_CASE("a receipt is told from other files by its format") {
  CHECK(is_usb_receipt_text(R"({"body":"{}","format":"cate-usb-receipt/1","server_key":"x"})"));
  CHECK(is_usb_receipt_text("{ \"format\" :\n \"cate-usb-receipt/2\" }"));
  CHECK(is_usb_receipt_text(write_usb_receipt(UsbReceipt{"kiosk", 1, {}}, SecretKey::generate())));
  CHECK_FALSE(is_usb_receipt_text(R"({"format":"cate-usb-export/1","device_id":"x"})"));
  CHECK_FALSE(is_usb_receipt_text(R"({"format":1})"));
  CHECK_FALSE(is_usb_receipt_text(R"(["cate-usb-receipt/1"])"));
  CHECK_FALSE(is_usb_receipt_text(""));
  CHECK_FALSE(is_usb_receipt_text("{\"format\":\"cate-usb-receipt/1\""));
}

TEST_CASE("every receipt on a stick is taken in, whatever the office named it; others are refused with a reason") {
  KioskFixture k;
  const SecretKey server = SecretKey::generate();
  REQUIRE(k.store->set_setting(kSyncServerKeySetting, server.public_key().base64()).ok());
  REQUIRE(k.scan(k.code_for(k.rsvps[0])).outcome == ScanOutcome::CheckedIn);
  REQUIRE(k.scan(k.code_for(k.rsvps[1])).outcome == ScanOutcome::CheckedIn);
  REQUIRE(k.scan(k.code_for(k.rsvps[2])).outcome == ScanOutcome::CheckedIn);
  const auto ids = outbox_ids(*k.store);
  REQUIRE(ids.size() >= 3);
  const std::int64_t before = k.store->outbox_size();

  TempDir stick("stick");
  SUBCASE("no receipt: nothing found, nothing taken") {
    write(stick.path + "/cate-export-x.json", R"({"format":"cate-usb-export/1"})");
    auto r = take_usb_receipts_in(*k.store, stick.path);
    REQUIRE(r.ok());
    CHECK(r->found == 0);
    CHECK(k.store->outbox_size() == before);
  }
  SUBCASE("two receipts, a forged one and one for another kiosk") {
    write(stick.path + "/office receipt.json",
          write_usb_receipt(UsbReceipt{k.store->device_id(), 1, {ids[0], ids[1]}}, server));
    write(stick.path + "/receipt-2.json", write_usb_receipt(UsbReceipt{k.store->device_id(), 2, {ids[2]}}, server));
    write(stick.path + "/a-forged.json",
          write_usb_receipt(UsbReceipt{k.store->device_id(), 3, ids}, SecretKey::generate()));
    write(stick.path + "/z-other.json", write_usb_receipt(UsbReceipt{"another-kiosk", 4, ids}, server));
    write(stick.path + "/.hidden.json", write_usb_receipt(UsbReceipt{k.store->device_id(), 5, ids}, server));
    write(stick.path + "/receipt.txt", write_usb_receipt(UsbReceipt{k.store->device_id(), 6, ids}, server));
    auto r = take_usb_receipts_in(*k.store, stick.path);
    REQUIRE(r.ok());
    CHECK(r->found == 4);
    CHECK(r->taken == 2);
    CHECK(r->left_outbox == 3);
    CHECK(r->refusal.find("a-forged.json: ") == 0);  // the first in name order
    CHECK(k.store->outbox_size() == before - 3);
    // Taken again: nothing more leaves.
    auto again = take_usb_receipts_in(*k.store, stick.path);
    REQUIRE(again.ok());
    CHECK(again->taken == 2);
    CHECK(again->left_outbox == 0);
  }
  SUBCASE("no such folder") {
    auto r = take_usb_receipts_in(*k.store, stick.path + "/gone");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("cannot read the folder") == 0);
  }
}
