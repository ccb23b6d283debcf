// The kiosk's sync client.
//
// [SECTION] HTTP       libcurl: one request, a timeout on each, transport failure apart from status
// [SECTION] Back-off   exponential with jitter
// [SECTION] Upload     the outbox in batches; the rule for what leaves it
// [SECTION] Pull       download and hand over
#include "sync/client/sync_client.hpp"

#include <curl/curl.h>

#include <chrono>
#include <map>
#include <mutex>

namespace cate {

const char* to_string(SyncFailure f) {
  switch (f) {
    case SyncFailure::None: return "none";
    case SyncFailure::Transport: return "transport";
    case SyncFailure::Http: return "http";
    case SyncFailure::Protocol: return "protocol";
    case SyncFailure::Outbox: return "outbox";
    case SyncFailure::Pull: return "pull";
  }
  return "none";
}

// ---------------------------------------------------------------------------------------------
// [SECTION] HTTP
// ---------------------------------------------------------------------------------------------
namespace {

constexpr std::size_t kMaxAnswerBytes = std::size_t{256} << 20;

struct HttpAnswer {
  long status = 0;
  std::string body;
};
struct TransportError {
  std::string message;  ///< in words
};

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > kMaxAnswerBytes) return 0;  // curl stops with a write error
  body->append(data, size * n);
  return size * n;
}

std::string transport_words(CURLcode code, const char* detail) {
  std::string what;
  switch (code) {
    case CURLE_COULDNT_CONNECT: what = "the server cannot be reached (connection refused)"; break;
    case CURLE_COULDNT_RESOLVE_HOST: what = "the server's name cannot be found (no network?)"; break;
    case CURLE_OPERATION_TIMEDOUT: what = "the server did not answer in time"; break;
    case CURLE_GOT_NOTHING: what = "the connection closed before the server answered"; break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: what = "the connection to the server was cut"; break;
    case CURLE_PARTIAL_FILE: what = "the server's answer was cut short"; break;
    case CURLE_WRITE_ERROR: what = "the server's answer is far too large"; break;
    default: what = std::string("the network failed (") + curl_easy_strerror(code) + ")"; break;
  }
  if (detail && *detail) what += ": " + std::string(detail);
  return what;
}

}  // namespace

struct SyncClient::Http {
  const SyncClientConfig& config;
  explicit Http(const SyncClientConfig& c) : config(c) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  /// One request; `body` null for GET.
  Result<HttpAnswer, TransportError> request(const std::string& path, const std::string* body) {
    CURL* curl = curl_easy_init();
    if (!curl) return Err{TransportError{"the network library cannot start"}};
    HttpAnswer answer;
    char detail[CURL_ERROR_SIZE] = {0};
    std::string url = config.server_url + path;
    std::string auth = "Authorization: Bearer " + config.device_token;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, auth.c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    if (body) headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, config.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, config.request_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
    if (body) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) return Err{TransportError{transport_words(rc, detail)}};
    return answer;
  }
};

