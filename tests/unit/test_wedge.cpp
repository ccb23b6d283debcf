// Keyboard-wedge scanners told from typing, on recorded keystroke timings.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "platform/input/wedge.hpp"

using namespace cate;

namespace {

/// Keys of `text` starting at `t0`, `gap` ms apart (plus jitter from `jitter`), then Enter if asked.
std::vector<KeyEvent> keys(const std::string& text, std::int64_t t0, std::int64_t gap, bool enter = false,
                           std::int64_t jitter = 0, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::vector<KeyEvent> out;
  std::int64_t t = t0;
  for (char c : text) {
    out.push_back({KeyEvent::Kind::Character, static_cast<char32_t>(c), t});
    t += gap + (jitter ? static_cast<std::int64_t>(rng() % (2 * jitter + 1)) - jitter : 0);
  }
  if (enter) out.push_back({KeyEvent::Kind::Enter, 0, out.empty() ? t0 : out.back().ms + gap});
  return out;
}

struct Played {
  std::vector<WedgeOutput> scans;
  std::string typed;  ///< typed characters, Enter as '\n'
  std::vector<WedgeOutput> all;
};

/// Feeds the keys in order, polling every millisecond between them as a UI loop would, and
/// for a second after the last.
Played play(const std::vector<KeyEvent>& events, WedgeOptions options = {}) {
  WedgeDetector d(options);
  Played p;
  auto take = [&](std::vector<WedgeOutput> outs) {
    for (auto& o : outs) {
      if (o.kind == WedgeOutput::Kind::Scan) p.scans.push_back(o);
      else p.typed += o.key.kind == KeyEvent::Kind::Enter ? '\n' : static_cast<char>(o.key.character);
      p.all.push_back(std::move(o));
    }
  };
  std::int64_t now = events.empty() ? 0 : events.front().ms;
  for (const auto& e : events) {
    for (; now < e.ms; ++now) take(d.poll(now));
    take(d.feed(e));
  }
  for (const std::int64_t end = now + 1000; now < end; ++now) take(d.poll(now));
  return p;
}

const std::string kCode = "CATE1.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

}  // namespace

TEST_CASE("wedge: a scanner burst ending in Enter is one scan, with the times of its first and last key") {
  const auto p = play(keys(kCode, 1000, 4, true));
  REQUIRE(p.scans.size() == 1);
  CHECK(p.scans[0].text == kCode);
  CHECK(p.scans[0].first_ms == 1000);
  CHECK(p.scans[0].last_ms == 1000 + 4 * static_cast<std::int64_t>(kCode.size()));  // the Enter
  CHECK(p.typed.empty());
}

TEST_CASE("wedge: the scan with Enter is delivered at the Enter, without waiting for a pause") {
  WedgeDetector d;
  std::vector<WedgeOutput> out;
  for (const auto& k : keys(kCode, 0, 3, true)) {
    auto o = d.feed(k);
    out.insert(out.end(), o.begin(), o.end());
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == WedgeOutput::Kind::Scan);
  CHECK_FALSE(d.next_deadline());
}

TEST_CASE("wedge: a scanner with no suffix gives one scan once the pause has passed") {
  const auto events = keys(kCode, 0, 8);
  WedgeDetector d;
  for (const auto& k : events) CHECK(d.feed(k).empty());
  const std::int64_t last = events.back().ms;
  CHECK(d.poll(last + 60).empty());  // still inside the pause: maybe more is coming
  const auto out = d.poll(last + 130);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == WedgeOutput::Kind::Scan);
  CHECK(out[0].text == kCode);
  CHECK(play(events).scans.size() == 1);
}

TEST_CASE("wedge: a fast human typist (90 ms +/- 25 ms between keys) gives no scan; every key is passed on") {
  const std::string words = "maria.gonzalez@example.org";
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto events = keys(words, 0, 90, true, 25, seed);
    const auto p = play(events);
    CHECK(p.scans.empty());
    CHECK(p.typed == words + "\n");
  }
}

