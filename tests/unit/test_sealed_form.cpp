#include <doctest/doctest.h>

#include "sync/protocol/sealed_form.hpp"

using namespace cate;

TEST_CASE("a sealed form opens only with the server's identity key") {
  const SecretKey server = SecretKey::from_seed({1});
  const SecretKey other = SecretKey::from_seed({2});
  const std::string form = R"({"form":"ally_network","fields":{"first_name":"José","email":"jo@example.org"}})";

  auto sealed = seal_for_server(form, server.public_key());
  REQUIRE(sealed.ok());
  CHECK(sealed.value().find("José") == std::string::npos);
  CHECK(sealed.value().find("example") == std::string::npos);

  auto opened = open_sealed(sealed.value(), server);
  REQUIRE(opened.ok());
  CHECK(opened.value() == form);

  auto wrong = open_sealed(sealed.value(), other);
  REQUIRE(!wrong.ok());
  CHECK(wrong.error().find("another server") != std::string::npos);

  // Two seals of the same text differ (an ephemeral key each time), so equal forms do not show.
  auto again = seal_for_server(form, server.public_key());
  REQUIRE(again.ok());
  CHECK(again.value() != sealed.value());
}

TEST_CASE("damaged or foreign sealed text is refused with a reason") {
  const SecretKey server = SecretKey::from_seed({3});
  CHECK(open_sealed("not base64 !!", server).error().find("base64") != std::string::npos);
  CHECK(open_sealed("AAAA", server).error().find("too short") != std::string::npos);
  auto sealed = seal_for_server("hello", server.public_key());
  REQUIRE(sealed.ok());
  auto raw = base64_decode(sealed.value()).value();
  raw[raw.size() - 1] ^= 1;
  CHECK(!open_sealed(base64_encode(raw), server).ok());
  PublicKey bad;
  bad.bytes.fill(0);  // not a point libsodium converts
  CHECK(!seal_for_server("x", bad).ok());
}
