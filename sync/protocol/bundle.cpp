#include "sync/protocol/bundle.hpp"

#include <nlohmann/json.hpp>

#include "sync/protocol/form_definition.hpp"

namespace cate {

using nlohmann::json;

namespace {

struct BundleError {
  std::string message;
};

// Field readers that throw BundleError with the JSON path; caught once in read_bundle.
const json& need(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key)) throw BundleError{where + "." + key + " is missing"};
  return obj.at(key);
}
std::string need_string(const json& obj, const char* key, const std::string& where,
                        std::size_t max_len = 1000) {
  const json& v = need(obj, key, where);
  if (!v.is_string()) throw BundleError{where + "." + key + " is not text"};
  auto s = v.get<std::string>();
  if (s.size() > max_len) throw BundleError{where + "." + key + " is too long"};
  return s;
}
std::int64_t need_int(const json& obj, const char* key, const std::string& where) {
  const json& v = need(obj, key, where);
  if (!v.is_number_integer()) throw BundleError{where + "." + key + " is not a whole number"};
  return v.get<std::int64_t>();
}
template <class Id>
Id need_id(const json& obj, const char* key, const std::string& where) {
  auto id = Id::parse(need_string(obj, key, where));
  if (!id) throw BundleError{where + "." + key + " is not a 16-digit hex ID"};
  return *id;
}
const json& need_array(const json& obj, const char* key) {
  const json& v = need(obj, key, "bundle");
  if (!v.is_array()) throw BundleError{std::string("bundle.") + key + " is not a list"};
  return v;
}

json to_json(const Bundle& b) {
  json j;
  j["created_at"] = b.created_at;
  j["keys"] = json::array();
  for (const auto& k : b.keys) j["keys"].push_back({{"id", key_id_str(k.id())}, {"ed25519", k.base64()}});
  j["meetings"] = json::array();
  for (const auto& m : b.meetings)
    j["meetings"].push_back(
        {{"id", m.id.str()}, {"name", m.name}, {"starts_at", m.starts_at}, {"ends_at", m.ends_at}});
  j["rsvps"] = json::array();
  for (const auto& r : b.rsvps)
    j["rsvps"].push_back({{"id", r.id.str()},
                          {"meeting", r.meeting.str()},
                          {"first_name", r.first_name},
                          {"last_name", r.last_name},
                          {"email", r.email}});
  j["revocations"] = json::array();
  for (const auto& r : b.revocations)
    j["revocations"].push_back({{"ticket", r.ticket.str()}, {"revoked_at", r.revoked_at}});
  if (!b.forms.empty()) {
    j["forms"] = json::array();
    for (const auto& f : b.forms) {
      json def = json::parse(f, nullptr, false);  // checked text (read_bundle, cate-admin form set)
      if (!def.is_discarded()) j["forms"].push_back(std::move(def));
    }
  }
  if (b.active_meeting) j["active_meeting"] = b.active_meeting->str();
  if (b.seal_key) j["seal_key"] = b.seal_key->base64();
  if (b.delta) {
    j["delta"] = true;
    j["since"] = b.since;
    j["removed_rsvps"] = json::array();
    for (const auto& r : b.removed_rsvps) j["removed_rsvps"].push_back(r.str());
  }
  return j;
}

