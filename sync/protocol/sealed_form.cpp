#include "sync/protocol/sealed_form.hpp"

#include <sodium.h>

#include <vector>

namespace cate {

Result<std::string, std::string> seal_for_server(std::string_view plaintext, const PublicKey& server_identity) {
  if (sodium_init() < 0) return Err{std::string("the crypto library could not start")};
  unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(box_pk, server_identity.bytes.data()) != 0)
    return Err{std::string("the server key is not a valid Ed25519 public key")};
  std::vector<unsigned char> sealed(plaintext.size() + crypto_box_SEALBYTES);
  crypto_box_seal(sealed.data(), reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(), box_pk);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
}

Result<std::string, std::string> open_sealed(std::string_view sealed_base64, const SecretKey& server_identity) {
  if (sodium_init() < 0) return Err{std::string("the crypto library could not start")};
  auto raw = base64_decode(sealed_base64);
  if (!raw) return Err{std::string("the sealed form is not base64")};
  if (raw->size() < crypto_box_SEALBYTES) return Err{std::string("the sealed form is too short to hold anything")};
  unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
  unsigned char box_sk[crypto_box_SECRETKEYBYTES];
  const PublicKey pub = server_identity.public_key();
  if (crypto_sign_ed25519_pk_to_curve25519(box_pk, pub.bytes.data()) != 0)
    return Err{std::string("the server identity key is not a valid Ed25519 key")};
  crypto_sign_ed25519_sk_to_curve25519(box_sk, server_identity.bytes.data());
  std::string plain(raw->size() - crypto_box_SEALBYTES, '\0');
  const int rc = crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                                      reinterpret_cast<const unsigned char*>(raw->data()), raw->size(), box_pk, box_sk);
  sodium_memzero(box_sk, sizeof box_sk);
  if (rc != 0) return Err{std::string("the sealed form was sealed to another server's key, or is damaged")};
  return plain;
}

}  // namespace cate
