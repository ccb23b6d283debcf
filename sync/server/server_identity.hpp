#pragma once
/// @brief The server's long-term identity key (Ed25519): made once, kept in the office's
/// database file beside the signing keys, and never sent anywhere. cate-syncd signs every
/// answer with it; its fingerprint goes into every enrolment QR, so a kiosk pins it.
#include <string>

#include "sync/admin/central_store.hpp"
#include "sync/protocol/keys.hpp"

namespace cate {

/// @brief The identity key in the office's SQLite file at `office_db`, made on first use.
/// The file must exist (made by `cate-admin init`).
StoreResult<SecretKey> load_or_create_server_identity(const std::string& office_db);

}  // namespace cate
