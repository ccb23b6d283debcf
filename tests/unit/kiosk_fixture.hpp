#pragma once
// Test fixture: a real kiosk store in a fresh temp folder, provisioned through a real signed
// bundle with one active meeting, another meeting, a roster and a revocation.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>
#include <string>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/store.hpp"
#include "sync/protocol/bundle.hpp"
#include "tests/temp_dir.hpp"

namespace cate::test {


struct KioskFixture {
  static constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15, a fixed clock for the rules
  TempDir dir{"kiosk"};
  SecretKey key = SecretKey::generate();
  Meeting meeting{MeetingId::random(), "Member meeting", kNow - 3600, kNow + 7200};
  Meeting other{MeetingId::random(), "Regional workshop", kNow + 14 * 86400, kNow + 14 * 86400 + 7200};
  std::vector<Rsvp> rsvps;
  Rsvp revoked{RsvpId::random(), meeting.id, "Kim", "Park", ""};
  std::unique_ptr<Store> store;

  explicit KioskFixture(int roster = 5) {
    Bundle b;
    b.created_at = kNow;
    b.meetings = {meeting, other};
    for (int i = 0; i < roster; ++i)
      rsvps.push_back({RsvpId::random(), meeting.id, "Person" + std::to_string(i), "Test", ""});
    b.rsvps = rsvps;
    b.rsvps.push_back(revoked);
    b.revocations.push_back({TicketRef{revoked.id, 1}, kNow - 60});
    b.active_meeting = meeting.id;
    auto signed_bundle = read_bundle(write_bundle(b, key));
    REQUIRE(signed_bundle.ok());
    auto s = Store::open(path());
    REQUIRE(s.ok());
    store = std::move(s.value());
    REQUIRE(store->import_bundle(*signed_bundle, false, kNow * 1000).ok());
  }
  std::string path() const { return dir.path + "/kiosk.db"; }

  Ticket ticket_for(const Rsvp& r, const Meeting& m) const {
    return Ticket{0, m.id, r.id, 1, m.starts_at - 12 * 3600, m.ends_at + 12 * 3600};
  }
  std::string code_for(const Rsvp& r) const { return issue_ticket(ticket_for(r, meeting), key); }
  ScanResult scan(const std::string& code, std::int64_t now_s = kNow) {
    return check_in_code(*store, code, {now_s * 1000, CheckInMethod::Scanner});
  }
};

}  // namespace cate::test