namespace {
/// The server's error answer in words, or a description of what came instead.
std::pair<std::string, std::string> error_of(const HttpAnswer& a) {
  auto e = wire::parse_error_body(a.body);
  if (e) return {e->code, "the server refused (HTTP " + std::to_string(a.status) + "): " + e->message};
  return {"", "the server answered HTTP " + std::to_string(a.status) + " without a readable reason"};
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] Back-off
// ---------------------------------------------------------------------------------------------
std::int64_t Backoff::next_delay_ms() {
  std::int64_t d = base_;
  for (int i = 0; i < failures_ && d < max_; ++i) d *= 2;
  if (d > max_) d = max_;
  ++failures_;
  std::uniform_int_distribution<std::int64_t> jitter(d / 2, d);
  return jitter(rng_);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Upload
// ---------------------------------------------------------------------------------------------
SyncClient::SyncClient(SyncClientConfig config) : config_(std::move(config)) {
  if (config_.batch_size == 0) config_.batch_size = 1;
  if (config_.batch_size > wire::kMaxBatchRecords) config_.batch_size = wire::kMaxBatchRecords;
  http_ = std::make_unique<Http>(config_);
}

SyncClient::~SyncClient() = default;

SyncProgress SyncClient::progress() const {
  std::lock_guard lock(progress_mutex_);
  return progress_;
}

void SyncClient::set_progress(SyncProgress p) {
  std::lock_guard lock(progress_mutex_);
  progress_ = std::move(p);
}

RoundReport SyncClient::upload(OutboxSource& outbox) {
  RoundReport rep;
  auto now = [&] {
    if (config_.clock) return config_.clock();
    return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  };
  const std::int64_t waiting = outbox.pending();
  auto fail = [&](SyncFailure f, std::string words) {
    rep.failure = f;
    rep.error = std::move(words);
    set_progress({SyncProgress::Phase::Failed, rep.stored + rep.duplicate, waiting, "Sync failed: " + rep.error});
    return rep;
  };
  auto keep = [&](const std::vector<Uuid>& ids, const std::string& why) -> bool {
    if (ids.empty()) return true;
    rep.kept += static_cast<std::int64_t>(ids.size());
    return outbox.keep(ids, why).ok();
  };

  std::int64_t position = INT64_MIN;
  std::size_t batch_size = config_.batch_size;
  for (std::size_t n = 0; n < config_.max_batches_per_round; ++n) {
    set_progress({SyncProgress::Phase::Uploading, rep.stored + rep.duplicate, waiting,
                  "Uploading: " + std::to_string(rep.stored + rep.duplicate) + " of " + std::to_string(waiting) +
                      " records sent"});
    auto batch = outbox.next_batch(batch_size, position);
    if (!batch) return fail(SyncFailure::Outbox, "the kiosk cannot read its outbox: " + batch.error());
    if (batch->empty()) {
      rep.ok = true;
      return rep;
    }
    wire::PushRequest req{config_.device_id, now(), {}};
    std::vector<Uuid> ids;
    for (auto& r : *batch) {
      req.records.push_back(r.record);
      ids.push_back(r.record.record_id);
    }
    std::string body = wire::to_json(req);
    auto answer = http_->request("/v1/push", &body);
    if (!answer) {
      keep(ids, answer.error().message);
      return fail(SyncFailure::Transport, answer.error().message);
    }
    if (answer->status != 200) {
      auto [code, words] = error_of(*answer);
      rep.http_status = static_cast<int>(answer->status);
      rep.error_code = code;
      const bool unreadable_batch = answer->status == 413 || (answer->status == 400 && code == "bad_request");
      if (unreadable_batch && batch_size > 1) {
        batch_size = std::max<std::size_t>(1, batch_size / 2);  // find the record the server cannot take
        continue;
      }
      if (unreadable_batch) {
        // One record the server cannot read: kept (never lost), passed over for this round.
        keep(ids, words);
        position = batch->back().position;
        continue;
      }
      keep(ids, words);
      return fail(SyncFailure::Http, words);
    }
    auto res = wire::parse_push_response(answer->body);
    if (!res) {
      std::string words = "the server's answer is not understood (" + res.error().message + ")";
      keep(ids, words);
      return fail(SyncFailure::Protocol, words);
    }
    std::map<Uuid, const wire::RecordResult*> by_id;
    for (const auto& r : res->results) by_id.emplace(r.record_id, &r);
    std::vector<Uuid> done;
    std::map<std::string, std::vector<Uuid>> kept;
    for (const auto& id : ids) {
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        kept["the server did not answer for this record"].push_back(id);
        continue;
      }
      const wire::RecordResult& r = *it->second;
      ++rep.sent;
      if (r.status == wire::RecordStatus::Stored) {
        ++rep.stored;
        done.push_back(id);
      } else if (r.status == wire::RecordStatus::Duplicate) {
        ++rep.duplicate;
        done.push_back(id);
      } else if (r.permanent) {
        ++rep.refused_permanent;
        done.push_back(id);
      } else {
        kept["the server refused for now: " + r.reason].push_back(id);
      }
    }
    if (auto a = outbox.acknowledge(done); !a)
      return fail(SyncFailure::Outbox, "the kiosk cannot update its outbox: " + a.error());
    for (const auto& [why, list] : kept)
      if (!keep(list, why)) return fail(SyncFailure::Outbox, "the kiosk cannot update its outbox");
    position = batch->back().position;
  }
  rep.ok = true;  // bounded: the rest waits for the next round
  return rep;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Pull
// ---------------------------------------------------------------------------------------------
RoundReport SyncClient::round(OutboxSource& outbox, PullTarget& target) {
  RoundReport rep = upload(outbox);
  if (!rep.ok) return rep;
  rep.ok = false;
  const std::int64_t sent = rep.stored + rep.duplicate;
  set_progress({SyncProgress::Phase::Downloading, sent, sent, "Downloading meetings and rosters"});
  auto fail = [&](SyncFailure f, std::string words) {
    rep.failure = f;
    rep.error = std::move(words);
    set_progress({SyncProgress::Phase::Failed, sent, sent, "Sync failed: " + rep.error});
    return rep;
  };
  std::string cursor = target.pull_cursor();
  std::string path = "/v1/pull";
  if (!cursor.empty()) {
    CURL* c = curl_easy_init();
    char* esc = c ? curl_easy_escape(c, cursor.c_str(), static_cast<int>(cursor.size())) : nullptr;
    if (esc) path += "?cursor=" + std::string(esc);
    curl_free(esc);
    if (c) curl_easy_cleanup(c);
  }
  auto answer = http_->request(path, nullptr);
  if (!answer) return fail(SyncFailure::Transport, answer.error().message);
  if (answer->status != 200) {
    auto [code, words] = error_of(*answer);
    rep.http_status = static_cast<int>(answer->status);
    rep.error_code = code;
    return fail(SyncFailure::Http, words);
  }
  auto pull = wire::parse_pull_response(answer->body);
  if (!pull) return fail(SyncFailure::Protocol, "the server's answer is not understood (" + pull.error().message + ")");
  auto applied = target.apply_pull(*pull);
  if (!applied) return fail(SyncFailure::Pull, applied.error());
  rep.pulled = true;
  rep.pull_summary = *applied;
  rep.ok = true;
  set_progress({SyncProgress::Phase::Done, sent, sent,
                "Synced: " + std::to_string(sent) + " records sent; " + rep.pull_summary});
  return rep;
}

Result<wire::Health, std::string> SyncClient::health() {
  auto answer = http_->request("/v1/health", nullptr);
  if (!answer) return Err{answer.error().message};
  if (answer->status != 200) return Err{error_of(*answer).second};
  auto h = wire::parse_health(answer->body);
  if (!h) return Err{"the server's answer is not understood (" + h.error().message + ")"};
  return *h;
}

}  // namespace cate
