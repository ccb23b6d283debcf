// Signed kiosk updates (sync/protocol/update_signature.hpp): the good case and each refusal, on
// real files with real keys, and the office keys read from a kiosk store beside the running kiosk.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kiosk/core/store.hpp"
#include "kiosk_fixture.hpp"
#include "sync/protocol/update_signature.hpp"

using namespace cate;
using namespace cate::test;

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A stick's cate-update folder: a package file, and what the office signs of it.
struct Stick {
  TempDir dir{"update"};
  SecretKey office = SecretKey::generate();
  KeyRing trusted;
  std::string deb = dir.path + "/cate-kiosk_0.2.0-1_arm64.deb";
  std::string sig = deb + ".sig";
  UpdateExpectation arm64{"cate-kiosk", "arm64"};

  Stick() {
    trusted.add(office.public_key());
    std::string bytes = "!<arch>\ndebian-binary   ";
    for (int i = 0; i < 5000; ++i) bytes += static_cast<char>(i * 7 % 251);
    write(deb, bytes);
  }
  UpdateManifest manifest_of(const std::string& path, std::string package = "cate-kiosk",
                             std::string arch = "arm64") const {
    auto d = digest_file(path);
    REQUIRE(d.ok());
    return {std::move(package), "0.2.0-1", std::move(arch), d->sha256, d->size, 1'800'000'000};
  }
  void sign(const UpdateManifest& m, const SecretKey& key) const { write(sig, write_update_signature(m, key)); }
  UpdateCheck verify() const { return verify_update_files(deb, sig, trusted, arm64); }
};

}  // namespace

TEST_CASE("update signature: Debian's field rules") {
  CHECK(is_debian_package_name("cate-kiosk"));
  CHECK(is_debian_package_name("libstdc++6"));
  CHECK_FALSE(is_debian_package_name("Cate-Kiosk"));
  CHECK_FALSE(is_debian_package_name("c"));
  CHECK_FALSE(is_debian_package_name("-kiosk"));
  CHECK_FALSE(is_debian_package_name("cate kiosk"));
  CHECK(is_debian_version("0.2.0-1"));
  CHECK(is_debian_version("1:0.2.0~rc1+b2-1"));
  CHECK(is_debian_version("2"));
  CHECK_FALSE(is_debian_version(""));
  CHECK_FALSE(is_debian_version("v1.0"));
  CHECK_FALSE(is_debian_version("1.0-"));
  CHECK_FALSE(is_debian_version(":1.0"));
  CHECK_FALSE(is_debian_version("1.0\";reboot"));
  CHECK_FALSE(is_debian_version("1.0 2"));
  CHECK(is_debian_architecture("arm64"));
  CHECK(is_debian_architecture("all"));
  CHECK_FALSE(is_debian_architecture("ARM64"));
  CHECK_FALSE(is_debian_architecture("arm64/../x"));
  CHECK(build_debian_architecture() != "unknown");
}

TEST_CASE("update signature: a file's digest is SHA-256 of all its bytes") {
  TempDir dir("digest");
  write(dir.path + "/abc", "abc");
  auto d = digest_file(dir.path + "/abc");
  REQUIRE(d.ok());
  CHECK(d->sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(d->size == 3);
  std::string big(200000, 'x');
  write(dir.path + "/big", big);
  auto b = digest_file(dir.path + "/big");
  REQUIRE(b.ok());
  CHECK(b->size == big.size());
  CHECK(b->sha256 == "91e3faafd322bcdf160f3f0ce886acb092b9b9e2a1e8526b40f21a8898a8700b");  // more than one read's worth
  CHECK_FALSE(digest_file(dir.path + "/missing").ok());
  CHECK_FALSE(digest_file(dir.path).ok());  // a folder
}

TEST_CASE("update signature: the office's signature reads back as written") {
  Stick s;
  UpdateManifest m = s.manifest_of(s.deb);
  auto r = read_update_signature(write_update_signature(m, s.office));
  REQUIRE(r.ok());
  CHECK(r->manifest == m);
  CHECK(r->signed_by == s.office.public_key().id());
}

TEST_CASE("update signature: good when signed by a trusted key for this file, cate-kiosk and this architecture") {
  Stick s;
  s.sign(s.manifest_of(s.deb), s.office);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::Good);
  CHECK(c.good());
  REQUIRE(c.manifest);
  CHECK(c.manifest->version == "0.2.0-1");
  CHECK(c.signed_by == s.office.public_key().id());
  CHECK(update_outcome_code(c.outcome) == "good");

  SUBCASE("an older key the kiosk still trusts signs too") {
    SecretKey older = SecretKey::generate();
    s.trusted.add(older.public_key());
    s.sign(s.manifest_of(s.deb), older);
    CHECK(s.verify().good());
  }
}

