// Keyboard-wedge scanners told from typing (platform/input/wedge.hpp), on recorded keystroke
// timings: scanners, fast typists, a typist's rollover, a clock that wraps.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include "platform/input/wedge.hpp"

using namespace cate;

namespace {

/// `n` keys starting at `t0`, `gap` ms apart with up to `jitter` ms either way: is it a scan?
bool burst(int n, std::uint32_t t0, std::uint32_t gap, std::uint32_t jitter = 0, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uint32_t t = t0, last = t0;
  for (int i = 0; i < n; ++i) {
    last = t;
    t += gap + (jitter ? static_cast<std::uint32_t>(rng() % (2 * jitter + 1)) - jitter : 0);
  }
  return is_scanner_burst(n, t0, last);
}

}  // namespace

TEST_CASE("wedge: a scanner's burst is a scan, on fast and slow scanner settings") {
  CHECK(burst(62, 1000, 2));   // a ticket at 2 ms a key
  CHECK(burst(62, 1000, 8, 6));
  CHECK(burst(62, 1000, 30, 5));  // a slow setting
  CHECK(burst(kWedgeMinKeys, 0, kWedgeKeyGapMs));  // exactly at the limit
}

TEST_CASE("wedge: a fast typist (90 ms +/- 25 ms between keys) and a typist's rollover are typing") {
  for (unsigned seed = 1; seed <= 20; ++seed) CHECK_FALSE(burst(20, 5000, 90, 25, seed));
  CHECK_FALSE(burst(3, 5000, 4));                   // three keys pressed together
  CHECK_FALSE(burst(kWedgeMinKeys - 1, 5000, 2));   // too few keys for a scan, however fast
  CHECK_FALSE(burst(kWedgeMinKeys, 0, kWedgeKeyGapMs + 1));
}

TEST_CASE("wedge: one slow key in a scanner's burst (a busy machine) still averages as a scan") {
  // 61 keys 3 ms apart and one 150 ms late: on average 5.4 ms a key.
  CHECK(is_scanner_burst(62, 1000, 1000 + 60 * 3 + 150));
}

TEST_CASE("wedge: the key clock wrapping in the middle of a burst changes nothing") {
  const std::uint32_t before_wrap = 0xFFFFFFFFu - 50;
  CHECK(burst(62, before_wrap, 3));
  CHECK_FALSE(burst(20, before_wrap, 90));
}

TEST_CASE("wedge: nothing typed, or keys in the wrong order, is no scan") {
  CHECK_FALSE(is_scanner_burst(0, 100, 100));
  CHECK_FALSE(is_scanner_burst(1, 100, 100));
  CHECK_FALSE(is_scanner_burst(20, 2000, 1000));  // last before first: a huge span once unsigned
}
