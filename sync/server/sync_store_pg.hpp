#pragma once
/// @brief The sync store on PostgreSQL (libpq): the office's production database for what the
/// kiosks upload. Same interface and same answers as the SQLite store (sync_store.hpp).
#include <cstddef>
#include <memory>
#include <string>

#include "sync/server/sync_store.hpp"

namespace cate {

/// Connects with a libpq connection string ("host=/run/postgresql dbname=cate" or
/// "postgresql://cate@db.example.org/cate"), creates or migrates the sync tables, and returns a
/// store that is safe to call from several threads: each call takes one of up to `connections`
/// connections of its own (opened when first needed; a lost one is re-opened on its next use), so
/// batches from different kiosks are recorded side by side. Several cate-syncd may share one database.
StoreResult<std::unique_ptr<SyncStore>> open_pg_sync_store(const std::string& conninfo, std::size_t connections = 4);

/// True for "postgresql://..." and "postgres://..." (what `--db` takes as a PostgreSQL address).
bool is_pg_address(const std::string& db);

}  // namespace cate
