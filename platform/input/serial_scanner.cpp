// USB serial (CDC ACM) barcode scanners: raw termios, poll with a deadline, lines split on CR, LF
// or CRLF, overlong lines dropped whole, and reopening with back-off after an unplug.
#include "platform/input/serial_scanner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

namespace cate {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string os_error(int e) { return std::generic_category().message(e); }

SerialError open_error(const std::string& path, int e) {
  switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return {SerialError::Kind::NoScanner, path + " is not there: is the barcode scanner plugged in?"};
    case EACCES:
    case EPERM:
      return {SerialError::Kind::CannotOpen,
              "cannot open " + path + ": permission denied: add the kiosk's user to the dialout group"};
    case EBUSY:
      return {SerialError::Kind::CannotOpen, "cannot open " + path + ": another program is using the scanner"};
    default:
      return {SerialError::Kind::CannotOpen, "cannot open " + path + ": " + os_error(e)};
  }
}

}  // namespace

std::vector<std::string> list_serial_scanners(const std::string& device_folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(device_folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("ttyACM", 0) == 0) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

SerialScanner::SerialScanner(SerialOptions options) : options_(std::move(options)) {}

SerialScanner::~SerialScanner() { close_device(); }

std::string SerialScanner::description() const {
  if (!path_.empty()) return "USB serial scanner (" + path_ + ")";
  return options_.device.empty() ? "USB serial scanner" : "USB serial scanner (" + options_.device + ")";
}

Result<SerialOpened, SerialError> SerialScanner::start() {
  close_device();
  auto opened = open_device();
  if (!opened) return opened;
  started_ = true;
  retry_ = milliseconds{0};
  return SerialOpened{};
}

void SerialScanner::stop() {
  close_device();
  started_ = false;
}

void SerialScanner::close_device() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  partial_.clear();
  last_was_cr_ = false;
  dropping_ = false;
}

Result<SerialOpened, SerialError> SerialScanner::open_device() {
  std::string path = options_.device;
  if (path.empty()) {
    const auto found = list_serial_scanners(options_.device_folder);
    if (found.empty())
      return Err{SerialError{SerialError::Kind::NoScanner,
                             "no USB serial scanner found (no ttyACM device in " + options_.device_folder +
                                 "): plug one in, or use a keyboard-wedge scanner"}};
    path = found.front();
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Err{open_error(path, errno)};
  if (!::isatty(fd)) {
    ::close(fd);
    return Err{SerialError{SerialError::Kind::NotATerminal,
                           path + " is not a serial device: give the scanner's /dev/ttyACM path"}};
  }
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    const int e = errno;
    ::close(fd);
    return Err{SerialError{SerialError::Kind::Io, "cannot read the settings of " + path + ": " + os_error(e)}};
  }
  // Raw bytes: no echo, no line editing, no CR/LF translation; reads return what has arrived.
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, B115200);  // CDC ACM ignores the speed; a real UART scanner does not
  ::cfsetospeed(&tio, B115200);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    const int e = errno;
    ::close(fd);
    return Err{SerialError{SerialError::Kind::Io, "cannot set raw mode on " + path + ": " + os_error(e)}};
  }
  ::tcflush(fd, TCIFLUSH);  // whatever was scanned while nobody was listening is stale
  fd_ = fd;
  path_ = path;
  partial_.clear();
  last_was_cr_ = false;
  dropping_ = false;
  return SerialOpened{};
}

void SerialScanner::take_bytes(const char* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (c == '\n' && last_was_cr_) {  // the LF of a CRLF
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      if (dropping_) dropping_ = false;
      else if (!partial_.empty()) lines_.push_back(std::move(partial_));
      partial_.clear();
      continue;
    }
    if (dropping_ || c == '\0') continue;
    if (partial_.size() >= options_.max_line) {
      partial_.clear();
      dropping_ = true;
      ++dropped_;
      continue;
    }
    partial_.push_back(c);
  }
}

Result<ScannerLine, SerialError> SerialScanner::next(milliseconds timeout) {
  if (!started_)
    return Err{SerialError{SerialError::Kind::NotStarted, "the serial scanner is not started"}};
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (dropped_ > 0) {
      --dropped_;
      return Err{SerialError{SerialError::Kind::LineTooLong,
                             "the scanner sent a line longer than " + std::to_string(options_.max_line) +
                                 " characters: not a code the kiosk reads, so it was ignored"}};
    }
    if (!lines_.empty()) {
      ScannerLine line{std::move(lines_.front()), Clock::now()};
      lines_.pop_front();
      return line;
    }
    if (fd_ < 0) {  // unplugged: reopen when the back-off allows
      if (Clock::now() < next_retry_) {
        std::this_thread::sleep_until(std::min(deadline, next_retry_));
        if (Clock::now() >= deadline && Clock::now() < next_retry_)
          return Err{SerialError{SerialError::Kind::Disconnected,
                                 "the barcode scanner is unplugged: waiting for it to come back"}};
        continue;
      }
      if (auto opened = open_device(); !opened) {
        retry_ = std::min(options_.max_retry, retry_ * 2 + options_.first_retry);
        next_retry_ = Clock::now() + retry_;
        if (Clock::now() >= deadline)
          return Err{SerialError{SerialError::Kind::Disconnected,
                                 "the barcode scanner is unplugged: waiting for it to come back (" +
                                     opened.error().message + ")"}};
        continue;
      }
      retry_ = milliseconds{0};
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Err{SerialError{SerialError::Kind::Timeout, "no scan yet"}};
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Err{SerialError{SerialError::Kind::Io, "cannot wait for " + path_ + ": " + os_error(errno)}};
    }
    if (rc == 0) return Err{SerialError{SerialError::Kind::Timeout, "no scan yet"}};
    bool hung_up = false;
    if (p.revents & POLLIN) {
      char buffer[512];
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n > 0) {
        take_bytes(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      hung_up = true;  // 0 bytes on a readable tty, or EIO: the device is gone
    } else if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      hung_up = true;
    }
    if (hung_up) {
      close_device();
      retry_ = options_.first_retry;
      next_retry_ = Clock::now() + retry_;
      return Err{SerialError{SerialError::Kind::Disconnected,
                             "the barcode scanner (" + path_ + ") was unplugged: waiting for it to come back"}};
    }
  }
}

}  // namespace cate