TEST_CASE("update signature: no signature file is unsigned") {
  Stick s;
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::Unsigned);
  CHECK(update_outcome_code(c.outcome) == "unsigned");
  CHECK(c.reason.find("cate-admin update sign") != std::string::npos);
  CHECK_FALSE(c.manifest);
}

TEST_CASE("update signature: a signature file that is not one is unreadable, whatever it holds") {
  Stick s;
  const std::string good = write_update_signature(s.manifest_of(s.deb), s.office);
  const std::string garbage[] = {
      "",
      "not a signature at all\n",
      std::string("\x89PNG\r\n\x1a\n\0\0\0", 11),
      good.substr(0, good.size() / 2),  // cut short
      R"({"format":"cate-bundle/1","signed_by":"abcd","signature":"","body":"{}"})",
      R"(["cate-update-signature/1"])",
      R"({"format":"cate-update-signature/1","signed_by":"xyz!","signature":"AAAA","body":"{}"})",
      R"({"format":"cate-update-signature/1","signed_by":"abcd","signature":"AAAA","body":"{}"})",
      std::string(100000, '{'),
  };
  for (const auto& text : garbage) {
    CAPTURE(text.substr(0, 60));
    write(s.sig, text);
    UpdateCheck c = s.verify();
    CHECK(c.outcome == UpdateOutcome::UnreadableSignature);
    CHECK_FALSE(c.reason.empty());
  }
  SUBCASE("a manifest field that breaks Debian's rules") {
    UpdateManifest m = s.manifest_of(s.deb);
    m.version = "1.0; reboot";
    s.sign(m, s.office);
    UpdateCheck c = s.verify();
    CHECK(c.outcome == UpdateOutcome::UnreadableSignature);
    CHECK(c.reason.find("manifest.version") != std::string::npos);
  }
  SUBCASE("a folder where the signature should be") {
    std::filesystem::remove(s.sig);
    std::filesystem::create_directory(s.sig);
    CHECK(s.verify().outcome == UpdateOutcome::UnreadableSignature);
  }
}

TEST_CASE("update signature: a key this kiosk does not trust is an unknown key") {
  Stick s;
  SecretKey other_office = SecretKey::generate();
  s.sign(s.manifest_of(s.deb), other_office);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::UnknownKey);
  CHECK(c.reason.find(key_id_str(other_office.public_key().id())) != std::string::npos);

  SUBCASE("a kiosk that trusts no office yet refuses even its own office's signature") {
    s.sign(s.manifest_of(s.deb), s.office);
    UpdateCheck none = verify_update_files(s.deb, s.sig, KeyRing{}, s.arm64);
    CHECK(none.outcome == UpdateOutcome::UnknownKey);
    CHECK(none.reason.find("trusts no office key") != std::string::npos);
  }
}

