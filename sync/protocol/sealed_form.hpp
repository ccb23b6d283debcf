#pragma once
/// @brief Sealed forms: what a person types into a sign-up or walk-in form is sealed on the kiosk
/// at capture time to the server's public key (libsodium sealed box), so a stolen kiosk cannot
/// read it back; only the server, with its identity key, opens it. Spec: SYNC.md, "Sealed forms".
///
/// The server's identity key is Ed25519 (it signs every answer). The sealing key is the X25519
/// key libsodium derives from it (crypto_sign_ed25519_pk_to_curve25519), so a kiosk that knows
/// the server's identity (pinned at enrolment, or carried in a signed bundle) can seal to it
/// without a second key to hand out.
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "sync/protocol/keys.hpp"

namespace cate {

/// The sealed text: base64 of crypto_box_seal(plaintext, X25519 key made from `server_identity`).
/// Fails only for a key libsodium cannot convert (not a valid Ed25519 point).
Result<std::string, std::string> seal_for_server(std::string_view plaintext, const PublicKey& server_identity);

/// Opens what seal_for_server made, with the server's identity key. The error says why in
/// words: not base64, too short, or sealed to another key (or damaged).
Result<std::string, std::string> open_sealed(std::string_view sealed_base64, const SecretKey& server_identity);

}  // namespace cate
