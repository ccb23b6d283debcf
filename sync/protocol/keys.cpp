#include "sync/protocol/keys.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace cate {

namespace {
void ensure_sodium() {
  if (sodium_init() < 0) std::abort();
}
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> decode_fixed(std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw || raw->size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>((*raw)[i]);
  return out;
}
std::string_view as_chars(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}
}  // namespace

KeyId PublicKey::id() const {
  ensure_sodium();
  std::uint8_t hash[32];
  crypto_generichash(hash, sizeof hash, bytes.data(), bytes.size(), nullptr, 0);
  return static_cast<KeyId>((hash[0] << 8) | hash[1]);
}

std::string PublicKey::base64() const { return base64_encode(as_chars(bytes.data(), bytes.size())); }

std::optional<PublicKey> PublicKey::from_base64(std::string_view text) {
  auto b = decode_fixed<32>(text);
  if (!b) return std::nullopt;
  return PublicKey{*b};
}

PublicKey SecretKey::public_key() const {
  ensure_sodium();
  PublicKey pk;
  crypto_sign_ed25519_sk_to_pk(pk.bytes.data(), bytes.data());
  return pk;
}

std::string SecretKey::base64() const { return base64_encode(as_chars(bytes.data(), bytes.size())); }

std::optional<SecretKey> SecretKey::from_base64(std::string_view text) {
  auto b = decode_fixed<64>(text);
  if (!b) return std::nullopt;
  return SecretKey{*b};
}

SecretKey SecretKey::generate() {
  ensure_sodium();
  SecretKey sk;
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, sk.bytes.data());
  return sk;
}

SecretKey SecretKey::from_seed(const std::array<std::uint8_t, 32>& seed) {
  ensure_sodium();
  SecretKey sk;
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, sk.bytes.data(), seed.data());
  return sk;
}

std::string key_id_str(KeyId id) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>(id));
  return buf;
}

std::optional<KeyId> parse_key_id(std::string_view text) {
  if (text.size() != 4) return std::nullopt;
  unsigned v = 0;
  for (char c : text) {
    int h = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (h < 0) return std::nullopt;
    v = (v << 4) | static_cast<unsigned>(h);
  }
  return static_cast<KeyId>(v);
}

std::array<std::uint8_t, 64> sign_bytes(std::string_view message, const SecretKey& key) {
  ensure_sodium();
  std::array<std::uint8_t, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), key.bytes.data());
  return sig;
}

bool verify_bytes(std::string_view message, const std::uint8_t* signature64, const PublicKey& key) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature64,
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.bytes.data()) == 0;
}

std::string base64_encode(std::string_view bytes) {
  ensure_sodium();
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  ensure_sodium();
  std::string out(text.size() * 3 / 4 + 3, '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace cate
