// cate-kiosk enrol / sync: the headless face of the kiosk's sync client (sync/client/).
//
//   cate-kiosk enrol --server URL --token TOKEN
//   cate-kiosk sync [--server URL] [--token TOKEN]
//
// `sync` prints one line such as
//   {"ok":true,"pushed":40,"stored":38,"duplicates":2,"refused":0,"kept":0,"outbox":0,
//    "pulled":true,"pull":"1 meetings, 120 RSVPs, ...","error":null}
// and exits 0 when the whole round went through, 1 otherwise (the records stay in the outbox
// and go on the next round; "error" says why in words).
#include "kiosk/cli/sync_command.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/core/outbox.hpp"
#include "kiosk/core/store.hpp"
#include "platform/paths.hpp"
#include "sync/client/sync_client.hpp"

namespace cate::cli {

namespace {

using nlohmann::json;

// Settings in the kiosk store that `enrol` writes and `sync` reads.
constexpr const char* kServerSetting = "sync_server";
constexpr const char* kTokenSetting = "sync_token";

void print_line(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void fail(const std::string& message) { std::fprintf(stderr, "cate-kiosk: %s\n", message.c_str()); }

std::unique_ptr<Store> open_store(const Options& o) {
  auto slash = o.store_path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string err;
    if (!make_private_dir(o.store_path.substr(0, slash), err)) {
      fail(err);
      return nullptr;
    }
  }
  auto s = Store::open(o.store_path);
  if (!s) {
    fail(s.error().message);
    return nullptr;
  }
  return std::move(s.value());
}

struct SyncArgs {
  std::optional<std::string> server, token;
};

/// --server URL and --token TOKEN, in any order; an error in words otherwise.
Result<SyncArgs, std::string> read_args(const std::vector<std::string>& args) {
  SyncArgs a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--server" || args[i] == "--token") && i + 1 < args.size()) {
      (args[i] == "--server" ? a.server : a.token) = args[i + 1];
      ++i;
    } else {
      return Err{"unexpected \"" + args[i] + "\""};
    }
  }
  if (a.server) {
    while (!a.server->empty() && a.server->back() == '/') a.server->pop_back();
    if (a.server->rfind("http://", 0) != 0 && a.server->rfind("https://", 0) != 0)
      return Err{"the server's address must start with http:// or https:// (got \"" + *a.server + "\")"};
  }
  if (a.token && a.token->empty()) return Err{std::string("the token is empty")};
  return a;
}

}  // namespace

int cmd_enrol(const Options& o, const std::vector<std::string>& args) {
  auto a = read_args(args);
  if (!a || !a->server || !a->token) {
    if (!a) fail(a.error());
    return fail("usage: cate-kiosk enrol --server URL --token TOKEN"), 2;
  }
  auto store = open_store(o);
  if (!store) return 1;
  if (auto r = store->set_setting(kServerSetting, *a->server); !r) return fail(r.error().message), 1;
  if (auto r = store->set_setting(kTokenSetting, *a->token); !r) return fail(r.error().message), 1;
  // The token is a credential: it is kept in the store, never printed.
  print_line({{"enrolled", true}, {"server", *a->server}, {"device", store->device_id()}});
  return 0;
}

int cmd_sync(const Options& o, const std::vector<std::string>& args) {
  auto a = read_args(args);
  if (!a) return fail(a.error() + "; usage: cate-kiosk sync [--server URL] [--token TOKEN]"), 2;
  auto store = open_store(o);
  if (!store) return 1;
  SyncClientConfig config;
  config.server_url = a->server.value_or(store->setting(kServerSetting).value_or(""));
  config.device_token = a->token.value_or(store->setting(kTokenSetting).value_or(""));
  config.device_id = store->device_id();
  if (config.server_url.empty() || config.device_token.empty()) {
    fail("this kiosk is not enrolled: give --server URL --token TOKEN, or run cate-kiosk enrol first");
    return 2;
  }
  KioskSync sync(*store);
  SyncClient client(config);
  RoundReport rep = client.round(sync, sync);
  json j = {{"ok", rep.ok},
            {"server", config.server_url},
            {"pushed", rep.sent},
            {"stored", rep.stored},
            {"duplicates", rep.duplicate},
            {"refused", rep.refused_permanent},
            {"kept", rep.kept},
            {"outbox", sync.pending()},
            {"pulled", rep.pulled},
            {"pull", rep.pull_summary},
            {"error", rep.error.empty() ? json() : json(rep.error)}};
  if (!rep.ok) {
    j["failure"] = to_string(rep.failure);
    if (rep.http_status) j["http_status"] = rep.http_status;
    if (!rep.error_code.empty()) j["error_code"] = rep.error_code;
  }
  print_line(j);
  return rep.ok ? 0 : 1;
}

}  // namespace cate::cli
