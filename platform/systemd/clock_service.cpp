#include "platform/systemd/clock_service.hpp"

#include <fcntl.h>
#include <sys/timex.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cate::systemd {

bool ClockService::network_synced() const {
  if (!paths_.synced_flag.empty() && access(paths_.synced_flag.c_str(), F_OK) == 0) return true;
  if (!paths_.ask_kernel) return false;
  // Reading only (modes 0). Under the kiosk's service the call is filtered (EPERM): no answer.
  struct timex tx{};
  const int state = adjtimex(&tx);
  return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

bool ClockService::can_set() const { return access(paths_.folder.c_str(), W_OK | X_OK) == 0; }

std::string ClockService::request(std::string_view text) const {
  const std::string result = paths_.folder + "/result";
  const std::string tmp = paths_.folder + "/request.tmp";
  const std::string final_name = paths_.folder + "/request";
  if (unlink(result.c_str()) != 0 && errno != ENOENT)
    return "cannot remove the last answer (" + paths_.folder + "): " + std::strerror(errno);
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return "cannot write in " + paths_.folder + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      return "cannot write the request: " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0 || rename(tmp.c_str(), final_name.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    return "cannot hand the request over: " + why;
  }
  return {};
}

std::optional<std::string> ClockService::answer() const {
  const std::string result = paths_.folder + "/result";
  const int fd = open(result.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  char buf[256];
  const ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace cate::systemd
