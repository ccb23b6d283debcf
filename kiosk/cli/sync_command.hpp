#pragma once
/// @brief cate-kiosk's sync subcommands: `enrol` keeps the server's address and this kiosk's
/// token in the kiosk store; `sync` does one round (upload the outbox, then pull) and prints it
/// as one JSON line. Exit codes as the other commands: 0 done, 1 failed, 2 usage.
#include <string>
#include <vector>

#include "kiosk/cli/commands.hpp"

namespace cate::cli {

/// @brief `enrol --server URL --token TOKEN`: keeps both in the store's settings (simple
/// enrolment; the QR enrolment comes later).
int cmd_enrol(const Options& o, const std::vector<std::string>& args);

/// @brief `sync [--server URL] [--token TOKEN]`: one round with the given or the enrolled values.
int cmd_sync(const Options& o, const std::vector<std::string>& args);

}  // namespace cate::cli
