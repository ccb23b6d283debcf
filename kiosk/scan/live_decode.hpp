#pragma once
/// @brief Reads QR codes in a stream of live camera frames: one cheap pass on every frame (most
/// frames show nobody), whole and half size in turn, and extra tries (contrast, smoothing,
/// another scale) only where ZXing saw a code.
#include <cstdint>
#include <optional>
#include <string>

#include "platform/image.hpp"

namespace cate {

struct LiveDecodeOptions {
  /// The smallest code to read covers this share of the frame's height...
  double smallest_code_share = 0.25;
  /// ...and has this many modules a side (a ticket is QR version 6: 41)...
  int code_modules = 41;
  /// ...so frames are read downscaled as far as keeps its modules this many pixels wide.
  int min_module_px = 3;
  /// Frames at least this tall are read whole and at half size on alternate frames: a code
  /// held close is read at half size for a quarter of the cost, one far away on the frames in
  /// between; any two frames in a row see both.
  int coarse_from_height = 400;
  /// Extra tries on hard frames: when ZXing saw a code it could not read, contrast, smoothing,
  /// another binarizer and scale; on the half-size turns, a look for a light-on-dark code.
  bool extra_tries = true;
};

/// What one frame gave.
struct LiveRead {
  std::optional<std::string> text;
  double ms = 0;           ///< time spent on this frame
  int factor = 1;          ///< the frame was read this many times smaller on each side
  bool candidate = false;  ///< ZXing found a QR code's outline but could not read it (first pass)
  const char* how = "";    ///< which try read it: "plain", "half", "global", "contrast", "smooth", "scale", "inverted"
};

/// @brief A QR reader for one camera's stream of frames (it keeps a little state between frames;
/// use one per stream, from one thread).
class LiveDecoder {
 public:
  explicit LiveDecoder(LiveDecodeOptions options = {}) : options_(options) {}
  LiveRead read(const GreyImage& frame);
  /// The downscale factor a frame of this size is read at.
  int factor_for(const GreyImage& frame) const;

 private:
  LiveDecodeOptions options_;
  std::uint64_t frames_ = 0;
};

}  // namespace cate
