// Chime: a generated two-note sound on SDL's audio queue.
#include "platform/audio/chime.hpp"

#include <SDL.h>

#include <algorithm>
#include <cmath>

namespace cate::audio {

std::vector<std::int16_t> make_chime(int rate) {
  constexpr double kPi = 3.14159265358979323846;
  struct Note {
    double hz, start_s, length_s;
  };
  constexpr Note kNotes[] = {{1318.5, 0.0, 0.22}, {1760.0, 0.11, 0.24}};  // E6, then A6
  const double total_s = 0.36;
  std::vector<std::int16_t> out(static_cast<std::size_t>(total_s * rate));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    double v = 0;
    for (const Note& n : kNotes) {
      const double u = t - n.start_s;
      if (u < 0 || u > n.length_s) continue;
      const double attack = std::min(1.0, u / 0.006);  // no click at the start
      const double decay = std::exp(-u * 14.0) * (1.0 - u / n.length_s);
      v += 0.22 * attack * decay * std::sin(2 * kPi * n.hz * u);
    }
    out[i] = static_cast<std::int16_t>(std::clamp(v, -1.0, 1.0) * 32767);
  }
  return out;
}

std::unique_ptr<Chime> Chime::open(std::string& why) {
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
    why = std::string("no sound: ") + SDL_GetError();
    return nullptr;
  }
  SDL_AudioSpec want{}, have{};
  want.freq = 48000;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  want.samples = 1024;
  const SDL_AudioDeviceID dev = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
  if (dev == 0) {
    why = std::string("no sound device: ") + SDL_GetError();
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    return nullptr;
  }
  auto c = std::unique_ptr<Chime>(new Chime());
  c->device_ = dev;
  if (const char* d = SDL_GetCurrentAudioDriver()) c->driver_ = d;
  c->samples_ = make_chime(want.freq);
  SDL_PauseAudioDevice(dev, 0);  // plays whatever is queued; silence otherwise
  return c;
}

Chime::~Chime() {
  if (device_) {
    SDL_CloseAudioDevice(device_);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
  }
}

void Chime::play() {
  if (!device_) return;
  SDL_ClearQueuedAudio(device_);  // a new welcome replaces a chime still sounding
  SDL_QueueAudio(device_, samples_.data(), static_cast<Uint32>(samples_.size() * sizeof(std::int16_t)));
}

}  // namespace cate::audio
