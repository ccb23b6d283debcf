#pragma once
/// @brief Ed25519 signing keys. The office holds secret keys; kiosks hold only public keys,
/// several at once, so keys can be rotated without reprinting every ticket at once.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cate {

/// Names a public key: the first 2 bytes (big-endian) of BLAKE2b-256 of the key. Derived, so a
/// kiosk can check a key it is given matches the ID it is filed under. Two bytes keep tickets
/// small; the office never makes two keys with one ID, and a kiosk tries every key filed
/// under an ID anyway, so a collision can cost time but never a wrong answer.
using KeyId = std::uint16_t;

struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};
  KeyId id() const;
  std::string base64() const;
  static std::optional<PublicKey> from_base64(std::string_view text);
  bool operator==(const PublicKey&) const = default;
};

struct SecretKey {
  std::array<std::uint8_t, 64> bytes{};  ///< libsodium's Ed25519 secret key (seed + public key)
  PublicKey public_key() const;
  std::string base64() const;
  static std::optional<SecretKey> from_base64(std::string_view text);
  static SecretKey generate();
  /// The key made from a 32-byte seed: the same seed, the same key. For tests and fixtures
  /// only; real keys come from generate().
  static SecretKey from_seed(const std::array<std::uint8_t, 32>& seed);
};

std::string key_id_str(KeyId id);  ///< 4 lowercase hex digits
std::optional<KeyId> parse_key_id(std::string_view text);

/// The public keys a kiosk trusts, by ID.
class KeyRing {
 public:
  void add(const PublicKey& key) {
    for (auto [it, end] = keys_.equal_range(key.id()); it != end; ++it)
      if (it->second == key) return;
    keys_.emplace(key.id(), key);
  }
  /// The first key filed under `id`, or null.
  const PublicKey* find(KeyId id) const {
    auto it = keys_.find(id);
    return it == keys_.end() ? nullptr : &it->second;
  }
  /// Every key filed under `id` (almost always one).
  std::vector<const PublicKey*> find_all(KeyId id) const {
    std::vector<const PublicKey*> out;
    for (auto [it, end] = keys_.equal_range(id); it != end; ++it) out.push_back(&it->second);
    return out;
  }
  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

 private:
  std::multimap<KeyId, PublicKey> keys_;
};

/// Detached Ed25519 signatures over arbitrary bytes.
std::array<std::uint8_t, 64> sign_bytes(std::string_view message, const SecretKey& key);
bool verify_bytes(std::string_view message, const std::uint8_t* signature64, const PublicKey& key);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cate