TEST_CASE("wedge: a typist's rollover (two or three keys within a few ms) is still typing") {
  std::vector<KeyEvent> events = keys("th", 0, 12);            // two keys nearly together
  for (auto& e : keys("e", 150, 0)) events.push_back(e);
  for (auto& e : keys("cat", 300, 15)) events.push_back(e);    // three quick ones
  const auto p = play(events);
  CHECK(p.scans.empty());
  CHECK(p.typed == "thecat");
}

TEST_CASE("wedge: typed keys reach the text field within the key gap, not only at the end") {
  WedgeDetector d;
  CHECK(d.feed({KeyEvent::Kind::Character, U'a', 0}).empty());
  CHECK(d.poll(20).empty());  // could still be the start of a burst
  const auto out = d.poll(41);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == WedgeOutput::Kind::Typed);
  CHECK(out[0].key.character == U'a');
}

TEST_CASE("wedge: a person typing, then a scan, then typing again: each goes its own way") {
  std::vector<KeyEvent> events = keys("ana", 0, 110);
  for (auto& e : keys(kCode, 500, 5, true)) events.push_back(e);
  for (auto& e : keys("ok", 1500, 120)) events.push_back(e);
  const auto p = play(events);
  REQUIRE(p.scans.size() == 1);
  CHECK(p.scans[0].text == kCode);
  CHECK(p.typed == "anaok");
  // Order is kept: a, n, a, the scan, o, k.
  REQUIRE(p.all.size() == 6);
  CHECK(p.all[3].kind == WedgeOutput::Kind::Scan);
}

TEST_CASE("wedge: a burst interrupted by a human key ends there; the human key is typing") {
  // A scanner with no suffix, then a person presses a key 80 ms after the last scanned one.
  std::vector<KeyEvent> events = keys(kCode, 0, 5);
  events.push_back({KeyEvent::Kind::Character, U'x', events.back().ms + 80});
  const auto p = play(events);
  REQUIRE(p.scans.size() == 1);
  CHECK(p.scans[0].text == kCode);
  CHECK(p.typed == "x");
}

TEST_CASE("wedge: Backspace in the middle of fast keys ends the burst and is passed on") {
  std::vector<KeyEvent> events = keys("ABCDEFGH", 0, 5);
  events.push_back({KeyEvent::Kind::Other, 8, 45});
  for (auto& e : keys("IJ", 50, 5)) events.push_back(e);
  const auto p = play(events);
  REQUIRE(p.scans.size() == 1);
  CHECK(p.scans[0].text == "ABCDEFGH");
  CHECK(p.typed == std::string("\bIJ"));
}

TEST_CASE("wedge: two scans back to back are two scans") {
  const std::string second = "CATE1.SECONDCODE0123456789";
  SUBCASE("each ending in Enter, 10 ms apart") {
    std::vector<KeyEvent> events = keys(kCode, 0, 4, true);
    for (auto& e : keys(second, events.back().ms + 10, 4, true)) events.push_back(e);
    const auto p = play(events);
    REQUIRE(p.scans.size() == 2);
    CHECK(p.scans[0].text == kCode);
    CHECK(p.scans[1].text == second);
    CHECK(p.typed.empty());
  }
  SUBCASE("no suffix, 70 ms apart") {
    std::vector<KeyEvent> events = keys(kCode, 0, 4);
    for (auto& e : keys(second, events.back().ms + 70, 4)) events.push_back(e);
    const auto p = play(events);
    REQUIRE(p.scans.size() == 2);
    CHECK(p.scans[0].text == kCode);
    CHECK(p.scans[1].text == second);
  }
}

TEST_CASE("wedge: a short burst with Enter is typing, Enter included (a form's submit)") {
  const auto p = play(keys("abc", 0, 5, true));
  CHECK(p.scans.empty());
  CHECK(p.typed == "abc\n");
}

TEST_CASE("wedge: flush hands out what is held") {
  WedgeDetector d;
  for (const auto& k : keys("xy", 0, 5)) CHECK(d.feed(k).empty());
  const auto out = d.flush();
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == WedgeOutput::Kind::Typed);
  CHECK_FALSE(d.next_deadline());
}
