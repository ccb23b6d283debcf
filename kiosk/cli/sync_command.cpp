// cate-kiosk enrol / sync / purge: the headless face of the kiosk's sync client (sync/client/).
//
//   cate-kiosk enrol CODE | --qr FILE       the enrolment QR's text, or an image of it: trades its
//                                           one-time token for a credential and pins the server
//   cate-kiosk enrol --server URL --token T the plain way (cate-syncd device add), unpinned
//   cate-kiosk sync [--server URL] [--token TOKEN]
//   cate-kiosk purge [--retention-days N]
//
// `sync` prints one line such as
//   {"ok":true,"pushed":40,"stored":38,"duplicates":2,"refused":0,"kept":0,"outbox":0,
//    "pulled":true,"pull":"1 meetings, 120 RSVPs, ...","error":null}
// and exits 0 when the whole round went through, 1 otherwise (the records stay in the outbox
// and go on the next round; "error" says why in words).
#include "kiosk/cli/sync_command.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk/core/outbox_export.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/scan/decode.hpp"
#include "platform/image.hpp"
#include "platform/paths.hpp"
#include "sync/client/sync_client.hpp"
#include "sync/protocol/enrolment.hpp"

namespace cate::cli {

namespace {

using nlohmann::json;

// Settings in the kiosk store that `enrol` writes and `sync` reads (kiosk/core/outbox.hpp).
constexpr const char* kServerSetting = kSyncServerSetting;
constexpr const char* kTokenSetting = kSyncTokenSetting;
constexpr const char* kServerKeySetting = kSyncServerKeySetting;

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
    auto url = normalise_server_url(*a.server);
    if (!url) return Err{url.error()};
    a.server = *url;
  }
  if (a.token && a.token->empty()) return Err{std::string("the token is empty")};
  return a;
}

/// Keeps the print of a purge in the JSON line.
json purge_json(const PurgeSummary& p) {
  return {{"meetings", p.meetings}, {"rsvps", p.rsvps}, {"waiting", p.waiting}};
}

}  // namespace

int cmd_enrol(const Options& o, const std::vector<std::string>& args) {
  const char* usage =
      "usage: cate-kiosk enrol CODE | cate-kiosk enrol --qr FILE | cate-kiosk enrol --server URL --token TOKEN";
  std::optional<std::string> code_text;
  std::vector<std::string> plain;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--qr" && i + 1 < args.size()) {
      // An image of the enrolment QR (a photo, a screenshot, the PNG cate-admin wrote).
      auto image = read_image_file(args[++i]);
      if (!image) return fail(image.error().message), 1;
      auto decoded = decode_qr(*image, DecodeEffort::Thorough);
      if (!decoded.text) return fail("no QR code could be read in " + args[i]), 1;
      code_text = *decoded.text;
    } else if (args[i] == "--server" || args[i] == "--token") {
      plain.push_back(args[i]);
      if (i + 1 < args.size()) plain.push_back(args[++i]);
    } else if (!code_text && args[i].rfind("--", 0) != 0) {
      code_text = args[i];
    } else {
      return fail("unexpected \"" + args[i] + "\"; " + usage), 2;
    }
  }
  if (code_text && !plain.empty()) return fail(std::string("give an enrolment code or --server and --token, not both; ") + usage), 2;

  if (!code_text) {
    // The plain way: an address and a token from `cate-syncd device add`; the server is not pinned.
    auto a = read_args(plain);
    if (!a || !a->server || !a->token) {
      if (!a) fail(a.error());
      return fail(usage), 2;
    }
    auto store = open_store(o);
    if (!store) return 1;
    for (auto [key, value] : {std::pair{kServerSetting, *a->server}, std::pair{kTokenSetting, *a->token},
                              std::pair{kServerKeySetting, std::string()}})
      if (auto r = store->set_setting(key, value); !r) return fail(r.error().message), 1;
    // The token is a credential: it is kept in the store, never printed.
    print_line({{"enrolled", true}, {"server", *a->server}, {"device", store->device_id()}, {"pinned", false}});
    return 0;
  }

  auto store = open_store(o);
  if (!store) return 1;
  auto enrolled = enrol_kiosk(*store, *code_text);
  if (!enrolled) {
    print_line({{"enrolled", false}, {"error_code", enrolled.error().code}, {"error", enrolled.error().message}});
    return fail(enrolled.error().message), 1;
  }
  print_line({{"enrolled", true},
              {"server", enrolled->server_url},
              {"device", store->device_id()},
              {"name", enrolled->name},
              {"pinned", true},
              {"fingerprint", server_key_fingerprint(enrolled->server_key)}});
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
  if (auto pinned = store->setting(kServerKeySetting); pinned && !pinned->empty()) {
    config.server_key = PublicKey::from_base64(*pinned);
    if (!config.server_key) return fail("the pinned server key in this kiosk's store is damaged: enrol again"), 1;
  }
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
    if (rep.error_code == "device_revoked") {
      // The kiosk's own words: it was told so by its pinned server (or an unpinned one).
      j["revoked"] = true;
      j["error"] = "the office has withdrawn (revoked) this kiosk: it can no longer sync. Its records stay on it; "
                   "ask the office for a new enrolment code and enrol it again";
    }
  } else {
    // Acknowledged records may free personal data past the retention window.
    auto purged = store->purge_personal_data(now_unix_ms());
    if (purged) j["purged"] = purge_json(*purged);
  }
  print_line(j);
  return rep.ok ? 0 : 1;
}

