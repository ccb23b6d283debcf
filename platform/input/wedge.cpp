// Keyboard-wedge scanners told apart from typing, by the time between keys.
//
// Keys closer together than max_key_gap_ms form a burst. A burst of at least min_length
// characters is a scan: it ends at an Enter that follows it within end_pause_ms, at a slower
// key, or after end_pause_ms of silence. A shorter burst, or a lone key, is typing: its keys go
// out one by one, as soon as max_key_gap_ms has shown that no burst follows.
#include "platform/input/wedge.hpp"

namespace cate {
namespace {

void append_utf8(std::string& s, char32_t c) {
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

void WedgeDetector::release(std::vector<WedgeOutput>& out, std::optional<std::int64_t> enter_ms) {
  if (pending_.empty()) return;
  if (is_long_burst()) {
    WedgeOutput scan;
    scan.kind = WedgeOutput::Kind::Scan;
    for (const auto& k : pending_) append_utf8(scan.text, k.character);
    scan.first_ms = pending_.front().ms;
    scan.last_ms = enter_ms.value_or(pending_.back().ms);
    out.push_back(std::move(scan));
  } else {
    for (const auto& k : pending_) {
      WedgeOutput typed;
      typed.key = k;
      out.push_back(typed);
    }
  }
  pending_.clear();
}

std::vector<WedgeOutput> WedgeDetector::feed(const KeyEvent& key) {
  std::vector<WedgeOutput> out;
  const std::int64_t gap = pending_.empty() ? 0 : key.ms - pending_.back().ms;
  switch (key.kind) {
    case KeyEvent::Kind::Character:
      if (!pending_.empty() && gap > options_.max_key_gap_ms) release(out, std::nullopt);  // the burst is over
      pending_.push_back(key);
      break;
    case KeyEvent::Kind::Enter:
      if (is_long_burst() && gap <= options_.end_pause_ms) {  // the scanner's suffix
        release(out, key.ms);
        break;
      }
      release(out, std::nullopt);
      out.push_back({WedgeOutput::Kind::Typed, {}, key, 0, 0});
      break;
    case KeyEvent::Kind::Other:
      release(out, std::nullopt);
      out.push_back({WedgeOutput::Kind::Typed, {}, key, 0, 0});
      break;
  }
  return out;
}

std::optional<std::int64_t> WedgeDetector::next_deadline() const {
  if (pending_.empty()) return std::nullopt;
  return pending_.back().ms + (is_long_burst() ? options_.end_pause_ms : options_.max_key_gap_ms) + 1;
}

std::vector<WedgeOutput> WedgeDetector::poll(std::int64_t now_ms) {
  std::vector<WedgeOutput> out;
  if (const auto due = next_deadline(); due && now_ms >= *due) release(out, std::nullopt);
  return out;
}

std::vector<WedgeOutput> WedgeDetector::flush() {
  std::vector<WedgeOutput> out;
  release(out, std::nullopt);
  return out;
}

}  // namespace cate
