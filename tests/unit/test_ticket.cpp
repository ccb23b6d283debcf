// The ticket format: round trips, and every way a ticket can be wrong is refused by name.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "sync/protocol/bundle.hpp"
#include "sync/protocol/ticket.hpp"

using namespace cate;

namespace {
Ticket sample() { return Ticket{0, MeetingId{0x0123456789abcdefULL}, RsvpId{0xfedcba9876543210ULL}, 3, 1'800'000'000, 1'800'086'400}; }

bool in_qr_alphanumeric(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || std::string_view(" $%*+-./:").find(c) != std::string_view::npos;
}

// What a scan of `text` comes to: "ok" or the name of the refusal.
std::string judge(const std::string& text, const KeyRing& ring) {
  auto p = parse_ticket(text);
  if (!p) return std::string("parse:") + to_string(p.error());
  auto v = verify(*p, ring);
  if (!v) return std::string("verify:") + to_string(v.error());
  return "ok";
}
}  // namespace

TEST_CASE("a ticket round-trips and carries only opaque IDs") {
  SecretKey key = SecretKey::generate();
  KeyRing ring;
  ring.add(key.public_key());
  std::string text = issue_ticket(sample(), key);
  CHECK(text.size() == kTicketTextLength);
  CHECK(text.rfind("CATE1-", 0) == 0);
  for (char c : text) CHECK(in_qr_alphanumeric(c));

  auto parsed = parse_ticket(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->key_id() == key.public_key().id());
  auto t = verify(*parsed, ring);
  REQUIRE(t.ok());
  Ticket want = sample();
  want.key_id = key.public_key().id();
  CHECK(*t == want);
}

TEST_CASE("typed codes: white space around and lower case are accepted") {
  SecretKey key = SecretKey::generate();
  KeyRing ring;
  ring.add(key.public_key());
  std::string text = issue_ticket(sample(), key);
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(judge("  " + text + "\r\n", ring) == "ok");
  CHECK(judge(lower, ring) == "ok");
}

TEST_CASE("every single-bit change of a ticket's bytes is refused, never accepted") {
  SecretKey key = SecretKey::generate();
  KeyRing ring;
  ring.add(key.public_key());
  std::string text = issue_ticket(sample(), key);
  auto raw = base32_decode(std::string_view(text).substr(kTicketPrefix.size()));
  REQUIRE(raw.has_value());
  REQUIRE(raw->size() == kTicketBodyBytes + kTicketSignatureBytes);
  int unknown_key = 0, forged = 0;
  for (std::size_t byte = 0; byte < raw->size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = *raw;
      changed[byte] = static_cast<char>(changed[byte] ^ (1 << bit));
      std::string t = std::string(kTicketPrefix) +
                      base32_encode(reinterpret_cast<const std::uint8_t*>(changed.data()), changed.size());
      std::string verdict = judge(t, ring);
      CAPTURE(byte);
      CAPTURE(bit);
      // The key ID is the first 2 bytes: a change there names a key this kiosk does not hold.
      if (byte < 2) CHECK(verdict == "verify:unknown_key");
      else CHECK(verdict == "verify:bad_signature");
      unknown_key += verdict == "verify:unknown_key";
      forged += verdict == "verify:bad_signature";
    }
  }
  CHECK(unknown_key == 16);
  CHECK(forged == 8 * 90);
}

TEST_CASE("every single-bit change of a ticket's text is refused or is the same ticket") {
  SecretKey key = SecretKey::generate();
  KeyRing ring;
  ring.add(key.public_key());
  std::string text = issue_ticket(sample(), key);
  int refused = 0, same_ticket = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = text;
      changed[i] = static_cast<char>(changed[i] ^ (1 << bit));
      std::string verdict = judge(changed, ring);
      if (verdict == "ok") {
        // Only a change of letter case (bit 5 of a letter) can pass, and then it is the very
        // same signed ticket: codes are read case-blind because scanners with Caps Lock on
        // send lower case.
        CAPTURE(changed);
        CHECK(bit == 5);
        CHECK(std::isalpha(static_cast<unsigned char>(text[i])));
        ++same_ticket;
      } else {
        ++refused;
      }
    }
  }
  CHECK(refused > 0);
  CHECK(refused + same_ticket == static_cast<int>(text.size() * 8));
}

TEST_CASE("a ticket signed by another key, or re-labelled with our key ID, is refused") {
  SecretKey ours = SecretKey::generate(), theirs = SecretKey::generate();
  KeyRing ring;
  ring.add(ours.public_key());
  std::string foreign = issue_ticket(sample(), theirs);
  CHECK(judge(foreign, ring) == "verify:unknown_key");

  // A forger takes their own signature and claims our key: the signature does not match.
  auto raw = base32_decode(std::string_view(foreign).substr(kTicketPrefix.size()));
  REQUIRE(raw.has_value());
  KeyId id = ours.public_key().id();
  (*raw)[0] = static_cast<char>(id >> 8);
  (*raw)[1] = static_cast<char>(id & 0xff);
  std::string relabelled = std::string(kTicketPrefix) +
                           base32_encode(reinterpret_cast<const std::uint8_t*>(raw->data()), raw->size());
  CHECK(judge(relabelled, ring) == "verify:bad_signature");
}

