// Signed kiosk updates (update_signature.hpp; format: UPDATE.md).
//
// [SECTION] Fields      Debian's rules for package names, versions and architectures
// [SECTION] Digest      SHA-256 of a file, read in pieces
// [SECTION] File        writing and reading the signature file
// [SECTION] Rules       what a kiosk accepts, in order
#include "sync/protocol/update_signature.hpp"

#include <sodium.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace cate {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// [SECTION] Fields
// ---------------------------------------------------------------------------------------------
namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool is_debian_package_name(std::string_view text) {
  if (text.size() < 2 || text.size() > 100 || !is_lower_alnum(text[0])) return false;
  for (char c : text)
    if (!is_lower_alnum(c) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

bool is_debian_version(std::string_view text) {
  if (text.empty() || text.size() > 100) return false;
  std::string_view rest = text;
  if (auto colon = rest.find(':'); colon != std::string_view::npos) {
    if (colon == 0) return false;
    for (char c : rest.substr(0, colon))
      if (!is_digit(c)) return false;
    rest = rest.substr(colon + 1);
  }
  if (rest.empty() || !is_digit(rest[0])) return false;
  for (char c : rest)
    if (!is_alnum(c) && c != '.' && c != '+' && c != '~' && c != '-') return false;
  if (rest.back() == '-') return false;  // a revision, if there is a dash, is not empty
  return true;
}

bool is_debian_architecture(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  for (char c : text)
    if (!is_lower_alnum(c) && c != '-') return false;
  return true;
}

std::string_view build_debian_architecture() {
#if defined(__aarch64__)
  return "arm64";
#elif defined(__x86_64__)
  return "amd64";
#elif defined(__arm__)
  return "armhf";
#elif defined(__i386__)
  return "i386";
#else
  return "unknown";
#endif
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Digest
// ---------------------------------------------------------------------------------------------
Result<FileDigest, std::string> digest_file(const std::string& path) {
  if (sodium_init() < 0) return Err{std::string("the crypto library did not start")};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Err{"cannot read " + path + ": " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Err{path + " is not a file"};
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return Err{"cannot read " + path + ": " + std::strerror(errno)};
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  FileDigest out;
  unsigned char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    crypto_hash_sha256_update(&state, buf, n);
    out.size += n;
  }
  if (std::ferror(f.get())) return Err{"cannot read " + path + ": a read failed"};
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, hash);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  out.sha256 = hex;
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] File
// ---------------------------------------------------------------------------------------------
std::string write_update_signature(const UpdateManifest& m, const SecretKey& key) {
  json body = {{"package", m.package},           {"version", m.version},
               {"architecture", m.architecture}, {"sha256", m.sha256},
               {"size", m.size},                 {"signed_at", m.signed_at}};
  std::string body_text = body.dump();
  auto sig = sign_bytes(body_text, key);
  json outer = {{"format", kUpdateSignatureFormat},
                {"signed_by", key_id_str(key.public_key().id())},
                {"signature", base64_encode({reinterpret_cast<const char*>(sig.data()), sig.size()})},
                {"body", body_text}};
  return outer.dump(1) + "\n";
}

namespace {

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  return true;
}

// A text field of `obj`, or why not.
Result<std::string, std::string> text_field(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key)) return Err{where + "." + key + " is missing"};
  if (!obj[key].is_string()) return Err{where + "." + key + " is not text"};
  return obj[key].get<std::string>();
}

}  // namespace

