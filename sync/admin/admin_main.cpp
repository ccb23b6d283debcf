// cate-admin: reads the global options (which database, --help) and hands the rest to the
// command it names.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sync/admin/admin_commands.hpp"

int main(int argc, char** argv) {
  using namespace cate::admin;
  std::string db_path;
  std::string pg;  // the office's data in PostgreSQL
  if (const char* env = std::getenv("CATE_ADMIN_DB"); env && *env) db_path = env;
  else db_path = "cate-central.db";

  int i = 1;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage_text().c_str(), stdout);
      return kExitOk;
    } else if (arg == "--db") {
      if (i + 1 >= argc || std::string(argv[i + 1]).empty()) {
        std::fputs("cate-admin: --db needs a file name\n", stderr);
        return kExitUsage;
      }
      db_path = argv[++i];
    } else if (arg.rfind("--db=", 0) == 0 && arg.size() > 5) {
      db_path = arg.substr(5);
    } else if (arg == "--pg") {
      if (i + 1 >= argc || std::string(argv[i + 1]).empty()) {
        std::fputs("cate-admin: --pg needs a PostgreSQL connection string (\"dbname=cate\")\n", stderr);
        return kExitUsage;
      }
      pg = argv[++i];
    } else if (arg.rfind("--pg=", 0) == 0 && arg.size() > 5) {
      pg = arg.substr(5);
    } else {
      break;
    }
  }
  if (i >= argc) {
    std::fputs(usage_text().c_str(), stderr);
    return kExitUsage;
  }
  return run_command(db_path, pg, std::vector<std::string>(argv + i, argv + argc));
}
