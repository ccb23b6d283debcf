#include "sync/server/record_facts.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "sync/protocol/ids.hpp"
#include "sync/protocol/sealed_form.hpp"

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

std::optional<UndoFact> read_undo(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto c = j.find("check_in"), m = j.find("meeting"), r = j.find("rsvp");
  if (c == j.end() || m == j.end() || r == j.end() || !c->is_string() || !m->is_string() || !r->is_string())
    return std::nullopt;
  auto id = Uuid::parse(c->get<std::string>());
  if (!id || !MeetingId::parse(m->get<std::string>()) || !RsvpId::parse(r->get<std::string>())) return std::nullopt;
  return UndoFact{id->str(), m->get<std::string>(), r->get<std::string>()};
}

namespace {

/// A field's value as SYNC.md allows it: a string, a list of strings, or a tick box.
bool is_form_value(const nlohmann::ordered_json& v) {
  if (v.is_string() || v.is_boolean()) return true;
  if (!v.is_array()) return false;
  for (const auto& e : v)
    if (!e.is_string()) return false;
  return true;
}

}  // namespace

Result<FormFact, FormRefusal> read_form(const std::string& payload, const SecretKey* identity) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return Err{FormRefusal::BadPayload};
  auto f = j.find("form"), v = j.find("form_version"), m = j.find("meeting"), s = j.find("sealed");
  if (f == j.end() || !f->is_string() || f->get_ref<const std::string&>().empty() ||
      f->get_ref<const std::string&>().size() > 64)
    return Err{FormRefusal::BadPayload};
  if (s == j.end() || !s->is_string()) return Err{FormRefusal::BadPayload};
  FormFact out;
  out.form = f->get<std::string>();
  if (v != j.end()) {
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0) return Err{FormRefusal::BadPayload};
    out.form_version = v->get<std::int64_t>();
  }
  if (m != j.end() && !m->is_null()) {
    if (!m->is_string() || !MeetingId::parse(m->get<std::string>())) return Err{FormRefusal::BadPayload};
    out.meeting = m->get<std::string>();
  }
  if (out.form == "walk_in" && !out.meeting) return Err{FormRefusal::BadPayload};
  if (!identity) return Err{FormRefusal::NoIdentity};
  auto plain = open_sealed(s->get<std::string>(), *identity);
  if (!plain) return Err{FormRefusal::BadPayload};
  // ordered_json: the answers keep the order the kiosk wrote them in.
  auto inner = nlohmann::ordered_json::parse(*plain, nullptr, false);
  if (!inner.is_object()) return Err{FormRefusal::BadPayload};
  auto inf = inner.find("form"), fields = inner.find("fields"), lang = inner.find("language");
  // The sealed form must be the one the envelope names: nothing outside `sealed` can be swapped.
  if (inf == inner.end() || !inf->is_string() || inf->get<std::string>() != out.form) return Err{FormRefusal::BadPayload};
  if (fields == inner.end() || !fields->is_object()) return Err{FormRefusal::BadPayload};
  for (const auto& [key, value] : fields->items())
    if (key.empty() || key.size() > 64 || !is_form_value(value)) return Err{FormRefusal::BadPayload};
  if (lang != inner.end() && !lang->is_null()) {
    if (!lang->is_string() || lang->get_ref<const std::string&>().size() > 16) return Err{FormRefusal::BadPayload};
    out.language = lang->get<std::string>();
  }
  out.answers = fields->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict);
  return out;
}

std::string token_hash(std::string_view token) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

}  // namespace cate
