#pragma once
/// @brief cate-kiosk's headless subcommands: the same work as the window app, printing JSON
/// lines for scripts. Each returns the process exit code (0 done, 1 failed, 2 usage).
#include <string>
#include <vector>

#include "kiosk/core/messages.hpp"

namespace cate::cli {

struct Options {
  std::string store_path;            ///< --store, else <data dir>/kiosk.db
  Language lang = Language::English; ///< --lang en|es
};

int cmd_import(const Options& o, const std::vector<std::string>& args);
int cmd_meeting(const Options& o, const std::vector<std::string>& args);
int cmd_scan(const Options& o, const std::vector<std::string>& args);
int cmd_checkin(const Options& o, const std::vector<std::string>& args);
int cmd_decode(const Options& o, const std::vector<std::string>& args);
int cmd_status(const Options& o, const std::vector<std::string>& args);
int cmd_demo(const Options& o, const std::vector<std::string>& args);

}  // namespace cate::cli
