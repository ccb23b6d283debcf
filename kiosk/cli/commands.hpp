#pragma once
/// @brief cate-kiosk's headless subcommands: the same work as the window app, printing JSON
/// lines for scripts. Each returns the process exit code (0 done, 1 failed, 2 usage).
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/core/messages.hpp"

namespace cate {
class Store;
}

namespace cate::cli {

struct Options {
  std::string store_path;            ///< --store, else <data dir>/kiosk.db
  Language lang = Language::English; ///< --lang en|es
};

// Shared by every subcommand (commands.cpp).
/// Prints one JSON line and flushes it: a line printed is a line a script can rely on.
void print_line(const nlohmann::json& j);
/// Tells the person what went wrong, on standard error.
void fail(const std::string& message);
/// Opens the kiosk store (creating its folder, mode 0700); nothing, after saying why, on failure.
std::unique_ptr<Store> open_store(const Options& o);

int cmd_import(const Options& o, const std::vector<std::string>& args);
int cmd_meeting(const Options& o, const std::vector<std::string>& args);
int cmd_scan(const Options& o, const std::vector<std::string>& args);
int cmd_checkin(const Options& o, const std::vector<std::string>& args);
int cmd_decode(const Options& o, const std::vector<std::string>& args);
int cmd_camera(const Options& o, const std::vector<std::string>& args);  // camera_command.cpp
int cmd_status(const Options& o, const std::vector<std::string>& args);
int cmd_demo(const Options& o, const std::vector<std::string>& args);
int cmd_update(const Options& o, const std::vector<std::string>& args);  // update_command.cpp

}  // namespace cate::cli
