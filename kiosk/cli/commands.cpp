// cate-kiosk's headless subcommands.
//
// [SECTION] Output      JSON of a scan result, times
// [SECTION] Shared      JSON lines, errors, opening the store (also used by sync_command.cpp)
// [SECTION] Commands    import, meeting, scan, checkin, decode, status
#include "kiosk/cli/commands.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/scan/decode.hpp"
#include "platform/image.hpp"
#include "platform/paths.hpp"
#include "sync/protocol/bundle.hpp"

namespace cate::cli {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// [SECTION] Output
// ---------------------------------------------------------------------------------------------
namespace {

std::string iso_local(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  return buf;
}

json result_json(const ScanResult& r, Language lang) {
  Message m = message_for(r, lang);
  json j = {{"outcome", outcome_code(r.outcome)}, {"title", m.title}, {"message", m.body},
            {"next", m.next_step}};
  if (r.ticket) {
    j["meeting"] = r.ticket->meeting.str();
    j["rsvp"] = r.ticket->rsvp.str();
    j["ticket"] = ref_of(*r.ticket).str();
  }
  if (!r.first_name.empty()) j["first_name"] = r.first_name;
  if (r.checked_in_at_ms) j["checked_in_at"] = iso_local(*r.checked_in_at_ms);
  if (r.check_in_id) j["check_in_id"] = r.check_in_id->str();
  if (!r.detail.empty()) j["detail"] = r.detail;
  return j;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] Shared     JSON lines, errors, opening the store (every subcommand uses these)
// ---------------------------------------------------------------------------------------------
void print_line(const json& j) {
  // Invalid UTF-8 (a hostile code) is replaced, never a reason to fail.
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);  // a line printed is a line a script (or a test) can rely on
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

// ---------------------------------------------------------------------------------------------
// [SECTION] Commands
// ---------------------------------------------------------------------------------------------
int cmd_import(const Options& o, const std::vector<std::string>& args) {
  std::string path;
  bool trust_new = false;
  for (const auto& a : args) {
    if (a == "--trust-new-office") trust_new = true;
    else if (path.empty()) path = a;
    else return fail("import takes one bundle file"), 2;
  }
  if (path.empty()) return fail("usage: cate-kiosk import BUNDLE [--trust-new-office]"), 2;
  std::string text, err;
  if (!read_file(path, text, err)) return fail(err), 1;
  auto bundle = read_bundle(text);
  if (!bundle) return fail(path + ": " + bundle.error()), 1;
  auto store = open_store(o);
  if (!store) return 1;
  auto sum = store->import_bundle(*bundle, trust_new, now_unix_ms());
  if (!sum) return fail(sum.error().message), 1;
  json j = {{"imported", path},          {"keys_added", sum->keys},
            {"meetings", sum->meetings}, {"rsvps", sum->rsvps},
            {"rsvps_removed", sum->rsvps_removed}, {"revocations_added", sum->revocations},
            {"forms_added", sum->forms},
            {"signed_by", key_id_str(bundle->signed_by)}};
  if (auto a = store->active_meeting()) j["active_meeting"] = a->str();
  print_line(j);
  return 0;
}

int cmd_meeting(const Options& o, const std::vector<std::string>& args) {
  auto store = open_store(o);
  if (!store) return 1;
  if (args.size() > 1) return fail("usage: cate-kiosk meeting [ID]"), 2;
  if (args.size() == 1) {
    auto id = MeetingId::parse(args[0]);
    if (!id) return fail("\"" + args[0] + "\" is not a meeting ID (16 hex digits)"), 2;
    auto r = store->set_active_meeting(*id);
    if (!r) return fail(r.error().message), 1;
  }
  auto active = store->active_meeting();
  for (const auto& m : store->meetings())
    print_line({{"id", m.id.str()}, {"name", m.name}, {"starts_at", iso_local(m.starts_at * 1000)},
                {"ends_at", iso_local(m.ends_at * 1000)}, {"active", active && *active == m.id}});
  return 0;
}

int cmd_scan(const Options& o, const std::vector<std::string>& args) {
  if (args.empty()) return fail("usage: cate-kiosk scan FILE..."), 2;
  auto store = open_store(o);
  if (!store) return 1;
  for (const auto& file : args) {
    auto t0 = std::chrono::steady_clock::now();
    json j = {{"file", file}};
    auto image = read_image_file(file);
    if (!image) {
      // Not an image: said plainly, and counted as an unreadable scan.
      ScanResult r;
      r.outcome = ScanOutcome::Unreadable;
      r.detail = image.error().message;
      j.update(result_json(r, o.lang));
      j["text"] = nullptr;
    } else {
      auto decoded = decode_qr(*image, DecodeEffort::Thorough);
      j["decode_ms"] = decoded.ms;
      j["text"] = decoded.text ? json(*decoded.text) : json();
      ScanResult r = check_in_code(*store, decoded.text.value_or(""),
                                   {now_unix_ms(), CheckInMethod::ImageFile});
      if (!decoded.text) r.detail = "no QR code found in the image";
      j.update(result_json(r, o.lang));
    }
    j["ms"] = ms_since(t0);
    print_line(j);
  }
  return 0;
}

int cmd_checkin(const Options& o, const std::vector<std::string>& args) {
  if (args.empty()) return fail("usage: cate-kiosk checkin CODE... | checkin -"), 2;
  auto store = open_store(o);
  if (!store) return 1;
  auto one = [&](const std::string& code, CheckInMethod method) {
    auto t0 = std::chrono::steady_clock::now();
    ScanResult r = check_in_code(*store, code, {now_unix_ms(), method});
    json j = result_json(r, o.lang);
    j["ms"] = ms_since(t0);
    print_line(j);  // printed only after the check-in is on disk
  };
  if (args.size() == 1 && args[0] == "-") {
    // One code a line: how a keyboard-wedge scanner types, and what scripts pipe in.
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (line.size() > 4096) line.resize(4096);  // no ticket is this long; keep memory bounded
      one(line, CheckInMethod::Scanner);
    }
    return 0;
  }
  for (const auto& code : args) one(code, CheckInMethod::Typed);
  return 0;
}

int cmd_decode(const Options&, const std::vector<std::string>& args) {
  if (args.empty()) return fail("usage: cate-kiosk decode FILE..."), 2;
  for (const auto& file : args) {
    json j = {{"file", file}};
    auto image = read_image_file(file);
    if (!image) {
      j["text"] = nullptr;
      j["ms"] = 0.0;
      j["error"] = image.error().message;
    } else {
      auto d = decode_qr(*image, DecodeEffort::Thorough);
      j["text"] = d.text ? json(*d.text) : json();
      j["ms"] = d.ms;
      j["width"] = image->width;
      j["height"] = image->height;
    }
    print_line(j);
  }
  return 0;
}

int cmd_status(const Options& o, const std::vector<std::string>& args) {
  if (!args.empty()) return fail("usage: cate-kiosk status"), 2;
  auto store = open_store(o);
  if (!store) return 1;
  auto active = store->active_meeting();
  auto c = store->counts(active);
  if (!c) return fail(c.error().message), 1;
  json j = {{"store", o.store_path},
            {"schema", store->schema_version()},
            {"device", store->device_id()},
            {"keys", store->key_ring().size()},
            {"meetings", store->meetings().size()},
            {"active_meeting", active ? json(active->str()) : json()},
            {"rsvps", c->rsvps},
            {"checked_in", c->checked_in},
            {"refused_scans", c->refused_scans},
            {"outbox", c->outbox_pending}};
  if (active)
    if (auto m = store->meeting(*active)) j["active_meeting_name"] = m->name;
  print_line(j);
  return 0;
}

}  // namespace cate::cli
