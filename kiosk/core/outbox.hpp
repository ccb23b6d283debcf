#pragma once
/// @brief The kiosk side of sync: the sync client's OutboxSource and PullTarget over the Store's
/// outbox table and roster. The Store is single-owner: use a KioskSync on the thread that owns
/// the Store (the headless `cate-kiosk sync`, or inside a StoreService request).
#include <string>

#include "kiosk/core/store.hpp"
#include "sync/client/sync_client.hpp"

namespace cate {

class KioskSync final : public OutboxSource, public PullTarget {
 public:
  explicit KioskSync(Store& store) : store_(store) {}

  Result<std::vector<OutboxRecord>, std::string> next_batch(std::size_t max, std::int64_t after_position) override;
  Result<std::monostate, std::string> acknowledge(const std::vector<Uuid>& record_ids) override;
  Result<std::monostate, std::string> keep(const std::vector<Uuid>& record_ids, std::string_view reason) override;
  std::int64_t pending() override;

  std::string pull_cursor() override;
  /// Takes in the pulled bundle exactly as a USB bundle is taken in (Store::import_bundle): a
  /// kiosk that holds keys accepts only data signed by one of them.
  Result<std::string, std::string> apply_pull(const wire::PullResponse& pull) override;

 private:
  Store& store_;
};

/// Settings in the kiosk store that enrolment writes and every sync reads.
inline constexpr const char* kSyncServerSetting = "sync_server";         ///< the server's URL
inline constexpr const char* kSyncTokenSetting = "sync_token";           ///< this kiosk's bearer token (secret)
inline constexpr const char* kSyncServerKeySetting = "sync_server_key";  ///< pinned identity key, base64; empty: unpinned
/// The server's identity key that forms and USB exports are sealed to, base64 Ed25519: set by
/// enrolment (the pinned key) and by every bundle that carries `seal_key`.
inline constexpr const char* kSealKeySetting = "seal_key";

/// @brief Enrols this kiosk with the text of an enrolment QR (staff mode's scan, or
/// `cate-kiosk enrol`): trades its one-time token, pins the server, keeps all three settings.
Result<Enrolled, EnrolFailure> enrol_kiosk(Store& store, std::string_view code_text);

/// @brief The sync client's settings from the store (server, token, pinned key, device ID);
/// an error in words when the kiosk is not enrolled or its pinned key is damaged.
Result<SyncClientConfig, std::string> sync_config_from_store(const Store& store);

}  // namespace cate
