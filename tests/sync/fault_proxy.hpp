#pragma once
/// @brief A bad venue Wi-Fi on loopback: an HTTP proxy between a kiosk's sync client and
/// cate-syncd that, at random (seeded), drops requests, delays them, sends them twice, cuts
/// them short, or drops the answer after the server has committed. One request a connection
/// (the client never reuses connections). Every wait is bounded; stop() ends everything.
#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <random>
#include <thread>

namespace cate::test {

class FaultProxy {
 public:
  struct Odds {
    double drop_request = 0;   ///< close the connection before the server sees anything
    double delay = 0;          ///< wait up to max_delay_ms, then pass on
    double duplicate = 0;      ///< send the request to the server twice; answer with the second
    double truncate = 0;       ///< send the server half the body, then close
    double drop_response = 0;  ///< pass on, let the server commit, then close without answering
    int max_delay_ms = 300;
  };
  struct Counts {
    std::atomic<int> requests{0}, passed{0}, dropped_requests{0}, delayed{0}, duplicated{0}, truncated{0},
        dropped_responses{0};
  };

  FaultProxy(int upstream_port, Odds odds, std::uint64_t seed);
  ~FaultProxy();
  int port() const { return port_; }
  void set_odds(Odds odds);
  const Counts& counts() const { return counts_; }
  void stop();

 private:
  void accept_loop();
  void serve(int client_fd);
  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mutex_;  // odds_, rng_, workers_
  Odds odds_;
  std::mt19937_64 rng_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::list<std::thread> workers_;
  Counts counts_;
};

}  // namespace cate::test
