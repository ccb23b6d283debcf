// The server's identity key in the office's database file (server_identity.hpp): the central
// store's own (CentralStore::server_identity, table sync_identity), opened for it.
#include "sync/server/server_identity.hpp"

namespace cate {

StoreResult<SecretKey> load_or_create_server_identity(const std::string& office_db) {
  auto office = open_sqlite_central_store(office_db, OpenMode::MustExist);
  if (!office)
    return Err{"cannot open the office's database at " + office_db + " for the server's identity key: " +
               office.error() + " (run cate-admin init first)"};
  auto key = (*office)->server_identity(/*create=*/true);
  if (!key) return Err{key.error()};
  if (!*key) return Err{"the server's identity key could not be made in " + office_db};
  return **key;
}

}  // namespace cate
