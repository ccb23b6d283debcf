#pragma once
/// @brief The kiosk's code readers and sound, as chosen on the command line: a camera (V4L2, or
/// an image folder), a USB serial scanner, the chime. Made by run_app, handed to the KioskApp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kiosk/app/camera_feed.hpp"
#include "kiosk/app/serial_feed.hpp"
#include "platform/audio/chime.hpp"

namespace cate::app {

struct DeviceOptions {
  std::string camera = "auto";  ///< "auto" (the first camera, when there is one), "none", or "/dev/videoN"
  std::string camera_folder;    ///< play the images in this folder (or this one image) as the camera
  double camera_fps = 10;       ///< the folder's pace
  bool camera_once = false;     ///< play the folder once (tests), instead of round and round
  double preview_fps = 15;      ///< the preview is drawn at most this often (a slow GPU: fewer)
  /// How long each image of the folder shows, in name order (the last repeats); overrides
  /// camera_fps. The demo's camera folder uses it.
  std::vector<std::chrono::milliseconds> camera_durations;
  std::string serial;           ///< "/dev/ttyACM0", "auto" (the first ttyACM), or empty: none
  bool sound = true;            ///< the check-in chime, where a sound device exists
};

/// Reads one device option at args[i] (moving i past its value). Returns false when args[i] is
/// not a device option; sets `why` when it is one but is wrong.
bool parse_device_option(const std::vector<std::string>& args, std::size_t& i, DeviceOptions& out, std::string& why);

struct AppDevices {
  std::unique_ptr<CameraFeed> camera;  ///< null with --camera none
  std::unique_ptr<SerialFeed> serial;  ///< null without --serial
  std::unique_ptr<audio::Chime> chime; ///< null with no sound device, or --no-sound
};

/// Makes the devices (threads start when the app attaches them). `wake` wakes the window loop.
/// Never fails: a device that cannot be used now is a state the screens show.
AppDevices make_devices(const DeviceOptions& options, std::function<void()> wake);

}  // namespace cate::app
