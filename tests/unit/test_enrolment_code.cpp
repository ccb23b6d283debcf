// The enrolment QR text (sync/protocol/enrolment.hpp): round trips, the QR alphanumeric set,
// garbage and damaged codes, and a round trip through a real QR image (libqrencode writes,
// ZXing reads).
#include <doctest/doctest.h>

#include "kiosk/scan/decode.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/enrolment.hpp"

using namespace cate;

namespace {
EnrolmentCode sample() {
  return {"http://127.0.0.1:8443", new_enrolment_token(), server_key_fingerprint(SecretKey::generate().public_key())};
}
bool qr_alphanumeric(const std::string& s) {
  for (char c : s)
    if (std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:").find(c) == std::string_view::npos)
      return false;
  return true;
}
}  // namespace

TEST_CASE("an enrolment code round-trips and stays in the QR alphanumeric set") {
  EnrolmentCode c = sample();
  std::string text = format_enrolment_code(c);
  CHECK(text.rfind("CATE-ENROL1:", 0) == 0);
  CHECK(qr_alphanumeric(text));
  auto back = parse_enrolment_code(text);
  REQUIRE(back.ok());
  CHECK(back->server_url == c.server_url);
  CHECK(back->token == c.token);
  CHECK(back->fingerprint == c.fingerprint);
  CHECK(c.token.size() == 32);
  CHECK(c.fingerprint.size() == 32);
  CHECK(new_enrolment_token() != c.token);

  // A path keeps its case; the scheme and host come back in lower case.
  c.server_url = "https://cate.example.org/sync";
  back = parse_enrolment_code(format_enrolment_code(c));
  REQUIRE(back.ok());
  CHECK(back->server_url == "https://cate.example.org/sync");
  // Typed in lower case, with a line break from a scanner: still read.
  back = parse_enrolment_code("cate-enrol1:" + sample().token + "*" + sample().fingerprint + "*http://localhost:9/\r\n");
  REQUIRE(back.ok());
  CHECK(back->server_url == "http://localhost:9");
}

TEST_CASE("garbage or damaged enrolment codes are clear errors") {
  EnrolmentCode c = sample();
  const std::string good = format_enrolment_code(c);
  auto refused = [](std::string_view text, std::string_view words) {
    auto r = parse_enrolment_code(text);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().find(words) != std::string::npos, r.error());
  };
  refused("", "not a CATE enrolment code");
  refused("hello", "not a CATE enrolment code");
  refused("CATE1.AAAA", "not a CATE enrolment code");  // a ticket
  refused("CATE-ENROL2:" + c.token + "*" + c.fingerprint + "*HTTP://X", "version");
  refused("CATE-ENROL1:", "incomplete");
  refused("CATE-ENROL1:" + c.token + "*" + c.fingerprint, "incomplete");
  refused("CATE-ENROL1:" + c.token.substr(1) + "*" + c.fingerprint + "*HTTP://X", "token");
  refused("CATE-ENROL1:" + c.token + "*" + c.fingerprint + "0*HTTP://X", "server key");  // '0' is not base32
  refused("CATE-ENROL1:" + c.token + "*" + c.fingerprint + "*FTP://X", "http://");
  refused("CATE-ENROL1:" + c.token + "*" + c.fingerprint + "*HTTP://", "no host");
  refused("CATE-ENROL1:" + c.token + "*" + c.fingerprint + "*HTTP://U:P@X", "user name");
  refused("CATE-ENROL1:" + c.token + "*" + c.fingerprint + "*HTTP://A B", "space");
  refused(good + std::string(400, 'A'), "too long");
  std::string with_nul = good;
  with_nul[with_nul.size() - 2] = '\0';
  refused(with_nul, "control");
}

TEST_CASE("an enrolment code drawn as a QR image reads back the same") {
  EnrolmentCode c = sample();
  std::string text = format_enrolment_code(c);
  auto qr = encode_qr(text);
  REQUIRE(qr);
  CHECK(qr->version <= 6);  // alphanumeric keeps it small enough for a phone screen or a kiosk camera
  auto decoded = decode_qr(qr_to_image(*qr, 4));
  REQUIRE(decoded.text);
  auto back = parse_enrolment_code(*decoded.text);
  REQUIRE(back.ok());
  CHECK(back->token == c.token);
  CHECK(back->fingerprint == c.fingerprint);
}
