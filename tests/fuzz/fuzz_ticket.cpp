// Fuzzes what a kiosk reads from outside: ticket text (camera, scanner, typing), bundle files and
// update signatures (USB stick). Any bytes must be refused cleanly or accepted only with a good signature.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sync/protocol/bundle.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/ticket.hpp"
#include "sync/protocol/update_signature.hpp"

namespace {

// The fuzzing key: Ed25519 from a fixed seed of 32 bytes of 0x42, so tickets in the seed
// corpus (corpus/fuzz_ticket/) verify and the fuzzer can explore past the signature check.
const cate::KeyRing& fixed_ring() {
  static const cate::KeyRing ring = [] {
    if (sodium_init() < 0) std::abort();
    unsigned char seed[crypto_sign_SEEDBYTES];
    for (auto& b : seed) b = 0x42;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, seed);
    cate::PublicKey key;
    for (std::size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = pk[i];
    cate::KeyRing r;
    r.add(key);
    return r;
  }();
  return ring;
}

void check_ticket(std::string_view text) {
  auto parsed = cate::parse_ticket(text);
  if (!parsed) return;
  auto verified = cate::verify(*parsed, fixed_ring());
  if (verified && verified->key_id != parsed->key_id()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_ticket(bytes);
  check_ticket(std::string(cate::kTicketPrefix) + std::string(bytes));

  auto bundle = cate::read_bundle(bytes);
  if (bundle) {
    bool signer_listed = false;
    for (const auto& k : bundle->bundle.keys) signer_listed |= k.id() == bundle->signed_by;
    if (!signer_listed) std::abort();  // a bundle must carry the key that signed it
  }

  // An update signature is good only for the very file it names (here: a file of no bytes).
  const cate::FileDigest empty_file{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0};
  auto update = cate::check_update_signature(bytes, empty_file, fixed_ring(), {"cate-kiosk", "arm64"});
  if (update.good() && (!update.manifest || update.manifest->sha256 != empty_file.sha256)) std::abort();
  return 0;
}