Bundle from_json(const json& j) {
  if (!j.is_object()) throw BundleError{"bundle is not an object"};
  Bundle b;
  b.created_at = need_int(j, "created_at", "bundle");
  const json& keys = need_array(j, "keys");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::string w = "keys[" + std::to_string(i) + "]";
    auto pk = PublicKey::from_base64(need_string(keys[i], "ed25519", w));
    if (!pk) throw BundleError{w + ".ed25519 is not a 32-byte base64 key"};
    auto id = parse_key_id(need_string(keys[i], "id", w));
    if (!id || *id != pk->id()) throw BundleError{w + ".id does not match the key"};
    b.keys.push_back(*pk);
  }
  const json& meetings = need_array(j, "meetings");
  for (std::size_t i = 0; i < meetings.size(); ++i) {
    std::string w = "meetings[" + std::to_string(i) + "]";
    Meeting m;
    m.id = need_id<MeetingId>(meetings[i], "id", w);
    m.name = need_string(meetings[i], "name", w);
    m.starts_at = need_int(meetings[i], "starts_at", w);
    m.ends_at = need_int(meetings[i], "ends_at", w);
    b.meetings.push_back(std::move(m));
  }
  const json& rsvps = need_array(j, "rsvps");
  for (std::size_t i = 0; i < rsvps.size(); ++i) {
    std::string w = "rsvps[" + std::to_string(i) + "]";
    Rsvp r;
    r.id = need_id<RsvpId>(rsvps[i], "id", w);
    r.meeting = need_id<MeetingId>(rsvps[i], "meeting", w);
    r.first_name = need_string(rsvps[i], "first_name", w);
    r.last_name = need_string(rsvps[i], "last_name", w);
    r.email = need_string(rsvps[i], "email", w);
    b.rsvps.push_back(std::move(r));
  }
  const json& revs = need_array(j, "revocations");
  for (std::size_t i = 0; i < revs.size(); ++i) {
    std::string w = "revocations[" + std::to_string(i) + "]";
    auto t = TicketRef::parse(need_string(revs[i], "ticket", w));
    if (!t) throw BundleError{w + ".ticket is not a ticket reference"};
    b.revocations.push_back({*t, need_int(revs[i], "revoked_at", w)});
  }
  if (j.contains("forms")) {
    const json& forms = need_array(j, "forms");
    for (std::size_t i = 0; i < forms.size(); ++i) {
      std::string w = "forms[" + std::to_string(i) + "]";
      std::string text = forms[i].dump();
      auto def = parse_form_definition(text, "bundle." + w);
      if (!def) throw BundleError{def.error()};
      b.forms.push_back(std::move(text));
    }
  }
  if (j.contains("active_meeting")) b.active_meeting = need_id<MeetingId>(j, "active_meeting", "bundle");
  if (j.contains("seal_key")) {
    b.seal_key = PublicKey::from_base64(need_string(j, "seal_key", "bundle"));
    if (!b.seal_key) throw BundleError{"bundle.seal_key is not a 32-byte base64 key"};
  }
  if (j.contains("delta")) {
    if (!j["delta"].is_boolean()) throw BundleError{"bundle.delta is not true or false"};
    b.delta = j["delta"].get<bool>();
  }
  if (b.delta) {
    b.since = need_string(j, "since", "bundle");
    const json& removed = need_array(j, "removed_rsvps");
    for (std::size_t i = 0; i < removed.size(); ++i) {
      if (!removed[i].is_string()) throw BundleError{"bundle.removed_rsvps[" + std::to_string(i) + "] is not text"};
      auto id = RsvpId::parse(removed[i].get<std::string>());
      if (!id) throw BundleError{"bundle.removed_rsvps[" + std::to_string(i) + "] is not a 16-digit hex ID"};
      b.removed_rsvps.push_back(*id);
    }
  }
  return b;
}

}  // namespace

std::string write_bundle(Bundle bundle, const SecretKey& key) {
  PublicKey pk = key.public_key();
  bool has = false;
  for (const auto& k : bundle.keys) has = has || k == pk;
  if (!has) bundle.keys.push_back(pk);
  // The signature covers the body exactly as written, so no canonical JSON is needed.
  std::string body = to_json(bundle).dump();
  auto sig = sign_bytes(body, key);
  json outer = {{"format", kBundleFormat},
                {"signed_by", key_id_str(pk.id())},
                {"signature", base64_encode({reinterpret_cast<const char*>(sig.data()), sig.size()})},
                {"body", body}};
  return outer.dump(1) + "\n";
}

Result<SignedBundle, std::string> read_bundle(std::string_view file_text) {
  json outer = json::parse(file_text, nullptr, /*allow_exceptions=*/false);
  if (outer.is_discarded()) return Err{std::string("the file is not a bundle (not JSON)")};
  try {
    if (!outer.is_object() || !outer.contains("format") || outer["format"] != kBundleFormat)
      return Err{std::string("the file is not a bundle of format ") + std::string(kBundleFormat)};
    std::string body = need_string(outer, "body", "file", 512u << 20);
    auto signer = parse_key_id(need_string(outer, "signed_by", "file"));
    if (!signer) return Err{std::string("file.signed_by is not a key ID")};
    auto sig = base64_decode(need_string(outer, "signature", "file"));
    if (!sig || sig->size() != 64) return Err{std::string("file.signature is not a signature")};
    json inner = json::parse(body, nullptr, false);
    if (inner.is_discarded()) return Err{std::string("the bundle body is not JSON")};
    SignedBundle out{from_json(inner), *signer};
    const PublicKey* key = nullptr;
    for (const auto& k : out.bundle.keys)
      if (k.id() == *signer) key = &k;
    if (!key) return Err{std::string("the bundle is signed by a key it does not carry")};
    if (!verify_bytes(body, reinterpret_cast<const std::uint8_t*>(sig->data()), *key))
      return Err{std::string("the bundle's signature does not match: the file was changed or damaged")};
    return out;
  } catch (const BundleError& e) {
    return Err{e.message};
  } catch (const json::exception& e) {
    return Err{std::string("the bundle is malformed: ") + e.what()};
  }
}

}  // namespace cate