Result<UpdateSignature, std::string> read_update_signature(std::string_view file_text) {
  if (file_text.size() > 64 * 1024) return Err{std::string("the signature file is far too large to be one")};
  json outer = json::parse(file_text, nullptr, /*allow_exceptions=*/false);
  if (outer.is_discarded() || !outer.is_object())
    return Err{std::string("the signature file is not a cate-kiosk update signature (not JSON)")};
  if (!outer.contains("format") || !outer["format"].is_string())
    return Err{std::string("the signature file is not a cate-kiosk update signature (no format)")};
  if (outer["format"] != kUpdateSignatureFormat)
    return Err{"the signature file is of format " + outer["format"].get<std::string>() + ", not " +
               std::string(kUpdateSignatureFormat)};
  UpdateSignature out;
  auto signer = text_field(outer, "signed_by", "file");
  if (!signer) return Err{signer.error()};
  auto id = parse_key_id(*signer);
  if (!id) return Err{std::string("file.signed_by is not a key ID")};
  out.signed_by = *id;
  auto sig_text = text_field(outer, "signature", "file");
  if (!sig_text) return Err{sig_text.error()};
  auto sig = base64_decode(*sig_text);
  if (!sig || sig->size() != 64) return Err{std::string("file.signature is not a signature")};
  std::memcpy(out.signature.data(), sig->data(), 64);
  auto body_text = text_field(outer, "body", "file");
  if (!body_text) return Err{body_text.error()};
  out.body = std::move(*body_text);

  json body = json::parse(out.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Err{std::string("the signature's manifest is not JSON")};
  UpdateManifest& m = out.manifest;
  for (auto [key, slot] : {std::pair{"package", &m.package}, std::pair{"version", &m.version},
                           std::pair{"architecture", &m.architecture}, std::pair{"sha256", &m.sha256}}) {
    auto v = text_field(body, key, "manifest");
    if (!v) return Err{v.error()};
    *slot = std::move(*v);
  }
  if (!is_debian_package_name(m.package)) return Err{std::string("manifest.package is not a Debian package name")};
  if (!is_debian_version(m.version)) return Err{std::string("manifest.version is not a Debian version")};
  if (!is_debian_architecture(m.architecture))
    return Err{std::string("manifest.architecture is not a Debian architecture")};
  if (!is_sha256_hex(m.sha256)) return Err{std::string("manifest.sha256 is not 64 lowercase hex digits")};
  if (!body.contains("size") || !body["size"].is_number_unsigned())
    return Err{std::string("manifest.size is missing or not a size")};
  m.size = body["size"].get<std::uint64_t>();
  if (!body.contains("signed_at") || !body["signed_at"].is_number_integer())
    return Err{std::string("manifest.signed_at is missing or not a whole number")};
  m.signed_at = body["signed_at"].get<std::int64_t>();
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Rules
// ---------------------------------------------------------------------------------------------
std::string_view update_outcome_code(UpdateOutcome outcome) {
  switch (outcome) {
    case UpdateOutcome::Good: return "good";
    case UpdateOutcome::Unsigned: return "unsigned";
    case UpdateOutcome::UnreadableSignature: return "unreadable_signature";
    case UpdateOutcome::UnknownKey: return "unknown_key";
    case UpdateOutcome::BadSignature: return "bad_signature";
    case UpdateOutcome::Tampered: return "tampered";
    case UpdateOutcome::OtherPackage: return "other_package";
    case UpdateOutcome::OtherArchitecture: return "other_architecture";
    case UpdateOutcome::UnreadablePackage: return "unreadable_package";
  }
  return "unknown";
}

UpdateCheck check_update_signature(std::optional<std::string_view> signature_text, const FileDigest& deb,
                                   const KeyRing& trusted, const UpdateExpectation& expect) {
  UpdateCheck c;
  auto refuse = [&](UpdateOutcome o, std::string reason) {
    c.outcome = o;
    c.reason = std::move(reason);
    return c;
  };
  if (!signature_text)
    return refuse(UpdateOutcome::Unsigned,
                  "the package has no signature file beside it: the office makes one with "
                  "`cate-admin update sign FILE.deb`");
  auto sig = read_update_signature(*signature_text);
  if (!sig) return refuse(UpdateOutcome::UnreadableSignature, "the signature file cannot be read: " + sig.error());
  c.signed_by = sig->signed_by;
  if (trusted.empty())
    return refuse(UpdateOutcome::UnknownKey,
                  "this kiosk trusts no office key yet (it has taken in no bundle and never synced), "
                  "so it cannot check who signed the update");
  auto keys = trusted.find_all(sig->signed_by);
  if (keys.empty())
    return refuse(UpdateOutcome::UnknownKey, "the update is signed by key " + key_id_str(sig->signed_by) +
                                                 ", which this kiosk does not trust: it may come from "
                                                 "another office, or be signed by a key retired here");
  bool matches = false;  // a kiosk tries every key filed under the ID (keys.hpp)
  for (const PublicKey* k : keys) matches = matches || verify_bytes(sig->body, sig->signature.data(), *k);
  if (!matches)
    return refuse(UpdateOutcome::BadSignature,
                  "the signature does not match what it says was signed: the signature file was "
                  "changed, damaged or forged");
  c.manifest = sig->manifest;
  const UpdateManifest& m = sig->manifest;
  if (m.sha256 != deb.sha256 || m.size != deb.size)
    return refuse(UpdateOutcome::Tampered,
                  "the package is not the file the office signed (its SHA-256 differs): it was changed, "
                  "damaged, or the signature belongs to another file");
  if (m.package != expect.package)
    return refuse(UpdateOutcome::OtherPackage,
                  "the signed package is " + m.package + ", not " + expect.package);
  if (m.architecture != expect.architecture)
    return refuse(UpdateOutcome::OtherArchitecture, "the signed package is for " + m.architecture +
                                                         " computers; this kiosk is " + expect.architecture);
  c.outcome = UpdateOutcome::Good;
  c.reason = "signed by office key " + key_id_str(sig->signed_by) + ": " + m.package + " " + m.version +
             " (" + m.architecture + ")";
  return c;
}

UpdateCheck verify_update_files(const std::string& deb_path, const std::string& signature_path,
                                const KeyRing& trusted, const UpdateExpectation& expect) {
  auto digest = digest_file(deb_path);
  if (!digest) {
    UpdateCheck c;
    c.outcome = UpdateOutcome::UnreadablePackage;
    c.reason = digest.error();
    return c;
  }
  struct stat st {};
  if (::stat(signature_path.c_str(), &st) != 0 && errno == ENOENT)
    return check_update_signature(std::nullopt, *digest, trusted, expect);
  std::ifstream in(signature_path, std::ios::binary);
  std::string text;
  if (in && S_ISREG(st.st_mode)) {
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      text.append(buf, static_cast<std::size_t>(in.gcount()));
      if (text.size() > 64 * 1024) break;  // read_update_signature refuses it
    }
  }
  if (!in.eof() && text.size() <= 64 * 1024) {
    UpdateCheck c;
    c.outcome = UpdateOutcome::UnreadableSignature;
    c.reason = "cannot read the signature file " + signature_path;
    return c;
  }
  return check_update_signature(std::string_view(text), *digest, trusted, expect);
}

}  // namespace cate
