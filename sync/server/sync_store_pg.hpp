#pragma once
/// @brief The sync store on PostgreSQL (libpq): the office's production database for what the
/// kiosks upload. Same interface and same answers as the SQLite store (sync_store.hpp).
#include <memory>
#include <string>

#include "sync/server/sync_store.hpp"

namespace cate {

/// Connects with a libpq connection string ("host=/run/postgresql dbname=cate" or
/// "postgresql://cate@db.example.org/cate"), creates or migrates the sync tables, and returns a
/// store that is safe to call from several threads (calls take turns on one connection; a lost
/// connection is re-opened on the next call). Several cate-syncd may share one database.
StoreResult<std::unique_ptr<SyncStore>> open_pg_sync_store(const std::string& conninfo);

/// True for "postgresql://..." and "postgres://..." (what `--db` takes as a PostgreSQL address).
bool is_pg_address(const std::string& db);

}  // namespace cate
