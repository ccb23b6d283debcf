#include "sync/server/record_facts.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "sync/protocol/ids.hpp"

namespace cate {

std::optional<CheckInFact> read_check_in(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto m = j.find("meeting"), r = j.find("rsvp"), s = j.find("serial"), me = j.find("method");
  if (m == j.end() || r == j.end() || !m->is_string() || !r->is_string()) return std::nullopt;
  if (!MeetingId::parse(m->get<std::string>()) || !RsvpId::parse(r->get<std::string>())) return std::nullopt;
  CheckInFact f{m->get<std::string>(), r->get<std::string>(), "typed", 0};
  if (s != j.end()) {
    if (!s->is_number_integer() || s->get<std::int64_t>() < 0 || s->get<std::int64_t>() > 65535) return std::nullopt;
    f.serial = s->get<std::int64_t>();
  }
  if (me != j.end()) {
    if (!me->is_string() || me->get_ref<const std::string&>().size() > 32) return std::nullopt;
    f.method = me->get<std::string>();
  }
  return f;
}

std::optional<RefusedScanFact> read_refused_scan(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto o = j.find("outcome"), me = j.find("method"), m = j.find("meeting");
  if (o == j.end() || !o->is_string() || o->get_ref<const std::string&>().size() > 64) return std::nullopt;
  RefusedScanFact f{o->get<std::string>(), "typed", std::nullopt};
  if (me != j.end()) {
    if (!me->is_string() || me->get_ref<const std::string&>().size() > 32) return std::nullopt;
    f.method = me->get<std::string>();
  }
  if (m != j.end() && !m->is_null()) {
    if (!m->is_string() || !MeetingId::parse(m->get<std::string>())) return std::nullopt;
    f.meeting = m->get<std::string>();
  }
  return f;
}

std::string token_hash(std::string_view token) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

}  // namespace cate
