#pragma once
/// @brief Signed kiosk updates: the office signs a small manifest of a cate-kiosk .deb (package,
/// version, architecture, SHA-256 of the file) with its current signing key, and a kiosk installs
/// a .deb from a USB stick only when that signature is good, by an office key it trusts, and the
/// file, the package and the architecture are the ones signed. A .deb is never installed just
/// because it is on a stick: its maintainer scripts run as root.
///
/// Written by `cate-admin update sign FILE.deb`, checked by `cate-kiosk update verify FILE.deb`
/// (which /usr/lib/cate-kiosk/cate-usb-update runs before it installs anything). Format:
/// sync/protocol/UPDATE.md.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "sync/protocol/keys.hpp"

namespace cate {

inline constexpr std::string_view kUpdateSignatureFormat = "cate-update-signature/1";
/// The only package a kiosk installs from a stick.
inline constexpr std::string_view kKioskPackage = "cate-kiosk";

/// What the office signs: one .deb file.
struct UpdateManifest {
  std::string package;         ///< the .deb's Package field: "cate-kiosk"
  std::string version;         ///< its Version field: "0.2.0-1"
  std::string architecture;    ///< its Architecture field: "arm64"
  std::string sha256;          ///< SHA-256 of the whole .deb file, 64 lowercase hex digits
  std::uint64_t size = 0;      ///< the file's size in bytes
  std::int64_t signed_at = 0;  ///< Unix seconds, office clock
  bool operator==(const UpdateManifest&) const = default;
};

/// Debian's rules for the three fields (deb-control(5)): a package name ("cate-kiosk"), a version
/// ("1:0.2.0~rc1-1"; the upstream part starts with a digit), an architecture ("arm64").
bool is_debian_package_name(std::string_view text);
bool is_debian_version(std::string_view text);
bool is_debian_architecture(std::string_view text);

/// The Debian architecture this program was built for (amd64, arm64, armhf, i386), or "unknown".
std::string_view build_debian_architecture();

/// A file's SHA-256 (lowercase hex) and size, read in pieces.
struct FileDigest {
  std::string sha256;
  std::uint64_t size = 0;
};
Result<FileDigest, std::string> digest_file(const std::string& path);

/// The signature file's text: {"format", "signed_by", "signature", "body"}, the Ed25519 signature
/// over `body` byte for byte (as a bundle is signed).
std::string write_update_signature(const UpdateManifest& manifest, const SecretKey& key);

/// A signature file read but not yet checked against any key.
struct UpdateSignature {
  UpdateManifest manifest;
  KeyId signed_by = 0;
  std::string body;                          ///< the exact bytes signed
  std::array<std::uint8_t, 64> signature{};
};

/// Reads a signature file: its format and every manifest field. The message names what is wrong.
Result<UpdateSignature, std::string> read_update_signature(std::string_view file_text);

/// What a kiosk decides about an update on a stick. Every refusal has its own outcome.
enum class UpdateOutcome {
  Good,                 ///< signed by a trusted office key; the file, package and architecture match
  Unsigned,             ///< no signature file beside the .deb
  UnreadableSignature,  ///< the signature file is not a cate-kiosk update signature (damaged, garbage)
  UnknownKey,           ///< signed by a key this kiosk does not trust (another office; or none trusted yet)
  BadSignature,         ///< the signature does not match its manifest: changed or forged
  Tampered,             ///< the .deb is not the file that was signed (its SHA-256 or size differs)
  OtherPackage,         ///< the signed package is not cate-kiosk
  OtherArchitecture,    ///< the signed package is for another architecture than this kiosk
  UnreadablePackage,    ///< the .deb itself cannot be read
};

/// "good", "unsigned", "unreadable_signature", "unknown_key", "bad_signature", "tampered",
/// "other_package", "other_architecture", "unreadable_package".
std::string_view update_outcome_code(UpdateOutcome outcome);

/// What to expect of the package: cate-kiosk, for this kiosk's architecture.
struct UpdateExpectation {
  std::string package{kKioskPackage};
  std::string architecture{build_debian_architecture()};
};

struct UpdateCheck {
  UpdateOutcome outcome = UpdateOutcome::Unsigned;
  std::string reason;                      ///< for a person: why, and what to do
  std::optional<UpdateManifest> manifest;  ///< what was signed, once the signature file could be read
  std::optional<KeyId> signed_by;
  bool good() const { return outcome == UpdateOutcome::Good; }
};

/// The rules, on what was read: the signature file's text (none: there was no such file), the
/// .deb's digest, and the office keys this kiosk trusts. Checked in this order: a signature at
/// all, readable, by a trusted key, matching its manifest, for this very file, for cate-kiosk,
/// for this architecture.
UpdateCheck check_update_signature(std::optional<std::string_view> signature_text, const FileDigest& deb,
                                   const KeyRing& trusted, const UpdateExpectation& expect = {});

/// The same on files: reads the .deb (hashing it) and its signature file (a missing one is
/// Unsigned). Reads only; writes nothing.
UpdateCheck verify_update_files(const std::string& deb_path, const std::string& signature_path,
                                const KeyRing& trusted, const UpdateExpectation& expect = {});

}  // namespace cate
