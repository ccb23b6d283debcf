// The server's identity key in the office's database file (server_identity.hpp).
#include "sync/server/server_identity.hpp"

#include <sqlite3.h>

#include <chrono>

namespace cate {

namespace {
// One row. Shares the office's file (mode 0600, it already holds secret keys); its own table.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sync_identity (  -- one row: cate-syncd's long-term identity key
  secret_key    TEXT NOT NULL,              -- base64 Ed25519 secret key; signs every answer; never leaves this file
  created_at_ms INTEGER NOT NULL            -- when it was made (first cate-syncd start or first device add)
) STRICT
)sql";

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close_v2(db); }
};
}  // namespace

StoreResult<SecretKey> load_or_create_server_identity(const std::string& office_db) {
  Db d;
  if (sqlite3_open_v2(office_db.c_str(), &d.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return Err{"cannot open the office's database at " + office_db + " for the server's identity key: " +
               std::string(d.db ? sqlite3_errmsg(d.db) : "out of memory") + " (run cate-admin init first)"};
  sqlite3_busy_timeout(d.db, 10000);
  auto fault = [&](const char* what) { return Err{std::string(what) + ": " + sqlite3_errmsg(d.db)}; };
  if (sqlite3_exec(d.db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return fault("cannot keep the server's identity key");
  if (sqlite3_exec(d.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fault("cannot read the server's identity key");
  std::optional<SecretKey> key;
  {
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(d.db, "SELECT secret_key FROM sync_identity LIMIT 1", -1, &q, nullptr);
    if (q && sqlite3_step(q) == SQLITE_ROW) {
      auto text = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
      key = SecretKey::from_base64(text ? text : "");
      sqlite3_finalize(q);
      sqlite3_exec(d.db, "ROLLBACK", nullptr, nullptr, nullptr);
      if (!key) return Err{std::string("the server's identity key in the office's database is damaged")};
      return *key;
    }
    sqlite3_finalize(q);
  }
  SecretKey fresh = SecretKey::generate();
  std::string b64 = fresh.base64();
  std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(d.db, "INSERT INTO sync_identity(secret_key, created_at_ms) VALUES (?, ?)", -1, &ins, nullptr);
  sqlite3_bind_text(ins, 1, b64.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(ins, 2, now);
  int rc = ins ? sqlite3_step(ins) : SQLITE_ERROR;
  sqlite3_finalize(ins);
  if (rc != SQLITE_DONE || sqlite3_exec(d.db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto e = fault("cannot keep the server's identity key");
    sqlite3_exec(d.db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return fresh;
}

}  // namespace cate
