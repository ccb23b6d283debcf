#pragma once
/// @brief The commands of `cate-admin`, the office's tool: meetings, RSVPs, ticket QR codes,
/// revocations and provisioning bundles, all kept in the central store.
#include <string>
#include <vector>

namespace cate::admin {

/// Exit statuses, the same for every command.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,    ///< nothing (more) was done; the message says why
  kExitUsage = 2,    ///< the command line was wrong
  kExitPartly = 3,   ///< done for some items, refused for others (an import with bad rows)
};

/// The usage text for --help.
std::string usage_text();

/// Runs one command (`args` start with its name) against the database at `db_path`. Prints IDs
/// of what it made to stdout and messages to stderr; returns an ExitCode. Never throws.
int run_command(const std::string& db_path, const std::vector<std::string>& args);
/// The same with the office's data in PostgreSQL (`pg`, a libpq connection string; empty: the
/// SQLite file at `db_path`).
int run_command(const std::string& db_path, const std::string& pg, const std::vector<std::string>& args);

}  // namespace cate::admin
