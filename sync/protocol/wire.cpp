// The sync wire protocol: JSON writers and readers for every message in wire.hpp.
//
// [SECTION] Field readers   throw a WireFault with the JSON path; caught once per message
// [SECTION] Writers         to_json for each message
// [SECTION] Readers         parse_* for each message; never throw out
#include "sync/protocol/wire.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

namespace cate::wire {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// [SECTION] Field readers
// ---------------------------------------------------------------------------------------------
namespace {

struct WireFault {
  std::string message;
};

const json& need(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) throw WireFault{where + " is not an object"};
  auto it = obj.find(key);
  if (it == obj.end()) throw WireFault{where + "." + key + " is missing"};
  return *it;
}
std::string need_string(const json& obj, const char* key, const std::string& where,
                        std::size_t max_len = 1000) {
  const json& v = need(obj, key, where);
  if (!v.is_string()) throw WireFault{where + "." + key + " is not text"};
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_len) throw WireFault{where + "." + key + " is too long"};
  return s;
}
std::string opt_string(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key)) return {};
  return need_string(obj, key, where);
}
std::int64_t need_int(const json& obj, const char* key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_number_integer()) throw WireFault{where + "." + key + " is not a whole number"};
  return v.get<std::int64_t>();
}
bool need_bool(const json& obj, const char* key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_boolean()) throw WireFault{where + "." + key + " is not true or false"};
  return v.get<bool>();
}
Uuid need_uuid(const json& obj, const char* key, const std::string& where) {
  auto u = Uuid::parse(need_string(obj, key, where, 64));
  if (!u) throw WireFault{where + "." + key + " is not a UUID"};
  return *u;
}
const json& need_array(const json& obj, const char* key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_array()) throw WireFault{where + "." + key + " is not a list"};
  return v;
}

/// Parses `body` as a JSON object of `type` and of this protocol version, then reads it.
template <class T, class F>
Result<T, WireError> read(std::string_view body, const char* type, F&& fields) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err{WireError{std::string("the ") + type + " is not JSON"}};
  try {
    if (!j.is_object()) return Err{WireError{std::string("the ") + type + " is not a JSON object"}};
    std::string got = need_string(j, "type", "message");
    if (got != type)
      return Err{WireError{"expected a " + std::string(type) + " message, got \"" + got + "\""}};
    std::int64_t v = need_int(j, "protocol", "message");
    if (v != kProtocolVersion)
      return Err{WireError{"protocol version " + std::to_string(v) + " is not spoken here (this side speaks " +
                           std::to_string(kProtocolVersion) + ")"}};
    return fields(j);
  } catch (const WireFault& f) {
    return Err{WireError{f.message}};
  } catch (const json::exception& e) {
    return Err{WireError{std::string("the ") + type + " is malformed: " + e.what()}};
  }
}

json envelope(const char* type) { return json{{"protocol", kProtocolVersion}, {"type", type}}; }

RecordStatus parse_status(const std::string& s, const std::string& where) {
  for (auto st : {RecordStatus::Stored, RecordStatus::Duplicate, RecordStatus::Refused})
    if (s == to_string(st)) return st;
  throw WireFault{where + ".status is not stored, duplicate or refused"};
}

}  // namespace

