#include "kiosk/core/outbox.hpp"

#include "kiosk/core/check_in.hpp"
#include "sync/protocol/bundle.hpp"
#include "sync/protocol/enrolment.hpp"

namespace cate {

namespace {
std::vector<std::string> as_text(const std::vector<Uuid>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(id.str());
  return out;
}
}  // namespace

Result<std::vector<OutboxRecord>, std::string> KioskSync::next_batch(std::size_t max, std::int64_t after_position) {
  std::vector<OutboxRecord> out;
  // A row whose ID cannot be read (never written so by this kiosk) is passed over, not sent.
  for (int page = 0; page < 100 && out.empty(); ++page) {
    auto rows = store_.outbox_batch(max, after_position);
    if (!rows) return Err{rows.error().message};
    if (rows->empty()) break;
    for (auto& r : *rows) {
      if (auto id = Uuid::parse(r.record_id))
        out.push_back({r.seq, wire::Record{*id, r.kind, r.created_at_ms, std::move(r.payload)}, r.attempts});
    }
    after_position = rows->back().seq;
  }
  return out;
}

Result<std::monostate, std::string> KioskSync::acknowledge(const std::vector<Uuid>& record_ids) {
  if (auto r = store_.outbox_remove(as_text(record_ids)); !r) return Err{r.error().message};
  return std::monostate{};
}

Result<std::monostate, std::string> KioskSync::keep(const std::vector<Uuid>& record_ids, std::string_view reason) {
  if (auto r = store_.outbox_note_failure(as_text(record_ids), std::string(reason)); !r) return Err{r.error().message};
  return std::monostate{};
}

std::int64_t KioskSync::pending() { return store_.outbox_size(); }

std::string KioskSync::pull_cursor() { return store_.setting("pull_cursor").value_or(""); }

Result<std::string, std::string> KioskSync::apply_pull(const wire::PullResponse& pull) {
  std::string summary = "nothing new from the office";
  if (!pull.unchanged) {
    auto bundle = read_bundle(pull.bundle);
    if (!bundle) return Err{"the office's data cannot be read: " + bundle.error()};
    if (bundle->bundle.delta && bundle->bundle.since != pull_cursor()) {
      // Changes since a point this kiosk is not at: take none of it, and ask for everything next time.
      (void)store_.set_setting("pull_cursor", "");
      return Err{std::string("the office sent changes since another point than this kiosk's; the next sync "
                             "takes everything again")};
    }
    auto sum = store_.import_bundle(*bundle, /*trust_new_signer=*/false, now_unix_ms());
    if (!sum) return Err{sum.error().message};
    summary = std::string(bundle->bundle.delta ? "changes: " : "") + std::to_string(sum->meetings) + " meetings, " +
              std::to_string(sum->rsvps) + " RSVPs, " + std::to_string(sum->revocations) + " new revocations, " +
              std::to_string(sum->keys) + " new keys";
    if (sum->rsvps_removed > 0) summary += ", " + std::to_string(sum->rsvps_removed) + " RSVPs removed";
    if (sum->forms > 0) summary += ", " + std::to_string(sum->forms) + " new form definitions";
  }
  if (auto r = store_.set_setting("pull_cursor", pull.cursor); !r) return Err{r.error().message};
  return summary;
}

Result<Enrolled, EnrolFailure> enrol_kiosk(Store& store, std::string_view code_text, const std::string& ca_file) {
  auto code = parse_enrolment_code(code_text);
  if (!code) return Err{EnrolFailure{"bad_code", code.error()}};
  // No CA given (staff mode's scan): the one set before, if any, still holds.
  const std::string ca = ca_file.empty() ? store.setting(kSyncCaFileSetting).value_or("") : ca_file;
  auto enrolled = enrol_device(*code, store.device_id(), 10000, ca);
  if (!enrolled) return Err{enrolled.error()};
  for (auto [key, value] : {std::pair{kSyncServerSetting, enrolled->server_url},
                            std::pair{kSyncTokenSetting, enrolled->device_token},
                            std::pair{kSyncServerKeySetting, enrolled->server_key.base64()},
                            std::pair{kSealKeySetting, enrolled->server_key.base64()},
                            std::pair{kSyncCaFileSetting, ca}})
    if (auto r = store.set_setting(key, value); !r) return Err{EnrolFailure{"store", r.error().message}};
  return enrolled;
}

Result<SyncClientConfig, std::string> sync_config_from_store(const Store& store) {
  SyncClientConfig config;
  config.server_url = store.setting(kSyncServerSetting).value_or("");
  config.device_token = store.setting(kSyncTokenSetting).value_or("");
  config.device_id = store.device_id();
  config.ca_file = store.setting(kSyncCaFileSetting).value_or("");
  if (config.server_url.empty() || config.device_token.empty())
    return Err{std::string("this kiosk is not enrolled: scan an enrolment code from the office (cate-admin device add)")};
  if (auto pinned = store.setting(kSyncServerKeySetting); pinned && !pinned->empty()) {
    config.server_key = PublicKey::from_base64(*pinned);
    if (!config.server_key) return Err{std::string("the pinned server key in this kiosk's store is damaged: enrol again")};
  }
  return config;
}

}  // namespace cate