TEST_CASE("key rotation: a kiosk holding two keys accepts tickets from both") {
  SecretKey old_key = SecretKey::generate(), new_key = SecretKey::generate();
  KeyRing ring;
  ring.add(old_key.public_key());
  ring.add(new_key.public_key());
  CHECK(judge(issue_ticket(sample(), old_key), ring) == "ok");
  CHECK(judge(issue_ticket(sample(), new_key), ring) == "ok");
  KeyRing only_new;
  only_new.add(new_key.public_key());
  CHECK(judge(issue_ticket(sample(), old_key), only_new) == "verify:unknown_key");
}

TEST_CASE("truncated, padded, empty and foreign codes are unreadable, each by name") {
  SecretKey key = SecretKey::generate();
  KeyRing ring;
  ring.add(key.public_key());
  std::string text = issue_ticket(sample(), key);
  for (std::size_t n = 0; n < text.size(); ++n) {
    CAPTURE(n);
    CHECK(judge(text.substr(0, n), ring).rfind("parse:", 0) == 0);
  }
  CHECK(judge(text + "A", ring).rfind("parse:", 0) == 0);
  CHECK(judge("", ring) == "parse:empty");
  CHECK(judge("   \t", ring) == "parse:empty");
  CHECK(judge("https://example.org/rsvp", ring) == "parse:not_a_ticket");
  CHECK(judge("CATE2-ABCDEFG", ring) == "parse:unsupported_version");
  CHECK(judge("CATE1-" + std::string(148, '1'), ring) == "parse:bad_characters");
  CHECK(judge("CATE1-" + std::string(147, 'A'), ring) == "parse:wrong_length");
  CHECK(judge(std::string("CATE1-\0\0", 8), ring).rfind("parse:", 0) == 0);
}

TEST_CASE("random bytes are never accepted and never crash") {
  SecretKey key = SecretKey::generate();
  KeyRing ring;
  ring.add(key.public_key());
  std::mt19937 rng(20261124);
  std::uniform_int_distribution<int> len(0, 400), byte(0, 255), b32(0, 31);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (int i = 0; i < 3000; ++i) {
    std::string s(static_cast<std::size_t>(len(rng)), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    CHECK(judge(s, ring) != "ok");
    // Random but well-formed: the right prefix and length, right alphabet.
    std::string t(kTicketPrefix);
    while (t.size() < kTicketTextLength) t.push_back(alphabet[b32(rng)]);
    CHECK(judge(t, ring) != "ok");
  }
}

TEST_CASE("base32 is canonical: one ticket has exactly one spelling (up to case)") {
  std::uint8_t data[92];
  for (int i = 0; i < 92; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
  std::string e = base32_encode(data, sizeof data);
  CHECK(e.size() == 148);
  auto d = base32_decode(e);
  REQUIRE(d.has_value());
  CHECK(std::equal(d->begin(), d->end(), reinterpret_cast<const char*>(data)));
  // The last character holds 1 data bit and 4 zero bits: setting a padding bit is refused.
  std::string bad = e;
  bad.back() = bad.back() == 'A' ? 'B' : 'A';
  auto d2 = base32_decode(bad);
  CHECK((!d2.has_value() || *d2 != *d));
}

TEST_CASE("ticket references name one ticket of one RSVP") {
  auto r = TicketRef::parse("0123456789abcdef.2");
  REQUIRE(r.has_value());
  CHECK(r->rsvp.value == 0x0123456789abcdefULL);
  CHECK(r->serial == 2);
  CHECK(r->str() == "0123456789abcdef.2");
  CHECK(TicketRef::parse("0123456789abcdef")->serial == 1);
  CHECK_FALSE(TicketRef::parse("0123456789abcdef.0"));
  CHECK_FALSE(TicketRef::parse("0123456789abcdef.70000"));
  CHECK_FALSE(TicketRef::parse("xyz.1"));
}

TEST_CASE("a bundle round-trips, and a changed or damaged bundle is refused by name") {
  SecretKey key = SecretKey::generate();
  Bundle b;
  b.created_at = 1'800'000'000;
  Meeting m{MeetingId::random(), "Member meeting", 1'800'000'000, 1'800'007'200};
  b.meetings = {m};
  b.rsvps = {{RsvpId::random(), m.id, "Zoë", "Ḥaddād \"Q\"; DROP TABLE rsvp;--", "z@example.org"},
             {RsvpId::random(), m.id, "שרה", "כהן", ""}};
  b.revocations = {{TicketRef{b.rsvps[0].id, 1}, 1'799'999'000}};
  b.active_meeting = m.id;
  std::string file = write_bundle(b, key);
  auto read = read_bundle(file);
  REQUIRE(read.ok());
  CHECK(read->signed_by == key.public_key().id());
  CHECK(read->bundle.rsvps.size() == 2);
  CHECK(read->bundle.rsvps[0].last_name == b.rsvps[0].last_name);
  CHECK(read->bundle.rsvps[1].first_name == "שרה");
  CHECK(read->bundle.keys.size() == 1);
  CHECK(read->bundle.active_meeting == m.id);

  std::string changed = file;
  auto at = changed.find("Zo");
  REQUIRE(at != std::string::npos);
  changed[at] = 'X';
  auto r2 = read_bundle(changed);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.error().find("signature") != std::string::npos);

  CHECK_FALSE(read_bundle("").ok());
  CHECK_FALSE(read_bundle("not json at all").ok());
  CHECK_FALSE(read_bundle(R"({"format":"cate-bundle/1"})").ok());
  CHECK(read_bundle(R"({"format":"other"})").error().find("not a bundle") != std::string::npos);
  CHECK_FALSE(read_bundle(file.substr(0, file.size() / 2)).ok());
}
