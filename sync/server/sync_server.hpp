#pragma once
/// @brief cate-syncd's HTTP service: enrol, push, pull and health over cpp-httplib, in-process, so the
/// program (syncd_main.cpp) and the tests run the very same server. Endpoints and messages:
/// sync/protocol/SYNC.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "sync/admin/central_store.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/server/sync_store.hpp"

namespace cate {

struct SyncServerConfig {
  std::string bind_address = "127.0.0.1";  ///< plain HTTP is served on loopback only (TLS comes later)
  int port = 0;                            ///< 0: any free port (see SyncServer::port())
  std::size_t max_body_bytes = 1 << 20;    ///< a larger request body is refused ("too_large", 413)
  double requests_per_second = 20;         ///< per device (its token): the token bucket's refill rate
  double request_burst = 60;               ///< per device (its token): the token bucket's size
  /// Per address, only for what carries no known device token: enrolment and requests with a
  /// token the server does not know. Kiosks behind one router share an address, so it is coarse.
  double address_requests_per_second = 2;
  double address_request_burst = 40;
  int read_timeout_s = 5;                  ///< a request that stalls this long is dropped
  /// Where log lines go (one JSON object a line); null: standard error.
  std::function<void(std::string_view line)> log;
  /// The server's clock, Unix milliseconds; null: the system clock.
  std::function<std::int64_t()> clock;
  /// The server's identity key (server_identity.hpp): signs every answer and enrolment. Without
  /// it answers go unsigned and POST /v1/enrol is refused ("no_identity").
  std::optional<SecretKey> identity;
};

class SyncServer {
 public:
  /// @brief A server over these stores; nothing listens until start().
  SyncServer(SyncStore& records, CentralStore& office, SyncServerConfig config);
  ~SyncServer();  ///< stops and joins
  SyncServer(const SyncServer&) = delete;
  SyncServer& operator=(const SyncServer&) = delete;

  /// @brief Binds (refusing a non-loopback address) and serves on a thread of its own; returns the port.
  Result<int, std::string> start();
  /// @brief Serves on the calling thread until stop() (cate-syncd's main).
  Result<int, std::string> bind();
  void serve_here();
  /// @brief Stops listening, finishes requests in flight; safe from any thread, more than once.
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True for 127.0.0.1, ::1 and localhost.
bool is_loopback_address(std::string_view host);

}  // namespace cate