TEST_CASE("update signature: a manifest changed after signing, or a forged signature, is a bad signature") {
  Stick s;
  std::string text = write_update_signature(s.manifest_of(s.deb), s.office);
  SUBCASE("the version raised in the signed text") {
    auto at = text.find("0.2.0-1");
    REQUIRE(at != std::string::npos);
    text.replace(at, 7, "9.9.9-1");
  }
  SUBCASE("signed by another key under the trusted key's ID") {
    std::string forged = write_update_signature(s.manifest_of(s.deb), SecretKey::generate());
    auto id_of = [](const std::string& t) {
      auto at = t.find("\"signed_by\": \"");
      return t.substr(at + 14, 4);
    };
    auto at = forged.find(id_of(forged));
    forged.replace(at, 4, key_id_str(s.office.public_key().id()));
    text = forged;
  }
  write(s.sig, text);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::BadSignature);
  CHECK_FALSE(c.manifest);  // nothing of an unproven manifest is reported as signed
}

TEST_CASE("update signature: a package that is not the file signed is tampered") {
  Stick s;
  s.sign(s.manifest_of(s.deb), s.office);
  std::string bytes = slurp(s.deb);
  SUBCASE("one byte changed") { bytes[bytes.size() / 2] ^= 1; }
  SUBCASE("bytes added at the end") { bytes += "#!/bin/sh\nrm -rf /\n"; }
  SUBCASE("cut short") { bytes.resize(bytes.size() - 1); }
  SUBCASE("another signed file's signature beside it") {
    write(s.dir.path + "/other.deb", "another package");
    s.sign(s.manifest_of(s.dir.path + "/other.deb"), s.office);
  }
  write(s.deb, bytes);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::Tampered);
  CHECK(update_outcome_code(c.outcome) == "tampered");
}

TEST_CASE("update signature: another package, signed, is refused") {
  Stick s;
  s.sign(s.manifest_of(s.deb, "cate-server"), s.office);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::OtherPackage);
  CHECK(c.reason.find("cate-server") != std::string::npos);
}

TEST_CASE("update signature: another architecture, signed, is refused") {
  Stick s;
  s.sign(s.manifest_of(s.deb, "cate-kiosk", "amd64"), s.office);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::OtherArchitecture);
  CHECK(c.reason.find("amd64") != std::string::npos);
  CHECK(c.reason.find("arm64") != std::string::npos);
  // The same file is good for an amd64 kiosk.
  CHECK(verify_update_files(s.deb, s.sig, s.trusted, {"cate-kiosk", "amd64"}).good());
}

TEST_CASE("update signature: a package that cannot be read is refused before anything else") {
  Stick s;
  s.sign(s.manifest_of(s.deb), s.office);
  std::filesystem::remove(s.deb);
  UpdateCheck c = s.verify();
  CHECK(c.outcome == UpdateOutcome::UnreadablePackage);
  CHECK(c.reason.find("cate-kiosk_0.2.0-1_arm64.deb") != std::string::npos);
}

TEST_CASE("update signature: the kiosk's office keys are read beside the running kiosk, writing nothing") {
  KioskFixture k;  // a store provisioned by a bundle signed with k.key, and kept open (locked)
  const std::string before = slurp(k.path());
  const auto mtime = std::filesystem::last_write_time(k.path());
  auto keys = read_trusted_keys(k.path());
  REQUIRE(keys.ok());
  CHECK(keys->size() == 1);
  CHECK(keys->find(k.key.public_key().id()) != nullptr);
  CHECK(slurp(k.path()) == before);
  CHECK(std::filesystem::last_write_time(k.path()) == mtime);
  // The kiosk still works on its store afterwards.
  CHECK(k.scan(k.code_for(k.rsvps[0])).outcome == ScanOutcome::CheckedIn);

  SUBCASE("a store that does not exist trusts nothing, and is not made") {
    auto none = read_trusted_keys(k.dir.path + "/none.db");
    REQUIRE(none.ok());
    CHECK(none->empty());
    CHECK_FALSE(std::filesystem::exists(k.dir.path + "/none.db"));
  }
  SUBCASE("a file that is not a store says so") {
    write(k.dir.path + "/junk.db", "this is not a database, it is text that goes on for a while...");
    auto junk = read_trusted_keys(k.dir.path + "/junk.db");
    REQUIRE_FALSE(junk.ok());
    CHECK(junk.error().message.find("junk.db") != std::string::npos);
  }
}
