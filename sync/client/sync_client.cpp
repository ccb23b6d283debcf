// The kiosk's sync client.
//
// [SECTION] HTTP       libcurl: one request, a timeout on each, transport failure apart from status
// [SECTION] Back-off   exponential with jitter
// [SECTION] Upload     the outbox in batches; the rule for what leaves it
// [SECTION] Pull       download and hand over
// [SECTION] Enrol      trade an enrolment code for a credential, pin the server
#include "sync/client/sync_client.hpp"

#include <curl/curl.h>
#include <sodium.h>

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
    case SyncFailure::Identity: return "identity";
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
  std::string signature;   ///< the answer's kSignatureHeader, base64
  std::string server_key;  ///< the answer's kServerKeyHeader, base64
  std::string nonce;       ///< what this request sent as kNonceHeader
};
struct TransportError {
  std::string message;     ///< in words
  bool identity = false;   ///< true: an answer came, but not from the pinned server
};

/// Keeps the two answer headers the client checks.
std::size_t keep_header(char* data, std::size_t size, std::size_t n, void* out) {
  auto* a = static_cast<HttpAnswer*>(out);
  std::string_view line(data, size * n);
  auto take = [&](std::string_view name, std::string& slot) {
    if (line.size() <= name.size() + 1 || line[name.size()] != ':') return;
    for (std::size_t i = 0; i < name.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i])))
        return;
    std::string_view v = line.substr(name.size() + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
    slot = std::string(v);
  };
  take(wire::kSignatureHeader, a->signature);
  take(wire::kServerKeyHeader, a->server_key);
  return size * n;
}

std::string new_nonce() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

/// True when `a` is signed by `key` for this request (wire.hpp, answer_signing_text).
bool signed_by(const HttpAnswer& a, const PublicKey& key, std::string_view method, std::string_view path) {
  auto sig = base64_decode(a.signature);
  if (!sig || sig->size() != 64) return false;
  std::string_view bare = path.substr(0, path.find('?'));
  return verify_bytes(wire::answer_signing_text(a.nonce, method, bare, static_cast<int>(a.status), a.body),
                      reinterpret_cast<const std::uint8_t*>(sig->data()), key);
}

