#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

namespace cate::test {

namespace {

constexpr int kIoTimeoutMs = 5000;

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return poll(&p, 1, timeout_ms) > 0;
}

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    if (!wait_for(fd, POLLOUT, kIoTimeoutMs)) return false;
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

/// Reads one HTTP message (head + Content-Length body); false on timeout, close or nonsense.
bool read_message(int fd, std::string& out) {
  out.clear();
  char buf[16384];
  std::size_t head_end = std::string::npos, need = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kIoTimeoutMs);
  while (true) {
    if (head_end != std::string::npos && out.size() >= need) return true;
    if (std::chrono::steady_clock::now() > deadline || !wait_for(fd, POLLIN, kIoTimeoutMs)) return false;
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) return false;
    out.append(buf, static_cast<std::size_t>(r));
    if (head_end == std::string::npos) {
      head_end = out.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      std::string head = out.substr(0, head_end);
      std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
      std::size_t length = 0;
      auto at = head.find("content-length:");
      if (at != std::string::npos) length = std::stoul(head.substr(at + 15));
      need = head_end + 4 + length;
    }
  }
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Sends `request` to the server and reads its answer; empty when there was none.
std::string round_trip(int port, const std::string& request, std::size_t send_bytes) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  std::string answer;
  if (write_all(fd, request.data(), std::min(send_bytes, request.size()))) {
    if (send_bytes < request.size()) ::shutdown(fd, SHUT_WR);
    if (!read_message(fd, answer)) answer.clear();
  }
  ::close(fd);
  return answer;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, Odds odds, std::uint64_t seed)
    : upstream_port_(upstream_port), odds_(odds), rng_(seed) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listen_fd_, 64);
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() { stop(); }

void FaultProxy::set_odds(Odds odds) {
  std::lock_guard lock(mutex_);
  odds_ = odds;
}

void FaultProxy::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  std::list<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  ::close(listen_fd_);
}

void FaultProxy::accept_loop() {
  while (!stopping_) {
    if (!wait_for(listen_fd_, POLLIN, 20)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void FaultProxy::serve(int client) {
  std::string request;
  if (!read_message(client, request)) {
    ::close(client);
    return;
  }
  ++counts_.requests;
  double roll;
  Odds o;
  int delay_ms;
  {
    std::lock_guard lock(mutex_);
    o = odds_;
    roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    delay_ms = std::uniform_int_distribution<int>(1, std::max(1, o.max_delay_ms))(rng_);
  }
  std::string answer;
  bool answer_client = true;
  if ((roll -= o.drop_request) < 0) {
    ++counts_.dropped_requests;
    answer_client = false;
  } else if ((roll -= o.delay) < 0) {
    ++counts_.delayed;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    answer = round_trip(upstream_port_, request, request.size());
  } else if ((roll -= o.duplicate) < 0) {
    ++counts_.duplicated;
    round_trip(upstream_port_, request, request.size());
    answer = round_trip(upstream_port_, request, request.size());
  } else if ((roll -= o.truncate) < 0) {
    ++counts_.truncated;
    std::size_t head = request.find("\r\n\r\n") + 4;
    answer = round_trip(upstream_port_, request, head + (request.size() - head) / 2);
  } else if ((roll -= o.drop_response) < 0) {
    ++counts_.dropped_responses;
    round_trip(upstream_port_, request, request.size());  // the server commits; nobody hears it
    answer_client = false;
  } else {
    ++counts_.passed;
    answer = round_trip(upstream_port_, request, request.size());
  }
  if (answer_client && !answer.empty()) write_all(client, answer.data(), answer.size());
  ::close(client);
}

}  // namespace cate::test
