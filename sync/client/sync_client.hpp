#pragma once
/// @brief The kiosk's sync client (libcurl): one round uploads the outbox in batches, then
/// pulls. It reaches the kiosk only through OutboxSource and PullTarget, which the kiosk
/// implements (kiosk/core/outbox.hpp): sync/ never includes kiosk/.
///
/// The rule (pretix's): a record leaves the outbox only when the server answered stored or
/// duplicate, or refused it for good. Anything else (no answer, a timeout, a garbled answer, a
/// refusal that may pass later) keeps it, and the next round comes after a back-off.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "platform/result.hpp"
#include "sync/protocol/enrolment.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/wire.hpp"

namespace cate {

/// A record waiting in the outbox, with its place in the upload order.
struct OutboxRecord {
  std::int64_t position = 0;  ///< upload order (increasing); next_batch() continues after one
  wire::Record record;
  int attempts = 0;           ///< uploads tried so far
};

/// @brief The records waiting to go to the server, as the sync client sees them.
class OutboxSource {
 public:
  virtual ~OutboxSource() = default;
  /// @brief Up to `max` waiting records after `after_position`, in upload order.
  virtual Result<std::vector<OutboxRecord>, std::string> next_batch(std::size_t max, std::int64_t after_position) = 0;
  /// @brief The server has these records for good (or refused them for good): they leave the outbox.
  virtual Result<std::monostate, std::string> acknowledge(const std::vector<Uuid>& record_ids) = 0;
  /// @brief These records were not taken this time: they stay, with the reason in words.
  virtual Result<std::monostate, std::string> keep(const std::vector<Uuid>& record_ids, std::string_view reason) = 0;
  /// @brief How many records are waiting (for progress).
  virtual std::int64_t pending() = 0;
};

/// @brief Where a pull lands on the kiosk.
class PullTarget {
 public:
  virtual ~PullTarget() = default;
  /// @brief The cursor the server gave last time; empty before the first pull.
  virtual std::string pull_cursor() = 0;
  /// @brief Takes in what the server sent (and its cursor); returns a summary in words.
  virtual Result<std::string, std::string> apply_pull(const wire::PullResponse& pull) = 0;
};

struct SyncClientConfig {
  std::string server_url;        ///< "http://127.0.0.1:8443" (no trailing slash)
  std::string device_id;         ///< the kiosk's own ID
  std::string device_token;      ///< its bearer token from enrolment
  std::size_t batch_size = 100;  ///< records a push (at most wire::kMaxBatchRecords)
  long connect_timeout_ms = 3000;
  long request_timeout_ms = 15000;  ///< whole request, connection to last byte
  std::size_t max_batches_per_round = 1000;  ///< bounds one round
  /// The kiosk's clock, Unix milliseconds (sent with each batch: the server derives skew); null: system clock.
  std::function<std::int64_t()> clock;
  /// The server's identity key pinned at enrolment: every answer must be signed by it, or the
  /// round stops (SyncFailure::Identity) and nothing in that answer is believed. None: unpinned
  /// (a kiosk enrolled the plain way, with --server and --token).
  std::optional<PublicKey> server_key;
  /// For an https server: a PEM file of the CA certificates to trust instead of the system's
  /// (an office's own CA); empty: the system's CAs. A plain http URL is taken only for a
  /// loopback host: anywhere else the token and the records would cross the network in the clear.
  std::string ca_file;
};

/// Why a round stopped early.
enum class SyncFailure {
  None,
  Transport,  ///< no HTTP answer: no network, refused, timeout, cut off
  Http,       ///< the server answered with an error status (see http_status, error_code)
  Protocol,   ///< the server answered something that is not the protocol
  Outbox,     ///< the kiosk's own store failed
  Pull,       ///< the pulled data could not be taken in
  Identity,   ///< the answer is not signed by the server this kiosk was enrolled with
};
const char* to_string(SyncFailure f);

/// What staff see while a round runs and after it.
struct SyncProgress {
  enum class Phase { Idle, Uploading, Downloading, Done, Failed } phase = Phase::Idle;
  std::int64_t sent = 0;     ///< records uploaded and acknowledged this round
  std::int64_t waiting = 0;  ///< records in the outbox when the round started
  std::string words;         ///< "Uploading 40 of 120 records", "Sync failed: the server cannot be reached"
};

struct RoundReport {
  bool ok = false;            ///< the whole round went through (upload and pull)
  std::int64_t sent = 0;      ///< records sent (answers received for)
  std::int64_t stored = 0, duplicate = 0, refused_permanent = 0, kept = 0;
  bool pulled = false;
  std::string pull_summary;
  SyncFailure failure = SyncFailure::None;
  int http_status = 0;        ///< Http: the status
  std::string error_code;     ///< Http: the server's error code ("unauthorized", ...)
  std::string error;          ///< in words, for the staff screen; empty when ok
};

/// Exponential back-off with jitter between failed rounds: base, 2x, 4x ... up to max, each
/// delay drawn from [d/2, d] so many kiosks behind one flaky router do not retry in step.
class Backoff {
 public:
  Backoff(std::int64_t base_ms = 2000, std::int64_t max_ms = 300000, std::uint64_t seed = std::random_device{}())
      : base_(base_ms), max_(max_ms), rng_(seed) {}
  /// The wait before the next try after one more failure.
  std::int64_t next_delay_ms();
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::int64_t base_, max_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

/// A kiosk's credential from enrolment, and the server it pinned.
struct Enrolled {
  std::string server_url;
  std::string device_token;  ///< the bearer token for push and pull; keep it secret
  PublicKey server_key;      ///< the server's identity key; its fingerprint matched the enrolment code
  std::string name;          ///< the name the office gave this kiosk
};

/// Why enrolment failed: `code` for programs ("enrolment_used", "wrong_server", "transport",
/// "protocol", or the server's error code), `message` in words for staff.
struct EnrolFailure {
  std::string code;
  std::string message;
};

/// @brief Trades the enrolment code's one-time token at POST /v1/enrol for a credential. Every
/// answer, refusals included, must come from the server whose key fingerprint is in the code.
/// `ca_file`: as SyncClientConfig::ca_file.
Result<Enrolled, EnrolFailure> enrol_device(const EnrolmentCode& code, const std::string& device_id,
                                            long timeout_ms = 10000, const std::string& ca_file = "");

/// @brief Why the kiosk will not send to `url`, in words; nothing when it will (https, or plain
/// http to a loopback host).
std::optional<std::string> insecure_url_refusal(const std::string& url);

class SyncClient {
 public:
  explicit SyncClient(SyncClientConfig config);
  ~SyncClient();
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  /// @brief One round: upload the outbox in batches until it is empty, then pull.
  RoundReport round(OutboxSource& outbox, PullTarget& target);
  /// @brief Only the upload half of a round.
  RoundReport upload(OutboxSource& outbox);
  /// @brief GET /v1/health: "ok", or the error in words.
  Result<wire::Health, std::string> health();

  /// @brief A copy of the progress, safe to read from another thread (the UI).
  SyncProgress progress() const;

 private:
  friend Result<Enrolled, EnrolFailure> enrol_device(const EnrolmentCode&, const std::string&, long,
                                                     const std::string&);
  struct Http;
  void set_progress(SyncProgress p);
  SyncClientConfig config_;
  std::unique_ptr<Http> http_;
  mutable std::mutex progress_mutex_;
  SyncProgress progress_;
};

}  // namespace cate
