// cate-syncd's HTTP service.
//
// [SECTION] Helpers     clock, log lines, error answers, authentication
// [SECTION] Enrol       POST /v1/enrol
// [SECTION] Push        POST /v1/push
// [SECTION] Pull        GET  /v1/pull?cursor=
// [SECTION] Server      routes, limits, start and stop
#include "sync/server/sync_server.hpp"

#include <httplib.h>
#include <sodium.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "sync/protocol/bundle.hpp"
#include "sync/server/rate_limit.hpp"

namespace cate {

bool is_loopback_address(std::string_view host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

// A pull cursor older than this gets everything again, not a delta: tombstones need not be kept
// for ever, and a kiosk away that long starts clean.
constexpr std::int64_t kMaxDeltaAgeMs = 30LL * 24 * 3600 * 1000;

struct SyncServer::Impl {
  SyncStore& records;
  CentralStore& office;
  SyncServerConfig config;
  RateLimiter limiter;          // per device token
  RateLimiter address_limiter;  // per address, for requests without a known token only
  std::mutex records_mutex;  // a store of one connection (SQLite): one call at a time
  std::mutex office_mutex;
  std::unique_ptr<httplib::Server> server;  // an SSLServer with TLS; made by bind()
  std::thread thread;
  int port = 0;

  Impl(SyncStore& r, CentralStore& o, SyncServerConfig c)
      : records(r),
        office(o),
        config(std::move(c)),
        limiter(config.requests_per_second, config.request_burst),
        address_limiter(config.address_requests_per_second, config.address_request_burst) {}

  // -------------------------------------------------------------------------------------------
  // [SECTION] Helpers
  // -------------------------------------------------------------------------------------------
  /// The records store's turn: held for a store of one connection (SQLite); none for a store that
  /// takes a connection per call (PostgreSQL), so batches from different kiosks run side by side.
  std::unique_lock<std::mutex> records_turn() {
    return records.concurrent() ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(records_mutex);
  }

  std::int64_t now_ms() const {
    if (config.clock) return config.clock();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void log(nlohmann::json line) {
    line["ts_ms"] = now_ms();
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (config.log) config.log(text);
    else fprintf(stderr, "%s\n", text.c_str());
  }

  static void answer_error(httplib::Response& res, int status, std::string code, std::string message,
                           bool retry) {
    res.status = status;
    res.set_content(wire::to_json(wire::ErrorBody{std::move(code), std::move(message), retry}),
                    "application/json");
  }

  /// A request without a known device token: counted against its address. True when the
  /// address has sent too many such requests (a 429 answer is then written).
  bool address_over_limit(const httplib::Request& req, httplib::Response& res) {
    if (address_limiter.allow(req.remote_addr, now_ms())) return false;
    answer_error(res, 429, "rate_limited", "too many requests without a known device token from this address; "
                 "try again shortly", true);
    res.set_header("Retry-After", "1");
    return true;
  }

  /// The device behind the request's bearer token, or an error answer already written. Only the
  /// device's own bucket limits it: twenty kiosks behind one router do not share one.
  std::optional<SyncDevice> authenticate(const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0) {
      if (address_over_limit(req, res)) return std::nullopt;
      answer_error(res, 401, "unauthorized", "this request carries no device token; enrol the kiosk first", false);
      return std::nullopt;
    }
    std::optional<SyncDevice> device;
    {
      auto turn = records_turn();
      auto d = records.device_for_token(std::string_view(auth).substr(kBearer.size()));
      if (!d) {
        answer_error(res, 503, "storage", "the server cannot read its devices: " + d.error(), true);
        return std::nullopt;
      }
      device = *d;
    }
    if (!device) {
      if (address_over_limit(req, res)) return std::nullopt;
      answer_error(res, 401, "unauthorized", "the server does not know this device token; enrol the kiosk again",
                   false);
      return std::nullopt;
    }
    if (device->revoked_at_ms) {
      answer_error(res, 403, "device_revoked",
                   "the office has withdrawn this kiosk; it can no longer sync. Ask the office to enrol it again",
                   false);
      return std::nullopt;
    }
    if (!limiter.allow(device->device_id, now_ms())) {
      answer_error(res, 429, "rate_limited", "this kiosk is sending too often; it will try again shortly", true);
      res.set_header("Retry-After", "1");
      return std::nullopt;
    }
    return device;
  }

  /// Signs the answer with the server's identity key (wire.hpp, answer_signing_text).
  void sign(const httplib::Request& req, httplib::Response& res) {
    if (!config.identity) return;
    std::string text = wire::answer_signing_text(req.get_header_value(wire::kNonceHeader), req.method, req.path,
                                                 res.status, res.body);
    auto sig = sign_bytes(text, *config.identity);
    res.set_header(wire::kServerKeyHeader, config.identity->public_key().base64());
    res.set_header(wire::kSignatureHeader,
                   base64_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())));
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Enrol
  // A one-time token from the enrolment QR is traded for a device credential, sealed to a key
  // the kiosk made for this attempt, in an answer signed by the server's identity key.
  // -------------------------------------------------------------------------------------------
  void enrol(const httplib::Request& req, httplib::Response& res) {
    nlohmann::json line = {{"event", "enrol"}, {"remote", req.remote_addr}};
    auto finish = [&] {
      line["status"] = res.status;
      log(std::move(line));
    };
    if (address_over_limit(req, res)) return finish();
    if (!config.identity) {
      answer_error(res, 503, "no_identity", "this server has no identity key and cannot enrol kiosks", false);
      return finish();
    }
    if (req.body.size() > 4096) {
      answer_error(res, 413, "too_large", "an enrolment request is a few hundred bytes; this one is too large", false);
      return finish();
    }
    auto msg = wire::parse_enrol_request(req.body);
    if (!msg) {
      answer_error(res, 400, "bad_request", "the enrolment request cannot be read: " + msg.error().message, false);
      line["error"] = msg.error().message;
      return finish();
    }
    auto box_key = base64_decode(msg->box_key);
    if (!box_key || box_key->size() != crypto_box_PUBLICKEYBYTES || msg->device_id.empty()) {
      answer_error(res, 400, "bad_request", "the enrolment request needs a device ID and a 32-byte box_key", false);
      return finish();
    }
    line["device"] = msg->device_id;
    const std::string device_token = new_device_token();
    StoreResult<Redeemed> redeemed = Redeemed{};
    {
      auto turn = records_turn();
      redeemed = records.redeem_enrolment(msg->token, msg->device_id, device_token, now_ms());
    }
    if (!redeemed) {
      answer_error(res, 503, "storage", "the server cannot enrol devices now: " + redeemed.error(), true);
      return finish();
    }
    switch (redeemed->refusal) {
      case EnrolRefusal::Unknown:
        answer_error(res, 401, "enrolment_unknown",
                     "this server does not know the enrolment code; ask the office for a new one", false);
        return finish();
      case EnrolRefusal::Used:
        answer_error(res, 410, "enrolment_used",
                     "this enrolment code was already used (each works once); ask the office for a new one", false);
        return finish();
      case EnrolRefusal::Expired:
        answer_error(res, 410, "enrolment_expired", "this enrolment code has expired; ask the office for a new one",
                     false);
        return finish();
      case EnrolRefusal::Withdrawn:
        answer_error(res, 403, "enrolment_withdrawn",
                     "the office withdrew this enrolment code; ask the office for a new one", false);
        return finish();
      case EnrolRefusal::None: break;
    }
    std::string sealed(crypto_box_SEALBYTES + device_token.size(), '\0');
    crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                    reinterpret_cast<const unsigned char*>(device_token.data()), device_token.size(),
                    reinterpret_cast<const unsigned char*>(box_key->data()));
    wire::EnrolResponse out;
    out.device_id = redeemed->device->device_id;
    out.name = redeemed->device->name;
    out.sealed_token = base64_encode(sealed);
    out.server_key = config.identity->public_key().base64();
    out.server_clock_ms = now_ms();
    auto sig = sign_bytes(wire::enrol_response_signing_text(out, msg->box_key), *config.identity);
    out.signature = base64_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
    res.status = 200;
    res.set_content(wire::to_json(out), "application/json");
    line["name"] = out.name;
    finish();
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Push
  // -------------------------------------------------------------------------------------------
  void push(const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    nlohmann::json line = {{"event", "push"}, {"remote", req.remote_addr}};
    auto finish = [&] {
      line["status"] = res.status;
      line["ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                       .count();
      log(std::move(line));
    };
    auto device = authenticate(req, res);
    if (!device) {
      line["refused"] = "auth";
      return finish();
    }
    line["device"] = device->device_id;
    if (req.body.size() > config.max_body_bytes) {
      answer_error(res, 413, "too_large",
                   "the request body holds " + std::to_string(req.body.size()) + " bytes; at most " +
                       std::to_string(config.max_body_bytes) + " are taken: send smaller batches",
                   false);
      return finish();
    }
    auto msg = wire::parse_push_request(req.body);
    if (!msg) {
      answer_error(res, 400, "bad_request", "the push request cannot be read: " + msg.error().message, false);
      line["error"] = msg.error().message;
      return finish();
    }
    if (msg->device_id != device->device_id) {
      answer_error(res, 403, "wrong_device", "this batch names device " + msg->device_id +
                                                 ", but the token belongs to another device", false);
      return finish();
    }
    ReceivedBatch batch{device->device_id, msg->device_clock_ms, now_ms(), std::move(msg->records),
                        msg->outbox_pending, config.identity ? &*config.identity : nullptr};
    StoreResult<std::vector<wire::RecordResult>> results = std::vector<wire::RecordResult>{};
    {
      auto turn = records_turn();
      results = records.record_batch(batch);
    }
    if (!results) {
      answer_error(res, 503, "storage", "the server could not record the batch: " + results.error(), true);
      line["error"] = results.error();
      return finish();
    }
    int stored = 0, duplicate = 0, refused = 0;
    for (const auto& r : *results) {
      if (r.status == wire::RecordStatus::Stored) ++stored;
      else if (r.status == wire::RecordStatus::Duplicate) ++duplicate;
      else ++refused;
    }
    line["records"] = batch.records.size();
    line["stored"] = stored;
    line["duplicate"] = duplicate;
    line["refused"] = refused;
    line["skew_ms"] = batch.received_ms - batch.device_clock_ms;
    res.status = 200;
    res.set_content(wire::to_json(wire::PushResponse{now_ms(), std::move(*results)}), "application/json");
    finish();
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Pull
  // A pull carries one bundle signed by the office's current key. With no cursor, or one this
  // server cannot continue from, it is everything: every meeting that has not ended more than a
  // day ago, with its whole roster and its revocations, and every key in use. With a cursor it
  // issued, it is a delta: only the meetings, RSVPs, revocations and removals written since, and
  // every key in use; nothing written since is "unchanged". The cursor is
  // "<server ms>.<epoch>.<change number>" (SYNC.md, "Download").
  // -------------------------------------------------------------------------------------------
  struct PullCursor {
    std::int64_t ms = 0;
    std::string epoch;
    std::int64_t seq = 0;
  };
  static std::optional<PullCursor> parse_pull_cursor(const std::string& text) {
    auto a = text.find('.');
    auto b = a == std::string::npos ? a : text.find('.', a + 1);
    if (b == std::string::npos) return std::nullopt;
    PullCursor c;
    c.epoch = text.substr(a + 1, b - a - 1);
    auto number = [](const std::string& t, std::int64_t& out) {
      if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos) return false;
      out = std::stoll(t);
      return true;
    };
    if (!number(text.substr(0, a), c.ms) || !number(text.substr(b + 1), c.seq) || c.epoch.empty()) return std::nullopt;
    return c;
  }

  void pull(const httplib::Request& req, httplib::Response& res) {
    nlohmann::json line = {{"event", "pull"}, {"remote", req.remote_addr}};
    auto device = authenticate(req, res);
    if (!device) {
      line["status"] = res.status;
      return log(std::move(line));
    }
    line["device"] = device->device_id;
    const std::int64_t now = now_ms();
    {
      auto turn = records_turn();
      (void)records.saw_device(device->device_id, now);  // "last seen" only: a failure here stops nothing
    }
    // A cursor this server issued, from this database, not from its future, not too old: a delta.
    const std::string asked = req.get_param_value("cursor");
    std::optional<PullCursor> since = parse_pull_cursor(asked);
    if (since && (since->ms > now || now - since->ms > kMaxDeltaAgeMs)) since.reset();
    Bundle b;
    std::optional<SigningKeyRecord> signer;
    std::string failure;
    std::string full_reason = asked.empty() ? "no cursor" : "unknown cursor";
    OfficeChanges changes;
    {
      std::lock_guard lock(office_mutex);
      auto key = office.current_signing_key();
      auto keys = office.signing_keys();
      auto got = office.changes_since(since ? since->seq : 0, now / 1000 - 86400);
      if (got && since && (got->epoch != since->epoch || since->seq > got->seq)) {
        since.reset();  // another database, or one restored from an older backup: everything
        got = office.changes_since(0, now / 1000 - 86400);
      }
      if (!key || !keys || !got) {
        failure = !key ? key.error() : !keys ? keys.error() : got.error();
      } else {
        signer = *key;
        if (config.identity) b.seal_key = config.identity->public_key();  // what kiosks seal forms to
        for (const auto& k : *keys)
          if (!k.retired_at) b.keys.push_back(k.public_key);
        changes = std::move(*got);
      }
    }
    if (!failure.empty()) {
      answer_error(res, 503, "storage", "the server cannot read the office's data: " + failure, true);
    } else if (!signer) {
      answer_error(res, 503, "no_signing_key", "the office has no signing key in use; run cate-admin key new",
                   true);
    } else {
      const bool unchanged = since && changes.seq == since->seq;
      b.created_at = now / 1000;
      b.meetings = std::move(changes.meetings);
      b.rsvps = std::move(changes.rsvps);
      b.revocations = std::move(changes.revocations);
      b.forms = std::move(changes.forms);
      if (config.identity) b.seal_key = config.identity->public_key();
      if (since) {
        b.delta = true;
        b.since = asked;
        b.removed_rsvps = std::move(changes.removed_rsvps);
      }
      std::string cursor = std::to_string(now) + "." + changes.epoch + "." + std::to_string(changes.seq);
      wire::PullResponse out{cursor, now, unchanged, unchanged ? std::string() : write_bundle(b, signer->secret_key)};
      res.status = 200;
      res.set_content(wire::to_json(out), "application/json");
      line["unchanged"] = unchanged;
      line["delta"] = b.delta;
      if (!b.delta) line["full"] = full_reason;
      line["meetings"] = b.meetings.size();
      line["rsvps"] = b.rsvps.size();
      line["revocations"] = b.revocations.size();
      line["forms"] = b.forms.size();
      line["bytes"] = out.bundle.size();
    }
    line["status"] = res.status;
    log(std::move(line));
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Server
  // -------------------------------------------------------------------------------------------
  Result<int, std::string> bind() {
    const bool tls = !config.tls_cert_file.empty() || !config.tls_key_file.empty();
    if (tls && (config.tls_cert_file.empty() || config.tls_key_file.empty()))
      return Err{std::string("TLS needs both --tls-cert FILE and --tls-key FILE")};
    if (!tls && !is_loopback_address(config.bind_address))
      return Err{"plain HTTP is served on loopback only (127.0.0.1, ::1); " + config.bind_address +
                 " needs TLS: give --tls-cert FILE and --tls-key FILE"};
    if (tls) {
      auto ssl = std::make_unique<httplib::SSLServer>(config.tls_cert_file.c_str(), config.tls_key_file.c_str());
      if (!ssl->is_valid())
        return Err{"cannot serve TLS with the certificate " + config.tls_cert_file + " and the key " +
                   config.tls_key_file + ": unreadable, not PEM, or the key is not the certificate's"};
      server = std::move(ssl);
    } else {
      server = std::make_unique<httplib::Server>();
    }
    httplib::Server& http = *server;
    // cpp-httplib reads up to 4x the limit itself, so a body just over the limit gets a clear
    // "too_large" answer from push(); beyond that it refuses before reading.
    http.set_payload_max_length(config.max_body_bytes * 4);
    http.set_read_timeout(config.read_timeout_s, 0);
    http.set_write_timeout(config.read_timeout_s, 0);
    http.set_keep_alive_max_count(100);
    http.Post("/v1/push", [this](const httplib::Request& q, httplib::Response& r) { push(q, r); sign(q, r); });
    http.Get("/v1/pull", [this](const httplib::Request& q, httplib::Response& r) { pull(q, r); sign(q, r); });
    http.Post("/v1/enrol", [this](const httplib::Request& q, httplib::Response& r) { enrol(q, r); sign(q, r); });
    http.Get("/v1/health", [this](const httplib::Request& q, httplib::Response& r) {
      r.set_content(wire::to_json(wire::Health{"ok", wire::kProtocolVersion, now_ms()}), "application/json");
      sign(q, r);
    });
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& q, httplib::Response& r) {
      if (!r.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string code = r.status == 413 ? "too_large" : r.status == 404 ? "not_found" : "bad_request";
      std::string msg = r.status == 413   ? "the request body is far too large; send smaller batches"
                        : r.status == 404 ? "there is no " + q.method + " " + q.path + " here"
                                          : "the request cannot be read (HTTP " + std::to_string(r.status) + ")";
      answer_error(r, r.status, code, msg, false);
      sign(q, r);
      log({{"event", "refused"}, {"remote", q.remote_addr}, {"path", q.path}, {"status", r.status}});
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([this](const httplib::Request& q, httplib::Response& r, std::exception_ptr) {
      answer_error(r, 500, "internal", "the server failed on this request; it has been logged", true);
      sign(q, r);
      log({{"event", "exception"}, {"path", q.path}});
    });
    if (config.port == 0) {
      port = http.bind_to_any_port(config.bind_address);
      if (port <= 0) return Err{"cannot listen on " + config.bind_address};
    } else {
      if (!http.bind_to_port(config.bind_address, config.port))
        return Err{"cannot listen on " + config.bind_address + ":" + std::to_string(config.port) +
                   " (in use, or not allowed)"};
      port = config.port;
    }
    log({{"event", "listening"}, {"address", config.bind_address}, {"port", port},
         {"protocol", wire::kProtocolVersion}, {"tls", tls}});
    return port;
  }
};

SyncServer::SyncServer(SyncStore& records, CentralStore& office, SyncServerConfig config)
    : impl_(std::make_unique<Impl>(records, office, std::move(config))) {}

SyncServer::~SyncServer() { stop(); }

Result<int, std::string> SyncServer::bind() { return impl_->bind(); }

void SyncServer::serve_here() {
  if (impl_->server) impl_->server->listen_after_bind();
}

Result<int, std::string> SyncServer::start() {
  auto p = impl_->bind();
  if (!p) return p;
  impl_->thread = std::thread([this] { impl_->server->listen_after_bind(); });
  // cpp-httplib 0.11 has no wait_until_ready: wait (bounded) for the listen loop to run.
  for (int i = 0; i < 500 && !impl_->server->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return p;
}

void SyncServer::stop() {
  if (!impl_) return;
  if (impl_->server) impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int SyncServer::port() const { return impl_->port; }

}  // namespace cate