const char* to_string(RecordStatus s) {
  switch (s) {
    case RecordStatus::Stored: return "stored";
    case RecordStatus::Duplicate: return "duplicate";
    case RecordStatus::Refused: return "refused";
  }
  return "refused";
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Writers
// ---------------------------------------------------------------------------------------------
std::string to_json(const PushRequest& m) {
  json j = envelope("push_request");
  j["device_id"] = m.device_id;
  j["device_clock_ms"] = m.device_clock_ms;
  json recs = json::array();
  for (const auto& r : m.records) {
    json payload = json::parse(r.payload, nullptr, false);
    if (payload.is_discarded()) payload = json::object();  // a record the device cannot read: sent empty, refused there
    recs.push_back({{"record_id", r.record_id.str()},
                    {"kind", r.kind},
                    {"original_ms", r.original_ms},
                    {"payload", std::move(payload)}});
  }
  j["records"] = std::move(recs);
  if (m.outbox_pending >= 0) j["outbox_pending"] = m.outbox_pending;
  return j.dump();
}

std::string to_json(const PushResponse& m) {
  json j = envelope("push_response");
  j["server_clock_ms"] = m.server_clock_ms;
  json res = json::array();
  for (const auto& r : m.results) {
    json e = {{"record_id", r.record_id.str()}, {"status", to_string(r.status)}};
    if (r.status == RecordStatus::Refused) {
      e["permanent"] = r.permanent;
      e["reason"] = r.reason;
    }
    if (!r.note.empty()) e["note"] = r.note;
    res.push_back(std::move(e));
  }
  j["results"] = std::move(res);
  return j.dump();
}

std::string to_json(const PullResponse& m) {
  json j = envelope("pull_response");
  j["cursor"] = m.cursor;
  j["server_clock_ms"] = m.server_clock_ms;
  j["unchanged"] = m.unchanged;
  j["bundle"] = m.bundle;
  return j.dump();
}

std::string to_json(const Health& m) {
  json j = envelope("health");
  j["status"] = m.status;
  j["server_clock_ms"] = m.server_clock_ms;
  return j.dump();
}

std::string to_json(const EnrolRequest& m) {
  json j = envelope("enrol_request");
  j["token"] = m.token;
  j["device_id"] = m.device_id;
  j["box_key"] = m.box_key;
  return j.dump();
}

std::string to_json(const EnrolResponse& m) {
  json j = envelope("enrol_response");
  j["device_id"] = m.device_id;
  j["name"] = m.name;
  j["sealed_token"] = m.sealed_token;
  j["server_key"] = m.server_key;
  j["server_clock_ms"] = m.server_clock_ms;
  j["signature"] = m.signature;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string enrol_response_signing_text(const EnrolResponse& m, std::string_view box_key) {
  return "CATE-ENROL1 enrol_response\n" + m.device_id + "\n" + m.name + "\n" + m.sealed_token + "\n" +
         m.server_key + "\n" + std::to_string(m.server_clock_ms) + "\n" + std::string(box_key);
}

std::string answer_signing_text(std::string_view nonce, std::string_view method, std::string_view path, int status,
                                std::string_view body) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(body.data()), body.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return "CATE-SYNC1 answer\n" + std::string(nonce) + "\n" + std::string(method) + " " + std::string(path) + "\n" +
         std::to_string(status) + "\n" + hex;
}

std::string to_json(const ErrorBody& m) {
  json j = envelope("error");
  j["code"] = m.code;
  j["message"] = m.message;
  j["retry"] = m.retry;
  return j.dump();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Readers
// ---------------------------------------------------------------------------------------------
Result<PushRequest, WireError> parse_push_request(std::string_view body) {
  return read<PushRequest>(body, "push_request", [](const json& j) -> Result<PushRequest, WireError> {
    PushRequest m;
    m.device_id = need_string(j, "device_id", "push_request", 64);
    m.device_clock_ms = need_int(j, "device_clock_ms", "push_request");
    const json& recs = need_array(j, "records", "push_request");
    if (recs.size() > kMaxBatchRecords)
      throw WireFault{"push_request.records holds " + std::to_string(recs.size()) + " records; at most " +
                      std::to_string(kMaxBatchRecords) + " are taken at once"};
    for (std::size_t i = 0; i < recs.size(); ++i) {
      std::string w = "records[" + std::to_string(i) + "]";
      Record r;
      r.record_id = need_uuid(recs[i], "record_id", w);
      r.kind = need_string(recs[i], "kind", w, 64);
      r.original_ms = need_int(recs[i], "original_ms", w);
      const json& p = need(recs[i], "payload", w);
      if (!p.is_object()) throw WireFault{w + ".payload is not an object"};
      r.payload = p.dump();
      if (r.payload.size() > kMaxPayloadBytes) throw WireFault{w + ".payload is too large"};
      m.records.push_back(std::move(r));
    }
    if (j.contains("outbox_pending")) m.outbox_pending = need_int(j, "outbox_pending", "push_request");
    return m;
  });
}

Result<PushResponse, WireError> parse_push_response(std::string_view body) {
  return read<PushResponse>(body, "push_response", [](const json& j) -> Result<PushResponse, WireError> {
    PushResponse m;
    m.server_clock_ms = need_int(j, "server_clock_ms", "push_response");
    const json& res = need_array(j, "results", "push_response");
    for (std::size_t i = 0; i < res.size(); ++i) {
      std::string w = "results[" + std::to_string(i) + "]";
      RecordResult r;
      r.record_id = need_uuid(res[i], "record_id", w);
      r.status = parse_status(need_string(res[i], "status", w, 32), w);
      if (r.status == RecordStatus::Refused) {
        r.permanent = need_bool(res[i], "permanent", w);
        r.reason = need_string(res[i], "reason", w);
      }
      r.note = opt_string(res[i], "note", w);
      m.results.push_back(std::move(r));
    }
    return m;
  });
}

Result<PullResponse, WireError> parse_pull_response(std::string_view body) {
  return read<PullResponse>(body, "pull_response", [](const json& j) -> Result<PullResponse, WireError> {
    PullResponse m;
    m.cursor = need_string(j, "cursor", "pull_response", 200);
    m.server_clock_ms = need_int(j, "server_clock_ms", "pull_response");
    m.unchanged = need_bool(j, "unchanged", "pull_response");
    m.bundle = need_string(j, "bundle", "pull_response", std::size_t{256} << 20);
    if (!m.unchanged && m.bundle.empty()) throw WireFault{"pull_response.bundle is empty"};
    return m;
  });
}

Result<Health, WireError> parse_health(std::string_view body) {
  return read<Health>(body, "health", [](const json& j) -> Result<Health, WireError> {
    Health m;
    m.status = need_string(j, "status", "health");
    m.server_clock_ms = need_int(j, "server_clock_ms", "health");
    return m;
  });
}

Result<EnrolRequest, WireError> parse_enrol_request(std::string_view body) {
  return read<EnrolRequest>(body, "enrol_request", [](const json& j) -> Result<EnrolRequest, WireError> {
    EnrolRequest m;
    m.token = need_string(j, "token", "enrol_request", 200);
    m.device_id = need_string(j, "device_id", "enrol_request", 64);
    m.box_key = need_string(j, "box_key", "enrol_request", 100);
    return m;
  });
}

Result<EnrolResponse, WireError> parse_enrol_response(std::string_view body) {
  return read<EnrolResponse>(body, "enrol_response", [](const json& j) -> Result<EnrolResponse, WireError> {
    EnrolResponse m;
    m.device_id = need_string(j, "device_id", "enrol_response", 64);
    m.name = need_string(j, "name", "enrol_response", 400);
    m.sealed_token = need_string(j, "sealed_token", "enrol_response", 400);
    m.server_key = need_string(j, "server_key", "enrol_response", 100);
    m.server_clock_ms = need_int(j, "server_clock_ms", "enrol_response");
    m.signature = need_string(j, "signature", "enrol_response", 200);
    return m;
  });
}

Result<ErrorBody, WireError> parse_error_body(std::string_view body) {
  return read<ErrorBody>(body, "error", [](const json& j) -> Result<ErrorBody, WireError> {
    ErrorBody m;
    m.code = need_string(j, "code", "error", 100);
    m.message = need_string(j, "message", "error", 4000);
    m.retry = need_bool(j, "retry", "error");
    return m;
  });
}

}  // namespace cate::wire