constexpr const char* kNotPinnedServer =
    "the server's answer is not signed by the server this kiosk was enrolled with: it may be another "
    "machine in the way, or the office replaced its server. Nothing it said was taken; ask the office to "
    "enrol the kiosk again if the server was replaced";

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
    case CURLE_PEER_FAILED_VERIFICATION:
      what = "the server's certificate is not trusted by this kiosk (signed by another CA, for another name, "
             "or expired): nothing was sent. Check the server's address, or give the office's CA file "
             "(setting sync_ca_file, cate-kiosk enrol --ca FILE)";
      break;
    case CURLE_SSL_CACERT_BADFILE: what = "the kiosk's CA file (setting sync_ca_file) cannot be read"; break;
    case CURLE_SSL_CONNECT_ERROR: what = "a secure (TLS) connection to the server could not be made"; break;
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
    std::call_once(once, [] {
      curl_global_init(CURL_GLOBAL_DEFAULT);
      if (sodium_init() < 0) return;  // enrol_device() says so; signatures then fail closed
    });
  }

  /// One request; `body` null for GET.
  Result<HttpAnswer, TransportError> request(const std::string& path, const std::string* body) {
    if (auto refusal = insecure_url_refusal(config.server_url)) return Err{TransportError{*refusal}};
    CURL* curl = curl_easy_init();
    if (!curl) return Err{TransportError{"the network library cannot start"}};
    HttpAnswer answer;
    answer.nonce = new_nonce();
    std::string nonce_header = std::string(wire::kNonceHeader) + ": " + answer.nonce;
    char detail[CURL_ERROR_SIZE] = {0};
    std::string url = config.server_url + path;
    std::string auth = "Authorization: Bearer " + config.device_token;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, auth.c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, nonce_header.c_str());
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
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!config.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, config.ca_file.c_str());
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
    if (config.server_key && !signed_by(answer, *config.server_key, body ? "POST" : "GET", path))
      return Err{TransportError{kNotPinnedServer, true}};
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
    wire::PushRequest req{config_.device_id, now(), {}, outbox.pending()};
    std::vector<Uuid> ids;
    for (auto& r : *batch) {
      req.records.push_back(r.record);
      ids.push_back(r.record.record_id);
    }
    std::string body = wire::to_json(req);
    auto answer = http_->request("/v1/push", &body);
    if (!answer) {
      keep(ids, answer.error().message);
      return fail(answer.error().identity ? SyncFailure::Identity : SyncFailure::Transport, answer.error().message);
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
  if (!answer)
    return fail(answer.error().identity ? SyncFailure::Identity : SyncFailure::Transport, answer.error().message);
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


// ---------------------------------------------------------------------------------------------
// [SECTION] Enrol
// ---------------------------------------------------------------------------------------------
std::optional<std::string> insecure_url_refusal(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return std::string("the network library cannot start");
  std::optional<std::string> refusal;
  char* scheme = nullptr;
  char* host = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    refusal = "the server address \"" + url + "\" cannot be read";
  } else {
    const std::string s = scheme, h = host;
    const bool loopback = h == "127.0.0.1" || h == "localhost" || h == "[::1]" || h == "::1";
    if (s == "http" && !loopback)
      refusal = "the server address " + url + " is plain http to another machine: the kiosk's token and records "
                "would cross the network unencrypted, so nothing is sent. Ask the office for its https address";
    else if (s != "http" && s != "https")
      refusal = "the server address " + url + " is not http or https";
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return refusal;
}

Result<Enrolled, EnrolFailure> enrol_device(const EnrolmentCode& code, const std::string& device_id, long timeout_ms,
                                            const std::string& ca_file) {
  SyncClientConfig config;
  config.server_url = code.server_url;
  config.ca_file = ca_file;
  config.device_id = device_id;
  config.request_timeout_ms = timeout_ms;
  SyncClient::Http http(config);
  if (sodium_init() < 0) return Err{EnrolFailure{"internal", "the kiosk's cryptography cannot start"}};
  // The credential comes back sealed to a key made for this attempt only.
  unsigned char box_pk[crypto_box_PUBLICKEYBYTES], box_sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(box_pk, box_sk);
  wire::EnrolRequest req{code.token, device_id,
                         base64_encode(std::string_view(reinterpret_cast<const char*>(box_pk), sizeof box_pk))};
  std::string body = wire::to_json(req);
  auto answer = http.request("/v1/enrol", &body);
  if (!answer) {
    sodium_memzero(box_sk, sizeof box_sk);
    return Err{EnrolFailure{"transport", answer.error().message}};
  }
  // Whatever it says, refusals included, must come from the server the code names.
  auto key = PublicKey::from_base64(answer->server_key);
  if (!key || server_key_fingerprint(*key) != code.fingerprint || !signed_by(*answer, *key, "POST", "/v1/enrol")) {
    sodium_memzero(box_sk, sizeof box_sk);
    return Err{EnrolFailure{"wrong_server",
                            "the server at " + code.server_url +
                                " is not the one named in the enrolment code (its key does not match): the code "
                                "may be for another office's server, or another machine is in the way. Nothing "
                                "was enrolled"}};
  }
  if (answer->status != 200) {
    sodium_memzero(box_sk, sizeof box_sk);
    auto [err_code, words] = error_of(*answer);
    return Err{EnrolFailure{err_code.empty() ? "http" : err_code, words}};
  }
  auto res = wire::parse_enrol_response(answer->body);
  auto fail = [&](std::string words) {
    sodium_memzero(box_sk, sizeof box_sk);
    return Err{EnrolFailure{"protocol", std::move(words)}};
  };
  if (!res) return fail("the server's answer is not understood (" + res.error().message + ")");
  auto sig = base64_decode(res->signature);
  if (res->server_key != answer->server_key || !sig || sig->size() != 64 ||
      !verify_bytes(wire::enrol_response_signing_text(*res, req.box_key),
                    reinterpret_cast<const std::uint8_t*>(sig->data()), *key))
    return fail("the server's enrolment answer is not signed by its own key");
  if (res->device_id != device_id) return fail("the server enrolled another device than this one");
  auto sealed = base64_decode(res->sealed_token);
  if (!sealed || sealed->size() <= crypto_box_SEALBYTES) return fail("the server's credential is damaged");
  std::string token(sealed->size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(token.data()),
                           reinterpret_cast<const unsigned char*>(sealed->data()), sealed->size(), box_pk,
                           box_sk) != 0)
    return fail("the server's credential cannot be opened");
  sodium_memzero(box_sk, sizeof box_sk);
  return Enrolled{code.server_url, std::move(token), *key, res->name};
}

}  // namespace cate