int cmd_purge(const Options& o, const std::vector<std::string>& args) {
  std::optional<int> days;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--retention-days" && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos)
        return fail("--retention-days takes a whole number of days (0 to 9999)"), 2;
      days = std::stoi(v);
    } else {
      return fail("unexpected \"" + args[i] + "\"; usage: cate-kiosk purge [--retention-days N]"), 2;
    }
  }
  auto store = open_store(o);
  if (!store) return 1;
  if (days)
    if (auto r = store->set_setting("retention_days", std::to_string(*days)); !r) return fail(r.error().message), 1;
  auto purged = store->purge_personal_data(now_unix_ms());
  if (!purged) return fail(purged.error().message), 1;
  json j = purge_json(*purged);
  j["retention_days"] = store->retention_days();
  print_line(j);
  return 0;
}

int cmd_export(const Options& o, const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "--usb")
    return fail("usage: cate-kiosk export --usb FOLDER (the USB stick's folder, e.g. /media/usb)"), 2;
  auto store = open_store(o);
  if (!store) return 1;
  auto done = export_outbox(*store, args[1], now_unix_ms());
  if (!done) {
    print_line({{"exported", false}, {"error", done.error().message}, {"outbox", store->outbox_size()}});
    return fail(done.error().message), 1;
  }
  print_line({{"exported", true},
              {"file", done->file.empty() ? json(nullptr) : json(done->file)},
              {"records", done->records},
              {"bytes", done->bytes},
              {"sealed_to", done->sealed_to},
              {"enrolled", done->enrolled},
              {"outbox", store->outbox_size()}});
  return 0;
}

int cmd_import_receipt(const Options& o, const std::vector<std::string>& args) {
  if (args.size() != 1) return fail("usage: cate-kiosk import-receipt FILE (the office's receipt for a USB export)"), 2;
  std::ifstream in(args[0], std::ios::binary);
  if (!in) return fail("cannot read " + args[0] + ": " + std::strerror(errno)), 1;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto store = open_store(o);
  if (!store) return 1;
  auto taken = take_usb_receipt(*store, text);
  if (!taken) {
    print_line({{"acknowledged", nullptr}, {"error", taken.error()}, {"outbox", store->outbox_size()}});
    return fail(taken.error()), 1;
  }
  print_line({{"acknowledged", *taken}, {"outbox", store->outbox_size()}});
  return 0;
}

}  // namespace cate::cli
