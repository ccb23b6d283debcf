#pragma once
/// @brief Chime: the short sound of a successful check-in, made in code (no sound file) and
/// played through SDL's audio. A kiosk with no sound device stays silent and works the same.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cate::audio {

/// The chime's samples: two soft rising notes (E6 then A6) with a quick fade, mono signed
/// 16-bit at `rate` samples a second, about a third of a second long. Pure: tested as is.
std::vector<std::int16_t> make_chime(int rate = 48000);

/// @brief An open sound device with the chime ready. play() may be called from the window
/// loop's thread; it queues the sound and returns at once.
class Chime {
 public:
  /// Opens the default sound device; nullptr (and `why` says why) when there is none.
  static std::unique_ptr<Chime> open(std::string& why);
  ~Chime();
  Chime(const Chime&) = delete;
  Chime& operator=(const Chime&) = delete;

  void play();
  /// The sound driver in use ("pulseaudio", "alsa", "disk"), for logs.
  const std::string& driver() const { return driver_; }

 private:
  Chime() = default;
  std::uint32_t device_ = 0;
  std::string driver_;
  std::vector<std::int16_t> samples_;
};

}  // namespace cate::audio
